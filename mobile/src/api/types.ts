/**
 * The wire types of the HTTP API, spelled as `docs/api.md` spells them (snake_case).
 * Every response is checked against these shapes at run time by `decode.ts` before the app
 * sees it, so nothing untyped crosses the boundary.
 */

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
  'BROKER_NOT_CONNECTED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
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

export interface FieldError {
  field: string;
  message: string;
}

/** `{"error": {...}}` as the server sends it. */
export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    fields?: FieldError[];
  };
}

// ---- auth ----

export interface Credentials {
  email: string;
  password: string;
}

export interface TokenPair {
  user_id: string;
  access_token: string;
  refresh_token: string;
  /** Seconds until the access token expires (900). */
  expires_in: number;
}

export interface RefreshRequest {
  refresh_token: string;
}

export type BrokerConnectionStatus = 'connected' | 'expired' | 'not_connected';

export interface Me {
  user_id: string;
  email: string;
  broker: { status: BrokerConnectionStatus };
}

// ---- broker ----

export interface ConnectBrokerRequest {
  api_key: string;
  secret_key: string;
  access_token: string;
}

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
}

// ---- strategies ----

export type Exchange = 'NSE' | 'BSE';
export type Product = 'MIS' | 'CNC';
export type StrategyStatusValue = 'created' | 'running' | 'stopped' | 'failed';
export type Position = 'none' | 'buying' | 'bought' | 'selling' | 'sold' | 'failed';
export type OrderEvent = 'BUY' | 'SELL' | 'STOPLOSS';
export type OrderStatus = 'PLACED' | 'COMPLETE' | 'REJECTED' | 'CANCELLED' | 'FAILED';

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
}

export interface Strategy {
  strategy_id: string;
  symbol: string;
  exchange: Exchange;
  buy_time: TimeOfDay;
  sell_time: TimeOfDay;
  stop_loss: Rupees;
  quantity: number;
  product: Product;
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

export interface StartRequest {
  strategy_id: string;
}

export interface StrategyState {
  strategy_id: string;
  status: StrategyStatusValue;
}

export interface StopRequest {
  strategy_id: string;
  exit_position?: boolean;
}

export interface StopResult {
  strategy_id: string;
  status: StrategyStatusValue;
  position?: Position;
  /** Whether an exit of the open position was requested. */
  exit_requested?: boolean;
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
  next_action: NextAction | null;
  failure_reason: string | null;
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

// ---- health ----

export interface Health {
  status: 'ok' | 'degraded';
  postgres: 'up' | 'down';
  redis: 'up' | 'down';
  /** `nse` or `always-open`, when the server says. */
  calendar?: string;
}
