import { DefaultTheme, NavigationContainer, type Theme } from '@react-navigation/native';
import { StatusBar } from 'expo-status-bar';
import { useEffect, useMemo, useState } from 'react';
import { StyleSheet, View } from 'react-native';
import { SafeAreaProvider } from 'react-native-safe-area-context';

import { queryKeys } from './api/queryKeys';
import { Loading } from './components/ui';
import { colors } from './components/theme';
import { useSessionState } from './hooks/useAuth';
import { stateFor, type Route } from './navigation/Navigator';
import { createLinking } from './navigation/linking';
import { RootStack } from './navigation/RootStack';
import { showPushesInForeground, tappedNotifications } from './push/push';
import { createServices, ServicesProvider, useServices, type Services } from './services';

const theme: Theme = { ...DefaultTheme, colors: { ...DefaultTheme.colors, background: colors.background } };

/**
 * Signed out: the sign-in screen. Signed in: the app's screens, fresh for every session.
 * `initialRoute` opens the first session on another screen (tests).
 */
export function AppContent({ initialRoute }: { initialRoute?: Route }) {
  const { session, queryClient, push } = useServices();
  const state = useSessionState();
  const linking = useMemo(
    () =>
      createLinking({
        // Back from Kite's login page: the session it saved shows at once, not at the next poll.
        onBrokerConnected: () => void queryClient.invalidateQueries({ queryKey: queryKeys.brokerStatus }),
        // A tapped push opens what it is about, through the same links.
        sources: [tappedNotifications],
      }),
    [queryClient],
  );

  useEffect(() => {
    void session.restore();
  }, [session]);

  useEffect(() => {
    if (state === 'signedIn') void push.register();
  }, [state, push]);

  useEffect(() => {
    // Nothing cached for one user may show for the next.
    if (state === 'signedOut') {
      queryClient.clear();
      push.forget();
    }
  }, [state, queryClient, push]);

  if (state === 'restoring') return <Loading label="Loading…" testID="app-restoring" />;
  return (
    <NavigationContainer
      theme={theme}
      linking={linking}
      initialState={initialRoute ? stateFor(initialRoute) : undefined}
      documentTitle={{
        formatter: (options) => (options?.title ? `${options.title} · Algo Trader` : 'Algo Trader'),
      }}
    >
      <RootStack signedIn={state === 'signedIn'} />
    </NavigationContainer>
  );
}

export default function App() {
  const [services] = useState<Services>(() => {
    showPushesInForeground();
    return createServices();
  });
  return (
    <SafeAreaProvider>
      <ServicesProvider services={services}>
        <View style={styles.root}>
          <AppContent />
          <StatusBar style="dark" />
        </View>
      </ServicesProvider>
    </SafeAreaProvider>
  );
}

const styles = StyleSheet.create({
  root: { flex: 1, backgroundColor: colors.background },
});
