import { useState } from 'react';
import { Pressable, Text, View } from 'react-native';

import { describeError } from '../api/errors';
import type { Strategy } from '../api/types';
import { AccountPnl } from '../components/AccountPnl';
import { DailyLossLimitCard } from '../components/DailyLossLimitCard';
import { DirectionBadge } from '../components/DirectionBadge';
import { PaperBadge } from '../components/PaperBadge';
import { Button, ErrorMessage, Loading, Notice, Screen, styles } from '../components/ui';
import { useSignOut } from '../hooks/useAuth';
import { useBrokerStatus } from '../hooks/useBroker';
import { useUnreadCount } from '../hooks/useNotifications';
import { useSquareOffAll, useStrategies } from '../hooks/useStrategies';
import { positionLabel, wordsFor } from '../domain/direction';
import { PAPER_WORDS } from '../domain/paper';
import { useNavigation } from '../navigation/Navigator';
import { rupees, squareOffSummary, STATUS_LABEL } from './labels';

function StrategyItem({ strategy, onPress }: { strategy: Strategy; onPress: () => void }) {
  const status = STATUS_LABEL[strategy.status];
  const position = positionLabel(strategy.direction, strategy.position);
  const words = wordsFor(strategy.direction);
  const badge = words.badge ? `, ${words.badge.toLowerCase()}` : '';
  const paper = strategy.paper ? `, ${PAPER_WORDS.listNote}` : '';
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={`${strategy.symbol}${badge}${paper}, ${strategy.buy_time} to ${strategy.sell_time}, ${status}, position ${position}`}
      onPress={onPress}
      style={styles.card}
      testID={`strategy-item-${strategy.strategy_id}`}
    >
      <View style={styles.kv}>
        <View style={styles.row}>
          <Text style={styles.itemTitle}>{strategy.symbol}</Text>
          <DirectionBadge
            direction={strategy.direction}
            testID={`strategy-item-direction-${strategy.strategy_id}`}
          />
          <PaperBadge paper={strategy.paper} testID={`strategy-item-paper-${strategy.strategy_id}`} />
        </View>
        <Text style={styles.kvValue} testID={`strategy-item-status-${strategy.strategy_id}`}>
          {status}
        </Text>
      </View>
      <Text style={styles.muted} testID={`strategy-item-plan-${strategy.strategy_id}`}>
        {words.entryVerb} {strategy.quantity}
        {words.entryNote} at {strategy.buy_time}, {words.exitVerb} at {strategy.sell_time} IST ·{' '}
        {strategy.product} · stop-loss {rupees(strategy.stop_loss)}
      </Text>
      <Text testID={`strategy-item-position-${strategy.strategy_id}`}>Position: {position}</Text>
      {strategy.failure_reason ? <Text style={styles.fieldError}>{strategy.failure_reason}</Text> : null}
    </Pressable>
  );
}

/**
 * The way to the notifications, with how many are unread. A failed count shows no number
 * rather than an error: the list itself says what went wrong.
 */
function NotificationsBell({ onPress }: { onPress: () => void }) {
  const unread = useUnreadCount();
  const count = unread.data ?? 0;
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={count > 0 ? `Notifications, ${count} unread` : 'Notifications'}
      onPress={onPress}
      style={styles.back}
      testID="notifications-bell"
    >
      <Text style={styles.backText}>🔔{count > 0 ? ` ${count > 99 ? '99+' : count}` : ''}</Text>
    </Pressable>
  );
}

/**
 * Stops every strategy and sells every open position at market, after asking. The question is
 * part of the screen, as the control screen's stop-and-sell question is, rather than
 * `Alert.alert`, which react-native-web leaves empty: on the web build it would show nothing.
 * While the call is out the button is busy, so a second press sends nothing.
 */
function SquareOffAll() {
  const squareOff = useSquareOffAll();
  const [asking, setAsking] = useState(false);

  const ask = () => {
    squareOff.reset();
    setAsking(true);
  };
  const confirm = () => {
    setAsking(false);
    squareOff.mutate();
  };

  return (
    <>
      {asking ? (
        <View style={styles.card} testID="strategies-square-off-question">
          <Text style={styles.label}>Stop every strategy and sell every open position now at market?</Text>
          <Button
            label="Stop all and sell at market"
            variant="danger"
            onPress={confirm}
            testID="strategies-square-off-confirm"
          />
          <Button
            label="Don't square off"
            variant="secondary"
            onPress={() => setAsking(false)}
            testID="strategies-square-off-cancel"
          />
        </View>
      ) : (
        <Button
          label="Square off all"
          variant="danger"
          onPress={ask}
          busy={squareOff.isPending}
          testID="strategies-square-off"
        />
      )}
      {squareOff.data ? (
        <Notice message={squareOffSummary(squareOff.data)} testID="strategies-square-off-done" />
      ) : null}
      <ErrorMessage
        message={squareOff.error ? `Could not square off: ${describeError(squareOff.error)}` : null}
        testID="strategies-square-off-error"
      />
    </>
  );
}

/** The user's strategies with status and position; tap one to control it. */
export function StrategiesScreen() {
  const navigation = useNavigation();
  const strategies = useStrategies();
  const broker = useBrokerStatus();
  const signOut = useSignOut();
  const hasPaper = strategies.data?.strategies.some((s) => s.paper) ?? false;

  return (
    <Screen
      title="Strategies"
      testID="strategies-screen"
      headerRight={<NotificationsBell onPress={() => navigation.push({ name: 'notifications' })} />}
    >
      {broker.data && broker.data.status !== 'connected' ? (
        <Notice
          tone="warning"
          message={
            broker.data.status === 'expired'
              ? "Today's Kite session is missing: log in to Kite before your first buy."
              : 'Connect your broker before starting a strategy.'
          }
          testID="strategies-broker-notice"
        />
      ) : null}
      <View style={styles.row}>
        <Button
          label="New strategy"
          onPress={() => navigation.push({ name: 'createStrategy' })}
          testID="strategies-new"
        />
        <Button
          label="Broker"
          variant="secondary"
          onPress={() => navigation.push({ name: 'connectBroker' })}
          testID="strategies-broker"
        />
        <Button
          label="Sign out"
          variant="secondary"
          onPress={() => void signOut()}
          testID="strategies-sign-out"
        />
      </View>
      <AccountPnl hasPaperStrategy={hasPaper} />
      {strategies.data && strategies.data.strategies.length > 0 ? <SquareOffAll /> : null}
      <DailyLossLimitCard hasPaperStrategy={hasPaper} />

      {strategies.isPending ? (
        <Loading label="Loading your strategies…" testID="strategies-loading" />
      ) : strategies.isError ? (
        <>
          <ErrorMessage message={describeError(strategies.error)} testID="strategies-error" />
          <Button
            label="Try again"
            variant="secondary"
            onPress={() => void strategies.refetch()}
            testID="strategies-retry"
          />
        </>
      ) : strategies.data.strategies.length === 0 ? (
        <Text style={styles.muted} testID="strategies-empty">
          No strategies yet. Create one to get started.
        </Text>
      ) : (
        strategies.data.strategies.map((strategy) => (
          <StrategyItem
            key={strategy.strategy_id}
            strategy={strategy}
            onPress={() => navigation.push({ name: 'strategyControl', strategyId: strategy.strategy_id })}
          />
        ))
      )}
    </Screen>
  );
}
