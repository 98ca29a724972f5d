import { Session } from '../../auth/session';
import { createMemoryTokenStorage } from '../../auth/tokenStorage';
import { apiError, deferred, FakeApi, ok, TEST_API_URL } from '../../test/fakeApi';
import { strategy, tokenPair, USER_ID } from '../../test/fixtures';
import { ApiClient } from '../client';
import { ApiError } from '../errors';

async function signedInClient() {
  const storage = createMemoryTokenStorage({
    userId: USER_ID,
    accessToken: 'access-0',
    refreshToken: 'refresh-0',
  });
  const session = new Session(storage);
  await session.restore();
  const api = new FakeApi();
  api.install();
  return { client: new ApiClient({ baseUrl: `${TEST_API_URL}/`, session }), session, storage, api };
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

describe('ApiClient', () => {
  it('sends the bearer token and JSON, and decodes the answer', async () => {
    const { client, api } = await signedInClient();
    api.on('POST', '/strategy/create', ok({ strategy_id: 'abc', status: 'created' }, 201));
    await expect(
      client.createStrategy({
        symbol: 'TCS',
        buy_time: '09:30:00',
        sell_time: '15:10:00',
        stop_loss: '1.00',
        quantity: 1,
      }),
    ).resolves.toEqual({ strategy_id: 'abc', status: 'created' });
    expect(api.last('POST', '/strategy/create')).toEqual({
      method: 'POST',
      path: '/strategy/create',
      query: {},
      authorization: 'Bearer access-0',
      body: { symbol: 'TCS', buy_time: '09:30:00', sell_time: '15:10:00', stop_loss: '1.00', quantity: 1 },
    });
  });

  it('parses the error envelope into a typed ApiError', async () => {
    const { client, api } = await signedInClient();
    api.on(
      'POST',
      '/strategy/create',
      apiError(400, 'STRATEGY_INVALID', 'one or more rules broken', [
        { field: 'stop_loss', message: 'stop_loss is required' },
      ]),
    );
    const error = await caught(
      client.createStrategy({
        symbol: 'TCS',
        buy_time: '09:30:00',
        sell_time: '15:10:00',
        stop_loss: '',
        quantity: 1,
      }),
    );
    expect(error.code).toBe('STRATEGY_INVALID');
    expect(error.status).toBe(400);
    expect(error.message).toBe('one or more rules broken');
    expect(error.fields).toEqual([{ field: 'stop_loss', message: 'stop_loss is required' }]);
  });

  it('keeps an error code it does not know as UNKNOWN with the raw code', async () => {
    const { client, api } = await signedInClient();
    api.on('GET', '/strategies', apiError(418, 'TEAPOT', 'I am a teapot'));
    const error = await caught(client.listStrategies());
    expect(error.code).toBe('UNKNOWN');
    expect(error.rawCode).toBe('TEAPOT');
  });

  it('turns an answer without an envelope into INTERNAL (5xx) or BAD_RESPONSE', async () => {
    const { client, api } = await signedInClient();
    api.on('GET', '/strategies', { status: 502, body: 'Bad Gateway' });
    expect((await caught(client.listStrategies())).code).toBe('INTERNAL');
    api.on('GET', '/strategies', { status: 400, body: { message: 'no envelope' } });
    expect((await caught(client.listStrategies())).code).toBe('BAD_RESPONSE');
  });

  it('rejects a success answer that does not match the contract', async () => {
    const { client, api } = await signedInClient();
    api.on('GET', '/strategies', ok({ strategies: [{ ...strategy(), stop_loss: 3500.05 }] }));
    const error = await caught(client.listStrategies());
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(/strategies\[0\]\.stop_loss/);
  });

  it('reports a failed fetch as NETWORK_ERROR with status 0', async () => {
    const { client } = await signedInClient();
    globalThis.fetch = jest.fn(() => Promise.reject(new TypeError('Network request failed')));
    const error = await caught(client.brokerStatus());
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.status).toBe(0);
  });

  it('gives up on a request with no answer after the timeout', async () => {
    jest.useFakeTimers();
    try {
      const session = new Session(createMemoryTokenStorage());
      const client = new ApiClient({ baseUrl: TEST_API_URL, session, timeoutMs: 1000 });
      globalThis.fetch = jest.fn(
        (_input: RequestInfo | URL, init?: RequestInit) =>
          new Promise<Response>((_resolve, reject) => {
            init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
          }),
      );
      const pending = caught(client.health());
      jest.advanceTimersByTime(1000);
      expect((await pending).code).toBe('TIMEOUT');
    } finally {
      jest.useRealTimers();
    }
  });

  it('accepts a 204 with no body', async () => {
    const { client, api } = await signedInClient();
    api.on('DELETE', '/broker', { status: 204 });
    await expect(client.disconnectBroker()).resolves.toBeUndefined();
  });

  it('squares off with a bare authorised POST and decodes what it did', async () => {
    const { client, api } = await signedInClient();
    const stopped = { strategy_id: 'abc', status: 'stopped', position: 'selling', exit_requested: true };
    api.on('POST', '/strategies/square-off', ok({ strategies: [stopped], exits_requested: 1 }));
    await expect(client.squareOffAll()).resolves.toEqual({ strategies: [stopped], exits_requested: 1 });
    expect(api.last('POST', '/strategies/square-off')).toEqual({
      method: 'POST',
      path: '/strategies/square-off',
      query: {},
      authorization: 'Bearer access-0',
      body: undefined,
    });
  });

  describe('silent refresh', () => {
    it('on TOKEN_EXPIRED refreshes once and retries with the new token', async () => {
      const { client, api, session, storage } = await signedInClient();
      api.sequence('GET', '/strategies', [apiError(401, 'TOKEN_EXPIRED'), ok({ strategies: [] })]);
      api.on('POST', '/auth/refresh', ok(tokenPair(1)));

      await expect(client.listStrategies()).resolves.toEqual({ strategies: [] });

      expect(api.last('POST', '/auth/refresh')?.body).toEqual({ refresh_token: 'refresh-0' });
      expect(api.requests.filter((r) => r.path === '/strategies').map((r) => r.authorization)).toEqual([
        'Bearer access-0',
        'Bearer access-1',
      ]);
      expect(session.accessToken).toBe('access-1');
      expect(await storage.load()).toEqual({
        userId: USER_ID,
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
      });
      expect(session.getState()).toBe('signedIn');
    });

    it('shares one refresh between requests that expire together', async () => {
      const { client, api } = await signedInClient();
      const expiredOnce = (body: unknown) => (r: { authorization: string | null }) =>
        r.authorization === 'Bearer access-0' ? apiError(401, 'TOKEN_EXPIRED') : ok(body);
      api.on('GET', '/strategies', expiredOnce({ strategies: [] }));
      api.on('GET', '/broker/status', expiredOnce({ status: 'not_connected' }));
      const refresh = deferred();
      api.on('POST', '/auth/refresh', refresh.handler);

      const both = Promise.all([client.listStrategies(), client.brokerStatus()]);
      await new Promise((resolve) => setTimeout(resolve, 0));
      refresh.resolve(ok(tokenPair(1)));
      await expect(both).resolves.toEqual([{ strategies: [] }, { status: 'not_connected' }]);
      expect(api.count('POST', '/auth/refresh')).toBe(1);
    });

    it('signs out when the server rejects the refresh token', async () => {
      const { client, api, session, storage } = await signedInClient();
      api.on('GET', '/strategies', apiError(401, 'TOKEN_EXPIRED'));
      api.on('POST', '/auth/refresh', apiError(401, 'UNAUTHORIZED'));

      const error = await caught(client.listStrategies());

      expect(error.code).toBe('TOKEN_EXPIRED');
      expect(session.getState()).toBe('signedOut');
      expect(session.getSignOutReason()).toBe('expired');
      expect(await storage.load()).toBeNull();
      expect(api.count('GET', '/strategies')).toBe(1);
    });

    it('keeps the session when the refresh fails for a network reason', async () => {
      const { client, api, session } = await signedInClient();
      api.on('GET', '/strategies', apiError(401, 'TOKEN_EXPIRED'));
      api.on('POST', '/auth/refresh', apiError(503, 'DB_DOWN'));

      expect((await caught(client.listStrategies())).code).toBe('DB_DOWN');
      expect(session.getState()).toBe('signedIn');
    });

    it('signs out on UNAUTHORIZED without trying to refresh', async () => {
      const { client, api, session } = await signedInClient();
      api.on('GET', '/strategies', apiError(401, 'UNAUTHORIZED'));
      expect((await caught(client.listStrategies())).code).toBe('UNAUTHORIZED');
      expect(api.count('POST', '/auth/refresh')).toBe(0);
      expect(session.getState()).toBe('signedOut');
    });

    it('does not refresh for a 401 on sign-in', async () => {
      const { client, api, session } = await signedInClient();
      api.on('POST', '/auth/login', apiError(401, 'INVALID_CREDENTIALS'));
      expect((await caught(client.login({ email: 'a@b.c', password: 'wrongpassword' }))).code).toBe(
        'INVALID_CREDENTIALS',
      );
      expect(api.count('POST', '/auth/refresh')).toBe(0);
      expect(session.getState()).toBe('signedIn');
    });
  });
});
