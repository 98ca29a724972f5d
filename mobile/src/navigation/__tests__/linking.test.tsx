import { getStateFromPath } from '@react-navigation/native';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';

import { FakeApi, ok, serveNotifications } from '../../test/fakeApi';
import {
  connected,
  notConnected,
  STRATEGY_ID,
  strategy,
  strategyStatus,
  tokenPair,
} from '../../test/fixtures';
import { launchWithLink, openLink } from '../../test/links';
import { renderApp } from '../../test/renderApp';
import { linkingConfig, linkPath } from '../linking';

/** The list, one strategy's control screen and the notifications. */
function backend(): FakeApi {
  const api = new FakeApi()
    .on('GET', '/strategies', ok({ strategies: [strategy()] }))
    .on('GET', '/broker/status', ok(connected))
    .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy()))
    .on('GET', `/strategy/status/${STRATEGY_ID}`, ok(strategyStatus()))
    .on('GET', `/strategy/${STRATEGY_ID}/orders`, ok({ orders: [] }))
    .on('POST', '/auth/login', ok(tokenPair(1)));
  serveNotifications(api, []);
  return api;
}

async function signIn() {
  fireEvent.changeText(await screen.findByLabelText('Email'), 'asha@example.com');
  fireEvent.changeText(screen.getByLabelText('Password'), 'correct horse');
  fireEvent.press(screen.getByRole('button', { name: 'Sign in' }));
}

describe('deep links', () => {
  it("opens a strategy's control screen from algo://strategy/<id>, over the list", async () => {
    launchWithLink(`algo://strategy/${STRATEGY_ID}`);
    renderApp(backend());

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    expect(screen.queryByText('Strategies')).toBeNull();
    fireEvent.press(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByText('Strategies')).toBeOnTheScreen();
  });

  it('opens the notifications from a link that arrives while the app runs', async () => {
    renderApp(backend());
    await screen.findByText('Strategies');

    openLink('algo://notifications');

    expect(
      await screen.findByText('No notifications yet. Fills, stop-losses and failures will show up here.'),
    ).toBeOnTheScreen();
    expect(screen.queryByText('Strategies')).toBeNull();
  });

  it('keeps a link that launched the app signed out, and opens it after sign-in', async () => {
    launchWithLink(`algo://strategy/${STRATEGY_ID}`);
    const api = backend();
    renderApp(api, { signedIn: false });

    await signIn();

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    expect(api.last('GET', `/strategy/status/${STRATEGY_ID}`)?.authorization).toBe('Bearer access-1');
    fireEvent.press(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByText('Strategies')).toBeOnTheScreen();
  });

  it('opens a link only once: the next session starts on the list', async () => {
    launchWithLink(`algo://strategy/${STRATEGY_ID}`);
    renderApp(backend(), { signedIn: false });
    await signIn();
    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    fireEvent.press(screen.getByRole('button', { name: 'Back' }));
    fireEvent.press(await screen.findByRole('button', { name: 'Sign out' }));

    await signIn();

    expect(await screen.findByText('Strategies')).toBeOnTheScreen();
    expect(screen.queryByText('TCS strategy')).toBeNull();
  });

  it('keeps a link opened on the sign-in screen, and opens it after sign-in', async () => {
    renderApp(backend(), { signedIn: false });
    await screen.findByLabelText('Email');

    openLink('algo://notifications');
    expect(screen.getByLabelText('Email')).toBeOnTheScreen();
    await signIn();

    expect(await screen.findByText(/^No notifications yet/)).toBeOnTheScreen();
  });

  it('comes back from the Kite login on algo://broker/connected and fetches the broker status again', async () => {
    const api = backend().sequence('GET', '/broker/status', [ok(notConnected), ok(connected)]);
    renderApp(api, { route: { name: 'connectBroker' } });
    expect(await screen.findByText(/^Not connected/)).toBeOnTheScreen();

    openLink('algo://broker/connected');

    await waitFor(() =>
      expect(screen.getByTestId('broker-status')).toHaveTextContent('Connected as Asha (AB1234).'),
    );
    expect(api.count('GET', '/broker/status')).toBe(2);
  });

  it('opens the broker screen from algo://broker/connected with the status as it is now', async () => {
    const api = backend().sequence('GET', '/broker/status', [ok(notConnected), ok(connected)]);
    renderApp(api);
    expect(await screen.findByText('Connect your broker before starting a strategy.')).toBeOnTheScreen();

    openLink('algo://broker/connected');

    await waitFor(() =>
      expect(screen.getByTestId('broker-status')).toHaveTextContent('Connected as Asha (AB1234).'),
    );
  });

  it('serves the same paths on the web', () => {
    const routes = (path: string) => getStateFromPath(path, linkingConfig)?.routes;
    expect(routes(`/strategy/${STRATEGY_ID}`)).toEqual([
      { name: 'strategies' },
      { name: 'strategyControl', params: { strategyId: STRATEGY_ID }, path: `/strategy/${STRATEGY_ID}` },
    ]);
    expect(routes('/strategy/new')?.at(-1)?.name).toBe('createStrategy');
    expect(routes(`/strategy/${STRATEGY_ID}/edit`)?.at(-1)).toMatchObject({
      name: 'editStrategy',
      params: { strategyId: STRATEGY_ID },
    });
    expect(routes('/notifications')?.at(-1)?.name).toBe('notifications');
    expect(routes('/broker/connected')?.at(-1)?.name).toBe('connectBroker');
    expect(routes('/')?.map((r) => r.name)).toEqual(['strategies']);
  });

  it.each([
    ['algo://broker/connected', 'broker/connected'],
    ['algo:///broker/connected/?x=1', 'broker/connected'],
    ['algo://strategy/abc#top', 'strategy/abc'],
    ['https://example.com/broker/connected', null],
  ])('reads the path of %s', (url, path) => {
    expect(linkPath(url)).toBe(path);
  });
});
