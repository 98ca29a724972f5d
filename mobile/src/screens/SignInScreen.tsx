import { useState } from 'react';
import { Text } from 'react-native';

import { describeError, userMessage } from '../api/errors';
import { Button, ErrorMessage, Field, Notice, Screen, styles } from '../components/ui';
import { useAuthenticate, useSignOutReason, type AuthMode } from '../hooks/useAuth';

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 128;

/** Sign in, or register a new account; the session starts when the server answers. */
export function SignInScreen() {
  const [mode, setMode] = useState<AuthMode>('signIn');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const authenticate = useAuthenticate(mode);
  const signOutReason = useSignOutReason();
  const registering = mode === 'register';

  const submit = () => {
    const trimmed = email.trim();
    if (!trimmed.includes('@')) return setFormError('Enter your email address.');
    if (password.length === 0) return setFormError('Enter your password.');
    if (registering && (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD)) {
      return setFormError(userMessage('WEAK_PASSWORD'));
    }
    setFormError(null);
    authenticate.mutate({ email: trimmed, password });
  };

  const switchMode = () => {
    setMode(registering ? 'signIn' : 'register');
    setFormError(null);
    authenticate.reset();
  };

  const error = formError ?? (authenticate.error ? describeError(authenticate.error) : null);

  return (
    <Screen title={registering ? 'Create your account' : 'Sign in'} testID="signin-screen">
      {signOutReason === 'expired' ? (
        <Notice
          tone="warning"
          message="Your session has ended. Please sign in again."
          testID="signin-expired"
        />
      ) : null}
      <Field
        label="Email"
        value={email}
        onChangeText={setEmail}
        keyboardType="email-address"
        placeholder="you@example.com"
        testID="signin-email"
      />
      <Field
        label="Password"
        value={password}
        onChangeText={setPassword}
        secure
        hint={registering ? `${MIN_PASSWORD} to ${MAX_PASSWORD} characters` : undefined}
        testID="signin-password"
      />
      <ErrorMessage message={error} testID="signin-error" />
      <Button
        label={registering ? 'Create account' : 'Sign in'}
        onPress={submit}
        busy={authenticate.isPending}
        testID="signin-submit"
      />
      <Text style={styles.muted}>{registering ? 'Already have an account?' : 'New here?'}</Text>
      <Button
        label={registering ? 'Sign in instead' : 'Create an account'}
        onPress={switchMode}
        variant="secondary"
        testID="signin-switch-mode"
      />
    </Screen>
  );
}
