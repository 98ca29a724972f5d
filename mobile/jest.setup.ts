import { configure } from '@testing-library/react-native';

// A cold first render on a 2-core CI machine can take over a second: give `findBy*` and
// `waitFor` room, so a slow machine is not mistaken for a broken screen.
configure({ asyncUtilTimeout: 5_000 });

// The real hook needs a native SafeAreaProvider; the package's mock gives zero insets.
jest.mock(
  'react-native-safe-area-context',
  () => require('react-native-safe-area-context/jest/mock').default,
);

// react-native-gifted-charts fades its axis labels in with a 500 ms `Animated.timing` after
// every render, which outlives a test and then touches a torn-down environment. Tests run as a
// device that disables animations (`Platform.isDisableAnimations`): React Native then uses its
// `AnimatedMock`, which jumps each animation to its end at once.
jest.mock('react-native/Libraries/Utilities/NativePlatformConstantsIOS', () => {
  const actual = jest.requireActual('react-native/Libraries/Utilities/NativePlatformConstantsIOS').default;
  return {
    __esModule: true,
    default: { ...actual, getConstants: () => ({ ...actual.getConstants(), isDisableAnimations: true }) },
  };
});
