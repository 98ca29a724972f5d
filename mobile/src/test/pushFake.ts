/**
 * `expo-notifications` and `expo-device` at their module boundary (their native modules do not
 * run in Jest): a phone whose permission, answer and token a test sets, and that records what
 * the app asked of it. `jest.setup.ts` installs it and resets it before each test; by default
 * it is a simulator (`isDevice: false`), so tests that are not about push see none.
 */
import { act } from '@testing-library/react-native';

type Permission = 'granted' | 'denied' | 'undetermined';

interface FakeResponse {
  actionIdentifier: string;
  notification: { request: { identifier: string; content: { title: string; data: unknown } } };
}

type ResponseListener = (response: FakeResponse) => void;

export interface PushFake {
  isDevice: boolean;
  permission: Permission;
  /** Whether the system lets the app ask again (iOS asks only once). */
  canAskAgain: boolean;
  /** What the trader answers when the app asks. */
  answer: 'granted' | 'denied';
  token: string;
  /** The tap that launched the app, if any. */
  launchResponse: FakeResponse | null;
  /** How many times the app asked for permission. */
  asked: number;
  /** The options of every `getExpoPushTokenAsync` call. */
  tokenRequests: unknown[];
  listeners: Set<ResponseListener>;
}

function fresh(): PushFake {
  return {
    isDevice: false,
    permission: 'undetermined',
    canAskAgain: true,
    answer: 'granted',
    token: 'ExponentPushToken[test-phone]',
    launchResponse: null,
    asked: 0,
    tokenRequests: [],
    listeners: new Set(),
  };
}

export const pushFake: PushFake = fresh();

export function resetPushFake(): void {
  Object.assign(pushFake, fresh());
}

function permissionOf(status: Permission) {
  return {
    status,
    granted: status === 'granted',
    canAskAgain: pushFake.canAskAgain,
    expires: 'never',
  };
}

export function pushResponse(data: unknown): FakeResponse {
  return {
    actionIdentifier: 'expo.modules.notifications.actions.DEFAULT',
    notification: { request: { identifier: 'push-1', content: { title: 'TCS bought', data } } },
  };
}

/** The trader taps a notification carrying `data` while the app runs. */
export function tapNotification(data: unknown): void {
  act(() => {
    pushFake.listeners.forEach((listener) => listener(pushResponse(data)));
  });
}

export const expoNotificationsModule = {
  __esModule: true,
  AndroidImportance: { DEFAULT: 3, HIGH: 4 },
  setNotificationHandler: () => undefined,
  setNotificationChannelAsync: async () => null,
  getPermissionsAsync: async () => permissionOf(pushFake.permission),
  requestPermissionsAsync: async () => {
    pushFake.asked += 1;
    if (pushFake.canAskAgain) pushFake.permission = pushFake.answer;
    pushFake.canAskAgain = false;
    return permissionOf(pushFake.permission);
  },
  getExpoPushTokenAsync: async (options: unknown) => {
    pushFake.tokenRequests.push(options);
    return { type: 'expo', data: pushFake.token };
  },
  getLastNotificationResponseAsync: async () => pushFake.launchResponse,
  addNotificationResponseReceivedListener: (listener: ResponseListener) => {
    pushFake.listeners.add(listener);
    return { remove: () => pushFake.listeners.delete(listener) };
  },
};

export const expoDeviceModule = {
  __esModule: true,
  get isDevice() {
    return pushFake.isDevice;
  },
};
