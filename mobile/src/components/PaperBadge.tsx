/**
 * The mark beside a paper strategy (and a paper day or leg) wherever it is shown: "Paper". A real
 * one has none, so it reads as it always has.
 */
import { StyleSheet, Text } from 'react-native';

import { PAPER_WORDS } from '../domain/paper';
import { colors, spacing } from './theme';

export function PaperBadge({ paper, testID }: { paper: boolean; testID: string }) {
  if (!paper) return null;
  return (
    <Text accessibilityLabel={PAPER_WORDS.badgeLabel} style={local.badge} testID={testID}>
      {PAPER_WORDS.badge}
    </Text>
  );
}

const local = StyleSheet.create({
  badge: {
    alignSelf: 'flex-start',
    color: colors.paper,
    backgroundColor: colors.paperSurface,
    borderWidth: 1,
    borderColor: colors.paper,
    borderRadius: 6,
    paddingHorizontal: spacing.sm,
    paddingVertical: 2,
    fontSize: 12,
    fontWeight: '700',
    overflow: 'hidden',
  },
});
