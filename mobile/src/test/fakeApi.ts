/**
 * A fake backend at the fetch boundary: tests replace `global.fetch`, so everything above it
 * (client, refresh, decoding, hooks, screens) runs as in the app.
 */
export const TEST_API_URL = 'http://api.test';

export interface RecordedRequest {
  method: string;
  /** Without the query string: routes match on this. */
  path: string;
  /** The query string's parameters, `{}` when there is none. */
  query: Record<string, string>;
  body: unknown;
  authorization: string | null;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export type Handler = (request: RecordedRequest) => Reply | Promise<Reply>;

export function ok(body: unknown, status = 200): Reply {
  return { status, body };
}

export function apiError(
  status: number,
  code: string,
  message = code.toLowerCase(),
  fields?: { field: string; message: string }[],
): Reply {
  return { status, body: { error: { code, message, ...(fields ? { fields } : {}) } } };
}

/** A reply that arrives only when the test says so, to see loading states. */
export function deferred(): { handler: Handler; resolve: (reply: Reply) => void } {
  let resolveReply: (reply: Reply) => void = () => undefined;
  const promise = new Promise<Reply>((resolve) => {
    resolveReply = resolve;
  });
  return { handler: () => promise, resolve: (reply) => resolveReply(reply) };
}

export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  readonly unhandled: string[] = [];
  private readonly routes = new Map<string, Handler[]>();

  /** Answers `method path` with `reply` every time (the last `on` for a route wins). */
  on(method: string, path: string, reply: Reply | Handler): this {
    this.routes.set(`${method} ${path}`, [typeof reply === 'function' ? reply : () => reply]);
    return this;
  }

  /** Answers the next calls with these replies in turn; the last one repeats. */
  sequence(method: string, path: string, replies: (Reply | Handler)[]): this {
    this.routes.set(
      `${method} ${path}`,
      replies.map((r) => (typeof r === 'function' ? r : () => r)),
    );
    return this;
  }

  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length;
  }

  last(method: string, path: string): RecordedRequest | undefined {
    return this.requests.filter((r) => r.method === method && r.path === path).at(-1);
  }

  install(): void {
    globalThis.fetch = jest.fn((input: RequestInfo | URL, init?: RequestInit) =>
      this.fetch(String(input), init ?? {}),
    );
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    const target = url.startsWith(TEST_API_URL) ? url.slice(TEST_API_URL.length) : url;
    const [path = '', search = ''] = target.split('?', 2);
    const query: Record<string, string> = {};
    for (const pair of search ? search.split('&') : []) {
      const [name = '', value = ''] = pair.split('=', 2);
      query[decodeURIComponent(name)] = decodeURIComponent(value);
    }
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    const request: RecordedRequest = {
      method,
      path,
      query,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      authorization: headers.get('Authorization'),
    };
    this.requests.push(request);
    const handlers = this.routes.get(`${method} ${path}`);
    if (!handlers || handlers.length === 0) {
      this.unhandled.push(`${method} ${path}`);
      return new Response(
        JSON.stringify({ error: { code: 'NOT_FOUND', message: `no fake for ${method} ${path}` } }),
        {
          status: 404,
        },
      );
    }
    const handler = handlers.length > 1 ? handlers.shift() : handlers[0];
    if (!handler) throw new Error('unreachable: handlers is not empty');
    const reply = await handler(request);
    if (reply.status === 204 || reply.body === undefined) return new Response(null, { status: reply.status });
    return new Response(JSON.stringify(reply.body), {
      status: reply.status,
      headers: { 'Content-Type': 'application/json' },
    });
  }
}

/** A notification as the fake keeps it: any `kind`, as a newer server might send. */
export interface FakeNotification {
  id: string;
  strategy_id: string | null;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  created_at: string;
  read_at: string | null;
}

export interface FakePreferences {
  push: boolean;
  telegram: boolean;
  muted_kinds: string[];
}

/**
 * Serves the notification endpoints from state the test can read: the list (newest first,
 * honouring `unread` and `limit`), marking read, and the preferences. A mark sets `read_at` to
 * `readAt`, so a test can see it survive a refetch.
 */
export function serveNotifications(
  api: FakeApi,
  initial: FakeNotification[],
  options: { preferences?: FakePreferences; readAt?: string } = {},
): { notifications: FakeNotification[]; preferences: FakePreferences } {
  const state = {
    notifications: [...initial].sort((a, b) => b.created_at.localeCompare(a.created_at)),
    preferences: options.preferences ?? { push: true, telegram: false, muted_kinds: [] },
  };
  const readAt = options.readAt ?? '2026-11-25T03:30:00Z';
  const unread = () => state.notifications.filter((n) => n.read_at === null).length;
  api
    .on('GET', '/notifications', ({ query }) => {
      const limit = query.limit === undefined ? 50 : Number(query.limit);
      const listed = state.notifications.filter((n) => query.unread !== 'true' || n.read_at === null);
      return ok({ notifications: listed.slice(0, limit), unread: unread() });
    })
    .on('POST', '/notifications/read', ({ body }) => {
      const request = body as { ids?: string[]; all?: boolean };
      let marked = 0;
      state.notifications = state.notifications.map((n) => {
        if (n.read_at !== null || !(request.all || request.ids?.includes(n.id))) return n;
        marked += 1;
        return { ...n, read_at: readAt };
      });
      return ok({ marked, unread: unread() });
    })
    .on('GET', '/notifications/preferences', () => ok(state.preferences))
    .on('PUT', '/notifications/preferences', ({ body }) => {
      state.preferences = body as FakePreferences;
      return ok(state.preferences);
    })
    // A server without a Telegram bot, unless the test serves `/telegram` itself.
    .on('GET', '/telegram', ok({ configured: false, linked: false }));
  return state;
}

/** A tradable equity as the fake lists it. */
export interface FakeInstrument {
  exchange: string;
  tradingsymbol: string;
  name: string;
  instrument_token: number;
  last_price_paise: number | null;
}

/**
 * Serves `GET /instruments/search` over `instruments` as the server ranks them: the exchange's
 * symbols starting with `q` (shortest first), then names with a word starting with it, at most
 * 20; a missing or blank `q` is a 400 with the field, as on the server.
 */
export function serveInstruments(api: FakeApi, instruments: FakeInstrument[]): FakeApi {
  return api.on('GET', '/instruments/search', ({ query }) => {
    const q = (query.q ?? '').trim().toUpperCase();
    if (q === '' || q.length > 40) {
      return apiError(400, 'BAD_REQUEST', 'bad q', [{ field: 'q', message: 'bad q' }]);
    }
    const exchange = (query.exchange ?? 'NSE').toUpperCase();
    const listed = instruments.filter((i) => i.exchange === exchange);
    const bySymbol = listed
      .filter((i) => i.tradingsymbol.startsWith(q))
      .sort(
        (a, b) =>
          a.tradingsymbol.length - b.tradingsymbol.length || a.tradingsymbol.localeCompare(b.tradingsymbol),
      );
    const byName = listed
      .filter((i) => !i.tradingsymbol.startsWith(q) && ` ${i.name.toUpperCase()}`.includes(` ${q}`))
      .sort((a, b) => a.name.localeCompare(b.name));
    return ok({ instruments: [...bySymbol, ...byName].slice(0, 20) });
  });
}

/** The daily loss limit as the fake keeps it. */
export interface FakeRisk {
  daily_loss_limit: string | null;
  pnl_today: string;
  limit_hit_today: boolean;
}

/**
 * Serves `GET` and `PUT /account/risk` from state the test can read. A `PUT` keeps the amount as
 * the server writes it back, with two decimals (`"5000"` → `"5000.00"`); `null` removes it.
 */
export function serveRisk(api: FakeApi, initial: Partial<FakeRisk> = {}): FakeRisk {
  const state: FakeRisk = { daily_loss_limit: null, pnl_today: '0.00', limit_hit_today: false, ...initial };
  api
    .on('GET', '/account/risk', () => ok({ ...state }))
    .on('PUT', '/account/risk', ({ body }) => {
      const { daily_loss_limit: limit } = body as { daily_loss_limit: string | null };
      if (limit === null) {
        state.daily_loss_limit = null;
      } else {
        const [whole = '', fraction = ''] = limit.split('.');
        state.daily_loss_limit = `${whole}.${fraction.padEnd(2, '0')}`;
      }
      return ok({ ...state });
    });
  return state;
}
