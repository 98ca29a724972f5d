import { useState } from 'react';
import { Text, View } from 'react-native';

import { describeError, isApiError, userMessage } from '../api/errors';
import type { BrokerConnected, BrokerStatus } from '../api/types';
import { Button, ErrorMessage, Field, Loading, Notice, Screen, styles } from '../components/ui';
import { useBrokerStatus, useConnectBroker, useDisconnectBroker } from '../hooks/useBroker';

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
      return 'Your broker session has expired: re-enter your access token below.';
    case 'not_connected':
      return 'Not connected. Enter the keys from your Kite developer console.';
  }
}

/** Connect the user's Kite account: API key, secret and today's access token. */
export function ConnectBrokerScreen() {
  const [apiKey, setApiKey] = useState('');
  const [secretKey, setSecretKey] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const [validationStatus, setValidationStatus] = useState<ValidationStatus>('idle');
  const [missing, setMissing] = useState<Partial<Record<KeyField, string>>>({});
  const [connected, setConnected] = useState<BrokerConnected | null>(null);
  const brokerStatus = useBrokerStatus();
  const connect = useConnectBroker();
  const disconnect = useDisconnectBroker();

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
        label="Connect broker"
        onPress={submitKeys}
        busy={validationStatus === 'validating'}
        testID="broker-submit"
      />
    </Screen>
  );
}
