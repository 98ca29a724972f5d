import { useState } from 'react';
import { Text } from 'react-native';

import { describeError, isApiError } from '../api/errors';
import type { Product } from '../api/types';
import { Button, Choice, ErrorMessage, Field, Screen, styles } from '../components/ui';
import {
  formatTimeOfDay,
  formFieldFor,
  rulesFor,
  validateStrategy,
  type StrategyFieldErrors,
  type StrategyFormField,
} from '../domain/validateStrategy';
import { useCreateStrategy } from '../hooks/useStrategies';
import { useNavigation } from '../navigation/Navigator';
import { useServices } from '../services';

const PRODUCTS = [
  { value: 'MIS', label: 'Intraday (MIS)' },
  { value: 'CNC', label: 'Delivery (CNC)' },
] as const satisfies readonly { value: Product; label: string }[];

/** A new time-based strategy, checked on the device with the server's rules before it is sent. */
export function CreateStrategyScreen() {
  const navigation = useNavigation();
  const { config } = useServices();
  const rules = rulesFor(config.marketHours);
  const create = useCreateStrategy();

  const [symbol, setSymbol] = useState('');
  const [buyTime, setBuyTime] = useState('');
  const [sellTime, setSellTime] = useState('');
  const [stopLoss, setStopLoss] = useState('');
  const [quantity, setQuantity] = useState('');
  const [product, setProduct] = useState<Product>('MIS');
  const [errors, setErrors] = useState<StrategyFieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);

  const edit = (field: StrategyFormField, setter: (text: string) => void) => (text: string) => {
    setter(text);
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const createStrategy = () => {
    setFormError(null);
    const result = validateStrategy({ symbol, buyTime, sellTime, stopLoss, quantity, product }, rules);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    setSymbol(result.request.symbol);
    create.mutate(result.request, {
      onSuccess: ({ strategy_id }) =>
        navigation.replace({ name: 'strategyControl', strategyId: strategy_id }),
      onError: (error) => {
        const beside: StrategyFieldErrors = {};
        const unplaced: string[] = [];
        if (isApiError(error)) {
          for (const { field, message } of error.fields) {
            const input = formFieldFor(field);
            if (input && !beside[input]) beside[input] = message;
            else if (!input) unplaced.push(message);
          }
          if (error.code === 'UNKNOWN_SYMBOL') beside.symbol = describeError(error);
        }
        setErrors(beside);
        const general = isApiError(error) && error.code === 'UNKNOWN_SYMBOL' ? null : describeError(error);
        setFormError([general, ...unplaced].filter(Boolean).join('\n') || null);
      },
    });
  };

  const hours =
    config.marketHours === 'nse'
      ? `Times are IST, inside market hours ${formatTimeOfDay(rules.sessionOpen)}–${formatTimeOfDay(rules.sessionClose)}; an intraday sell by ${formatTimeOfDay(rules.misCutoff)}.`
      : 'Times are IST. This server trades at any time of day (test calendar).';

  return (
    <Screen title="New strategy" testID="create-screen">
      <Text style={styles.muted}>{hours}</Text>
      <Field
        label="Symbol"
        value={symbol}
        onChangeText={edit('symbol', setSymbol)}
        autoCapitalize="characters"
        placeholder="TCS"
        error={errors.symbol}
        testID="create-symbol"
      />
      <Field
        label="Buy time"
        value={buyTime}
        onChangeText={edit('buyTime', setBuyTime)}
        placeholder="09:30:00"
        hint="HH:MM:SS, IST"
        keyboardType="numbers-and-punctuation"
        error={errors.buyTime}
        testID="create-buy-time"
      />
      <Field
        label="Sell time"
        value={sellTime}
        onChangeText={edit('sellTime', setSellTime)}
        placeholder="15:10:00"
        hint="HH:MM:SS, IST"
        keyboardType="numbers-and-punctuation"
        error={errors.sellTime}
        testID="create-sell-time"
      />
      <Field
        label="Stop-loss (₹)"
        value={stopLoss}
        onChangeText={edit('stopLoss', setStopLoss)}
        placeholder="3500.05"
        keyboardType="decimal-pad"
        error={errors.stopLoss}
        testID="create-stop-loss"
      />
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
        onChange={setProduct}
        testID="create-product"
      />
      {errors.product ? (
        <Text accessibilityRole="alert" style={styles.fieldError} testID="create-product-error">
          {errors.product}
        </Text>
      ) : null}
      <ErrorMessage message={formError} testID="create-error" />
      <Button
        label="Create strategy"
        onPress={createStrategy}
        busy={create.isPending}
        testID="create-submit"
      />
    </Screen>
  );
}
