import { useState } from 'react';
import { Text, View } from 'react-native';

import { describeError, isApiError } from '../api/errors';
import type {
  Direction,
  Order,
  Position,
  Strategy,
  StrategyDay,
  StrategyDays,
  StrategyStatus,
} from '../api/types';
import { DirectionBadge } from '../components/DirectionBadge';
import { PaperBadge } from '../components/PaperBadge';
import { PnlChart } from '../components/PnlChart';
import { PnlText } from '../components/PnlText';
import { StrategyHistory } from '../components/StrategyHistory';
import { colors } from '../components/theme';
import { Button, ErrorMessage, Loading, Row, Screen, styles } from '../components/ui';
import { nextActionLabel, orderEventLabel, positionLabel, wordsFor } from '../domain/direction';
import { isPaperOrder, PAPER_WORDS, splitPaperDays } from '../domain/paper';
import { paiseText } from '../domain/pnl';
import { formatIstInstant } from '../domain/time';
import { useAppActive } from '../hooks/useAppActive';
import { useRefreshPnlOnFills } from '../hooks/usePnl';
import {
  useStartStrategy,
  useStopStrategy,
  PNL_DAYS,
  useStrategy,
  useStrategyDays,
  useStrategyOrders,
  useStrategyStatus,
} from '../hooks/useStrategies';
import { useIsFocused, useNavigation } from '../navigation/Navigator';
import { useServices } from '../services';
import { exitsLine, rupees, STATUS_LABEL } from './labels';

/** A paper strategy's notice and its simulated total: its own colours, apart from real money. */
const paperCard = { borderColor: colors.paper, backgroundColor: colors.paperSurface } as const;
const paperNotice = { color: colors.paper, backgroundColor: colors.paperSurface, fontWeight: '600' } as const;

/** A position the user may want to sell when stopping. */
const OPEN_POSITIONS: readonly Position[] = ['buying', 'bought'];

function OrderRow({
  order,
  direction,
  paper,
  now,
}: {
  order: Order;
  direction: Direction;
  /** Whether the strategy is paper now, for a leg that has no order id yet to say. */
  paper: boolean;
  now: number;
}) {
  const price = order.average_price ? ` @ ${rupees(order.average_price)}` : '';
  const when = formatIstInstant(order.placed_at ?? order.scheduled_for, now);
  const latency = order.latency_ms !== null ? ` · ${order.latency_ms} ms` : '';
  return (
    <View style={styles.card} testID={`order-${order.order_id}`}>
      <View style={styles.row}>
        <Text style={styles.label}>
          {orderEventLabel(direction, order.event)} · {order.status}
        </Text>
        <PaperBadge paper={isPaperOrder(order, paper)} testID={`order-${order.order_id}-paper`} />
      </View>
      <Text style={styles.muted}>
        {order.quantity}
        {price} · {order.placed_at ? 'placed' : 'scheduled'} {when}
        {latency}
      </Text>
      {order.message ? <Text style={styles.muted}>{order.message}</Text> : null}
    </View>
  );
}

function PnlSection({
  days,
  orders,
  direction,
  paper,
  now,
}: {
  days: StrategyDays;
  orders: readonly Order[] | undefined;
  direction: Direction;
  paper: boolean;
  now: number;
}) {
  // Newest first, like the order log; a day with only unfilled orders shows its legs too.
  const history = (
    <StrategyHistory days={days} orders={orders} direction={direction} paper={paper} now={now} />
  );
  if (days.days.length === 0) {
    return (
      <>
        <Text style={styles.muted} testID="control-pnl-empty">
          No trades in the last {PNL_DAYS} days.
        </Text>
        {history}
      </>
    );
  }
  const split = splitPaperDays(days.days);
  const chartDays = (list: readonly StrategyDay[]) =>
    list.map((day) => ({ date: day.trading_date, paise: day.realised_pnl_paise }));
  if (split.paper.length === 0) {
    return (
      <>
        <View style={[styles.card, styles.kv]} testID="control-pnl-total">
          <Text style={styles.label}>Realised, last {PNL_DAYS} days</Text>
          <PnlText text={days.total_pnl} testID="control-pnl-total-value" />
        </View>
        <PnlChart days={chartDays(days.days)} testID="control-pnl-chart" />
        {history}
      </>
    );
  }
  // The server's total adds paper days to real ones: here each is shown on its own, the real
  // total only what real days made, the simulated one apart from it.
  return (
    <>
      <View style={[styles.card, styles.kv]} testID="control-pnl-total">
        <Text style={styles.label}>{PAPER_WORDS.realTotal(PNL_DAYS)}</Text>
        <PnlText text={paiseText(split.realPaise)} testID="control-pnl-total-value" />
      </View>
      <View style={[styles.card, paperCard]} testID="control-pnl-paper">
        <View style={styles.kv}>
          <Text style={[styles.label, { color: colors.paper }]}>{PAPER_WORDS.paperTotal(PNL_DAYS)}</Text>
          <PnlText text={paiseText(split.paperPaise)} testID="control-pnl-paper-value" />
        </View>
        <Text style={styles.muted}>{PAPER_WORDS.paperTotalNote}</Text>
      </View>
      {split.real.length > 0 ? <PnlChart days={chartDays(split.real)} testID="control-pnl-chart" /> : null}
      <PnlChart
        title={PAPER_WORDS.paperChartTitle}
        days={chartDays(split.paper)}
        testID="control-pnl-paper-chart"
      />
      {history}
    </>
  );
}

function StatusCard({
  status,
  direction,
  now,
}: {
  status: StrategyStatus;
  direction: Direction;
  now: number;
}) {
  const next = status.next_action
    ? `${nextActionLabel(direction, status.next_action.event)} at ${formatIstInstant(status.next_action.at, now)}`
    : 'none';
  const last = status.last_action
    ? `${orderEventLabel(direction, status.last_action.event)}${status.last_action.status ? ` ${status.last_action.status}` : ''} at ${formatIstInstant(status.last_action.at, now)}`
    : 'none';
  return (
    <View style={styles.card} testID="control-status-card">
      <Row label="Status" value={STATUS_LABEL[status.status]} testID="control-status" />
      <Row label="Position" value={positionLabel(direction, status.position)} testID="control-position" />
      <Row label="Last price" value={rupees(status.last_price)} testID="control-last-price" />
      {status.stop_in_force ? (
        <Row label="Stop now" value={rupees(status.stop_in_force)} testID="control-stop-in-force" />
      ) : null}
      {status.resting_stop_order ? (
        <Row label="At the exchange" value="stop-loss order resting" testID="control-resting-stop" />
      ) : null}
      <Row label="Next action" value={next} testID="control-next-action" />
      <Row label="Last action" value={last} testID="control-last-action" />
      {status.failure_reason ? (
        <Text accessibilityRole="alert" style={styles.fieldError} testID="control-failure-reason">
          {status.failure_reason}
        </Text>
      ) : null}
    </View>
  );
}

/** What the strategy does: its legs and stop-loss, and its target and trailing stop when set. */
function Plan({ strategy }: { strategy: Strategy }) {
  const exits = exitsLine(strategy.target, strategy.trailing_stop, strategy.direction);
  const words = wordsFor(strategy.direction);
  return (
    <>
      <View style={styles.row}>
        <DirectionBadge direction={strategy.direction} testID="control-direction" />
        <PaperBadge paper={strategy.paper} testID="control-paper" />
      </View>
      <Text style={styles.muted} testID="control-plan">
        {words.entryVerb} {strategy.quantity} {strategy.symbol}
        {words.entryNote} ({strategy.exchange}, {strategy.product}) at {strategy.buy_time}, {words.exitVerb}{' '}
        at {strategy.sell_time} IST, stop-loss {rupees(strategy.stop_loss)}.
      </Text>
      {exits ? (
        <Text style={styles.muted} testID="control-exits">
          {exits}
        </Text>
      ) : null}
    </>
  );
}

/** Start and stop one strategy and watch it trade: status polled every 5 s while shown. */
export function StrategyControlScreen({ strategyId }: { strategyId: string }) {
  const navigation = useNavigation();
  const { now } = useServices();
  const strategy = useStrategy(strategyId);
  const status = useStrategyStatus(strategyId);
  const orders = useStrategyOrders(strategyId);
  const days = useStrategyDays(strategyId);
  useRefreshPnlOnFills(strategyId, orders.data?.orders);
  const start = useStartStrategy(strategyId);
  const stop = useStopStrategy(strategyId);
  const [askingToStop, setAskingToStop] = useState(false);
  const focused = useIsFocused();
  const appActive = useAppActive();
  const live = focused && appActive;
  const nowMs = now();

  const current = status.data;
  const running = current?.status === 'running';
  const actionError = start.error ?? stop.error;
  const needsBroker =
    isApiError(actionError) &&
    (actionError.code === 'BROKER_NOT_CONNECTED' || actionError.code === 'BROKER_AUTH_FAILED');

  const requestStop = () => {
    start.reset();
    if (current && OPEN_POSITIONS.includes(current.position)) setAskingToStop(true);
    else stop.mutate(false);
  };
  const confirmStop = (exitPosition: boolean) => {
    setAskingToStop(false);
    stop.mutate(exitPosition);
  };

  const title = strategy.data ? `${strategy.data.symbol} strategy` : 'Strategy';
  // The status and the order log carry no direction: the strategy's says how to read them. While
  // it loads the status waits for it, so a short never shows in a long's words; a strategy that
  // could not be read leaves the wire's (long) words.
  const direction: Direction = strategy.data?.direction ?? 'LONG';
  const directionPending = strategy.isPending;
  const words = wordsFor(direction);
  // The status says it as the server runs the strategy now; until it comes, the strategy does.
  const paper = current?.paper ?? strategy.data?.paper ?? false;

  return (
    <Screen title={title} testID="control-screen">
      {strategy.data ? <Plan strategy={strategy.data} /> : null}
      {paper ? (
        <Text style={[styles.notice, paperNotice]} testID="control-paper-notice">
          {PAPER_WORDS.notice}
        </Text>
      ) : null}

      {status.isPending || (current && directionPending) ? (
        <Loading label="Loading status…" testID="control-loading" />
      ) : status.isError && !current ? (
        <ErrorMessage message={describeError(status.error)} testID="control-status-error" />
      ) : current ? (
        <>
          <StatusCard status={current} direction={direction} now={nowMs} />
          {status.isError ? (
            <ErrorMessage
              message={`Could not refresh: ${describeError(status.error)}`}
              testID="control-refresh-error"
            />
          ) : null}
        </>
      ) : null}
      <Text style={styles.muted} testID="control-live">
        {live ? 'Live: updates every 5 seconds.' : 'Updates paused.'}
      </Text>

      <ErrorMessage message={actionError ? describeError(actionError) : null} testID="control-action-error" />
      {needsBroker ? (
        <Button
          label="Connect broker"
          variant="secondary"
          onPress={() => navigation.push({ name: 'connectBroker' })}
          testID="control-connect-broker"
        />
      ) : null}

      {askingToStop && current ? (
        <View style={styles.card} testID="control-stop-question">
          <Text style={styles.label}>
            You have an open position ({positionLabel(direction, current.position)}). {words.closeQuestion}
          </Text>
          <Button
            label={words.closeButton}
            variant="danger"
            onPress={() => confirmStop(true)}
            testID="control-stop-exit"
          />
          <Button
            label="Stop and keep the position"
            variant="secondary"
            onPress={() => confirmStop(false)}
            testID="control-stop-keep"
          />
          <Button
            label="Don't stop"
            variant="secondary"
            onPress={() => setAskingToStop(false)}
            testID="control-stop-cancel"
          />
        </View>
      ) : (
        <View style={styles.row}>
          <Button
            label="Start"
            onPress={() => {
              stop.reset();
              start.mutate();
            }}
            disabled={!current || running}
            busy={start.isPending}
            testID="control-start"
          />
          <Button
            label="Stop"
            variant="danger"
            onPress={requestStop}
            disabled={!running}
            busy={stop.isPending}
            testID="control-stop"
          />
          <Button
            label="Edit"
            variant="secondary"
            onPress={() => navigation.push({ name: 'editStrategy', strategyId })}
            // The server refuses to change a running strategy.
            disabled={!current || running || !strategy.data}
            testID="control-edit"
          />
        </View>
      )}

      <Text style={styles.sectionTitle}>{'P&L'}</Text>
      {days.isPending ? (
        <Loading label="Loading P&L…" testID="control-pnl-loading" />
      ) : days.isError ? (
        <>
          <ErrorMessage message={describeError(days.error)} testID="control-pnl-error" />
          <Button
            label="Try again"
            variant="secondary"
            onPress={() => void days.refetch()}
            testID="control-pnl-retry"
          />
        </>
      ) : (
        <PnlSection
          days={days.data}
          orders={orders.data?.orders}
          direction={direction}
          paper={paper}
          now={nowMs}
        />
      )}

      <Text style={styles.sectionTitle}>Orders</Text>
      {orders.isPending ? (
        <Loading label="Loading orders…" testID="control-orders-loading" />
      ) : orders.isError && !orders.data ? (
        <ErrorMessage message={describeError(orders.error)} testID="control-orders-error" />
      ) : orders.data && orders.data.orders.length > 0 ? (
        orders.data.orders.map((order) => (
          <OrderRow key={order.order_id} order={order} direction={direction} paper={paper} now={nowMs} />
        ))
      ) : (
        <Text style={styles.muted} testID="control-orders-empty">
          No orders yet.
        </Text>
      )}
    </Screen>
  );
}
