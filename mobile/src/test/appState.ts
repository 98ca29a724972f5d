import { act } from '@testing-library/react-native';
import { AppState, type AppStateStatus } from 'react-native';

/**
 * React Native's Jest preset replaces `AppState.addEventListener` with a `jest.fn`; this sends
 * a change to every listener the app registered, as the OS would.
 */
export function setAppState(state: AppStateStatus): void {
  const addEventListener = AppState.addEventListener as jest.MockedFunction<typeof AppState.addEventListener>;
  act(() => {
    for (const [type, listener] of addEventListener.mock.calls) {
      if (type === 'change') listener(state);
    }
  });
}
