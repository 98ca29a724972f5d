import Constants from 'expo-constants';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import { Platform } from 'react-native';

import { FakeApi, ok, serveNotifications, type RecordedRequest } from '../../test/fakeApi';
import { connected, STRATEGY_ID, strategy, strategyStatus, tokenPair } from '../../test/fixtures';
import { pushFake, pushResponse, tapNotification } from '../../test/pushFake';
import { renderApp } from '../../test/renderApp';
import { linkForPushData } from '../push';

const TOKEN = 'ExponentPushToken[asha-phone]';

/** The list, one strategy, the notifications, and the device endpoints. */
function backend(): FakeApi {
  const api = new FakeApi()
    .on('GET', '/strategies', ok({ strategies: [strategy()] }))
    .on('GET', '/broker/status', ok(connected))
    .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy()))
    .on('GET', `/strategy/status/${STRATEGY_ID}`, ok(strategyStatus()))
    .on('GET', `/strategy/${STRATEGY_ID}/orders`, ok({ orders: [] }))
    .on('POST', '/auth/login', ok(tokenPair(1)))
    .on('POST', '/devices', ({ body }) =>
      ok({ expo_push_token: (body as { expo_push_token: string }).expo_push_token, registered: true }),
    )
    .on('POST', '/devices/remove', ({ body }) =>
      ok({ expo_push_token: (body as { expo_push_token: string }).expo_push_token, registered: false }),
    );
  serveNotifications(api, []);
  return api;
}

function aPhone(permission: 'granted' | 'undetermined' | 'denied' = 'undetermined') {
  Object.assign(pushFake, { isDevice: true, permission, token: TOKEN });
}

async function openPreferences() {
  fireEvent.press(await screen.findByRole('button', { name: 'Notifications' }));
  return screen.findByTestId('notification-preferences');
}

// `jest.replaceProperty` (the web, the app config) lasts until restored.
afterEach(() => jest.restoreAllMocks());

describe('push registration', () => {
  it('asks permission after sign-in on a phone and registers the token once', async () => {
    aPhone('undetermined');
    const api = backend();
    renderApp(api, { signedIn: false });

    fireEvent.changeText(await screen.findByLabelText('Email'), 'asha@example.com');
    fireEvent.changeText(screen.getByLabelText('Password'), 'correct horse');
    fireEvent.press(screen.getByRole('button', { name: 'Sign in' }));

    await waitFor(() => expect(api.count('POST', '/devices')).toBe(1));
    expect(pushFake.asked).toBe(1);
    expect(api.last('POST', '/devices')).toMatchObject({
      body: { expo_push_token: TOKEN, platform: 'ios' },
      authorization: 'Bearer access-1',
    });

    // Moving around the app registers nothing more.
    await openPreferences();
    fireEvent.press(screen.getByRole('button', { name: 'Back' }));
    await screen.findByText('Strategies');
    expect(api.count('POST', '/devices')).toBe(1);
    expect(screen.queryByTestId('notification-push-off')).toBeNull();
  });

  it('does not ask again when permission was already given', async () => {
    aPhone('granted');
    const api = backend();
    renderApp(api);
    await waitFor(() => expect(api.count('POST', '/devices')).toBe(1));
    expect(pushFake.asked).toBe(0);
  });

  it('registers nothing when the trader says no, and says push is off on this device', async () => {
    aPhone('undetermined');
    pushFake.answer = 'denied';
    const api = backend();
    renderApp(api);

    expect(await openPreferences()).toHaveTextContent(
      /Push is off on this device: notifications are not allowed for this app in the system settings\./,
    );
    expect(pushFake.asked).toBe(1);
    expect(pushFake.tokenRequests).toEqual([]);
    expect(api.count('POST', '/devices')).toBe(0);
  });

  it('registers nothing on a simulator', async () => {
    const api = backend();
    renderApp(api);
    expect(await openPreferences()).toHaveTextContent(/Push is off on this device/);
    expect(pushFake.asked).toBe(0);
    expect(api.count('POST', '/devices')).toBe(0);
  });

  it('registers nothing on the web', async () => {
    aPhone('granted');
    jest.replaceProperty(Platform, 'OS', 'web');
    const api = backend();
    renderApp(api);
    expect(await openPreferences()).toHaveTextContent(
      /Push is off on this device: a browser cannot receive them\./,
    );
    expect(pushFake.tokenRequests).toEqual([]);
    expect(api.count('POST', '/devices')).toBe(0);
  });

  it("asks for the token with the app config's EAS project id when it has one", async () => {
    aPhone('granted');
    const config = Constants.expoConfig;
    if (!config) throw new Error('jest-expo gives an app config');
    const extra = config.extra;
    config.extra = { eas: { projectId: 'b0b0b0b0-eas-project' } };
    try {
      const api = backend();
      renderApp(api);
      await waitFor(() => expect(api.count('POST', '/devices')).toBe(1));
      expect(pushFake.tokenRequests).toEqual([{ projectId: 'b0b0b0b0-eas-project' }]);
    } finally {
      config.extra = extra;
    }
  });

  it('asks for the token without a project id when the app config has none', async () => {
    aPhone('granted');
    const api = backend();
    renderApp(api);
    await waitFor(() => expect(api.count('POST', '/devices')).toBe(1));
    expect(pushFake.tokenRequests).toEqual([{}]);
  });

  it('removes the token on sign-out, while the session is still signed in', async () => {
    aPhone('granted');
    const api = backend();
    const seen: { request: RecordedRequest; signedIn: string }[] = [];
    const { services } = renderApp(api);
    api.on('POST', '/devices/remove', (request) => {
      seen.push({ request, signedIn: services.session.getState() });
      return ok({ expo_push_token: TOKEN, registered: false });
    });
    await waitFor(() => expect(api.count('POST', '/devices')).toBe(1));

    fireEvent.press(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByLabelText('Email')).toBeOnTheScreen();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.request).toMatchObject({
      body: { expo_push_token: TOKEN },
      authorization: 'Bearer access-0',
    });
    expect(seen[0]?.signedIn).toBe('signedIn');
    expect(services.session.accessToken).toBeNull();
  });

  it('signs out even when the token cannot be removed, and removes nothing it never registered', async () => {
    const api = backend().on('POST', '/devices/remove', ok({ error: { code: 'DB_DOWN', message: 'x' } }));
    const { services } = renderApp(api);
    fireEvent.press(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByLabelText('Email')).toBeOnTheScreen();
    expect(api.count('POST', '/devices/remove')).toBe(0);
    expect(services.session.accessToken).toBeNull();
  });
});

describe('tapping a notification', () => {
  it('opens the strategy it is about', async () => {
    renderApp(backend());
    await screen.findByText('Strategies');

    tapNotification({ strategy_id: STRATEGY_ID, event: 'BUY', status: 'COMPLETE' });

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
  });

  it('opens the notifications when it is about no strategy', async () => {
    renderApp(backend());
    await screen.findByText('Strategies');

    tapNotification({ trading_date: '2026-11-25', pnl_paise: 11250 });

    expect(await screen.findByText(/^No notifications yet/)).toBeOnTheScreen();
  });

  it('opens the strategy when the tap launched the app', async () => {
    pushFake.launchResponse = pushResponse({ strategy_id: STRATEGY_ID });
    renderApp(backend());
    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
  });

  it('opens it after sign-in when the app was signed out', async () => {
    renderApp(backend(), { signedIn: false });
    await screen.findByLabelText('Email');
    tapNotification({ strategy_id: STRATEGY_ID });

    fireEvent.changeText(screen.getByLabelText('Email'), 'asha@example.com');
    fireEvent.changeText(screen.getByLabelText('Password'), 'correct horse');
    fireEvent.press(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
  });

  it.each([
    [{ strategy_id: 'a b' }, 'algo://strategy/a%20b'],
    [{ strategy_id: '' }, 'algo://notifications'],
    [{ strategy_id: 42 }, 'algo://notifications'],
    [null, 'algo://notifications'],
  ])('links %j to %s', (data, url) => {
    expect(linkForPushData(data)).toBe(url);
  });
});
