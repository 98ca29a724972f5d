/**
 * The daily loss limit on the strategies list (`GET`/`PUT /account/risk`): today's P&L, the
 * limit, a way to set, change or remove it, and a banner once the server has hit it today (when
 * the day's P&L reaches minus the limit, the server squares off every position and stops every
 * strategy). The device checks only that the amount is one; the server is the judge, and its
 * objection appears beside the input.
 */
import { useState } from 'react';
import { Text, View } from 'react-native';

import { describeError, isApiError } from '../api/errors';
import type { Risk } from '../api/types';
import { parseLossLimit } from '../domain/lossLimit';
import { PAPER_WORDS } from '../domain/paper';
import { useRisk, useSaveRisk } from '../hooks/useRisk';
import { rupees } from '../screens/labels';
import { PnlText } from './PnlText';
import { Button, ErrorMessage, Field, Loading, Notice, Row, styles } from './ui';

/** The wire field the server names in its error when it refuses the amount. */
const LIMIT_FIELD = 'daily_loss_limit';

export const LIMIT_HIT_MESSAGE =
  'Daily loss limit hit today: every position was squared off and every strategy stopped.';

function Standing({ risk }: { risk: Risk }) {
  return (
    <>
      {risk.limit_hit_today ? (
        <Notice tone="warning" message={LIMIT_HIT_MESSAGE} testID="daily-loss-limit-hit" />
      ) : null}
      <View style={styles.kv}>
        <Text style={styles.muted}>Today&apos;s P&L</Text>
        <PnlText text={risk.pnl_today} testID="daily-loss-limit-pnl-today" />
      </View>
      {risk.daily_loss_limit !== null ? (
        <>
          <Row label="Limit" value={rupees(risk.daily_loss_limit)} testID="daily-loss-limit-value" />
          <Text style={styles.muted} testID="daily-loss-limit-explained">
            If today&apos;s P&L reaches -{rupees(risk.daily_loss_limit)}, every position is squared off and
            every strategy stopped.
          </Text>
        </>
      ) : (
        <Text style={styles.muted} testID="daily-loss-limit-none">
          No daily loss limit
        </Text>
      )}
    </>
  );
}

/** `hasPaperStrategy`: the user has a paper strategy, which the limit never counts. */
export function DailyLossLimitCard({ hasPaperStrategy = false }: { hasPaperStrategy?: boolean }) {
  const risk = useRisk();
  const save = useSaveRisk();
  const [draft, setDraft] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);

  if (risk.isPending) {
    return <Loading label="Loading your daily loss limit…" testID="daily-loss-limit-loading" />;
  }
  if (!risk.data) {
    return (
      <>
        <ErrorMessage
          message={`Could not load your daily loss limit: ${describeError(risk.error)}`}
          testID="daily-loss-limit-error"
        />
        <Button
          label="Load the loss limit again"
          variant="secondary"
          onPress={() => void risk.refetch()}
          testID="daily-loss-limit-retry"
        />
      </>
    );
  }

  const send = (limit: string | null) => {
    setInputError(null);
    setSaveError(null);
    save.mutate(limit, {
      onSuccess: () => setDraft(''),
      onError: (error) => {
        const beside = isApiError(error) ? error.fields.find((f) => f.field === LIMIT_FIELD) : undefined;
        if (beside && limit !== null) {
          setInputError(beside.message);
          return;
        }
        const action = limit === null ? 'remove' : 'save';
        setSaveError(`Could not ${action} the limit: ${describeError(error)}`);
      },
    });
  };

  const submit = () => {
    const parsed = parseLossLimit(draft);
    if (!parsed.ok) {
      setSaveError(null);
      setInputError(parsed.error);
      return;
    }
    send(parsed.limit);
  };

  const hasLimit = risk.data.daily_loss_limit !== null;
  return (
    <View style={styles.card} testID="daily-loss-limit">
      <Text style={styles.itemTitle}>Daily loss limit</Text>
      <Standing risk={risk.data} />
      {hasPaperStrategy ? (
        <Text style={styles.muted} testID="daily-loss-limit-paper">
          {PAPER_WORDS.lossLimitNote}
        </Text>
      ) : null}
      <Field
        label={hasLimit ? 'New daily loss limit in rupees' : 'Daily loss limit in rupees'}
        value={draft}
        onChangeText={setDraft}
        error={inputError ?? undefined}
        placeholder="5000"
        keyboardType="decimal-pad"
        testID="daily-loss-limit-input"
      />
      <View style={styles.row}>
        <Button
          label="Save limit"
          onPress={submit}
          busy={save.isPending && save.variables !== null}
          disabled={save.isPending}
          testID="daily-loss-limit-save"
        />
        {hasLimit ? (
          <Button
            label="Remove limit"
            variant="secondary"
            onPress={() => send(null)}
            busy={save.isPending && save.variables === null}
            disabled={save.isPending}
            testID="daily-loss-limit-remove"
          />
        ) : null}
      </View>
      <ErrorMessage message={saveError} testID="daily-loss-limit-save-error" />
    </View>
  );
}
