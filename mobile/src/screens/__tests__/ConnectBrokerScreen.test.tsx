import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';

import { apiError, deferred, FakeApi, ok } from '../../test/fakeApi';
import { renderApp } from '../../test/renderApp';

const route = { name: 'connectBroker' } as const;

function enterKeys(apiKey = 'kite_key', secret = 'kite_secret', token = 'kite_token') {
  fireEvent.changeText(screen.getByLabelText('API key'), apiKey);
  fireEvent.changeText(screen.getByLabelText('API secret'), secret);
  fireEvent.changeText(screen.getByLabelText('Access token'), token);
  fireEvent.press(screen.getByRole('button', { name: 'Connect with the token' }));
}

describe('ConnectBrokerScreen', () => {
  it("saves the typed keys, opens Kite's login page, and shows connected once Kite sends the trader back", async () => {
    const loginUrl = 'https://kite.example/connect/login?v=3&api_key=kite_key&redirect_params=state%3Ds';
    const api = new FakeApi()
      .sequence('GET', '/broker/status', [
        ok({ status: 'not_connected' }),
        ok({ status: 'connected', broker_user_id: 'AB1234', user_name: 'Asha' }),
      ])
      .on('POST', '/broker/keys', ok({ status: 'not_connected' }))
      .on('GET', '/broker/login', ok({ login_url: loginUrl }));
    const { opened } = renderApp(api, { route });
    await screen.findByText(/Not connected/);

    fireEvent.changeText(screen.getByLabelText('API key'), ' kite_key ');
    fireEvent.changeText(screen.getByLabelText('API secret'), 'kite_secret');
    fireEvent.press(screen.getByRole('button', { name: 'Log in to Kite' }));

    await waitFor(() => expect(opened).toEqual([loginUrl]));
    expect(api.last('POST', '/broker/keys')?.body).toEqual({
      api_key: 'kite_key',
      secret_key: 'kite_secret',
    });
    await waitFor(() =>
      expect(screen.getByTestId('broker-status')).toHaveTextContent('Connected as Asha (AB1234).'),
    );
    expect(screen.getByLabelText('API secret')).toHaveDisplayValue('');
  });

  it('logs in with the saved keys when none are typed, and says so when there are none', async () => {
    const api = new FakeApi()
      .on('GET', '/broker/status', ok({ status: 'expired', broker_user_id: 'AB1234' }))
      .sequence('GET', '/broker/login', [
        apiError(409, 'BROKER_NOT_CONNECTED'),
        ok({ login_url: 'https://kite.example/login' }),
      ]);
    const { opened } = renderApp(api, { route });
    await screen.findByText(/log in to Kite for today/);

    fireEvent.press(screen.getByRole('button', { name: 'Log in to Kite' }));
    expect(await screen.findByText('Enter your API key and secret first.')).toBeOnTheScreen();
    expect(opened).toEqual([]);
    fireEvent.press(screen.getByRole('button', { name: 'Log in to Kite' }));
    await waitFor(() => expect(opened).toEqual(['https://kite.example/login']));
    expect(api.last('POST', '/broker/keys')).toBeUndefined();
    expect(await screen.findByText(/Finish the login on Kite's page/)).toBeOnTheScreen();
  });

  it('shows the connection status while loading, then what the server says', async () => {
    const status = deferred();
    renderApp(new FakeApi().on('GET', '/broker/status', status.handler), { route });

    expect(await screen.findByText('Checking your broker connection…')).toBeOnTheScreen();
    status.resolve(ok({ status: 'not_connected', broker_user_id: null }));
    expect(
      await screen.findByText(
        'Not connected. Enter the keys from your Kite developer console and log in to Kite.',
      ),
    ).toBeOnTheScreen();
  });

  it('shows an expired connection as a request to log in to Kite for today', async () => {
    renderApp(
      new FakeApi().on('GET', '/broker/status', ok({ status: 'expired', broker_user_id: 'AB1234' })),
      { route },
    );
    expect(
      await screen.findByText(
        'Your Kite session has ended (they end at 06:00 IST each morning): log in to Kite for today.',
      ),
    ).toBeOnTheScreen();
  });

  it('connects with the keys, then shows who is connected and forgets the secrets', async () => {
    const api = new FakeApi()
      .sequence('GET', '/broker/status', [
        ok({ status: 'not_connected' }),
        ok({ status: 'connected', broker_user_id: 'AB1234', user_name: 'Asha' }),
      ])
      .on(
        'POST',
        '/broker/connect',
        ok({ status: 'connected', broker_user_id: 'AB1234', user_name: 'Asha' }),
      );
    renderApp(api, { route });
    await screen.findByText(/Not connected/);

    enterKeys(' kite_key ', 'kite_secret', 'kite_token');

    expect(
      await screen.findByText('Your broker accepted the keys: connected as Asha (AB1234).'),
    ).toBeOnTheScreen();
    await waitFor(() =>
      expect(screen.getByTestId('broker-status')).toHaveTextContent('Connected as Asha (AB1234).'),
    );
    expect(api.last('POST', '/broker/connect')?.body).toEqual({
      api_key: 'kite_key',
      secret_key: 'kite_secret',
      access_token: 'kite_token',
    });
    expect(screen.getByLabelText('API secret')).toHaveDisplayValue('');
    expect(screen.getByLabelText('Access token')).toHaveDisplayValue('');
  });

  it('asks to re-enter the access token when the broker rejects the keys', async () => {
    const api = new FakeApi()
      .on('GET', '/broker/status', ok({ status: 'not_connected' }))
      .on('POST', '/broker/connect', apiError(424, 'BROKER_AUTH_FAILED', 'TokenException: invalid token'));
    renderApp(api, { route });
    await screen.findByText(/Not connected/);

    enterKeys();

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'Your broker rejected the keys — re-enter your access token (Kite tokens expire every morning).',
    );
    expect(screen.getByTestId('broker-access-token-error')).toBe(alert);
    expect(screen.getByRole('button', { name: 'Connect with the token' })).not.toBeBusy();
  });

  it.each([
    [apiError(502, 'BROKER_UNAVAILABLE'), "Your broker didn't answer. Try again in a moment."],
    [apiError(429, 'RATE_LIMITED'), 'Too many attempts. Wait a minute, then try again.'],
  ])('shows %# in words', async (reply, words) => {
    const api = new FakeApi()
      .on('GET', '/broker/status', ok({ status: 'not_connected' }))
      .on('POST', '/broker/connect', reply);
    renderApp(api, { route });
    await screen.findByText(/Not connected/);
    enterKeys();
    expect(await screen.findByRole('alert')).toHaveTextContent(words);
  });

  it('shows a failure to read the status in words', async () => {
    renderApp(new FakeApi().on('GET', '/broker/status', apiError(503, 'REDIS_DOWN')), { route });
    const card = await screen.findByTestId('broker-status-card');
    expect(await within(card).findByRole('alert')).toHaveTextContent(
      'The service is having trouble right now. Try again in a few minutes.',
    );
  });

  it('asks for every key before sending', async () => {
    const api = new FakeApi().on('GET', '/broker/status', ok({ status: 'not_connected' }));
    renderApp(api, { route });
    await screen.findByText(/Not connected/);
    fireEvent.press(screen.getByRole('button', { name: 'Connect with the token' }));
    expect(screen.getByText('Enter your API key.')).toBeOnTheScreen();
    expect(screen.getByText('Enter your API secret.')).toBeOnTheScreen();
    expect(screen.getByText("Enter today's access token.")).toBeOnTheScreen();
    expect(api.count('POST', '/broker/connect')).toBe(0);
  });
});
