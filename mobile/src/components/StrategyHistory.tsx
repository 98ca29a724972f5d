/**
 * A strategy's trading days, newest first: each day's realised P&L and fills (`GET
 * /strategy/{id}/days`) over its legs from the order log (`GET /strategy/{id}/orders`), each leg
 * with its quantity, fill price, when it went out and how late, and what the broker said. A day
 * whose orders never filled (a rejected buy) is shown too, with its legs and no P&L. A short day
 * (its direction as the server says the day's entry went) is marked and reads sold short, then
 * bought back. A paper day (simulated fills) and a paper leg (a `PAPER-` order id) are marked
 * "Paper", the day said to be no part of the real total.
 */
import { Text, View } from 'react-native';

import type { Direction, Order, StrategyDay, StrategyDays } from '../api/types';
import { historyEventLabel, wordsFor } from '../domain/direction';
import { isPaperOrder, PAPER_WORDS } from '../domain/paper';
import { formatCalendarDate, formatIstInstant, istDate } from '../domain/time';
import { rupees } from '../screens/labels';
import { DirectionBadge } from './DirectionBadge';
import { PaperBadge } from './PaperBadge';
import { PnlText } from './PnlText';
import { colors } from './theme';
import { styles } from './ui';

/** How late the order reached the broker after its instant (negative: early). */
export function lateness(latencyMs: number): string {
  return latencyMs < 0 ? `${-latencyMs} ms early` : `${latencyMs} ms late`;
}

/** The IST trading date a leg belongs to: the date of the instant it was due. */
export function legDate(order: Order): string | null {
  const at = Date.parse(order.scheduled_for);
  return Number.isNaN(at) ? null : istDate(at);
}

function fill(verb: string, quantity: number, averagePrice: string | null | undefined): string | null {
  if (quantity === 0) return null;
  return averagePrice ? `${verb} ${quantity} @ ${rupees(averagePrice)}` : `${verb} ${quantity}`;
}

function DaySummary({ day }: { day: StrategyDay }) {
  const words = wordsFor(day.direction);
  // The entry first: a long bought then sold, a short sold then bought back.
  const [entered, exited] =
    day.direction === 'SHORT'
      ? [
          fill(words.dayEntered, day.sold_quantity, day.sell_average_price),
          fill(words.dayExited, day.bought_quantity, day.buy_average_price),
        ]
      : [
          fill(words.dayEntered, day.bought_quantity, day.buy_average_price),
          fill(words.dayExited, day.sold_quantity, day.sell_average_price),
        ];
  const fills = [entered, exited].filter((text) => text !== null);
  return (
    <View testID={`pnl-day-${day.trading_date}`}>
      <View style={styles.kv}>
        <View style={styles.row}>
          <Text style={styles.label}>{formatCalendarDate(day.trading_date)}</Text>
          <DirectionBadge direction={day.direction} testID={`pnl-day-${day.trading_date}-direction`} />
          <PaperBadge paper={day.paper} testID={`pnl-day-${day.trading_date}-paper`} />
        </View>
        <PnlText text={day.realised_pnl} testID={`pnl-day-${day.trading_date}-realised`} />
      </View>
      <Text style={styles.muted} testID={`pnl-day-${day.trading_date}-fills`}>
        {fills.join(' · ')}
      </Text>
      {day.paper ? (
        <Text style={{ color: colors.paper }} testID={`pnl-day-${day.trading_date}-paper-note`}>
          {PAPER_WORDS.dayNote}
        </Text>
      ) : null}
      {day.open_quantity > 0 ? (
        <Text style={{ color: colors.warning }}>
          {words.dayOpen}: {day.open_quantity}
        </Text>
      ) : null}
    </View>
  );
}

function Leg({
  order,
  direction,
  paper,
  now,
}: {
  order: Order;
  direction: Direction;
  paper: boolean;
  now: number;
}) {
  const price = order.average_price ? ` @ ${rupees(order.average_price)}` : '';
  const timing = order.placed_at
    ? `Placed ${formatIstInstant(order.placed_at, now)}${order.latency_ms !== null ? `, ${lateness(order.latency_ms)}` : ''}`
    : `Due ${formatIstInstant(order.scheduled_for, now)}, not placed`;
  return (
    <View style={legStyle} testID={`history-leg-${order.order_id}`}>
      <View style={styles.row}>
        <Text style={styles.label}>
          {historyEventLabel(direction, order.event)} {order.quantity}
          {price} · {order.status}
        </Text>
        <PaperBadge paper={isPaperOrder(order, paper)} testID={`history-leg-${order.order_id}-paper`} />
      </View>
      <Text style={styles.muted}>{timing}</Text>
      {order.message ? (
        <Text style={{ color: colors.text }} testID={`history-leg-${order.order_id}-message`}>
          Broker: {order.message}
        </Text>
      ) : null}
    </View>
  );
}

const legStyle = {
  borderLeftWidth: 3,
  borderLeftColor: colors.border,
  paddingLeft: 8,
  gap: 2,
} as const;

export function StrategyHistory({
  days,
  orders,
  direction,
  paper,
  now,
}: {
  days: StrategyDays;
  /** The order log, newest first; `undefined` while it is not loaded (days show without legs). */
  orders: readonly Order[] | undefined;
  /** The strategy's direction, for a day's legs when the day has no fill to say how it went. */
  direction: Direction;
  /** Whether the strategy is paper, for a leg with no order id yet (one with an id says itself). */
  paper: boolean;
  now: number;
}) {
  const byDate = new Map<string, { day?: StrategyDay; legs: Order[] }>();
  for (const day of days.days) byDate.set(day.trading_date, { day, legs: [] });
  // Oldest first within a day, so a day reads buy then exit; only the days' range.
  for (const order of [...(orders ?? [])].reverse()) {
    const date = legDate(order);
    if (date === null || date < days.from || date > days.to) continue;
    const entry = byDate.get(date) ?? { legs: [] };
    entry.legs.push(order);
    byDate.set(date, entry);
  }
  const dates = [...byDate.keys()].sort().reverse();
  if (dates.length === 0) return null;
  return (
    <>
      <Text style={styles.sectionTitle}>Day by day</Text>
      {dates.map((date) => {
        const { day, legs } = byDate.get(date)!;
        return (
          <View key={date} style={styles.card} testID={`history-day-${date}`}>
            {day ? (
              <DaySummary day={day} />
            ) : (
              <View style={styles.kv}>
                <Text style={styles.label}>{formatCalendarDate(date)}</Text>
                <Text style={styles.muted}>No fill</Text>
              </View>
            )}
            {legs.map((order) => (
              <Leg
                key={order.order_id}
                order={order}
                direction={day?.direction ?? direction}
                paper={day?.paper ?? paper}
                now={now}
              />
            ))}
          </View>
        );
      })}
    </>
  );
}
