/**
 * What screens know of navigation: the routes, and `useNavigation()` / `useIsFocused()` over
 * React Navigation (the stack itself is in `RootStack.tsx`). Screens talk to navigation only
 * through the small `Navigation` interface below, so they do not depend on React Navigation's
 * types and kept their props when it replaced the hand-rolled stack.
 */
import {
  NavigationContext,
  StackActions,
  type NavigationProp,
  type NavigationState,
  type ParamListBase,
  type PartialState,
} from '@react-navigation/native';
import { useCallback, useContext, useMemo, useSyncExternalStore } from 'react';

/** Every screen of the stack and its parameters. */
export type RootStackParamList = {
  signIn: undefined;
  strategies: undefined;
  connectBroker: undefined;
  createStrategy: undefined;
  editStrategy: { strategyId: string };
  strategyControl: { strategyId: string };
  notifications: undefined;
};

/** The screens of a signed-in session. */
export type AppScreen = Exclude<keyof RootStackParamList, 'signIn'>;

/** A signed-in screen with its parameters, e.g. `{name: 'strategyControl', strategyId}`. */
export type Route = {
  [K in AppScreen]: RootStackParamList[K] extends undefined
    ? { name: K }
    : { name: K } & RootStackParamList[K];
}[AppScreen];

export interface Navigation {
  push(route: Route): void;
  /** Replaces the top screen (for example, a finished form with what it made). */
  replace(route: Route): void;
  back(): void;
  canGoBack: boolean;
}

type StackNavigation = NavigationProp<ParamListBase>;

function paramsOf(route: Route): object | undefined {
  const { name: _name, ...params } = route;
  return Object.keys(params).length > 0 ? params : undefined;
}

/** The React Navigation object of the screen being rendered, or `undefined` outside the stack. */
function useStackNavigation(): StackNavigation | undefined {
  return useContext(NavigationContext) as StackNavigation | undefined;
}

/** The navigation of the enclosing stack, or `null` outside one. */
export function useOptionalNavigation(): Navigation | null {
  const navigation = useStackNavigation();
  // A screen's place in the stack (and so whether it can go back) is fixed while it is shown.
  const canGoBack = navigation?.canGoBack() ?? false;
  return useMemo(
    () =>
      navigation
        ? {
            push: (route: Route) => navigation.dispatch(StackActions.push(route.name, paramsOf(route))),
            replace: (route: Route) => navigation.dispatch(StackActions.replace(route.name, paramsOf(route))),
            back: () => navigation.goBack(),
            canGoBack,
          }
        : null,
    [navigation, canGoBack],
  );
}

export function useNavigation(): Navigation {
  const navigation = useOptionalNavigation();
  if (!navigation) throw new Error('useNavigation must be used inside the navigator');
  return navigation;
}

/**
 * Whether this screen is the one shown (what gates polling). Screens lower in the stack stay
 * mounted, keeping their form and scroll state, but are not focused. Outside a navigator (never
 * in the app) a screen counts as focused.
 */
export function useIsFocused(): boolean {
  const navigation = useStackNavigation();
  const subscribe = useCallback(
    (onChange: () => void) => {
      if (!navigation) return () => undefined;
      const offFocus = navigation.addListener('focus', onChange);
      const offBlur = navigation.addListener('blur', onChange);
      return () => {
        offFocus();
        offBlur();
      };
    },
    [navigation],
  );
  const isFocused = () => navigation?.isFocused() ?? true;
  return useSyncExternalStore(subscribe, isFocused, isFocused);
}

/** The stack a session starts with when it opens on `route` (tests; the app starts on the list). */
export function stateFor(route: Route): PartialState<NavigationState> {
  return { routes: [{ name: route.name, params: paramsOf(route) }] };
}
