/**
 * The one module that talks HTTP to the backend (`docs/api.md`). Every method returns a value
 * checked against the contract, or throws `ApiError`.
 *
 * Auth: requests carry the session's access token. A 401 `TOKEN_EXPIRED` triggers one
 * `POST /auth/refresh` (shared by every request that hit it at the same time, because the old
 * refresh token stops working once used) and one retry. If the server rejects the refresh, or
 * still says 401 afterwards, the session is signed out.
 */
import type { Session } from '../auth/session';
import * as decode from './decode';
import { DecodeError, type Decoder } from './decode';
import { ApiError, isServerErrorCode } from './errors';
import type { paths } from './schema';
import type {
  BrokerConnected,
  BrokerStatus,
  KeysSaved,
  LoginUrl,
  SaveKeysRequest,
  ConnectBrokerRequest,
  Credentials,
  CalendarDate,
  DeviceRegistered,
  DeviceRemoveRequest,
  DeviceRequest,
  Exchange,
  Health,
  InstrumentSearch,
  Marked,
  MarkReadRequest,
  Me,
  NotificationList,
  OrderList,
  PnlSummary,
  Preferences,
  Reads,
  Risk,
  SquareOffResult,
  StopRequest,
  StopResult,
  Strategy,
  StrategyCreated,
  StrategyDays,
  StrategyList,
  StrategyRequest,
  StrategyState,
  StrategyStatus,
  TelegramLink,
  TelegramStatus,
  TokenPair,
} from './types';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  baseUrl: string;
  session: Session;
  /** Defaults to the global `fetch`, looked up on every call (tests replace it). */
  fetch?: FetchLike;
  /** Abort a request that has not answered by then. */
  timeoutMs?: number;
}

/** Both ends included, `YYYY-MM-DD` in IST. */
export interface DateRange {
  from: CalendarDate;
  to: CalendarDate;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

// ---- each call against the document's operations (`schema.d.ts`, from `openapi.json`) ----

/** A path template of the document, e.g. `/strategy/{id}`. */
type Route = keyof paths;
/** The operation the document declares for `method route`; `never` when there is none. */
type Operation<R extends Route, M extends Method> = NonNullable<paths[R][Lowercase<M>]>;
/** The routes the document serves with `M`: any other pair does not compile. */
type RouteFor<M extends Method> = {
  [R in Route]: [Operation<R, M>] extends [never] ? never : R;
}[Route];
type PathParams<O> = O extends { parameters: { path: infer P } } ? P : never;
/** The operation's query parameters (`?unread=true&limit=50`); `never` when it takes none. */
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? Exclude<Q, undefined> : never;
type RequestBody<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
type SuccessStatus = 200 | 201 | 202;
/** The JSON body of the operation's 2xx answers; `never` when it answers 204 without one. */
type SuccessBody<O> = O extends { responses: infer Rs }
  ? {
      [S in keyof Rs]: S extends SuccessStatus
        ? Rs[S] extends { content: { 'application/json': infer B } }
          ? B
          : never
        : never;
    }[keyof Rs]
  : never;

/**
 * One call as the document allows it: the route's `{params}`, the operation's request body
 * (exactly when it has one), and a decoder whose type reads the operation's 2xx answer (see
 * `Reads`), or `null` when the answer is a 204.
 */
type Call<M extends Method, R extends RouteFor<M>, T> = {
  method: M;
  route: R;
  /** Send the access token (and refresh it when it has expired). */
  auth: boolean;
} & ([PathParams<Operation<R, M>>] extends [never]
  ? { params?: undefined }
  : { params: PathParams<Operation<R, M>> }) &
  ([QueryParams<Operation<R, M>>] extends [never]
    ? { query?: undefined }
    : { query?: QueryParams<Operation<R, M>> }) &
  ([RequestBody<Operation<R, M>>] extends [never]
    ? { body?: undefined }
    : { body: RequestBody<Operation<R, M>> }) &
  ([SuccessBody<Operation<R, M>>] extends [never]
    ? { decoder: null }
    : {
        decoder: Decoder<T> &
          (Reads<T, SuccessBody<Operation<R, M>>> extends true
            ? unknown
            : { answerDoesNotMatchTheDocument: Reads<T, SuccessBody<Operation<R, M>>> });
      });

/** What `Call` is at run time. */
interface WireCall<T> {
  method: Method;
  route: string;
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  auth: boolean;
  /** `null` for a 204 answer with no body. */
  decoder: Decoder<T> | null;
}

/** `/strategy/{id}` with `{id: 'a b'}` → `/strategy/a%20b`. */
function pathOf(route: string, params: Record<string, string> | undefined): string {
  return route.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${route}`);
    return encodeURIComponent(value);
  });
}

/**
 * `{unread: true, limit: 50}` → `?unread=true&limit=50`, skipping absent values; `''` when none
 * is left. Written out rather than with `URLSearchParams`, which React Native only partly has.
 */
function queryOf(query: WireCall<unknown>['query']): string {
  const pairs = Object.entries(query ?? {}).flatMap(([name, value]) =>
    value === undefined ? [] : [`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`],
  );
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

const DEFAULT_TIMEOUT_MS = 15_000;

export class ApiClient {
  private readonly baseUrl: string;
  private readonly session: Session;
  private readonly fetchImpl: FetchLike | undefined;
  private readonly timeoutMs: number;
  private refreshing: Promise<void> | null = null;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.session = options.session;
    this.fetchImpl = options.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  // ---- auth ----

  register(credentials: Credentials): Promise<TokenPair> {
    return this.call({
      method: 'POST',
      route: '/auth/register',
      body: credentials,
      auth: false,
      decoder: decode.tokenPair,
    });
  }

  login(credentials: Credentials): Promise<TokenPair> {
    return this.call({
      method: 'POST',
      route: '/auth/login',
      body: credentials,
      auth: false,
      decoder: decode.tokenPair,
    });
  }

  /** Ends this session on the server: its refresh token stops working. */
  logout(refreshToken: string): Promise<void> {
    return this.call({
      method: 'POST',
      route: '/auth/logout',
      body: { refresh_token: refreshToken },
      auth: false,
      decoder: null,
    });
  }

  me(): Promise<Me> {
    return this.call({ method: 'GET', route: '/auth/me', auth: true, decoder: decode.me });
  }

  // ---- broker ----

  connectBroker(keys: ConnectBrokerRequest): Promise<BrokerConnected> {
    return this.call({
      method: 'POST',
      route: '/broker/connect',
      body: keys,
      auth: true,
      decoder: decode.brokerConnected,
    });
  }

  saveKeys(keys: SaveKeysRequest): Promise<KeysSaved> {
    return this.call({
      method: 'POST',
      route: '/broker/keys',
      body: keys,
      auth: true,
      decoder: decode.keysSaved,
    });
  }

  /** Kite's login page for the user's app, with a one-time state bound to this user. */
  loginUrl(): Promise<LoginUrl> {
    return this.call({ method: 'GET', route: '/broker/login', auth: true, decoder: decode.loginUrl });
  }

  brokerStatus(): Promise<BrokerStatus> {
    return this.call({ method: 'GET', route: '/broker/status', auth: true, decoder: decode.brokerStatus });
  }

  disconnectBroker(): Promise<void> {
    return this.call({ method: 'DELETE', route: '/broker', auth: true, decoder: null });
  }

  // ---- strategies ----

  createStrategy(request: StrategyRequest): Promise<StrategyCreated> {
    return this.call({
      method: 'POST',
      route: '/strategy/create',
      body: request,
      auth: true,
      decoder: decode.strategyCreated,
    });
  }

  listStrategies(): Promise<StrategyList> {
    return this.call({ method: 'GET', route: '/strategies', auth: true, decoder: decode.strategyList });
  }

  getStrategy(id: string): Promise<Strategy> {
    return this.call({
      method: 'GET',
      route: '/strategy/{id}',
      params: { id },
      auth: true,
      decoder: decode.strategy,
    });
  }

  updateStrategy(id: string, request: StrategyRequest): Promise<Strategy> {
    return this.call({
      method: 'PUT',
      route: '/strategy/{id}',
      params: { id },
      body: request,
      auth: true,
      decoder: decode.strategy,
    });
  }

  deleteStrategy(id: string): Promise<void> {
    return this.call({
      method: 'DELETE',
      route: '/strategy/{id}',
      params: { id },
      auth: true,
      decoder: null,
    });
  }

  startStrategy(id: string): Promise<StrategyState> {
    return this.call({
      method: 'POST',
      route: '/strategy/start',
      body: { strategy_id: id },
      auth: true,
      decoder: decode.strategyState,
    });
  }

  stopStrategy(request: StopRequest): Promise<StopResult> {
    return this.call({
      method: 'POST',
      route: '/strategy/stop',
      body: request,
      auth: true,
      decoder: decode.stopResult,
    });
  }

  /**
   * Stops every strategy of the user and queues the exit of every position open today (or an
   * entry still in flight), at market. Idempotent: a second call finds nothing left to sell.
   */
  squareOffAll(): Promise<SquareOffResult> {
    return this.call({
      method: 'POST',
      route: '/strategies/square-off',
      auth: true,
      decoder: decode.squareOffResult,
    });
  }

  strategyStatus(id: string): Promise<StrategyStatus> {
    return this.call({
      method: 'GET',
      route: '/strategy/status/{id}',
      params: { id },
      auth: true,
      decoder: decode.strategyStatus,
    });
  }

  strategyOrders(id: string): Promise<OrderList> {
    return this.call({
      method: 'GET',
      route: '/strategy/{id}/orders',
      params: { id },
      auth: true,
      decoder: decode.orderList,
    });
  }

  // ---- instruments ----

  /** Up to 20 tradable equities matching `q` (symbol prefixes, then names), with last prices. */
  searchInstruments(query: { q: string; exchange?: Exchange }): Promise<InstrumentSearch> {
    return this.call({
      method: 'GET',
      route: '/instruments/search',
      query,
      auth: true,
      decoder: decode.instrumentSearch,
    });
  }

  // ---- notifications ----

  /** Newest first, with how many are unread in all. */
  listNotifications(query: { unread?: boolean; limit?: number } = {}): Promise<NotificationList> {
    return this.call({
      method: 'GET',
      route: '/notifications',
      query,
      auth: true,
      decoder: decode.notificationList,
    });
  }

  markNotificationsRead(request: MarkReadRequest): Promise<Marked> {
    return this.call({
      method: 'POST',
      route: '/notifications/read',
      body: request,
      auth: true,
      decoder: decode.marked,
    });
  }

  notificationPreferences(): Promise<Preferences> {
    return this.call({
      method: 'GET',
      route: '/notifications/preferences',
      auth: true,
      decoder: decode.preferences,
    });
  }

  saveNotificationPreferences(preferences: Preferences): Promise<Preferences> {
    return this.call({
      method: 'PUT',
      route: '/notifications/preferences',
      body: preferences,
      auth: true,
      decoder: decode.preferences,
    });
  }

  /** Pushes go to this phone's token (moving it from whoever registered it before). */
  registerDevice(device: DeviceRequest): Promise<DeviceRegistered> {
    return this.call({
      method: 'POST',
      route: '/devices',
      body: device,
      auth: true,
      decoder: decode.deviceRegistered,
    });
  }

  /** No more pushes to this token (signing out of this phone). */
  removeDevice(device: DeviceRemoveRequest): Promise<DeviceRegistered> {
    return this.call({
      method: 'POST',
      route: '/devices/remove',
      body: device,
      auth: true,
      decoder: decode.deviceRegistered,
    });
  }

  telegramStatus(): Promise<TelegramStatus> {
    return this.call({ method: 'GET', route: '/telegram', auth: true, decoder: decode.telegramStatus });
  }

  /** A one-time code for the bot; `NOT_FOUND` when this server has no bot. */
  linkTelegram(): Promise<TelegramLink> {
    return this.call({ method: 'POST', route: '/telegram/link', auth: true, decoder: decode.telegramLink });
  }

  unlinkTelegram(): Promise<TelegramStatus> {
    return this.call({
      method: 'POST',
      route: '/telegram/unlink',
      auth: true,
      decoder: decode.telegramStatus,
    });
  }

  // ---- P&L ----

  /** The user's P&L per day over `from`..`to` (dates in IST, both included). */
  pnl(range: DateRange): Promise<PnlSummary> {
    return this.call({ method: 'GET', route: '/pnl', query: range, auth: true, decoder: decode.pnlSummary });
  }

  /** One strategy's fills and realised P&L per day over `from`..`to`, oldest first. */
  strategyDays(id: string, range: DateRange): Promise<StrategyDays> {
    return this.call({
      method: 'GET',
      route: '/strategy/{id}/days',
      params: { id },
      query: range,
      auth: true,
      decoder: decode.strategyDays,
    });
  }

  // ---- risk ----

  /** The daily loss limit and today's P&L against it. */
  risk(): Promise<Risk> {
    return this.call({ method: 'GET', route: '/account/risk', auth: true, decoder: decode.risk });
  }

  /**
   * Sets the daily loss limit (rupees as typed, `"5000"` or `"5000.50"`), or removes it with
   * `null`. An amount the server refuses is a `BAD_REQUEST` naming `daily_loss_limit`.
   */
  saveRisk(limit: string | null): Promise<Risk> {
    return this.call({
      method: 'PUT',
      route: '/account/risk',
      body: { daily_loss_limit: limit },
      auth: true,
      decoder: decode.risk,
    });
  }

  // ---- health ----

  health(): Promise<Health> {
    return this.call({ method: 'GET', route: '/health', auth: false, decoder: decode.health });
  }

  // ---- plumbing ----

  /** Every request goes through here, typed against the document; `perform` sends it. */
  private call<M extends Method, R extends RouteFor<M>, T>(
    call: Call<M, R, T>,
  ): Promise<[SuccessBody<Operation<R, M>>] extends [never] ? void : T> {
    // `Call` narrows `WireCall` (TypeScript cannot see that through its conditional types), and
    // `perform` answers what the decoder returns, or `undefined` for a 204.
    return this.perform(call as WireCall<unknown>) as Promise<
      [SuccessBody<Operation<R, M>>] extends [never] ? void : T
    >;
  }

  private async perform(call: WireCall<unknown>): Promise<unknown> {
    if (!call.auth) return this.handle(await this.send(call, null), call.decoder);

    const token = this.session.accessToken;
    if (!token) throw new ApiError('UNAUTHORIZED', 'not signed in', 401);
    let response = await this.send(call, token);
    if (response.status === 401) {
      const error = await this.errorFrom(response);
      if (error.code !== 'TOKEN_EXPIRED') return this.signOutWith(error);
      await this.refreshAfter(token);
      response = await this.send(call, this.session.accessToken);
      if (response.status === 401) return this.signOutWith(await this.errorFrom(response));
    }
    return this.handle(response, call.decoder);
  }

  /**
   * Makes sure the access token is newer than `staleToken`: refreshes once, shared by every
   * caller, unless another request has already done it.
   */
  private async refreshAfter(staleToken: string): Promise<void> {
    const current = this.session.accessToken;
    if (current && current !== staleToken) return;
    if (!this.refreshing) {
      this.refreshing = this.refresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async refresh(): Promise<void> {
    const refreshToken = this.session.refreshToken;
    if (!refreshToken) {
      return this.signOutWith(new ApiError('TOKEN_EXPIRED', 'no refresh token', 401));
    }
    let pair: TokenPair;
    try {
      pair = await this.call({
        method: 'POST',
        route: '/auth/refresh',
        body: { refresh_token: refreshToken },
        auth: false,
        decoder: decode.tokenPair,
      });
    } catch (error) {
      // The server turned the refresh token down: the session is over. A network failure or
      // an outage is not the user's fault; keep the session so the next call can try again.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
        return this.signOutWith(
          new ApiError('TOKEN_EXPIRED', error.message, error.status, [], error.rawCode),
        );
      }
      throw error;
    }
    await this.session.replaceTokens(pair);
  }

  private async signOutWith(error: ApiError): Promise<never> {
    await this.session.signOut('expired');
    throw error;
  }

  private async send(call: WireCall<unknown>, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const fetchImpl: FetchLike = this.fetchImpl ?? ((input, init) => fetch(input, init));
    try {
      return await fetchImpl(`${this.baseUrl}${pathOf(call.route, call.params)}${queryOf(call.query)}`, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: controller.signal,
      });
    } catch (error) {
      if (timedOut) throw new ApiError('TIMEOUT', `no answer within ${this.timeoutMs} ms`, 0);
      const detail = error instanceof Error ? error.message : String(error);
      throw new ApiError('NETWORK_ERROR', detail, 0);
    } finally {
      clearTimeout(timer);
    }
  }

  private async handle<T>(response: Response, decoder: Decoder<T> | null): Promise<T> {
    if (!response.ok) throw await this.errorFrom(response);
    if (decoder === null) return undefined as T;
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new ApiError('BAD_RESPONSE', 'the answer is not JSON', response.status);
    }
    try {
      return decoder(body);
    } catch (error) {
      const detail = error instanceof DecodeError ? error.message : 'unexpected shape';
      throw new ApiError('BAD_RESPONSE', detail, response.status);
    }
  }

  /** Reads the error envelope; an answer without one still becomes a typed error. */
  private async errorFrom(response: Response): Promise<ApiError> {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    try {
      const { error } = decode.errorEnvelope(body);
      const code = isServerErrorCode(error.code) ? error.code : 'UNKNOWN';
      return new ApiError(code, error.message, response.status, error.fields ?? [], error.code);
    } catch {
      const code = response.status >= 500 ? 'INTERNAL' : 'BAD_RESPONSE';
      return new ApiError(code, `HTTP ${response.status}`, response.status);
    }
  }
}
