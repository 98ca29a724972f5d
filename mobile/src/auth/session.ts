/**
 * The signed-in user's tokens, kept in memory for requests and mirrored to a `TokenStorage`.
 * A plain observable (no React) so the API client can read and replace tokens, and React
 * subscribes with `useSyncExternalStore`.
 */
import type { TokenPair } from '../api/types';
import type { StoredTokens, TokenStorage } from './tokenStorage';

export type SessionState = 'restoring' | 'signedIn' | 'signedOut';

/** Why the user was signed out, when the app did it rather than the user. */
export type SignOutReason = 'expired' | null;

export class Session {
  private tokens: StoredTokens | null = null;
  private state: SessionState = 'restoring';
  private reason: SignOutReason = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: TokenStorage) {}

  /** Loads tokens saved by an earlier launch. Storage that fails reads as signed out. */
  async restore(): Promise<void> {
    let saved: StoredTokens | null = null;
    try {
      saved = await this.storage.load();
    } catch {
      saved = null;
    }
    // A sign-in that finished while storage was being read wins.
    if (this.state !== 'restoring') return;
    this.tokens = saved;
    this.set(saved ? 'signedIn' : 'signedOut', null);
  }

  /** Starts a session from the tokens of register, login or refresh. */
  async signIn(pair: TokenPair): Promise<void> {
    this.tokens = {
      userId: pair.user_id,
      accessToken: pair.access_token,
      refreshToken: pair.refresh_token,
    };
    this.set('signedIn', null);
    await this.persist();
  }

  /** Replaces the tokens after a refresh, without telling screens anything changed. */
  async replaceTokens(pair: TokenPair): Promise<void> {
    if (this.state !== 'signedIn') return;
    this.tokens = {
      userId: pair.user_id,
      accessToken: pair.access_token,
      refreshToken: pair.refresh_token,
    };
    await this.persist();
  }

  async signOut(reason: SignOutReason = null): Promise<void> {
    this.tokens = null;
    this.set('signedOut', reason);
    try {
      await this.storage.clear();
    } catch {
      // The in-memory session is gone either way; a stale stored token fails its next refresh.
    }
  }

  get accessToken(): string | null {
    return this.tokens?.accessToken ?? null;
  }

  get refreshToken(): string | null {
    return this.tokens?.refreshToken ?? null;
  }

  get userId(): string | null {
    return this.tokens?.userId ?? null;
  }

  getState = (): SessionState => this.state;

  getSignOutReason = (): SignOutReason => this.reason;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private set(state: SessionState, reason: SignOutReason): void {
    if (this.state === state && this.reason === reason) return;
    this.state = state;
    this.reason = reason;
    this.listeners.forEach((listener) => listener());
  }

  private async persist(): Promise<void> {
    if (!this.tokens) return;
    try {
      await this.storage.save(this.tokens);
    } catch {
      // Not being remembered across launches is no reason to refuse the sign-in.
    }
  }
}
