/**
 * A time of day in IST: the `HH:MM:SS` text field, with steppers an hour or a minute either way
 * that stay inside the allowed window (the session, a sell after its buy). Plain buttons, so it
 * works the same on iOS, Android and the web build.
 */
import { Pressable, StyleSheet, Text, View } from 'react-native';

import { formatTimeOfDay, parseTimeOfDay, stepTimeOfDay, type TimeWindow } from '../domain/validateStrategy';
import { colors, spacing } from './theme';
import { Field, styles as ui } from './ui';

const STEPS = [
  { delta: -3600, text: '−1 h', words: 'an hour earlier', id: 'hour-down' },
  { delta: -60, text: '−1 min', words: 'a minute earlier', id: 'minute-down' },
  { delta: 60, text: '+1 min', words: 'a minute later', id: 'minute-up' },
  { delta: 3600, text: '+1 h', words: 'an hour later', id: 'hour-up' },
] as const;

export function TimeOfDayPicker({
  label,
  value,
  onChange,
  window,
  start,
  error,
  placeholder,
  testID,
}: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  /** What the steppers offer; the text field still takes any time (the form checks it). */
  window: TimeWindow;
  /** Where the steppers start while there is no time yet (the next minute, say). */
  start?: number;
  error?: string;
  placeholder?: string;
  testID: string;
}) {
  const empty = window.earliest > window.latest;
  const range = empty
    ? 'No time is left in the session for this.'
    : `${formatTimeOfDay(window.earliest)}–${formatTimeOfDay(window.latest)} IST`;
  const step = (delta: number) => {
    const next = stepTimeOfDay(parseTimeOfDay(value), delta, window, start);
    if (next !== null) onChange(formatTimeOfDay(next));
  };
  return (
    <View style={local.picker}>
      <Field
        label={label}
        value={value}
        onChangeText={onChange}
        placeholder={placeholder}
        hint="HH:MM:SS, IST"
        keyboardType="numbers-and-punctuation"
        error={error}
        testID={testID}
      />
      <View style={local.steps}>
        {STEPS.map((s) => (
          <Pressable
            key={s.id}
            accessibilityRole="button"
            accessibilityLabel={`${label}: ${s.words}`}
            accessibilityState={{ disabled: empty }}
            disabled={empty}
            onPress={() => step(s.delta)}
            style={({ pressed }) => [local.step, (pressed || empty) && local.dim]}
            testID={`${testID}-${s.id}`}
          >
            <Text style={local.stepText}>{s.text}</Text>
          </Pressable>
        ))}
      </View>
      <Text style={ui.muted} testID={`${testID}-window`}>
        {range}
      </Text>
    </View>
  );
}

const local = StyleSheet.create({
  picker: { gap: spacing.xs },
  steps: { flexDirection: 'row', gap: spacing.sm, flexWrap: 'wrap' },
  step: {
    borderWidth: 1,
    borderColor: colors.border,
    borderRadius: 8,
    paddingVertical: spacing.xs,
    paddingHorizontal: spacing.md,
    backgroundColor: colors.surface,
  },
  stepText: { color: colors.primary, fontWeight: '600' },
  dim: { opacity: 0.5 },
});
