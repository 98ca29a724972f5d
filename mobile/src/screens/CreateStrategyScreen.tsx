import { useState } from 'react';
import { Switch, Text, View } from 'react-native';

import { describeError, describeSearchError, isApiError, symbolCheckMessage } from '../api/errors';
import type { Direction, InstrumentMatch, Product, Strategy, StrategyRequest } from '../api/types';
import { SymbolSearch } from '../components/SymbolSearch';
import { colors } from '../components/theme';
import { TimeOfDayPicker } from '../components/TimeOfDayPicker';
import { Button, Choice, ErrorMessage, Field, Loading, Screen, styles } from '../components/ui';
import { DIRECTION_CHOICES, wordsFor } from '../domain/direction';
import { offsetInput, parseExitOffset, type OffsetInput, type OffsetMode } from '../domain/exitOffset';
import { PAPER_WORDS } from '../domain/paper';
import { describeStopAbove, describeStopBelow, parsePercent, stopAbove, stopBelow } from '../domain/stopLoss';
import { nextIstMinute } from '../domain/time';
import {
  buyTimeWindow,
  formatPaise,
  formatTimeOfDay,
  formFieldFor,
  MIN_HOLD_SECONDS,
  parseTimeOfDay,
  rulesFor,
  sellTimeWindow,
  validateStrategy,
  type StrategyFieldErrors,
  type StrategyFormField,
} from '../domain/validateStrategy';
import { useInstrumentSearch } from '../hooks/useInstrumentSearch';
import { useCreateStrategy, useStrategy, useUpdateStrategy } from '../hooks/useStrategies';
import { useNavigation } from '../navigation/Navigator';
import { useServices } from '../services';

const PRODUCTS = [
  { value: 'MIS', label: 'Intraday (MIS)' },
  { value: 'CNC', label: 'Delivery (CNC)' },
] as const satisfies readonly { value: Product; label: string }[];

type StopMode = 'price' | 'percent';

/** The stop-loss as a price, or as a % from the last price on the stop's side of it. */
function stopModes(side: 'below' | 'above') {
  return [
    { value: 'price', label: 'A price (₹)' },
    { value: 'percent', label: `% ${side} last price` },
  ] as const satisfies readonly { value: StopMode; label: string }[];
}

const NO_LAST_PRICE = 'Pick the symbol from the search to use its last price, or enter a price.';

const OFFSET_MODES = [
  { value: 'points', label: 'Points (₹)' },
  { value: 'percent', label: 'Percent (%)' },
] as const satisfies readonly { value: OffsetMode; label: string }[];

/** What each optional exit means, in either mode, for a long and for a short. */
const EXIT_HELP = {
  LONG: {
    target: {
      points: "Sells once the price is this many rupees above the entry's fill price. Empty: no target.",
      percent: "Sells once the price is this % above the entry's fill price, e.g. 1.5. Empty: no target.",
    },
    trailingStop: {
      points:
        'Follows the highest price since the entry, this many rupees below it: it only rises, and never below the stop-loss. Empty: none.',
      percent:
        'Follows the highest price since the entry, this % below it (e.g. 1): it only rises, and never below the stop-loss. Empty: none.',
    },
  },
  SHORT: {
    target: {
      points: "Buys back once the price is this many rupees below the entry's fill price. Empty: no target.",
      percent: "Buys back once the price is this % below the entry's fill price, e.g. 1.5. Empty: no target.",
    },
    trailingStop: {
      points:
        'Follows the lowest price since the entry, this many rupees above the lowest price: it only falls, and never above the stop-loss. Empty: none.',
      percent:
        'Follows the lowest price since the entry, this % above the lowest price (e.g. 1): it only falls, and never above the stop-loss. Empty: none.',
    },
  },
} as const satisfies Record<Direction, Record<'target' | 'trailingStop', Record<OffsetMode, string>>>;

/** An optional exit: a distance in points or in %, the mode chosen beside it. */
function ExitField({
  label,
  value,
  onChange,
  help,
  placeholder,
  error,
  testID,
}: {
  label: string;
  value: OffsetInput;
  onChange: (value: OffsetInput) => void;
  help: Record<OffsetMode, string>;
  placeholder: Record<OffsetMode, string>;
  error?: string;
  testID: string;
}) {
  return (
    <>
      <Choice
        label={`${label} in`}
        options={OFFSET_MODES}
        value={value.mode}
        onChange={(mode) => onChange({ ...value, mode })}
        testID={`${testID}-mode`}
      />
      <Field
        label={label}
        value={value.text}
        onChangeText={(text) => onChange({ ...value, text })}
        placeholder={placeholder[value.mode]}
        keyboardType="decimal-pad"
        error={error}
        testID={testID}
      />
      <Text style={styles.muted} testID={`${testID}-help`}>
        {help[value.mode]}
      </Text>
    </>
  );
}

/**
 * Paper trading on or off: off (real orders) unless chosen. On, it says what paper means; the
 * server's objection, if any, appears under it.
 */
function PaperToggle({
  value,
  onChange,
  error,
  testID,
}: {
  value: boolean;
  onChange: (value: boolean) => void;
  error?: string;
  testID: string;
}) {
  return (
    <View style={styles.field}>
      <View style={[styles.kv, { alignItems: 'center' }]}>
        <Text style={styles.label}>{PAPER_WORDS.toggle}</Text>
        <Switch
          accessibilityRole="switch"
          accessibilityLabel={PAPER_WORDS.toggle}
          accessibilityState={{ checked: value }}
          value={value}
          onValueChange={onChange}
          trackColor={{ true: colors.paper }}
          testID={testID}
        />
      </View>
      <Text style={value ? { color: colors.paper } : styles.muted} testID={`${testID}-help`}>
        {value ? PAPER_WORDS.toggleOn : PAPER_WORDS.toggleOff}
      </Text>
      {error ? (
        <Text accessibilityRole="alert" style={styles.fieldError} testID={`${testID}-error`}>
          {error}
        </Text>
      ) : null}
    </View>
  );
}

/**
 * A new time-based strategy, or (with `strategyId`) changes to one that is not running: the
 * symbol from the broker's list (with its last price), buy first (long) or sell first (short),
 * times from pickers kept inside the session, the stop-loss as a price or as a % from the last
 * price (below it for a long, above it for a short), and an optional target and trailing stop,
 * each in points or in %; and paper trading (simulated fills) or real orders, real unless chosen.
 * Checked on the device with the server's rules before it is sent; the server's own objections
 * appear beside their fields.
 */
export function CreateStrategyScreen({ strategyId }: { strategyId?: string }) {
  return strategyId === undefined ? <StrategyForm /> : <EditStrategy strategyId={strategyId} />;
}

/** The form, once the strategy to edit has loaded, filled with what it has now. */
function EditStrategy({ strategyId }: { strategyId: string }) {
  const strategy = useStrategy(strategyId);
  if (strategy.data) return <StrategyForm existing={strategy.data} />;
  return (
    <Screen title="Edit strategy" testID="edit-screen">
      {strategy.isError ? (
        <ErrorMessage message={describeError(strategy.error)} testID="edit-load-error" />
      ) : (
        <Loading label="Loading the strategy…" testID="edit-loading" />
      )}
    </Screen>
  );
}

function StrategyForm({ existing }: { existing?: Strategy }) {
  const navigation = useNavigation();
  const { config, now } = useServices();
  const rules = rulesFor(config.marketHours);
  const create = useCreateStrategy();
  const update = useUpdateStrategy(existing?.strategy_id ?? '');
  const save = existing ? update : create;
  const exchange = existing?.exchange ?? 'NSE';

  const [symbol, setSymbol] = useState(existing?.symbol ?? '');
  const [picked, setPicked] = useState<InstrumentMatch | null>(null);
  const [buyTime, setBuyTime] = useState(existing?.buy_time ?? '');
  const [sellTime, setSellTime] = useState(existing?.sell_time ?? '');
  const [stopMode, setStopMode] = useState<StopMode>('price');
  const [stopLoss, setStopLoss] = useState(existing?.stop_loss ?? '');
  const [stopPercent, setStopPercent] = useState('');
  const [quantity, setQuantity] = useState(existing ? String(existing.quantity) : '');
  const [product, setProduct] = useState<Product>(existing?.product ?? 'MIS');
  const [direction, setDirection] = useState<Direction>(existing?.direction ?? 'LONG');
  const [paper, setPaper] = useState(existing?.paper ?? false);
  const words = wordsFor(direction);
  const [target, setTarget] = useState<OffsetInput>(() => offsetInput(existing?.target ?? null));
  const [trailingStop, setTrailingStop] = useState<OffsetInput>(() =>
    offsetInput(existing?.trailing_stop ?? null),
  );
  const [errors, setErrors] = useState<StrategyFieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);

  // The symbol: a pick stands while the text still names it; a match typed out in full counts.
  const typed = symbol.trim().toUpperCase();
  const pickedNow = picked?.tradingsymbol === typed ? picked : null;
  const search = useInstrumentSearch(pickedNow ? '' : symbol, exchange);
  const current = search.data && !search.isPlaceholderData ? search.data.instruments : null;
  const selected =
    pickedNow ?? (search.q === typed ? (current?.find((m) => m.tradingsymbol === typed) ?? null) : null);
  const matches = selected || typed === '' ? [] : (search.data?.instruments ?? []);
  const searchNotice = search.isError
    ? describeSearchError(search.error)
    : current && current.length === 0 && !search.typing
      ? `No ${exchange} equity matches “${search.q}”.`
      : null;

  // The stop-loss as a % from the selected instrument's last price: below it for a long, above
  // it for a short.
  const lastPaise = selected?.last_price_paise ?? null;
  const side = words.stopSide;
  const percent = parsePercent(stopPercent, side);
  const stopAt = side === 'below' ? stopBelow : stopAbove;
  const describeStop = side === 'below' ? describeStopBelow : describeStopAbove;
  const percentStop =
    percent.ok && lastPaise !== null ? stopAt(lastPaise, percent.hundredths, rules.tickPaise) : null;
  const percentLine =
    lastPaise === null
      ? NO_LAST_PRICE
      : !percent.ok
        ? stopPercent.trim() === ''
          ? `Enter a % to see the price (last price ₹${formatPaise(lastPaise)}).`
          : percent.error
        : percentStop?.ok
          ? `Stop-loss at ${describeStop(percentStop.paise, percent.hundredths, lastPaise)}.`
          : (percentStop?.error ?? NO_LAST_PRICE);

  const buy = parseTimeOfDay(buyTime);
  const nextMinute = nextIstMinute(now());

  const edit = (field: StrategyFormField, setter: (text: string) => void) => (text: string) => {
    setter(text);
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const pick = (match: InstrumentMatch) => {
    setPicked(match);
    setSymbol(match.tradingsymbol);
    setErrors((e) => ({ ...e, symbol: undefined }));
  };

  /** The stop-loss as rupee text for the form, or why there is none. */
  const stopLossText = (): { text: string; error?: string } => {
    if (stopMode === 'price') return { text: stopLoss };
    if (lastPaise === null) return { text: '', error: NO_LAST_PRICE };
    if (!percent.ok) return { text: '', error: percent.error };
    const stop = stopAt(lastPaise, percent.hundredths, rules.tickPaise);
    return stop.ok ? { text: formatPaise(stop.paise) } : { text: '', error: stop.error };
  };

  const saveStrategy = () => {
    setFormError(null);
    const stop = stopLossText();
    const result = validateStrategy(
      { symbol, buyTime, sellTime, stopLoss: stop.text, quantity, product, direction, paper },
      rules,
    );
    const targetResult = parseExitOffset(target, 'target', rules.tickPaise);
    const trailingResult = parseExitOffset(trailingStop, 'trailing stop', rules.tickPaise);
    if (!result.ok || stop.error || !targetResult.ok || !trailingResult.ok) {
      const found: StrategyFieldErrors = result.ok ? {} : { ...result.errors };
      if (stop.error) found.stopLoss = stop.error;
      if (!targetResult.ok) found.target = targetResult.error;
      if (!trailingResult.ok) found.trailingStop = trailingResult.error;
      setErrors(found);
      return;
    }
    setErrors({});
    setSymbol(result.request.symbol);
    // An exit left empty is not sent: on an edit that removes it.
    const request: StrategyRequest = {
      ...result.request,
      ...(existing ? { exchange: existing.exchange } : {}),
      ...(targetResult.offset ? { target: targetResult.offset } : {}),
      ...(trailingResult.offset ? { trailing_stop: trailingResult.offset } : {}),
    };
    const opened = (strategyId: string) => {
      if (existing && navigation.canGoBack) navigation.back();
      else navigation.replace({ name: 'strategyControl', strategyId });
    };
    save.mutate(request, {
      onSuccess: ({ strategy_id }) => opened(strategy_id),
      onError: (error) => {
        const beside: StrategyFieldErrors = {};
        const unplaced: string[] = [];
        if (isApiError(error)) {
          for (const { field, message } of error.fields) {
            const input = formFieldFor(field);
            if (input && !beside[input]) beside[input] = message;
            else if (!input) unplaced.push(message);
          }
        }
        const symbolMessage = symbolCheckMessage(error);
        if (symbolMessage) beside.symbol = symbolMessage;
        setErrors(beside);
        const general = symbolMessage ? null : describeError(error);
        setFormError([general, ...unplaced].filter(Boolean).join('\n') || null);
      },
    });
  };

  const hours =
    config.marketHours === 'nse'
      ? `Times are IST, inside market hours ${formatTimeOfDay(rules.sessionOpen)}–${formatTimeOfDay(rules.sessionClose)}; an intraday ${words.exitLeg} by ${formatTimeOfDay(rules.misCutoff)}.`
      : 'Times are IST. This server trades at any time of day (test calendar).';

  return (
    <Screen
      title={existing ? 'Edit strategy' : 'New strategy'}
      testID={existing ? 'edit-screen' : 'create-screen'}
    >
      <Text style={styles.muted}>{hours}</Text>
      <SymbolSearch
        value={symbol}
        onChangeText={edit('symbol', setSymbol)}
        onPick={pick}
        selected={selected}
        matches={matches}
        searching={search.enabled && search.isFetching && !search.data}
        notice={typed === '' || selected ? null : searchNotice}
        error={errors.symbol}
        testID="create-symbol"
      />
      <Choice
        label="Direction"
        options={DIRECTION_CHOICES}
        value={direction}
        onChange={(value) => {
          setDirection(value);
          setErrors((e) => ({ ...e, direction: undefined }));
        }}
        testID="create-direction"
      />
      {errors.direction ? (
        <Text accessibilityRole="alert" style={styles.fieldError} testID="create-direction-error">
          {errors.direction}
        </Text>
      ) : null}
      <PaperToggle
        value={paper}
        onChange={(value) => {
          setPaper(value);
          setErrors((e) => ({ ...e, paper: undefined }));
        }}
        error={errors.paper}
        testID="create-paper"
      />
      <TimeOfDayPicker
        label={words.entryTimeLabel}
        value={buyTime}
        onChange={edit('buyTime', setBuyTime)}
        window={buyTimeWindow(rules, product)}
        start={nextMinute}
        placeholder="09:30:00"
        error={errors.buyTime}
        testID="create-buy-time"
      />
      <TimeOfDayPicker
        label={words.exitTimeLabel}
        value={sellTime}
        onChange={edit('sellTime', setSellTime)}
        window={sellTimeWindow(rules, product, buy)}
        start={buy === null ? (nextMinute + MIN_HOLD_SECONDS) % (24 * 3600) : undefined}
        placeholder="15:10:00"
        error={errors.sellTime}
        testID="create-sell-time"
      />
      <Choice
        label="Stop-loss as"
        options={stopModes(side)}
        value={stopMode}
        onChange={(mode) => {
          setStopMode(mode);
          setErrors((e) => ({ ...e, stopLoss: undefined }));
        }}
        testID="create-stop-mode"
      />
      {stopMode === 'price' ? (
        <Field
          label="Stop-loss (₹)"
          value={stopLoss}
          onChangeText={edit('stopLoss', setStopLoss)}
          placeholder="3500.05"
          keyboardType="decimal-pad"
          error={errors.stopLoss}
          testID="create-stop-loss"
        />
      ) : (
        <>
          <Field
            label={`Stop-loss (% ${side} last price)`}
            value={stopPercent}
            onChangeText={edit('stopLoss', setStopPercent)}
            placeholder="2.5"
            keyboardType="decimal-pad"
            error={errors.stopLoss}
            testID="create-stop-loss-pct"
          />
          <Text style={styles.muted} testID="create-stop-loss-computed">
            {percentLine}
          </Text>
        </>
      )}
      {words.stopLossHelp ? (
        <Text style={styles.muted} testID="create-stop-loss-help">
          {words.stopLossHelp}
        </Text>
      ) : null}
      <Field
        label="Quantity"
        value={quantity}
        onChangeText={edit('quantity', setQuantity)}
        placeholder="10"
        keyboardType="number-pad"
        error={errors.quantity}
        testID="create-quantity"
      />
      <Choice
        label="Product"
        options={PRODUCTS}
        value={product}
        onChange={(value) => {
          setProduct(value);
          setErrors((e) => ({ ...e, direction: undefined }));
        }}
        testID="create-product"
      />
      {errors.product ? (
        <Text accessibilityRole="alert" style={styles.fieldError} testID="create-product-error">
          {errors.product}
        </Text>
      ) : null}
      <ExitField
        label="Target"
        value={target}
        onChange={(value) => {
          setTarget(value);
          setErrors((e) => ({ ...e, target: undefined }));
        }}
        help={EXIT_HELP[direction].target}
        placeholder={{ points: '25.50', percent: '1.5' }}
        error={errors.target}
        testID="create-target"
      />
      <ExitField
        label="Trailing stop"
        value={trailingStop}
        onChange={(value) => {
          setTrailingStop(value);
          setErrors((e) => ({ ...e, trailingStop: undefined }));
        }}
        help={EXIT_HELP[direction].trailingStop}
        placeholder={{ points: '10.00', percent: '1' }}
        error={errors.trailingStop}
        testID="create-trailing-stop"
      />
      <ErrorMessage message={formError} testID="create-error" />
      <Button
        label={existing ? 'Save changes' : 'Create strategy'}
        onPress={saveStrategy}
        busy={save.isPending}
        testID="create-submit"
      />
    </Screen>
  );
}
