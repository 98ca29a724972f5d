/**
 * Push notifications through Expo: after sign-in on a physical phone the app asks permission,
 * gets the Expo push token and registers it with `POST /devices`; on sign-out it removes it
 * with `POST /devices/remove` while the session can still say who is asking. Nothing happens on
 * the web, on a simulator, or when the trader said no: the preferences then say that push is off
 * on this device.
 *
 * A tapped notification opens what it is about through the deep links (`linking.ts`): the
 * backend's push `data` is the notification's, with `strategy_id` for a strategy's events.
 */
import Constants from 'expo-constants';
import * as Device from 'expo-device';
import * as Notifications from 'expo-notifications';
import { Platform } from 'react-native';

import type { ApiClient } from '../api/client';
import type { DevicePlatform } from '../api/types';
import { PREFIX, type LinkSource } from '../navigation/linking';

export type PushState =
  /** Not asked yet (signed out, or the session has just started). */
  | { status: 'idle' }
  /** The web build or a simulator: Expo cannot push to it. */
  | { status: 'unsupported' }
  /** The trader did not allow notifications in the system's settings. */
  | { status: 'denied' }
  | { status: 'registering' }
  | { status: 'registered'; token: string }
  /** The token or the registration failed; the next sign-in tries again. */
  | { status: 'failed'; reason: string };

/** The link a tapped push opens: its strategy, or the notifications when it names none. */
export function linkForPushData(data: unknown): string {
  const strategyId =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>).strategy_id : undefined;
  return typeof strategyId === 'string' && strategyId !== ''
    ? `${PREFIX}strategy/${encodeURIComponent(strategyId)}`
    : `${PREFIX}notifications`;
}

function devicePlatform(): DevicePlatform | null {
  return Platform.OS === 'ios' || Platform.OS === 'android' ? Platform.OS : null;
}

/** The EAS project id from the app config, when the app has one (a dev build may not). */
function easProjectId(): string | undefined {
  const fromExtra = (Constants.expoConfig?.extra as { eas?: { projectId?: unknown } } | undefined)?.eas
    ?.projectId;
  const id = typeof fromExtra === 'string' ? fromExtra : Constants.easConfig?.projectId;
  return id || undefined;
}

/** Shows a push that arrives while the app is open, as the OS would when it is not. */
export function showPushesInForeground(): void {
  if (!devicePlatform()) return;
  Notifications.setNotificationHandler({
    handleNotification: async () => ({
      shouldShowBanner: true,
      shouldShowList: true,
      shouldPlaySound: true,
      shouldSetBadge: false,
    }),
  });
}

/**
 * This phone's registration for the signed-in session. A plain observable, like `Session`, so
 * sign-out can reach it and the preferences can show its state.
 */
export class PushRegistration {
  private state: PushState = { status: 'idle' };
  private pending: Promise<void> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly api: ApiClient) {}

  /** Asks, gets the token and registers it; once per session, however often it is called. */
  register(): Promise<void> {
    if (this.state.status !== 'idle') return this.pending ?? Promise.resolve();
    this.pending = this.registerNow().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /**
   * Removes this phone's token before the session ends. A failure is not a reason to keep the
   * trader signed in: the server forgets the token at the next push Expo reports dead.
   */
  async unregister(): Promise<void> {
    await this.pending;
    const current = this.state;
    this.set({ status: 'idle' });
    if (current.status !== 'registered') return;
    try {
      await this.api.removeDevice({ expo_push_token: current.token });
    } catch {
      // See above.
    }
  }

  /** The session ended without a sign-out (it expired): the next one registers again. */
  forget(): void {
    if (this.state.status !== 'idle' && !this.pending) this.set({ status: 'idle' });
  }

  getState = (): PushState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private async registerNow(): Promise<void> {
    const platform = devicePlatform();
    if (!platform || !Device.isDevice) return this.set({ status: 'unsupported' });
    this.set({ status: 'registering' });
    try {
      if (platform === 'android') {
        await Notifications.setNotificationChannelAsync('default', {
          name: 'Trades',
          importance: Notifications.AndroidImportance.HIGH,
        });
      }
      let permission = await Notifications.getPermissionsAsync();
      if (!permission.granted && permission.canAskAgain) {
        permission = await Notifications.requestPermissionsAsync();
      }
      if (!permission.granted) return this.set({ status: 'denied' });
      const projectId = easProjectId();
      const { data: token } = await Notifications.getExpoPushTokenAsync(projectId ? { projectId } : {});
      await this.api.registerDevice({ expo_push_token: token, platform });
      // Signed out while this was under way: `unregister` reset the state; don't resurrect it.
      if (this.state.status === 'registering') this.set({ status: 'registered', token });
    } catch (error) {
      this.set({ status: 'failed', reason: error instanceof Error ? error.message : String(error) });
    }
  }

  private set(state: PushState): void {
    this.state = state;
    this.listeners.forEach((listener) => listener());
  }
}

/** Tapped notifications as links, for the navigation's linking (nothing on the web). */
export const tappedNotifications: LinkSource = {
  async initialUrl() {
    if (!devicePlatform()) return null;
    const response = await Notifications.getLastNotificationResponseAsync();
    return response ? linkForPushData(response.notification.request.content.data) : null;
  },
  subscribe(onUrl) {
    if (!devicePlatform()) return () => undefined;
    const subscription = Notifications.addNotificationResponseReceivedListener((response) =>
      onUrl(linkForPushData(response.notification.request.content.data)),
    );
    return () => subscription.remove();
  },
};
