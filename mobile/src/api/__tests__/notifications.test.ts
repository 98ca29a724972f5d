import { Session } from '../../auth/session';
import { createMemoryTokenStorage } from '../../auth/tokenStorage';
import { FakeApi, ok, TEST_API_URL } from '../../test/fakeApi';
import { notification, STRATEGY_ID, strategyDay, USER_ID } from '../../test/fixtures';
import { ApiClient } from '../client';
import { ApiError } from '../errors';

async function signedInClient() {
  const session = new Session(
    createMemoryTokenStorage({ userId: USER_ID, accessToken: 'access-0', refreshToken: 'refresh-0' }),
  );
  await session.restore();
  const api = new FakeApi();
  api.install();
  return { client: new ApiClient({ baseUrl: TEST_API_URL, session }), api };
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('notifications and P&L calls', () => {
  it('lists notifications with the query the caller gives, and decodes them', async () => {
    const { client, api } = await signedInClient();
    api.on('GET', '/notifications', ok({ notifications: [notification()], unread: 3 }));

    await expect(client.listNotifications({ unread: true, limit: 1 })).resolves.toEqual({
      notifications: [notification()],
      unread: 3,
    });
    expect(api.last('GET', '/notifications')?.query).toEqual({ unread: 'true', limit: '1' });

    await client.listNotifications();
    expect(api.last('GET', '/notifications')?.query).toEqual({});
  });

  it('reads target_hit as a kind it knows', async () => {
    const { client, api } = await signedInClient();
    api.on(
      'GET',
      '/notifications',
      ok({
        notifications: [notification({ kind: 'target_hit', title: 'Target reached on TCS' })],
        unread: 1,
      }),
    );
    const [only] = (await client.listNotifications()).notifications;
    expect(only).toMatchObject({ kind: 'target_hit', title: 'Target reached on TCS' });
  });

  it('reads loss_limit_hit as a kind it knows', async () => {
    const { client, api } = await signedInClient();
    api.on(
      'GET',
      '/notifications',
      ok({
        notifications: [
          notification({
            strategy_id: null,
            kind: 'loss_limit_hit',
            title: 'Daily loss limit hit',
            data: {},
          }),
        ],
        unread: 1,
      }),
    );
    const [only] = (await client.listNotifications()).notifications;
    expect(only).toMatchObject({ kind: 'loss_limit_hit', title: 'Daily loss limit hit' });
  });

  it('reads a kind it does not know as `other`, keeping its title and body', async () => {
    const { client, api } = await signedInClient();
    api.on(
      'GET',
      '/notifications',
      ok({
        notifications: [notification({ kind: 'margin_call', title: 'Margin call', data: {} })],
        unread: 1,
      }),
    );
    const [only] = (await client.listNotifications()).notifications;
    expect(only).toMatchObject({ kind: 'other', title: 'Margin call', data: {} });
  });

  it('rejects a notification list that does not match the contract', async () => {
    const { client, api } = await signedInClient();
    api.on('GET', '/notifications', ok({ notifications: [notification({ data: 'x' as never })], unread: 1 }));
    expect((await caught(client.listNotifications())).message).toMatch(/notifications\[0\]\.data/);
    api.on('GET', '/notifications', ok({ notifications: [], unread: '1' }));
    expect((await caught(client.listNotifications())).code).toBe('BAD_RESPONSE');
  });

  it('marks some or all notifications read', async () => {
    const { client, api } = await signedInClient();
    api.on('POST', '/notifications/read', ok({ marked: 1, unread: 2 }));
    await expect(client.markNotificationsRead({ ids: ['n1'] })).resolves.toEqual({ marked: 1, unread: 2 });
    expect(api.last('POST', '/notifications/read')?.body).toEqual({ ids: ['n1'] });
    await client.markNotificationsRead({ all: true });
    expect(api.last('POST', '/notifications/read')?.body).toEqual({ all: true });
  });

  it('reads and saves preferences, keeping muted kinds it does not know', async () => {
    const { client, api } = await signedInClient();
    const prefs = { push: true, telegram: false, muted_kinds: ['daily_summary', 'margin_call'] };
    api.on('GET', '/notifications/preferences', ok(prefs));
    api.on('PUT', '/notifications/preferences', (request) => ok(request.body));
    await expect(client.notificationPreferences()).resolves.toEqual(prefs);
    await expect(client.saveNotificationPreferences(prefs)).resolves.toEqual(prefs);
    expect(api.last('PUT', '/notifications/preferences')?.body).toEqual(prefs);
  });

  it("asks for a strategy's days over a range, reading signed rupees as text", async () => {
    const { client, api } = await signedInClient();
    const loss = strategyDay({ realised_pnl_paise: -1250, realised_pnl: '-12.50', open_quantity: 5 });
    api.on(
      'GET',
      `/strategy/${STRATEGY_ID}/days`,
      ok({
        strategy_id: STRATEGY_ID,
        from: '2026-10-27',
        to: '2026-11-25',
        days: [loss],
        total_pnl_paise: -1250,
        total_pnl: '-12.50',
      }),
    );
    const days = await client.strategyDays(STRATEGY_ID, { from: '2026-10-27', to: '2026-11-25' });
    expect(days.days).toEqual([loss]);
    expect(days.total_pnl).toBe('-12.50');
    expect(api.last('GET', `/strategy/${STRATEGY_ID}/days`)?.query).toEqual({
      from: '2026-10-27',
      to: '2026-11-25',
    });
  });

  it('rejects money that is not two-decimal text', async () => {
    const { client, api } = await signedInClient();
    const summary = (total: unknown) =>
      ok({
        from: '2026-10-27',
        to: '2026-11-25',
        days: [],
        total_pnl_paise: -1250,
        total_pnl: total,
        paper_pnl_paise: 0,
        paper_pnl: '0.00',
      });
    api.on('GET', '/pnl', summary('-12.50'));
    await expect(client.pnl({ from: '2026-10-27', to: '2026-11-25' })).resolves.toMatchObject({
      total_pnl: '-12.50',
    });
    api.on('GET', '/pnl', summary(-12.5));
    expect((await caught(client.pnl({ from: '2026-10-27', to: '2026-11-25' }))).message).toMatch(/total_pnl/);
    api.on('GET', '/pnl', summary('-12.5'));
    expect((await caught(client.pnl({ from: '2026-10-27', to: '2026-11-25' }))).code).toBe('BAD_RESPONSE');
  });
});
