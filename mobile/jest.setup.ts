import { configure } from '@testing-library/react-native';

// A cold first render on a 2-core CI machine can take over a second: give `findBy*` and
// `waitFor` room, so a slow machine is not mistaken for a broken screen.
configure({ asyncUtilTimeout: 5_000 });

// The real hook needs a native SafeAreaProvider; the package's mock gives zero insets.
jest.mock(
  'react-native-safe-area-context',
  () => require('react-native-safe-area-context/jest/mock').default,
);
