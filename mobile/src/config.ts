import type { MarketHours } from './domain/validateStrategy';

/** What the app needs to know about where it runs; read once from `EXPO_PUBLIC_*` at build time. */
export interface AppConfig {
  /** The API's origin, without a trailing slash. */
  apiUrl: string;
  /** Which trading calendar the device-side validation enforces; the dev server is always open. */
  marketHours: MarketHours;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export function parseMarketHours(value: string | undefined): MarketHours {
  return value === 'always-open' ? 'always-open' : 'nse';
}

export function normaliseApiUrl(value: string | undefined): string {
  const url = value?.trim() || DEFAULT_API_URL;
  return url.replace(/\/+$/, '');
}

/**
 * Expo inlines `process.env.EXPO_PUBLIC_*` when the bundle is built, and only when each is
 * written out in full like this: a rebuild (with `--clear`) is needed to change them.
 */
export function configFromEnv(): AppConfig {
  return {
    apiUrl: normaliseApiUrl(process.env.EXPO_PUBLIC_API_URL),
    marketHours: parseMarketHours(process.env.EXPO_PUBLIC_MARKET_HOURS),
  };
}
