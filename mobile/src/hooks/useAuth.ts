import { useMutation } from '@tanstack/react-query';
import { useCallback, useSyncExternalStore } from 'react';

import type { Credentials } from '../api/types';
import type { SessionState, SignOutReason } from '../auth/session';
import { useServices } from '../services';

export function useSessionState(): SessionState {
  const { session } = useServices();
  return useSyncExternalStore(session.subscribe, session.getState, session.getState);
}

export function useSignOutReason(): SignOutReason {
  const { session } = useServices();
  return useSyncExternalStore(session.subscribe, session.getSignOutReason, session.getSignOutReason);
}

export type AuthMode = 'signIn' | 'register';

/** Signs in or registers, then starts the session. */
export function useAuthenticate(mode: AuthMode) {
  const { api, session } = useServices();
  return useMutation({
    mutationFn: (credentials: Credentials) =>
      mode === 'register' ? api.register(credentials) : api.login(credentials),
    onSuccess: (pair) => session.signIn(pair),
  });
}

/**
 * Ends the session; `AppContent` then drops every cached answer and shows sign-in. This phone's
 * push token is removed first, while the session can still say whose it is; the server is told
 * last (`POST /auth/logout`), after the app has signed out: a failed call never keeps the user
 * signed in.
 */
export function useSignOut(): () => Promise<void> {
  const { api, session, push } = useServices();
  return useCallback(async () => {
    await push.unregister();
    const refreshToken = session.refreshToken;
    await session.signOut();
    if (refreshToken) await api.logout(refreshToken).catch(() => undefined);
  }, [api, session, push]);
}
