/**
 * The few building blocks the screens share. Each carries an accessibility label or role, so
 * tests (and screen readers) find them by what the user sees, and a `testID`, which
 * react-native-web renders as `data-testid` for the browser tests.
 */
import type { ReactNode } from 'react';
import {
  ActivityIndicator,
  Pressable,
  ScrollView,
  StyleSheet,
  Text,
  TextInput,
  View,
  type KeyboardTypeOptions,
} from 'react-native';
import { useSafeAreaInsets } from 'react-native-safe-area-context';

import { useOptionalNavigation } from '../navigation/Navigator';
import { colors, spacing } from './theme';

export function Screen({
  title,
  testID,
  children,
  headerRight,
}: {
  title: string;
  testID: string;
  children: ReactNode;
  headerRight?: ReactNode;
}) {
  const navigation = useOptionalNavigation();
  const insets = useSafeAreaInsets();
  return (
    <View style={styles.screen} testID={testID}>
      <View
        style={[
          styles.header,
          {
            paddingTop: insets.top + spacing.lg,
            paddingLeft: insets.left + spacing.lg,
            paddingRight: insets.right + spacing.lg,
          },
        ]}
      >
        {navigation?.canGoBack ? (
          <Pressable
            accessibilityRole="button"
            accessibilityLabel="Back"
            onPress={navigation.back}
            style={styles.back}
            testID={`${testID}-back`}
          >
            <Text style={styles.backText}>‹ Back</Text>
          </Pressable>
        ) : null}
        <Text accessibilityRole="header" style={styles.title}>
          {title}
        </Text>
        {headerRight}
      </View>
      <ScrollView
        contentContainerStyle={[styles.content, { paddingBottom: insets.bottom + spacing.lg }]}
        keyboardShouldPersistTaps="handled"
      >
        {children}
      </ScrollView>
    </View>
  );
}

export function Field({
  label,
  value,
  onChangeText,
  error,
  testID,
  placeholder,
  secure,
  keyboardType,
  autoCapitalize = 'none',
  hint,
}: {
  label: string;
  value: string;
  onChangeText: (text: string) => void;
  error?: string;
  testID: string;
  placeholder?: string;
  secure?: boolean;
  keyboardType?: KeyboardTypeOptions;
  autoCapitalize?: 'none' | 'characters' | 'words' | 'sentences';
  hint?: string;
}) {
  return (
    <View style={styles.field}>
      <Text style={styles.label}>{label}</Text>
      <TextInput
        accessibilityLabel={label}
        accessibilityHint={hint}
        value={value}
        onChangeText={onChangeText}
        placeholder={placeholder}
        placeholderTextColor={colors.muted}
        secureTextEntry={secure}
        keyboardType={keyboardType}
        autoCapitalize={autoCapitalize}
        autoCorrect={false}
        style={[styles.input, error ? styles.inputError : null]}
        testID={testID}
      />
      {error ? (
        <Text accessibilityRole="alert" style={styles.fieldError} testID={`${testID}-error`}>
          {error}
        </Text>
      ) : null}
    </View>
  );
}

export function Button({
  label,
  onPress,
  testID,
  disabled,
  busy,
  variant = 'primary',
}: {
  label: string;
  onPress: () => void;
  testID: string;
  disabled?: boolean;
  busy?: boolean;
  variant?: 'primary' | 'secondary' | 'danger';
}) {
  const inactive = disabled || busy;
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={label}
      accessibilityState={{ disabled: !!inactive, busy: !!busy }}
      disabled={inactive}
      onPress={onPress}
      style={({ pressed }) => [
        styles.button,
        variant === 'secondary' && styles.buttonSecondary,
        variant === 'danger' && styles.buttonDanger,
        (pressed || inactive) && styles.buttonDim,
      ]}
      testID={testID}
    >
      {busy ? (
        <ActivityIndicator color={variant === 'secondary' ? colors.primary : colors.primaryText} />
      ) : null}
      <Text style={[styles.buttonText, variant === 'secondary' && styles.buttonTextSecondary]}>{label}</Text>
    </Pressable>
  );
}

/** A choice between a few options, as a row of radio buttons. */
export function Choice<T extends string>({
  label,
  options,
  value,
  onChange,
  testID,
}: {
  label: string;
  options: readonly { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
  testID: string;
}) {
  return (
    <View style={styles.field} accessibilityRole="radiogroup" accessibilityLabel={label} testID={testID}>
      <Text style={styles.label}>{label}</Text>
      <View style={styles.row}>
        {options.map((option) => {
          const selected = option.value === value;
          return (
            <Pressable
              key={option.value}
              accessibilityRole="radio"
              accessibilityLabel={option.label}
              accessibilityState={{ checked: selected }}
              onPress={() => onChange(option.value)}
              style={[styles.choice, selected && styles.choiceSelected]}
              testID={`${testID}-${option.value}`}
            >
              <Text style={[styles.choiceText, selected && styles.choiceTextSelected]}>{option.label}</Text>
            </Pressable>
          );
        })}
      </View>
    </View>
  );
}

export function ErrorMessage({ message, testID }: { message: string | null | undefined; testID: string }) {
  if (!message) return null;
  return (
    <Text accessibilityRole="alert" style={styles.errorBanner} testID={testID}>
      {message}
    </Text>
  );
}

export function Notice({
  message,
  testID,
  tone = 'success',
}: {
  message: string;
  testID: string;
  tone?: 'success' | 'warning';
}) {
  return (
    <Text style={[styles.notice, tone === 'warning' && styles.noticeWarning]} testID={testID}>
      {message}
    </Text>
  );
}

export function Loading({ label, testID }: { label: string; testID: string }) {
  return (
    <View style={styles.loading} testID={testID} accessibilityLabel={label}>
      <ActivityIndicator color={colors.primary} />
      <Text style={styles.muted}>{label}</Text>
    </View>
  );
}

export function Row({ label, value, testID }: { label: string; value: string; testID: string }) {
  return (
    <View style={styles.kv}>
      <Text style={styles.muted}>{label}</Text>
      <Text style={styles.kvValue} testID={testID}>
        {value}
      </Text>
    </View>
  );
}

export const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: colors.background },
  header: {
    flexDirection: 'row',
    alignItems: 'center',
    gap: spacing.sm,
    paddingBottom: spacing.md,
    backgroundColor: colors.surface,
    borderBottomWidth: StyleSheet.hairlineWidth,
    borderBottomColor: colors.border,
  },
  back: { paddingVertical: spacing.xs, paddingRight: spacing.sm },
  backText: { color: colors.primary, fontSize: 16 },
  title: { flex: 1, fontSize: 20, fontWeight: '600', color: colors.text },
  content: { padding: spacing.lg, gap: spacing.md },
  field: { gap: spacing.xs },
  label: { fontSize: 14, fontWeight: '500', color: colors.text },
  input: {
    borderWidth: 1,
    borderColor: colors.border,
    borderRadius: 8,
    paddingHorizontal: spacing.md,
    paddingVertical: spacing.sm,
    fontSize: 16,
    backgroundColor: colors.surface,
    color: colors.text,
  },
  inputError: { borderColor: colors.danger },
  fieldError: { color: colors.danger, fontSize: 13 },
  button: {
    flexDirection: 'row',
    justifyContent: 'center',
    alignItems: 'center',
    gap: spacing.sm,
    backgroundColor: colors.primary,
    borderRadius: 8,
    paddingVertical: spacing.md,
    paddingHorizontal: spacing.lg,
  },
  buttonSecondary: { backgroundColor: colors.surface, borderWidth: 1, borderColor: colors.primary },
  buttonDanger: { backgroundColor: colors.danger },
  buttonDim: { opacity: 0.6 },
  buttonText: { color: colors.primaryText, fontSize: 16, fontWeight: '600' },
  buttonTextSecondary: { color: colors.primary },
  row: { flexDirection: 'row', gap: spacing.sm, flexWrap: 'wrap' },
  choice: {
    borderWidth: 1,
    borderColor: colors.border,
    borderRadius: 8,
    paddingVertical: spacing.sm,
    paddingHorizontal: spacing.md,
    backgroundColor: colors.surface,
  },
  choiceSelected: { borderColor: colors.primary, backgroundColor: '#e8efff' },
  choiceText: { color: colors.text },
  choiceTextSelected: { color: colors.primary, fontWeight: '600' },
  errorBanner: {
    color: colors.danger,
    backgroundColor: colors.dangerSurface,
    padding: spacing.md,
    borderRadius: 8,
  },
  notice: {
    color: colors.success,
    backgroundColor: colors.successSurface,
    padding: spacing.md,
    borderRadius: 8,
  },
  noticeWarning: { color: colors.warning, backgroundColor: colors.warningSurface },
  loading: { flexDirection: 'row', gap: spacing.sm, alignItems: 'center', padding: spacing.md },
  muted: { color: colors.muted },
  kv: { flexDirection: 'row', justifyContent: 'space-between', gap: spacing.md },
  kvValue: { color: colors.text, fontWeight: '500', flexShrink: 1, textAlign: 'right' },
  card: {
    backgroundColor: colors.surface,
    borderRadius: 10,
    borderWidth: StyleSheet.hairlineWidth,
    borderColor: colors.border,
    padding: spacing.md,
    gap: spacing.xs,
  },
  sectionTitle: { fontSize: 16, fontWeight: '600', color: colors.text, marginTop: spacing.sm },
  itemTitle: { fontSize: 16, fontWeight: '600', color: colors.text },
});
