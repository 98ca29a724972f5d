import { act, fireEvent, screen, waitFor } from '@testing-library/react-native';

import { apiError, FakeApi, ok, serveNotifications } from '../../test/fakeApi';
import { setAppState } from '../../test/appState';
import { connected, notification, STRATEGY_ID, strategy, strategyStatus } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const route = { name: 'notifications' } as const;

const bought = notification({ id: 'n-bought', created_at: '2026-11-25T04:00:01Z' });
const summary = notification({
  id: 'n-summary',
  kind: 'daily_summary',
  strategy_id: null,
  title: 'Your day',
  body: 'Realised ₹112.50 across 1 strategy.',
  data: { pnl_paise: 11250 },
  created_at: '2026-11-24T10:15:00Z',
  read_at: '2026-11-24T11:00:00Z',
});

/** The strategies list and one strategy's control screen, which a notification can open. */
function backend(): FakeApi {
  return new FakeApi()
    .on('GET', '/strategies', ok({ strategies: [strategy()] }))
    .on('GET', '/broker/status', ok(connected))
    .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy()))
    .on('GET', `/strategy/status/${STRATEGY_ID}`, ok(strategyStatus()))
    .on('GET', `/strategy/${STRATEGY_ID}/orders`, ok({ orders: [] }))
    .on(
      'GET',
      `/strategy/${STRATEGY_ID}/days`,
      ok({
        strategy_id: STRATEGY_ID,
        from: '2026-10-27',
        to: '2026-11-25',
        days: [],
        total_pnl_paise: 0,
        total_pnl: '0.00',
      }),
    );
}

describe('NotificationsScreen', () => {
  it('opens from the bell on the strategies list, which shows the unread count', async () => {
    const api = backend();
    serveNotifications(api, [
      bought,
      notification({ id: 'n2', created_at: '2026-11-25T04:05:00Z' }),
      summary,
    ]);
    renderApp(api);

    fireEvent.press(await screen.findByRole('button', { name: 'Notifications, 2 unread' }));
    expect(await screen.findByTestId('notification-n-bought')).toBeOnTheScreen();
    expect(api.last('GET', '/notifications')?.query).toEqual({ limit: '50' });
  });

  it('lists notifications newest first with title, body and time in IST', async () => {
    const api = backend();
    serveNotifications(api, [summary, bought]);
    renderApp(api, { route });

    const items = await screen.findAllByRole('button', { name: /^(Unread: )?(TCS bought|Your day)/ });
    expect(items.map((item) => item.props.testID)).toEqual([
      'notification-n-bought',
      'notification-n-summary',
    ]);
    // 04:00:01 UTC is 09:30:01 IST on "today" (the test clock's 25 Nov).
    expect(items[0]).toHaveTextContent(
      /TCS bought.*09:30:01 IST.*Bought 10 TCS at ₹3501.20\..*Entry filled/s,
    );
    expect(items[1]).toHaveTextContent(
      /Your day.*24 Nov, 15:45:00 IST.*Realised ₹112.50 across 1 strategy\./s,
    );
    expect(screen.getByRole('button', { name: 'Unread: TCS bought, 09:30:01 IST' })).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Your day, 24 Nov, 15:45:00 IST' })).toBeOnTheScreen();
  });

  it('labels a target_hit notification "Target reached"', async () => {
    const api = backend();
    serveNotifications(api, [
      notification({
        id: 'n-target',
        kind: 'target_hit',
        title: 'Target reached on TCS',
        body: 'Sold 10 TCS at ₹3526.70.',
        data: {},
      }),
    ]);
    renderApp(api, { route });

    const item = await screen.findByTestId('notification-n-target');
    expect(item).toHaveTextContent(/Target reached on TCS.*Sold 10 TCS at ₹3526.70\..*Target reached$/s);
  });

  it('labels a loss_limit_hit notification "Daily loss limit hit"', async () => {
    const api = backend();
    serveNotifications(api, [
      notification({
        id: 'n-limit',
        strategy_id: null,
        kind: 'loss_limit_hit',
        title: 'Daily loss limit reached',
        body: 'Squared off 2 positions and stopped 3 strategies.',
        data: {},
      }),
    ]);
    renderApp(api, { route });

    const item = await screen.findByTestId('notification-n-limit');
    expect(item).toHaveTextContent(
      /Daily loss limit reached.*Squared off 2 positions and stopped 3 strategies\..*Daily loss limit hit$/s,
    );
  });

  it("shows a kind it doesn't know by its title and body alone", async () => {
    const api = backend();
    serveNotifications(api, [
      notification({ id: 'n-new', kind: 'margin_call', title: 'Margin call', body: 'Add funds.', data: {} }),
    ]);
    renderApp(api, { route });

    const item = await screen.findByTestId('notification-n-new');
    expect(item).toHaveTextContent(/Margin call.*Add funds\./s);
    expect(item).not.toHaveTextContent(/Entry filled|Daily summary/);
  });

  it("marks a notification read when tapped and opens its strategy's control screen", async () => {
    const api = backend();
    const state = serveNotifications(api, [bought, summary]);
    renderApp(api);

    fireEvent.press(await screen.findByRole('button', { name: 'Notifications, 1 unread' }));
    fireEvent.press(await screen.findByRole('button', { name: /^Unread: TCS bought/ }));

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    expect(api.last('POST', '/notifications/read')?.body).toEqual({ ids: ['n-bought'] });
    expect(state.notifications.every((n) => n.read_at !== null)).toBe(true);

    fireEvent.press(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByRole('button', { name: 'TCS bought, 09:30:01 IST' })).toBeOnTheScreen();
    fireEvent.press(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByRole('button', { name: 'Notifications' })).toBeOnTheScreen();
  });

  it('takes the strategy from data when the notification has no strategy_id of its own', async () => {
    const api = backend();
    serveNotifications(api, [notification({ strategy_id: null, data: { strategy_id: STRATEGY_ID } })]);
    renderApp(api, { route });

    fireEvent.press(await screen.findByRole('button', { name: /TCS bought/ }));
    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
  });

  it('only marks read a notification about no strategy, and leaves one already read alone', async () => {
    const api = backend();
    serveNotifications(api, [
      summary,
      notification({
        id: 'n-login',
        kind: 'login_needed',
        title: 'Log in to Kite',
        strategy_id: null,
        data: {},
      }),
    ]);
    renderApp(api, { route });

    // The one already read first: had it sent a mark, that would be the first one recorded.
    fireEvent.press(await screen.findByRole('button', { name: /^Your day/ }));
    fireEvent.press(screen.getByRole('button', { name: /^Unread: Log in to Kite/ }));
    expect(await screen.findByRole('button', { name: /^Log in to Kite/ })).toBeOnTheScreen();
    expect(api.count('POST', '/notifications/read')).toBe(1);
    expect(api.last('POST', '/notifications/read')?.body).toEqual({ ids: ['n-login'] });
    expect(screen.getByRole('header')).toHaveTextContent('Notifications');
  });

  it('marks all read, then has nothing left to mark', async () => {
    const api = backend();
    serveNotifications(api, [bought, notification({ id: 'n2', title: 'TCS sold' })]);
    renderApp(api, { route });

    const markAll = await screen.findByRole('button', { name: 'Mark all read' });
    expect(await screen.findAllByRole('button', { name: /^Unread: / })).toHaveLength(2);
    fireEvent.press(markAll);

    expect(await screen.findByRole('button', { name: /^TCS sold/ })).toBeOnTheScreen();
    expect(screen.queryAllByRole('button', { name: /^Unread: / })).toHaveLength(0);
    expect(api.last('POST', '/notifications/read')?.body).toEqual({ all: true });
    expect(screen.getByRole('button', { name: 'Mark all read' })).toBeDisabled();
  });

  it('says so when there are none', async () => {
    const api = backend();
    serveNotifications(api, []);
    renderApp(api, { route });
    expect(await screen.findByText(/^No notifications yet\./)).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Mark all read' })).toBeDisabled();
  });

  it('shows a failure to load in words and tries again on request', async () => {
    const api = backend();
    serveNotifications(api, [bought]);
    api.sequence('GET', '/notifications', [
      apiError(503, 'DB_DOWN'),
      ok({ notifications: [bought], unread: 1 }),
    ]);
    renderApp(api, { route });

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The service is having trouble right now. Try again in a few minutes.',
    );
    fireEvent.press(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('button', { name: /^Unread: TCS bought/ })).toBeOnTheScreen();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows a failure to mark read in words and keeps the notification unread', async () => {
    const api = backend();
    serveNotifications(api, [{ ...summary, read_at: null }]);
    api.on('POST', '/notifications/read', apiError(503, 'DB_DOWN'));
    renderApp(api, { route });

    fireEvent.press(await screen.findByRole('button', { name: /^Unread: Your day/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The service is having trouble right now. Try again in a few minutes.',
    );
    expect(screen.getByRole('button', { name: /^Unread: Your day/ })).toBeOnTheScreen();
  });

  describe('preferences', () => {
    const toggle = (name: string, value: boolean) =>
      fireEvent(screen.getByRole('switch', { name }), 'valueChange', value);

    it('shows the loaded push, Telegram and per-kind switches', async () => {
      const api = backend();
      serveNotifications(api, [summary], {
        preferences: { push: true, telegram: false, muted_kinds: ['daily_summary', 'margin_call'] },
      });
      renderApp(api, { route });

      expect(await screen.findByRole('switch', { name: 'Push notifications' })).toBeChecked();
      expect(screen.getByRole('switch', { name: 'Telegram' })).not.toBeChecked();
      expect(screen.getByRole('switch', { name: 'Daily summary' })).not.toBeChecked();
      for (const name of [
        'Entry filled',
        'Exit filled',
        'Stop-loss hit',
        'Target reached',
        'Order rejected',
        'Exit not filled',
        'Kite login needed',
        'Strategy failed',
        'Daily loss limit hit',
      ]) {
        expect(screen.getByRole('switch', { name })).toBeChecked();
      }
      expect(screen.getAllByRole('switch')).toHaveLength(12);
    });

    it('turning a kind off mutes it and keeps a muted kind it does not know', async () => {
      const api = backend();
      const state = serveNotifications(api, [summary], {
        preferences: { push: true, telegram: true, muted_kinds: ['margin_call'] },
      });
      renderApp(api, { route });

      await screen.findByRole('switch', { name: 'Stop-loss hit' });
      toggle('Stop-loss hit', false);

      await waitFor(() => expect(state.preferences.muted_kinds).toEqual(['margin_call', 'stop_loss_hit']));
      expect(api.last('PUT', '/notifications/preferences')?.body).toEqual({
        push: true,
        telegram: true,
        muted_kinds: ['margin_call', 'stop_loss_hit'],
      });
      // Saved: the switch is off and can be changed again.
      await waitFor(() => {
        const stopLoss = screen.getByRole('switch', { name: 'Stop-loss hit' });
        expect(stopLoss).toBeEnabled();
        expect(stopLoss).not.toBeChecked();
      });

      toggle('Stop-loss hit', true);
      await waitFor(() => expect(state.preferences.muted_kinds).toEqual(['margin_call']));
      expect(await screen.findByRole('switch', { name: 'Stop-loss hit' })).toBeChecked();
    });

    it('turning push off sends push: false and leaves the rest alone', async () => {
      const api = backend();
      serveNotifications(api, [summary], {
        preferences: { push: true, telegram: true, muted_kinds: ['exit_filled'] },
      });
      renderApp(api, { route });

      await screen.findByRole('switch', { name: 'Push notifications' });
      toggle('Push notifications', false);

      await waitFor(() => expect(api.count('PUT', '/notifications/preferences')).toBe(1));
      expect(api.last('PUT', '/notifications/preferences')?.body).toEqual({
        push: false,
        telegram: true,
        muted_kinds: ['exit_filled'],
      });
      await waitFor(() =>
        expect(screen.getByRole('switch', { name: 'Push notifications' })).not.toBeChecked(),
      );
    });

    it('shows a failed save in words and puts the switch back to what is saved', async () => {
      const api = backend();
      serveNotifications(api, [summary], {
        preferences: { push: true, telegram: false, muted_kinds: [] },
      });
      api.on('PUT', '/notifications/preferences', apiError(503, 'DB_DOWN'));
      renderApp(api, { route });

      await screen.findByRole('switch', { name: 'Telegram' });
      toggle('Telegram', true);

      expect(await screen.findByRole('alert')).toHaveTextContent(
        'Could not save preferences: The service is having trouble right now. Try again in a few minutes.',
      );
      expect(api.last('PUT', '/notifications/preferences')?.body).toEqual({
        push: true,
        telegram: true,
        muted_kinds: [],
      });
      expect(screen.getByRole('switch', { name: 'Telegram' })).not.toBeChecked();
      expect(screen.getByRole('switch', { name: 'Telegram' })).toBeEnabled();
    });
  });

  describe('polling', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    async function advance(ms: number) {
      await act(() => jest.advanceTimersByTimeAsync(ms));
    }

    it('polls the unread count every 5 s while the strategies list is shown, and not in the background', async () => {
      const api = backend();
      const state = serveNotifications(api, [summary]);
      renderApp(api);
      await screen.findByRole('button', { name: 'Notifications' });
      const unreadCalls = () =>
        api.requests.filter((r) => r.path === '/notifications' && r.query.unread === 'true').length;
      expect(unreadCalls()).toBe(1);

      state.notifications.unshift(notification({ id: 'n-late' }));
      await advance(5_000);
      expect(unreadCalls()).toBe(2);
      expect(await screen.findByRole('button', { name: 'Notifications, 1 unread' })).toBeOnTheScreen();
      const afterNewOne = unreadCalls();

      setAppState('background');
      await advance(60_000);
      expect(unreadCalls()).toBe(afterNewOne);
      setAppState('active');
      await advance(0);
      expect(unreadCalls()).toBe(afterNewOne + 1);
    });

    it('stops polling the count while another screen is shown', async () => {
      const api = backend();
      serveNotifications(api, [summary]);
      renderApp(api);
      fireEvent.press(await screen.findByRole('button', { name: 'Notifications' }));
      await screen.findByRole('button', { name: /^Your day/ });
      const unreadCalls = () =>
        api.requests.filter((r) => r.path === '/notifications' && r.query.unread === 'true').length;
      const before = unreadCalls();
      await advance(30_000);
      expect(unreadCalls()).toBe(before);
    });
  });
});
