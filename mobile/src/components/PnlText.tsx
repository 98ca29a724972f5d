import { Text } from 'react-native';

import { pnlSign, signedRupees, type Sign } from '../screens/labels';
import { colors } from './theme';
import { styles } from './ui';

export const SIGN_COLOR: Record<Sign, string> = {
  profit: colors.success,
  loss: colors.danger,
  flat: colors.text,
};

/** Realised P&L as the API sent it (`"-12.25"`), signed and coloured by its sign. */
export function PnlText({ text, testID }: { text: string; testID: string }) {
  return (
    <Text style={[styles.kvValue, { color: SIGN_COLOR[pnlSign(text)] }]} testID={testID}>
      {signedRupees(text)}
    </Text>
  );
}
