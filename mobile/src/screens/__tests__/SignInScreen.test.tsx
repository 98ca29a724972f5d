import { fireEvent, screen, waitFor } from '@testing-library/react-native';

import { apiError, deferred, FakeApi, ok } from '../../test/fakeApi';
import { tokenPair } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

function signedInBackend(): FakeApi {
  return new FakeApi()
    .on('GET', '/strategies', ok({ strategies: [] }))
    .on('GET', '/broker/status', ok({ status: 'connected', broker_user_id: 'AB1234' }));
}

async function fillAndSubmit(
  button: 'Sign in' | 'Create account',
  email = 'asha@example.com',
  password = 'correct horse',
) {
  fireEvent.changeText(await screen.findByLabelText('Email'), email);
  fireEvent.changeText(screen.getByLabelText('Password'), password);
  fireEvent.press(screen.getByRole('button', { name: button }));
}

describe('SignInScreen', () => {
  it('signs in, shows progress while waiting, then shows the strategies', async () => {
    const login = deferred();
    const api = signedInBackend().on('POST', '/auth/login', login.handler);
    const { services } = renderApp(api, { signedIn: false });

    await fillAndSubmit('Sign in', '  asha@example.com ');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Sign in' })).toBeBusy());
    login.resolve(ok(tokenPair(1)));

    expect(await screen.findByText('No strategies yet. Create one to get started.')).toBeOnTheScreen();
    expect(api.last('POST', '/auth/login')?.body).toEqual({
      email: 'asha@example.com',
      password: 'correct horse',
    });
    expect(api.last('GET', '/strategies')?.authorization).toBe('Bearer access-1');
    expect(services.session.refreshToken).toBe('refresh-1');
  });

  it('registers a new account', async () => {
    const api = signedInBackend().on('POST', '/auth/register', ok(tokenPair(1), 201));
    renderApp(api, { signedIn: false });

    fireEvent.press(await screen.findByRole('button', { name: 'Create an account' }));
    await fillAndSubmit('Create account');

    expect(await screen.findByText('No strategies yet. Create one to get started.')).toBeOnTheScreen();
    expect(api.count('POST', '/auth/register')).toBe(1);
  });

  it.each([
    ['POST', '/auth/login', 'Sign in', apiError(401, 'INVALID_CREDENTIALS'), 'Wrong email or password.'],
    [
      'POST',
      '/auth/login',
      'Sign in',
      apiError(429, 'RATE_LIMITED'),
      'Too many attempts. Wait a minute, then try again.',
    ],
    [
      'POST',
      '/auth/register',
      'Create account',
      apiError(409, 'EMAIL_TAKEN'),
      'An account with this email already exists. Sign in instead.',
    ],
    [
      'POST',
      '/auth/register',
      'Create account',
      apiError(400, 'WEAK_PASSWORD'),
      'Choose a password of 8 to 128 characters.',
    ],
    [
      'POST',
      '/auth/login',
      'Sign in',
      apiError(503, 'DB_DOWN'),
      'The service is having trouble right now. Try again in a few minutes.',
    ],
  ] as const)('%s %s answering %#: shows the error in words', async (method, path, button, reply, words) => {
    const api = new FakeApi().on(method, path, reply);
    renderApp(api, { signedIn: false });
    if (button === 'Create account')
      fireEvent.press(await screen.findByRole('button', { name: 'Create an account' }));

    await fillAndSubmit(button);

    expect(await screen.findByRole('alert')).toHaveTextContent(words);
    expect(screen.getByLabelText('Email')).toBeOnTheScreen();
  });

  it('shows a network failure in words', async () => {
    renderApp(new FakeApi(), { signedIn: false });
    globalThis.fetch = jest.fn(() => Promise.reject(new TypeError('Network request failed')));
    await fillAndSubmit('Sign in');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      "Can't reach the server. Check your connection and try again.",
    );
  });

  it('checks the email and the password length on the device before sending', async () => {
    const api = new FakeApi();
    renderApp(api, { signedIn: false });

    await fillAndSubmit('Sign in', 'not-an-email', 'x');
    expect(await screen.findByRole('alert')).toHaveTextContent('Enter your email address.');

    fireEvent.press(screen.getByRole('button', { name: 'Create an account' }));
    await fillAndSubmit('Create account', 'asha@example.com', 'short');
    expect(await screen.findByRole('alert')).toHaveTextContent('Choose a password of 8 to 128 characters.');
    expect(api.requests).toHaveLength(0);
  });
});
