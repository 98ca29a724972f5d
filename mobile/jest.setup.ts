import { configure } from '@testing-library/react-native';

// A cold first render on a 2-core CI machine can take over a second, and a screen that loads in
// two steps (the notification preferences, then the Telegram chat) several when the machine is
// busy: give `findBy*` and `waitFor` room, so a slow machine is not mistaken for a broken screen.
configure({ asyncUtilTimeout: 10_000 });

// The real hook needs a native SafeAreaProvider; the package's mock gives zero insets.
jest.mock(
  'react-native-safe-area-context',
  () => require('react-native-safe-area-context/jest/mock').default,
);

// Push's native modules do not run in Jest: a fake phone at their boundary (src/test/pushFake.ts).
jest.mock('expo-notifications', () => require('./src/test/pushFake').expoNotificationsModule);
jest.mock('expo-device', () => require('./src/test/pushFake').expoDeviceModule);
beforeEach(() => require('./src/test/pushFake').resetPushFake());

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
