/**
 * The account's realised P&L over the last [PNL_DAYS] days, every strategy together (`GET
 * /pnl`): the total and a bar per trading day. Closed until asked for, so the strategies list
 * it sits on costs no extra request. The total and the bars are real money only; what paper
 * strategies made is shown apart, labelled simulated and not in the total, when there is any.
 */
import { useState } from 'react';
import { Text, View } from 'react-native';

import { describeError } from '../api/errors';
import type { PnlSummary } from '../api/types';
import { PAPER_WORDS, showsPaperPnl } from '../domain/paper';
import { useAccountPnl } from '../hooks/usePnl';
import { PNL_DAYS } from '../hooks/useStrategies';
import { PnlChart } from './PnlChart';
import { PnlText } from './PnlText';
import { colors } from './theme';
import { Button, ErrorMessage, Loading, styles } from './ui';

function Summary({ pnl, hasPaperStrategy }: { pnl: PnlSummary; hasPaperStrategy: boolean }) {
  const paper = showsPaperPnl(pnl, hasPaperStrategy);
  // Beside a paper result, the total says it is real money.
  const label = paper
    ? `All strategies, ${PAPER_WORDS.realTotal(PNL_DAYS).toLowerCase()}`
    : `All strategies, last ${PNL_DAYS} days`;
  return (
    <>
      <View style={[styles.card, styles.kv]} testID="account-pnl-total">
        <Text style={styles.label}>{label}</Text>
        <PnlText text={pnl.total_pnl} testID="account-pnl-total-value" />
      </View>
      {paper ? (
        <View style={[styles.card, paperCard]} testID="account-pnl-paper">
          <View style={styles.kv}>
            <Text style={[styles.label, { color: colors.paper }]}>{PAPER_WORDS.paperTotal(PNL_DAYS)}</Text>
            <PnlText text={pnl.paper_pnl} testID="account-pnl-paper-value" />
          </View>
          <Text style={styles.muted} testID="account-pnl-paper-note">
            {PAPER_WORDS.paperTotalNote}
          </Text>
        </View>
      ) : null}
      <PnlChart
        title="Account P&L by day"
        days={pnl.days.map((day) => ({ date: day.trading_date, paise: day.pnl_paise }))}
        testID="account-pnl-chart"
      />
    </>
  );
}

const paperCard = { borderColor: colors.paper, backgroundColor: colors.paperSurface } as const;

/** `hasPaperStrategy`: the user has a paper strategy, so its result is shown even at ₹0.00. */
export function AccountPnl({ hasPaperStrategy = false }: { hasPaperStrategy?: boolean }) {
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
        <Summary pnl={pnl.data} hasPaperStrategy={hasPaperStrategy} />
      )}
    </View>
  );
}
