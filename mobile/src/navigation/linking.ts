/**
 * Deep links: `algo://…` on a phone (app.json's `scheme`), the same paths on the web build.
 *
 * | link                        | opens                                                   |
 * | --------------------------- | ------------------------------------------------------- |
 * | `algo://strategy/<id>`      | that strategy's control screen, over the list           |
 * | `algo://notifications`      | the notifications                                       |
 * | `algo://broker/connected`   | the broker screen, its status fetched again (Kite login) |
 * | `algo://broker`             | the broker screen                                       |
 * | `algo://strategy/new`       | the create screen                                       |
 * | `algo://strategy/<id>/edit` | that strategy's edit screen (the create screen, filled)  |
 *
 * A link that arrives signed out is kept by the stack and opened after sign-in (see
 * `RootStack`). Links come from the OS (`Linking`) and from other sources the app adds, such
 * as a tapped notification, which all go through here as URLs.
 */
import type { LinkingOptions } from '@react-navigation/native';
import { Linking } from 'react-native';

import type { RootStackParamList } from './Navigator';

export const SCHEME = 'algo';
export const PREFIX = `${SCHEME}://`;

/** Where the backend's Kite login callback sends the browser back to (`broker_login.rs`). */
export const BROKER_CONNECTED_PATH = 'broker/connected';

export const linkingConfig: NonNullable<LinkingOptions<RootStackParamList>['config']> = {
  // A deep-linked screen opens over the list, so Back leads somewhere.
  initialRouteName: 'strategies',
  screens: {
    signIn: 'sign-in',
    strategies: '',
    createStrategy: 'strategy/new',
    strategyControl: 'strategy/:strategyId',
    editStrategy: 'strategy/:strategyId/edit',
    notifications: 'notifications',
    connectBroker: { path: 'broker', alias: [BROKER_CONNECTED_PATH] },
  },
};

/** `algo://strategy/x?y=1` → `strategy/x`; `null` for a URL of another scheme. */
export function linkPath(url: string): string | null {
  if (!url.startsWith(PREFIX)) return null;
  const rest = url.slice(PREFIX.length).replace(/^\/+/, '');
  return rest.split(/[?#]/, 1)[0]?.replace(/\/+$/, '') ?? '';
}

/** A source of links other than the OS's: it reports each as an `algo://` URL. */
export interface LinkSource {
  /** The link that launched the app, if it was this source's. */
  initialUrl(): Promise<string | null>;
  /** Calls `onUrl` for every later link; returns the unsubscribe. */
  subscribe(onUrl: (url: string) => void): () => void;
}

export function createLinking(options: {
  /** `algo://broker/connected` arrived: the trader is back from Kite's login. */
  onBrokerConnected: () => void;
  sources?: LinkSource[];
}): LinkingOptions<RootStackParamList> {
  const sources = options.sources ?? [];
  const seen = (url: string) => {
    if (linkPath(url) === BROKER_CONNECTED_PATH) options.onBrokerConnected();
  };
  return {
    prefixes: [PREFIX],
    config: linkingConfig,
    async getInitialURL() {
      const fromOs = await Linking.getInitialURL();
      let url = fromOs ?? null;
      for (const source of sources) {
        if (url) break;
        url = await source.initialUrl();
      }
      if (url) seen(url);
      return url;
    },
    subscribe(listener) {
      const onUrl = (url: string) => {
        seen(url);
        listener(url);
      };
      const fromOs = Linking.addEventListener('url', ({ url }: { url: string }) => onUrl(url));
      const offs = sources.map((source) => source.subscribe(onUrl));
      return () => {
        fromOs.remove();
        offs.forEach((off) => off());
      };
    },
  };
}
