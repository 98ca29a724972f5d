/**
 * A small stack navigator on React state: enough for five screens, and it installs nothing.
 * Every screen on the stack stays mounted (keeping its form and scroll state) but only the top
 * one is shown; `useIsFocused()` tells a screen whether it is the one shown, which is what gates
 * polling. Android's back button pops the stack.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { BackHandler, StyleSheet, View } from 'react-native';

export type Route =
  | { name: 'strategies' }
  | { name: 'connectBroker' }
  | { name: 'createStrategy' }
  | { name: 'strategyControl'; strategyId: string }
  | { name: 'notifications' };

export interface Navigation {
  push(route: Route): void;
  /** Replaces the top screen (for example, a finished form with what it made). */
  replace(route: Route): void;
  back(): void;
  canGoBack: boolean;
}

const NavigationContext = createContext<Navigation | null>(null);
/** Screens rendered outside a navigator (never in the app) count as focused. */
const FocusContext = createContext(true);

export function useNavigation(): Navigation {
  const navigation = useContext(NavigationContext);
  if (!navigation) throw new Error('useNavigation must be used inside <Navigator>');
  return navigation;
}

/** The navigation of the enclosing navigator, or `null` outside one (the sign-in screen). */
export function useOptionalNavigation(): Navigation | null {
  return useContext(NavigationContext);
}

export function useIsFocused(): boolean {
  return useContext(FocusContext);
}

interface Entry {
  key: number;
  route: Route;
}

export function Navigator({
  initial,
  renderScreen,
}: {
  initial: Route;
  renderScreen: (route: Route) => ReactNode;
}) {
  const nextKey = useRef(1);
  const [stack, setStack] = useState<Entry[]>([{ key: 0, route: initial }]);

  const push = useCallback((route: Route) => {
    const key = nextKey.current++;
    setStack((s) => [...s, { key, route }]);
  }, []);
  const replace = useCallback((route: Route) => {
    const key = nextKey.current++;
    setStack((s) => [...s.slice(0, -1), { key, route }]);
  }, []);
  const back = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);
  const canGoBack = stack.length > 1;

  useEffect(() => {
    const subscription = BackHandler.addEventListener('hardwareBackPress', () => {
      if (!canGoBack) return false;
      back();
      return true;
    });
    return () => subscription.remove();
  }, [canGoBack, back]);

  const navigation = useMemo(() => ({ push, replace, back, canGoBack }), [push, replace, back, canGoBack]);

  return (
    <NavigationContext.Provider value={navigation}>
      {stack.map((entry, index) => {
        const focused = index === stack.length - 1;
        return (
          <FocusContext.Provider key={entry.key} value={focused}>
            <View style={[styles.screen, !focused && styles.hidden]} aria-hidden={!focused}>
              {renderScreen(entry.route)}
            </View>
          </FocusContext.Provider>
        );
      })}
    </NavigationContext.Provider>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1 },
  hidden: { display: 'none' },
});
