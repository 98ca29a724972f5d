/**
 * The mark beside a short-first strategy (and a short day) wherever it is shown: "Short". A long
 * has none, so it reads as it always has.
 */
import { StyleSheet, Text } from 'react-native';

import type { Direction } from '../api/types';
import { wordsFor } from '../domain/direction';
import { colors, spacing } from './theme';

export function DirectionBadge({ direction, testID }: { direction: Direction; testID: string }) {
  const badge = wordsFor(direction).badge;
  if (badge === null) return null;
  return (
    <Text accessibilityLabel={`${badge}: sells first, buys back later`} style={local.badge} testID={testID}>
      {badge}
    </Text>
  );
}

const local = StyleSheet.create({
  badge: {
    alignSelf: 'flex-start',
    color: colors.warning,
    backgroundColor: colors.warningSurface,
    borderWidth: 1,
    borderColor: colors.warning,
    borderRadius: 6,
    paddingHorizontal: spacing.sm,
    paddingVertical: 2,
    fontSize: 12,
    fontWeight: '700',
    overflow: 'hidden',
  },
});
