/**
 * The symbol field with what the broker lists under it: matches as the user types, each with
 * its last price; picking one fills the symbol. Presentational: the search itself is the
 * screen's (`useInstrumentSearch`).
 */
import { Pressable, StyleSheet, Text, View } from 'react-native';

import type { InstrumentMatch } from '../api/types';
import { formatPaise } from '../domain/validateStrategy';
import { rupees } from '../screens/labels';
import { colors, spacing } from './theme';
import { Field, styles as ui } from './ui';

/** `₹3500.00`, or `no last price` when the broker's quote could not be had. */
export function lastPriceText(match: InstrumentMatch): string {
  return match.last_price_paise === null ? 'no last price' : rupees(formatPaise(match.last_price_paise));
}

export function SymbolSearch({
  value,
  onChangeText,
  onPick,
  selected,
  matches,
  searching,
  notice,
  error,
  testID,
}: {
  value: string;
  onChangeText: (text: string) => void;
  onPick: (match: InstrumentMatch) => void;
  /** The instrument the symbol names, once picked (or typed out in full). */
  selected: InstrumentMatch | null;
  /** What to offer under the field; empty hides the list. */
  matches: InstrumentMatch[];
  searching: boolean;
  /** Why there is nothing to offer (no match, the search failed), in words. */
  notice: string | null;
  error?: string;
  testID: string;
}) {
  return (
    <View style={local.search}>
      <Field
        label="Symbol"
        value={value}
        onChangeText={onChangeText}
        autoCapitalize="characters"
        placeholder="Type a symbol or a company, e.g. TCS"
        error={error}
        testID={testID}
      />
      {selected ? (
        <Text style={ui.muted} testID={`${testID}-selected`}>
          {`${selected.name} · ${selected.exchange} · ${selected.last_price_paise === null ? '' : 'last price '}${lastPriceText(selected)}`}
        </Text>
      ) : null}
      {searching ? (
        <Text style={ui.muted} testID={`${testID}-searching`}>
          Searching…
        </Text>
      ) : null}
      {notice && !searching ? (
        <Text style={ui.muted} testID={`${testID}-notice`}>
          {notice}
        </Text>
      ) : null}
      {matches.length > 0 ? (
        <View style={local.list} accessibilityRole="list" testID={`${testID}-matches`}>
          {matches.map((m) => (
            <Pressable
              key={`${m.exchange}:${m.tradingsymbol}`}
              accessibilityRole="button"
              accessibilityLabel={`${m.tradingsymbol}, ${m.name}, ${lastPriceText(m)}`}
              onPress={() => onPick(m)}
              style={({ pressed }) => [local.option, pressed && local.pressed]}
              testID={`${testID}-option-${m.tradingsymbol}`}
            >
              <View style={local.names}>
                <Text style={ui.itemTitle}>{m.tradingsymbol}</Text>
                <Text style={ui.muted} numberOfLines={1}>
                  {m.name}
                </Text>
              </View>
              <Text style={local.price}>{lastPriceText(m)}</Text>
            </Pressable>
          ))}
        </View>
      ) : null}
    </View>
  );
}

const local = StyleSheet.create({
  search: { gap: spacing.xs },
  list: {
    borderWidth: StyleSheet.hairlineWidth,
    borderColor: colors.border,
    borderRadius: 8,
    backgroundColor: colors.surface,
  },
  option: {
    flexDirection: 'row',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: spacing.md,
    paddingVertical: spacing.sm,
    paddingHorizontal: spacing.md,
    borderBottomWidth: StyleSheet.hairlineWidth,
    borderBottomColor: colors.border,
  },
  pressed: { backgroundColor: '#e8efff' },
  names: { flexShrink: 1 },
  price: { color: colors.text, fontWeight: '500' },
});
