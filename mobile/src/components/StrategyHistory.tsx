/**
 * A strategy's trading days, newest first: each day's realised P&L and fills (`GET
 * /strategy/{id}/days`) over its legs from the order log (`GET /strategy/{id}/orders`), each leg
 * with its quantity, fill price, when it went out and how late, and what the broker said. A day
 * whose orders never filled (a rejected buy) is shown too, with its legs and no P&L.
 */
import { Text, View } from 'react-native';

import type { Order, OrderEvent, StrategyDay, StrategyDays } from '../api/types';
import { formatCalendarDate, formatIstInstant, istDate } from '../domain/time';
import { rupees } from '../screens/labels';
import { PnlText } from './PnlText';
import { colors } from './theme';
import { styles } from './ui';

const EVENT_LABEL: Record<OrderEvent, string> = {
  BUY: 'Buy',
  SELL: 'Sell',
  STOPLOSS: 'Stop-loss exit',
  TARGET: 'Target exit',
  GUARD: 'Resting stop-loss',
};

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
  const fills = [
    fill('Bought', day.bought_quantity, day.buy_average_price),
    fill('Sold', day.sold_quantity, day.sell_average_price),
  ].filter((text) => text !== null);
  return (
    <View testID={`pnl-day-${day.trading_date}`}>
      <View style={styles.kv}>
        <Text style={styles.label}>{formatCalendarDate(day.trading_date)}</Text>
        <PnlText text={day.realised_pnl} testID={`pnl-day-${day.trading_date}-realised`} />
      </View>
      <Text style={styles.muted}>{fills.join(' · ')}</Text>
      {day.open_quantity > 0 ? (
        <Text style={{ color: colors.warning }}>Still open: {day.open_quantity}</Text>
      ) : null}
    </View>
  );
}

function Leg({ order, now }: { order: Order; now: number }) {
  const price = order.average_price ? ` @ ${rupees(order.average_price)}` : '';
  const timing = order.placed_at
    ? `Placed ${formatIstInstant(order.placed_at, now)}${order.latency_ms !== null ? `, ${lateness(order.latency_ms)}` : ''}`
    : `Due ${formatIstInstant(order.scheduled_for, now)}, not placed`;
  return (
    <View style={legStyle} testID={`history-leg-${order.order_id}`}>
      <Text style={styles.label}>
        {EVENT_LABEL[order.event]} {order.quantity}
        {price} · {order.status}
      </Text>
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
  now,
}: {
  days: StrategyDays;
  /** The order log, newest first; `undefined` while it is not loaded (days show without legs). */
  orders: readonly Order[] | undefined;
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
              <Leg key={order.order_id} order={order} now={now} />
            ))}
          </View>
        );
      })}
    </>
  );
}
