import { useState } from 'react';
import { Text, View } from 'react-native';

import { describeError, isApiError, userMessage } from '../api/errors';
import type { BrokerConnected, BrokerStatus } from '../api/types';
import { Button, ErrorMessage, Field, Loading, Notice, Screen, styles } from '../components/ui';
import {
  useBrokerStatusWhile,
  useConnectBroker,
  useDisconnectBroker,
  useKiteLogin,
} from '../hooks/useBroker';

/** Where the keys stand: not sent yet, being checked by the broker, accepted, or turned down. */
export type ValidationStatus = 'idle' | 'validating' | 'connected' | 'rejected' | 'failed';

type KeyField = 'apiKey' | 'secretKey' | 'accessToken';

function statusText(status: BrokerStatus): string {
  switch (status.status) {
    case 'connected': {
      const who = status.user_name
        ? `${status.user_name} (${status.broker_user_id ?? '?'})`
        : status.broker_user_id;
      return who ? `Connected as ${who}.` : 'Connected.';
    }
    case 'expired':
      return 'Your Kite session has ended (they end at 06:00 IST each morning): log in to Kite for today.';
    case 'not_connected':
      return 'Not connected. Enter the keys from your Kite developer console and log in to Kite.';
  }
}

/**
 * Connect the user's Kite account: the app's API key and secret, then "Log in to Kite" on Kite's
 * own page (each morning); or, the old way, paste today's access token.
 */
export function ConnectBrokerScreen() {
  const [apiKey, setApiKey] = useState('');
  const [secretKey, setSecretKey] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const [validationStatus, setValidationStatus] = useState<ValidationStatus>('idle');
  const [missing, setMissing] = useState<Partial<Record<KeyField, string>>>({});
  const [connected, setConnected] = useState<BrokerConnected | null>(null);
  const [loggingIn, setLoggingIn] = useState(false);
  const brokerStatus = useBrokerStatusWhile(loggingIn);
  const connect = useConnectBroker();
  const disconnect = useDisconnectBroker();
  const kiteLogin = useKiteLogin();
  const isConnected = brokerStatus.data?.status === 'connected';
  if (loggingIn && isConnected) setLoggingIn(false);

  const logIn = () => {
    const keys = { api_key: apiKey.trim(), secret_key: secretKey.trim() };
    // Keys typed in are saved first; with none typed, the saved ones are used.
    if (Boolean(keys.api_key) !== Boolean(keys.secret_key)) {
      setMissing(keys.api_key ? { secretKey: 'Enter your API secret.' } : { apiKey: 'Enter your API key.' });
      return;
    }
    setMissing({});
    kiteLogin.mutate(keys.api_key ? keys : null, {
      onSuccess: () => {
        setLoggingIn(true);
        setSecretKey('');
      },
    });
  };

  const submitKeys = () => {
    const keys = { api_key: apiKey.trim(), secret_key: secretKey.trim(), access_token: accessToken.trim() };
    const blanks: Partial<Record<KeyField, string>> = {};
    if (!keys.api_key) blanks.apiKey = 'Enter your API key.';
    if (!keys.secret_key) blanks.secretKey = 'Enter your API secret.';
    if (!keys.access_token) blanks.accessToken = "Enter today's access token.";
    setMissing(blanks);
    if (Object.keys(blanks).length > 0) return;

    setValidationStatus('validating');
    setConnected(null);
    connect.mutate(keys, {
      onSuccess: (result) => {
        setConnected(result);
        setValidationStatus('connected');
        // The secrets are with the server now; don't keep them in the app's memory.
        setSecretKey('');
        setAccessToken('');
      },
      onError: (error) => {
        setValidationStatus(isApiError(error) && error.code === 'BROKER_AUTH_FAILED' ? 'rejected' : 'failed');
      },
    });
  };

  const edit = (field: KeyField, setter: (text: string) => void) => (text: string) => {
    setter(text);
    setMissing((m) => ({ ...m, [field]: undefined }));
  };

  const tokenError =
    missing.accessToken ?? (validationStatus === 'rejected' ? userMessage('BROKER_AUTH_FAILED') : undefined);
  const generalError =
    validationStatus === 'failed' && connect.error
      ? describeError(connect.error)
      : kiteLogin.error
        ? isApiError(kiteLogin.error) && kiteLogin.error.code === 'BROKER_NOT_CONNECTED'
          ? 'Enter your API key and secret first.'
          : describeError(kiteLogin.error)
        : disconnect.error
          ? describeError(disconnect.error)
          : null;

  return (
    <Screen title="Broker" testID="broker-screen">
      <View style={styles.card} testID="broker-status-card">
        <Text style={styles.sectionTitle}>Connection</Text>
        {brokerStatus.isPending ? (
          <Loading label="Checking your broker connection…" testID="broker-status-loading" />
        ) : brokerStatus.isError ? (
          <ErrorMessage message={describeError(brokerStatus.error)} testID="broker-status-error" />
        ) : (
          <Text
            testID="broker-status"
            style={brokerStatus.data.status === 'connected' ? undefined : styles.muted}
          >
            {statusText(brokerStatus.data)}
          </Text>
        )}
        {brokerStatus.data?.status === 'connected' ? (
          <Button
            label="Disconnect broker"
            variant="secondary"
            busy={disconnect.isPending}
            onPress={() => disconnect.mutate()}
            testID="broker-disconnect"
          />
        ) : null}
      </View>

      <Field
        label="API key"
        value={apiKey}
        onChangeText={edit('apiKey', setApiKey)}
        error={missing.apiKey}
        testID="broker-api-key"
      />
      <Field
        label="API secret"
        value={secretKey}
        onChangeText={edit('secretKey', setSecretKey)}
        error={missing.secretKey}
        secure
        testID="broker-secret-key"
      />
      <Button label="Log in to Kite" onPress={logIn} busy={kiteLogin.isPending} testID="broker-login" />
      {loggingIn && !isConnected ? (
        <Notice
          message="Finish the login on Kite's page; this screen updates once Kite sends you back."
          testID="broker-login-waiting"
        />
      ) : null}
      <Text style={styles.sectionTitle}>Or paste today&apos;s access token</Text>
      <Field
        label="Access token"
        value={accessToken}
        onChangeText={edit('accessToken', setAccessToken)}
        error={tokenError}
        secure
        hint="Kite access tokens expire every morning"
        testID="broker-access-token"
      />
      <ErrorMessage message={generalError} testID="broker-error" />
      {connected ? (
        <Notice
          message={`Your broker accepted the keys: connected as ${connected.user_name} (${connected.broker_user_id}).`}
          testID="broker-connected"
        />
      ) : null}
      <Button
        label="Connect with the token"
        onPress={submitKeys}
        busy={validationStatus === 'validating'}
        testID="broker-submit"
      />
    </Screen>
  );
}
