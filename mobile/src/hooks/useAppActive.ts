import { useEffect, useState } from 'react';
import { AppState, type AppStateStatus } from 'react-native';

/** Anything but a known background state counts as active (the first state may be unknown). */
export function isForeground(state: AppStateStatus | undefined): boolean {
  return state !== 'background' && state !== 'inactive';
}

/**
 * Whether the app is in the foreground. On the web, react-native-web reports the page's
 * visibility the same way.
 */
export function useAppActive(): boolean {
  const [active, setActive] = useState(() => isForeground(AppState.currentState));
  useEffect(() => {
    const subscription = AppState.addEventListener('change', (state) => setActive(isForeground(state)));
    return () => subscription.remove();
  }, []);
  return active;
}
