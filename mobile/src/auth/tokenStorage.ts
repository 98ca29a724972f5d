/**
 * Where the session's tokens live between launches. Native keeps them in the OS keychain /
 * keystore through expo-secure-store; the web build keeps them in memory only, because
 * localStorage is readable by any script on the page (a reload signs the user out).
 */
import * as SecureStore from 'expo-secure-store';
import { Platform } from 'react-native';

export interface StoredTokens {
  userId: string;
  accessToken: string;
  refreshToken: string;
}

export interface TokenStorage {
  load(): Promise<StoredTokens | null>;
  save(tokens: StoredTokens): Promise<void>;
  clear(): Promise<void>;
}

const KEY = 'algo.session';

function parseStored(text: string | null): StoredTokens | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const { userId, accessToken, refreshToken } = value as Record<string, unknown>;
    if (typeof userId === 'string' && typeof accessToken === 'string' && typeof refreshToken === 'string') {
      return { userId, accessToken, refreshToken };
    }
    return null;
  } catch {
    return null;
  }
}

export function createMemoryTokenStorage(initial: StoredTokens | null = null): TokenStorage {
  let stored = initial;
  return {
    load: async () => stored,
    save: async (tokens) => {
      stored = tokens;
    },
    clear: async () => {
      stored = null;
    },
  };
}

export function createSecureTokenStorage(): TokenStorage {
  return {
    load: async () => parseStored(await SecureStore.getItemAsync(KEY)),
    save: (tokens) => SecureStore.setItemAsync(KEY, JSON.stringify(tokens)),
    clear: () => SecureStore.deleteItemAsync(KEY),
  };
}

/** Secure storage on iOS and Android, memory on the web. */
export function createPlatformTokenStorage(): TokenStorage {
  return Platform.OS === 'web' ? createMemoryTokenStorage() : createSecureTokenStorage();
}
