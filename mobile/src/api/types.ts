/**
 * The wire types of the HTTP API, spelled as `docs/api.md` spells them (snake_case).
 * Every response is checked against these shapes at run time by `decode.ts` before the app
 * sees it, so nothing untyped crosses the boundary.
 *
 * They come from, or are checked against, the server's OpenAPI document: `openapi.json` (a
 * snapshot the Rust test `crates/app/tests/openapi.rs` keeps equal to `GET /openapi.json`) and
 * `schema.d.ts` (generated from it by `npm run api:types`, checked by `npm run api:check`).
 * A type whose shape is the document's is an alias of the generated one; a type the app keeps
 * narrower (the server documents most enums as plain strings) is written out here and listed in
 * `ContractChecks` at the bottom, so `tsc` fails when it drifts from the document.
 */
import type { components } from './schema';

/** The document's schemas, generated from `openapi.json`. */
export type Schemas = components['schemas'];

/** Rupees as decimal text with two decimals (`"3500.05"`). Never a binary float. */
export type Rupees = string;
/** An instant, RFC 3339 in UTC (`"2026-11-25T04:00:00Z"`). */
export type Instant = string;
/** A time of day, `HH:MM:SS` in IST (Asia/Kolkata). */
export type TimeOfDay = string;

export const ERROR_CODES = [
  'BAD_REQUEST',
  'WEAK_PASSWORD',
  'STRATEGY_INVALID',
  'UNKNOWN_SYMBOL',
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  'INVALID_CREDENTIALS',
  'FORBIDDEN',
  'NOT_FOUND',
  'EMAIL_TAKEN',
  'STRATEGY_OVERLAP',
  'STRATEGY_RUNNING',
  'LOSS_LIMIT_HIT',
  'BROKER_NOT_CONNECTED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'TOO_MANY_LOGINS',
  'BROKER_AUTH_FAILED',
  'BROKER_UNAVAILABLE',
  'ORDER_FAILED',
  'REDIS_DOWN',
  'DB_DOWN',
  'INTERNAL',
] as const;
/** A code the server sends in its error envelope. */
export type ServerErrorCode = (typeof ERROR_CODES)[number];

/** Codes the app makes up itself when there is no usable answer from the server. */
export type ClientErrorCode =
  /** fetch failed: offline, DNS, CORS, connection refused. */
  | 'NETWORK_ERROR'
  /** No answer within the client's timeout. */
  | 'TIMEOUT'
  /** An answer that does not match the contract. */
  | 'BAD_RESPONSE'
  /** An error envelope with a code this app version does not know. */
  | 'UNKNOWN';

export type ErrorCode = ServerErrorCode | ClientErrorCode;

export type FieldError = Schemas['FieldErrorOut'];

/** `{"error": {...}}` as the server sends it. */
export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    fields?: FieldError[];
  };
}

// ---- auth ----

export type Credentials = Schemas['Credentials'];

/** `expires_in`: seconds until the access token expires (900). */
export type TokenPair = Schemas['TokenPair'];

export type RefreshRequest = Schemas['RefreshRequest'];

export type BrokerConnectionStatus = 'connected' | 'expired' | 'not_connected';

export interface Me {
  user_id: string;
  email: string;
  broker: { status: BrokerConnectionStatus };
}

// ---- broker ----

export type ConnectBrokerRequest = Schemas['ConnectRequest'];

export interface BrokerConnected {
  status: 'connected';
  broker_user_id: string;
  user_name: string;
}

export interface BrokerStatus {
  status: BrokerConnectionStatus;
  broker_user_id?: string | null;
  user_name?: string | null;
  /** Why the connection expired, when it did. */
  reason?: string | null;
  /** When today's Kite session dies (06:00 IST the next morning), while connected. */
  valid_until?: Instant | null;
}

/** The body of `POST /broker/keys`: the Kite app's keys, no token. */
export type SaveKeysRequest = Schemas['KeysRequest'];

export interface KeysSaved {
  status: BrokerConnectionStatus;
}

export interface LoginUrl {
  login_url: string;
}

// ---- strategies ----

export type Exchange = 'NSE' | 'BSE';
export type Product = 'MIS' | 'CNC';
export const DIRECTIONS = ['LONG', 'SHORT'] as const;
/**
 * `LONG` buys at `buy_time` and sells at `sell_time`; `SHORT` sells first at `buy_time` (the
 * entry) and buys back at `sell_time` (the exit), and is always MIS. The wire names of events
 * and positions stay the long ones: `BUY` is the entry leg, `bought` the open position, whatever
 * the direction (`domain/direction.ts` says them in a short's words).
 */
export type Direction = (typeof DIRECTIONS)[number];
export type StrategyStatusValue = 'created' | 'running' | 'stopped' | 'failed';
export type Position = 'none' | 'buying' | 'bought' | 'selling' | 'sold' | 'failed';
/** `TARGET`: the exit the strategy's target fired; `STOPLOSS`: the stop's (fixed or trailing);
 * `GUARD`: the stop-loss order resting at the exchange (its fill is the day's stop-loss exit). */
export type OrderEvent = 'BUY' | 'SELL' | 'STOPLOSS' | 'TARGET' | 'GUARD';
/** A leg's status: `SENDING` (written, not yet at the broker), `PLACED`, a final status, or
 * `MISSED` / `CLOSED_OUTSIDE` (dropped before the broker, or the position was closed outside). */
export type OrderStatus =
  'SENDING' | 'PLACED' | 'COMPLETE' | 'REJECTED' | 'CANCELLED' | 'FAILED' | 'MISSED' | 'CLOSED_OUTSIDE';

/**
 * How far from a price an exit sits: rupees with two decimals (`"25.50"`) or a percentage of the
 * price with up to two decimals (`"1.5%"`, `"2%"`). The server keeps a percentage as one, so it
 * is never turned into rupees here.
 */
export type ExitOffset = string;

/** The body of `POST /strategy/create` and `PUT /strategy/{id}`. */
export interface StrategyRequest {
  symbol: string;
  exchange?: Exchange;
  buy_time: TimeOfDay;
  sell_time: TimeOfDay;
  /** Sent as text so that no float ever carries money. */
  stop_loss: Rupees;
  quantity: number;
  product?: Product;
  /** `LONG` when missing. A `SHORT` must be `MIS`. */
  direction?: Direction;
  /** Paper mode; off when missing. */
  paper?: boolean;
  /** Take-profit from the entry's fill price (above it for a long, below it for a short): rupees
   * (`"25.50"`) or a percentage (`"1.5%"`). */
  target?: ExitOffset;
  /** A stop that trails the best price since the entry by this much (below a long's highest,
   * above a short's lowest): rupees or `"1%"`. */
  trailing_stop?: ExitOffset;
}

export interface Strategy {
  strategy_id: string;
  symbol: string;
  exchange: Exchange;
  direction: Direction;
  /** Paper mode: simulated fills at the live price, nothing placed at the broker. */
  paper: boolean;
  /** The entry's time (a short sells then). */
  buy_time: TimeOfDay;
  /** The exit's time (a short buys back then). */
  sell_time: TimeOfDay;
  /** Under the price for a long, over it for a short. */
  stop_loss: Rupees;
  quantity: number;
  product: Product;
  /** `null` when the strategy has no target. */
  target: ExitOffset | null;
  /** `null` when the strategy has no trailing stop. */
  trailing_stop: ExitOffset | null;
  status: StrategyStatusValue;
  position: Position;
  failure_reason: string | null;
  created_at: Instant;
  updated_at: Instant;
}

export interface StrategyCreated {
  strategy_id: string;
  status: StrategyStatusValue;
}

export interface StrategyList {
  strategies: Strategy[];
}

export type StartRequest = Schemas['StartRequest'];

export interface StrategyState {
  strategy_id: string;
  status: StrategyStatusValue;
}

export type StopRequest = Schemas['StopRequest'];

export interface StopResult {
  strategy_id: string;
  status: StrategyStatusValue;
  position?: Position;
  /** Whether an exit of the open position was requested. */
  exit_requested?: boolean;
}

/** What `POST /strategies/square-off` did: every strategy of the caller stopped, its exit queued. */
export interface SquareOffResult {
  /** Every strategy of the caller, each as `POST /strategy/stop {exit_position: true}` left it. */
  strategies: StopResult[];
  /** How many open positions (or entries still in flight) had their exit queued. */
  exits_requested: number;
}

export interface LastAction {
  event: OrderEvent;
  /** The order's status, for a past action. */
  status?: OrderStatus | null;
  at: Instant;
}

export interface NextAction {
  event: 'BUY' | 'SELL';
  at: Instant;
}

export interface StrategyStatus {
  strategy_id: string;
  status: StrategyStatusValue;
  position: Position;
  last_action: LastAction | null;
  last_price: Rupees | null;
  /** While a position is open today: where the watcher exits it (a trailing stop that rose above
   * the fixed one); `null` otherwise. */
  stop_in_force: Rupees | null;
  /** While a stop-loss order rests at the exchange under today's position: its broker order id. */
  resting_stop_order?: string | null;
  /** Paper mode: simulated fills, nothing at the broker. */
  paper: boolean;
  next_action: NextAction | null;
  failure_reason: string | null;
  /** `login` while nothing can be sent until the trader logs in to Kite. */
  waiting_for?: 'login' | null;
}

export interface Order {
  order_id: string;
  event: OrderEvent;
  broker_order_id: string | null;
  status: OrderStatus;
  quantity: number;
  average_price: Rupees | null;
  message: string | null;
  scheduled_for: Instant;
  placed_at: Instant | null;
  latency_ms: number | null;
}

export interface OrderList {
  orders: Order[];
}

/** A tradable equity found by `GET /instruments/search`, with its last price. */
export interface InstrumentMatch {
  exchange: Exchange;
  tradingsymbol: string;
  name: string;
  instrument_token: number;
  /** Integer paise; `null` when the broker's quote could not be had. */
  last_price_paise: number | null;
}

export interface InstrumentSearch {
  /** Symbols starting with the query first, then names with a word starting with it. */
  instruments: InstrumentMatch[];
}

// ---- notifications ----

export const NOTIFICATION_KINDS = [
  'entry_filled',
  'exit_filled',
  'stop_loss_hit',
  'target_hit',
  'order_rejected',
  'exit_unfilled',
  'login_needed',
  'strategy_failed',
  'daily_summary',
  'loss_limit_hit',
] as const;
/** A kind this app version knows how to label. */
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * What the notification is about, for opening the right screen. The server may add keys; the
 * app reads only the ones it knows and keeps the rest as they came.
 */
export type NotificationData = Record<string, unknown>;

export interface Notification {
  id: string;
  strategy_id: string | null;
  /** A kind this version does not know arrives as `other`: shown with its title and body alone. */
  kind: NotificationKind | 'other';
  title: string;
  body: string;
  data: NotificationData;
  created_at: Instant;
  read_at: Instant | null;
}

export interface NotificationList {
  /** Newest first. */
  notifications: Notification[];
  /** How many are unread in all (not only in this page). */
  unread: number;
}

/** The body of `POST /notifications/read`: some ids, or all of them. */
export type MarkReadRequest = { ids: string[]; all?: undefined } | { all: true; ids?: undefined };

export interface Marked {
  marked: number;
  unread: number;
}

/** Which notifications are pushed; the in-app list always keeps every one. */
export interface Preferences {
  push: boolean;
  telegram: boolean;
  /** Kept as the server spells them, so a kind this version does not know survives a save. */
  muted_kinds: string[];
}

/** Where a push token comes from (the document says `string`). */
export type DevicePlatform = 'ios' | 'android' | 'web';

/** `POST /devices`: pushes go to this phone's Expo push token. */
export interface DeviceRequest {
  /** `ExponentPushToken[…]`, from `getExpoPushTokenAsync`. */
  expo_push_token: string;
  platform: DevicePlatform;
}

/** `POST /devices/remove`: this phone signs out. */
export type DeviceRemoveRequest = Schemas['DeviceRemove'];

export type DeviceRegistered = Schemas['DeviceOut'];

/** Whether this server has a Telegram bot, and whether the user's chat is linked to it. */
export type TelegramStatus = Schemas['TelegramStatus'];

/** A one-time code (10 minutes) that links the chat which sends it to the bot. */
export interface TelegramLink {
  code: string;
  expires_at: Instant;
  /** `https://t.me/<bot>?start=<code>`, when the server knows the bot's name. */
  link: string | null;
}

// ---- P&L ----

/** A calendar date, `YYYY-MM-DD` (a trading date in IST). */
export type CalendarDate = string;
/** Rupees as signed decimal text with two decimals (`"-12.50"`). */
export type SignedRupees = string;

export interface PnlDay {
  trading_date: CalendarDate;
  pnl_paise: number;
  pnl: SignedRupees;
  /** How many strategies traded that day. */
  strategies: number;
}

export interface PnlSummary {
  from: CalendarDate;
  to: CalendarDate;
  days: PnlDay[];
  total_pnl_paise: number;
  total_pnl: SignedRupees;
  /** Paper strategies' result over the range: simulated, never in the real total. */
  paper_pnl_paise: number;
  paper_pnl: SignedRupees;
}

export interface StrategyDay {
  trading_date: CalendarDate;
  /** How the day's entry went: a `SHORT` day sold first (`sold_*`) and bought back (`bought_*`). */
  direction: Direction;
  /** A paper day: simulated fills. */
  paper: boolean;
  bought_quantity: number;
  buy_average_price?: Rupees | null;
  sold_quantity: number;
  sell_average_price?: Rupees | null;
  realised_pnl_paise: number;
  realised_pnl: SignedRupees;
  /** Entered and not exited through the app (for a short: sold and not bought back). */
  open_quantity: number;
}

export interface StrategyDays {
  strategy_id: string;
  from: CalendarDate;
  to: CalendarDate;
  /** Days with a fill, oldest first. */
  days: StrategyDay[];
  total_pnl_paise: number;
  total_pnl: SignedRupees;
}

// ---- risk ----

/** The daily loss limit and where today stands against it (`GET` and `PUT /account/risk`). */
export interface Risk {
  /** `null` when there is no limit. */
  daily_loss_limit: Rupees | null;
  /** Today's realised plus open P&L (open at the last prices the server saw). */
  pnl_today: SignedRupees;
  /** Whether the limit was hit today: every position was squared off, every strategy stopped. */
  limit_hit_today: boolean;
}

// ---- health ----

export interface Health {
  status: 'ok' | 'degraded';
  postgres: 'up' | 'down';
  redis: 'up' | 'down';
  /** `nse` or `always-open`, when the server says. */
  calendar?: string;
}

// ---- checked against the document ----

/** `true` when `A` and `B` are the same type. */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails to compile unless `T` is `true`; otherwise the error shows what `T` is instead. */
export type Assert<T extends true> = T;

type Absent = null | undefined;
/** A literal union widened to its primitive: `'NSE' | 'BSE'` → `string`. */
type Primitive<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
/** `true`, or the union of the problems in `M`'s values. */
type Problems<M> = [Exclude<M[keyof M], true | undefined>] extends [never]
  ? true
  : Exclude<M[keyof M], true | undefined>;

interface Mismatch<K, App, Document> {
  field: K;
  app: App;
  document: Document;
}

/** One value the app reads (`A`) against what the document says the server sends (`D`). */
type ReadsValue<A, D, K> = [A] extends [readonly (infer AE)[]]
  ? [D] extends [readonly (infer DE)[]]
    ? ReadsField<AE, DE, K>
    : Mismatch<K, A, D>
  : [A] extends [object]
    ? [D] extends [object]
      ? Reads<A, D>
      : Mismatch<K, A, D>
    : Equals<Primitive<A>, Primitive<D>> extends true
      ? true
      : Mismatch<K, A, D>;

type ReadsField<A, D, K> = [Extract<D, Absent>] extends [never]
  ? ReadsValue<NonNullable<A>, NonNullable<D>, K>
  : [Extract<A, Absent>] extends [never]
    ? { field: K; problem: 'the document lets it be null or missing, the app type does not' }
    : ReadsValue<NonNullable<A>, NonNullable<D>, K>;

/**
 * `true` when the app can read, as `A`, every answer the document describes as `D`: `A` has
 * only fields of `D` and every field `D` requires; each with the same JSON type (an app type
 * may narrow a documented string to a union of its values); null or missing wherever `D` allows
 * it. Nested objects and arrays are checked the same way. Otherwise, the problem.
 */
export type Reads<A, D> = [Exclude<keyof A, keyof D>] extends [never]
  ? [Exclude<RequiredKeys<D>, keyof A>] extends [never]
    ? Problems<{ [K in keyof A & keyof D]: ReadsField<A[K], D[K], K> }>
    : { problem: 'fields the document requires are missing'; fields: Exclude<RequiredKeys<D>, keyof A> }
  : { problem: 'fields the document does not have'; fields: Exclude<keyof A, keyof D> };

type SendsValue<A, D, K> = [A] extends [readonly (infer AE)[]]
  ? [D] extends [readonly (infer DE)[]]
    ? SendsField<AE, DE, K>
    : Mismatch<K, A, D>
  : [A] extends [object]
    ? [D] extends [object]
      ? Sends<A, D>
      : Mismatch<K, A, D>
    : Equals<Primitive<A>, Primitive<D>> extends true
      ? true
      : Mismatch<K, A, D>;

type SendsField<A, D, K> = [Extract<A, Absent>] extends [never]
  ? SendsValue<NonNullable<A>, NonNullable<D>, K>
  : [Extract<D, Absent>] extends [never]
    ? { field: K; problem: 'the app may leave it null or missing, the document requires it' }
    : SendsValue<NonNullable<A>, NonNullable<D>, K>;

/**
 * `true` when every `A` the app sends is a valid `D`: only fields of `D`, every field `D`
 * requires, each with the same JSON type (the app may narrow a string to a union), null or
 * missing only where `D` allows it. Otherwise, the problem.
 */
export type Sends<A, D> = [Exclude<keyof A, keyof D>] extends [never]
  ? [Exclude<RequiredKeys<D>, RequiredKeys<A>>] extends [never]
    ? Problems<{ [K in keyof A & keyof D]: SendsField<A[K], D[K], K> }>
    : {
        problem: 'fields the document requires are optional or missing';
        fields: Exclude<RequiredKeys<D>, RequiredKeys<A>>;
      }
  : { problem: 'fields the document does not have'; fields: Exclude<keyof A, keyof D> };

/**
 * Every hand-written wire type against its schema in the document. A field renamed, added,
 * removed or retyped on either side fails `tsc --noEmit` here (the client checks each call's
 * route, body and answer against the document's operations as well).
 */
export type ContractChecks = [
  Assert<Reads<ErrorEnvelope, Schemas['ErrorBody']>>,
  Assert<Reads<Me, Schemas['Me']>>,
  Assert<Reads<BrokerConnected, Schemas['BrokerConnected']>>,
  Assert<Reads<BrokerStatus, Schemas['BrokerStatus']>>,
  Assert<Sends<SaveKeysRequest, Schemas['KeysRequest']>>,
  Assert<Reads<KeysSaved, Schemas['KeysSaved']>>,
  Assert<Reads<LoginUrl, Schemas['LoginUrl']>>,
  Assert<Sends<StrategyRequest, Schemas['StrategyBody']>>,
  Assert<Reads<Strategy, Schemas['StrategyOut']>>,
  Assert<Reads<StrategyCreated, Schemas['StrategyCreated']>>,
  Assert<Reads<StrategyList, Schemas['StrategyList']>>,
  Assert<Reads<StrategyState, Schemas['StrategyState']>>,
  Assert<Reads<StopResult, Schemas['StopResult']>>,
  Assert<Reads<SquareOffResult, Schemas['SquareOffResult']>>,
  Assert<Reads<LastAction, Schemas['Action']>>,
  Assert<Reads<NextAction, Schemas['Action']>>,
  Assert<Reads<StrategyStatus, Schemas['StrategyStatus']>>,
  Assert<Reads<Order, Schemas['OrderLogOut']>>,
  Assert<Reads<OrderList, Schemas['OrderLog']>>,
  Assert<Reads<InstrumentMatch, Schemas['InstrumentOut']>>,
  Assert<Reads<InstrumentSearch, Schemas['InstrumentSearch']>>,
  Assert<Reads<Health, Schemas['Health']>>,
  Assert<Reads<Notification, Schemas['NotificationOut']>>,
  Assert<Reads<NotificationList, Schemas['NotificationList']>>,
  Assert<Sends<MarkReadRequest, Schemas['MarkRead']>>,
  Assert<Reads<Marked, Schemas['Marked']>>,
  Assert<Reads<Preferences, Schemas['Preferences']>>,
  Assert<Sends<Preferences, Schemas['Preferences']>>,
  Assert<Sends<DeviceRequest, Schemas['DeviceIn']>>,
  Assert<Reads<TelegramLink, Schemas['TelegramLink']>>,
  Assert<Reads<PnlDay, Schemas['PnlDay']>>,
  Assert<Reads<PnlSummary, Schemas['PnlSummary']>>,
  Assert<Reads<StrategyDay, Schemas['StrategyDay']>>,
  Assert<Reads<StrategyDays, Schemas['StrategyDays']>>,
  Assert<Reads<Risk, Schemas['Risk']>>,
];
