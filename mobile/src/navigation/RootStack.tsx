/**
 * The app's one stack (React Navigation's native stack), whose screens depend on the session.
 * Signed out it holds only the sign-in screen; signed in, the app's screens, so every session
 * starts fresh on the strategies list (or where a deep link asked to go). Screens draw their own
 * header (`Screen` in `components/ui.tsx`, with its Back button); Android's back button and the
 * browser's back and forward are the stack's own.
 */
import { createNativeStackNavigator, type NativeStackScreenProps } from '@react-navigation/native-stack';

import { ConnectBrokerScreen } from '../screens/ConnectBrokerScreen';
import { CreateStrategyScreen } from '../screens/CreateStrategyScreen';
import { NotificationsScreen } from '../screens/NotificationsScreen';
import { SignInScreen } from '../screens/SignInScreen';
import { StrategiesScreen } from '../screens/StrategiesScreen';
import { StrategyControlScreen } from '../screens/StrategyControlScreen';
import type { RootStackParamList } from './Navigator';

// ---- route wrappers: React Navigation's params to the screens' own props ----

function StrategyControlRoute({ route }: NativeStackScreenProps<RootStackParamList, 'strategyControl'>) {
  return <StrategyControlScreen strategyId={route.params.strategyId} />;
}

function EditStrategyRoute({ route }: NativeStackScreenProps<RootStackParamList, 'editStrategy'>) {
  return <CreateStrategyScreen strategyId={route.params.strategyId} />;
}

const Stack = createNativeStackNavigator<RootStackParamList>();

/**
 * The stack for the session's state. A deep link that arrives signed out names a screen the
 * stack does not have yet; `lastUnhandled` keeps it and opens it once the user has signed in.
 */
export function RootStack({ signedIn }: { signedIn: boolean }) {
  return (
    <Stack.Navigator screenOptions={{ headerShown: false }} UNSTABLE_routeNamesChangeBehavior="lastUnhandled">
      {signedIn ? (
        <>
          <Stack.Screen name="strategies" component={StrategiesScreen} options={{ title: 'Strategies' }} />
          <Stack.Screen name="connectBroker" component={ConnectBrokerScreen} options={{ title: 'Broker' }} />
          <Stack.Screen
            name="createStrategy"
            component={CreateStrategyScreen}
            options={{ title: 'New strategy' }}
          />
          <Stack.Screen
            name="editStrategy"
            component={EditStrategyRoute}
            getId={({ params }) => params.strategyId}
            options={{ title: 'Edit strategy' }}
          />
          <Stack.Screen
            name="strategyControl"
            component={StrategyControlRoute}
            getId={({ params }) => params.strategyId}
            options={{ title: 'Strategy' }}
          />
          <Stack.Screen
            name="notifications"
            component={NotificationsScreen}
            options={{ title: 'Notifications' }}
          />
        </>
      ) : (
        <Stack.Screen name="signIn" component={SignInScreen} options={{ title: 'Sign in' }} />
      )}
    </Stack.Navigator>
  );
}
