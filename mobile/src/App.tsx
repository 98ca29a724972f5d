import { StatusBar } from 'expo-status-bar';
import { useEffect, useState } from 'react';
import { StyleSheet, View } from 'react-native';
import { SafeAreaProvider } from 'react-native-safe-area-context';

import { Loading } from './components/ui';
import { colors } from './components/theme';
import { useSessionState } from './hooks/useAuth';
import { Navigator, type Route } from './navigation/Navigator';
import { ConnectBrokerScreen } from './screens/ConnectBrokerScreen';
import { CreateStrategyScreen } from './screens/CreateStrategyScreen';
import { NotificationsScreen } from './screens/NotificationsScreen';
import { SignInScreen } from './screens/SignInScreen';
import { StrategiesScreen } from './screens/StrategiesScreen';
import { StrategyControlScreen } from './screens/StrategyControlScreen';
import { createServices, ServicesProvider, useServices, type Services } from './services';

function renderScreen(route: Route) {
  switch (route.name) {
    case 'strategies':
      return <StrategiesScreen />;
    case 'connectBroker':
      return <ConnectBrokerScreen />;
    case 'createStrategy':
      return <CreateStrategyScreen />;
    case 'strategyControl':
      return <StrategyControlScreen strategyId={route.strategyId} />;
    case 'notifications':
      return <NotificationsScreen />;
  }
}

/** Signed out: the sign-in screen. Signed in: the navigator, fresh for every session. */
export function AppContent({ initialRoute = { name: 'strategies' } }: { initialRoute?: Route }) {
  const { session, queryClient } = useServices();
  const state = useSessionState();

  useEffect(() => {
    void session.restore();
  }, [session]);

  useEffect(() => {
    // Nothing cached for one user may show for the next.
    if (state === 'signedOut') queryClient.clear();
  }, [state, queryClient]);

  if (state === 'restoring') return <Loading label="Loading…" testID="app-restoring" />;
  if (state === 'signedOut') return <SignInScreen />;
  return <Navigator initial={initialRoute} renderScreen={renderScreen} />;
}

export default function App() {
  const [services] = useState<Services>(() => createServices());
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
