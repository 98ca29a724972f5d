/**
 * The account's realised P&L over the last [PNL_DAYS] days, every strategy together (`GET
 * /pnl`): the total and a bar per trading day. Closed until asked for, so the strategies list
 * it sits on costs no extra request.
 */
import { useState } from 'react';
import { Text, View } from 'react-native';

import { describeError } from '../api/errors';
import type { PnlSummary } from '../api/types';
import { useAccountPnl } from '../hooks/usePnl';
import { PNL_DAYS } from '../hooks/useStrategies';
import { PnlChart } from './PnlChart';
import { PnlText } from './PnlText';
import { Button, ErrorMessage, Loading, styles } from './ui';

function Summary({ pnl }: { pnl: PnlSummary }) {
  return (
    <>
      <View style={[styles.card, styles.kv]} testID="account-pnl-total">
        <Text style={styles.label}>All strategies, last {PNL_DAYS} days</Text>
        <PnlText text={pnl.total_pnl} testID="account-pnl-total-value" />
      </View>
      <PnlChart
        title="Account P&L by day"
        days={pnl.days.map((day) => ({ date: day.trading_date, paise: day.pnl_paise }))}
        testID="account-pnl-chart"
      />
    </>
  );
}

export function AccountPnl() {
  const [open, setOpen] = useState(false);
  const pnl = useAccountPnl(open);
  return (
    <View style={{ gap: styles.content.gap }} testID="account-pnl">
      <Button
        label={open ? 'Hide P&L' : 'Show P&L'}
        variant="secondary"
        onPress={() => setOpen((o) => !o)}
        testID="account-pnl-toggle"
      />
      {!open ? null : pnl.isPending ? (
        <Loading label="Loading P&L…" testID="account-pnl-loading" />
      ) : pnl.isError ? (
        <>
          <ErrorMessage message={describeError(pnl.error)} testID="account-pnl-error" />
          <Button
            label="Try again"
            variant="secondary"
            onPress={() => void pnl.refetch()}
            testID="account-pnl-retry"
          />
        </>
      ) : (
        <Summary pnl={pnl.data} />
      )}
    </View>
  );
}
