/**
 * Run-time checks that a JSON answer has the shape `types.ts` promises. `response.json()` gives
 * `any`; each decoder turns that `unknown` into a typed value or throws `DecodeError`, so a
 * backend that drifts from the contract fails loudly at the boundary, not deep in a screen.
 */
import type {
  BrokerConnected,
  BrokerStatus,
  DeviceRegistered,
  KeysSaved,
  LoginUrl,
  ErrorEnvelope,
  FieldError,
  Health,
  InstrumentMatch,
  InstrumentSearch,
  LastAction,
  Marked,
  Me,
  NextAction,
  Notification,
  NotificationData,
  NotificationKind,
  NotificationList,
  Order,
  OrderList,
  PnlDay,
  PnlSummary,
  Preferences,
  Risk,
  SquareOffResult,
  StopResult,
  Strategy,
  StrategyCreated,
  StrategyDay,
  StrategyDays,
  StrategyList,
  StrategyState,
  StrategyStatus,
  TelegramLink,
  TelegramStatus,
  TokenPair,
} from './types';
import { DIRECTIONS, NOTIFICATION_KINDS } from './types';

export class DecodeError extends Error {
  constructor(
    readonly path: string,
    expected: string,
  ) {
    super(`${path || 'response'}: expected ${expected}`);
    this.name = 'DecodeError';
  }
}

export type Decoder<T> = (value: unknown, path?: string) => T;

function describe(path: string | undefined): string {
  return path ?? '';
}

export const string: Decoder<string> = (value, path) => {
  if (typeof value !== 'string') throw new DecodeError(describe(path), 'a string');
  return value;
};

export const integer: Decoder<number> = (value, path) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new DecodeError(describe(path), 'an integer');
  }
  return value;
};

/** How many of something: an integer, zero or more. */
export const count: Decoder<number> = (value, path) => {
  const n = integer(value, path);
  if (n < 0) throw new DecodeError(describe(path), 'a count (0 or more)');
  return n;
};

export const boolean: Decoder<boolean> = (value, path) => {
  if (typeof value !== 'boolean') throw new DecodeError(describe(path), 'a boolean');
  return value;
};

/** Rupees as the server sends them: text with exactly two decimals. */
export const rupees: Decoder<string> = (value, path) => {
  const text = string(value, path);
  if (!/^\d+\.\d{2}$/.test(text)) throw new DecodeError(describe(path), 'rupees like "3500.05"');
  return text;
};

/** Signed rupees (a P&L): `"-12.50"`, `"0.00"`, `"1250.05"`. */
export const signedRupees: Decoder<string> = (value, path) => {
  const text = string(value, path);
  if (!/^-?\d+\.\d{2}$/.test(text)) throw new DecodeError(describe(path), 'signed rupees like "-12.50"');
  return text;
};

/**
 * A P&L as `/pnl` and `/strategy/{id}/days` write it: a gain with a plus (`"+36.90"`), a loss
 * with a minus, nothing with neither (`"0.00"`). Kept as the app spells signed rupees, without
 * the plus, so `"+36.90"` reads `"36.90"`; nothing looser is taken.
 */
export const pnlRupees: Decoder<string> = (value, path) => {
  const text = string(value, path);
  if (!/^[+-]?\d+\.\d{2}$/.test(text)) throw new DecodeError(describe(path), 'signed rupees like "-12.50"');
  return text.startsWith('+') ? text.slice(1) : text;
};

/**
 * An exit's distance as the server writes it: rupees with two decimals (`"25.50"`) or a
 * percentage with up to two decimals (`"1.5%"`, `"2%"`). Nothing looser: no sign, no spaces,
 * no number.
 */
export const exitOffset: Decoder<string> = (value, path) => {
  const text = string(value, path);
  if (!/^\d+\.\d{2}$/.test(text) && !/^\d+(\.\d{1,2})?%$/.test(text)) {
    throw new DecodeError(describe(path), 'rupees like "25.50" or a percentage like "1.5%"');
  }
  return text;
};

/** A calendar date, `YYYY-MM-DD`. */
export const calendarDate: Decoder<string> = (value, path) => {
  const text = string(value, path);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new DecodeError(describe(path), 'a date like "2026-11-25"');
  return text;
};

export function oneOf<const T extends readonly string[]>(values: T): Decoder<T[number]> {
  return (value, path) => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) {
      return value as T[number];
    }
    throw new DecodeError(describe(path), `one of ${values.join(', ')}`);
  };
}

/** `null` or a missing key both read as `null`. */
export function nullable<T>(decoder: Decoder<T>): Decoder<T | null> {
  return (value, path) => (value === null || value === undefined ? null : decoder(value, path));
}

/** A key that may be missing (or `null`); reads as `undefined` then. */
export function optional<T>(decoder: Decoder<T>): Decoder<T | undefined> {
  return (value, path) => (value === null || value === undefined ? undefined : decoder(value, path));
}

export function array<T>(decoder: Decoder<T>): Decoder<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new DecodeError(describe(path), 'an array');
    return value.map((item: unknown, i) => decoder(item, `${describe(path)}[${i}]`));
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An object with exactly the keys of `T`, each checked by its decoder. Keys the server adds
 * later are ignored, so a backend may grow without breaking older apps.
 */
export function object<T>(shape: { [K in keyof T]-?: Decoder<T[K]> }): Decoder<T> {
  return (value, path) => {
    if (!isRecord(value)) throw new DecodeError(describe(path), 'an object');
    const out: Partial<T> = {};
    for (const key of Object.keys(shape) as (keyof T & string)[]) {
      const decoded = shape[key](value[key], path ? `${path}.${key}` : key);
      if (decoded !== undefined) out[key] = decoded;
    }
    return out as T;
  };
}

const direction = oneOf(DIRECTIONS);
const strategyStatusValue = oneOf(['created', 'running', 'stopped', 'failed']);
const position = oneOf(['none', 'buying', 'bought', 'selling', 'sold', 'failed']);
const brokerConnectionStatus = oneOf(['connected', 'expired', 'not_connected']);
const orderEvent = oneOf(['BUY', 'SELL', 'STOPLOSS', 'TARGET', 'GUARD']);
const orderStatus = oneOf([
  'SENDING',
  'PLACED',
  'COMPLETE',
  'REJECTED',
  'CANCELLED',
  'FAILED',
  'MISSED',
  'CLOSED_OUTSIDE',
]);

const fieldError: Decoder<FieldError> = object<FieldError>({ field: string, message: string });

export const errorEnvelope: Decoder<ErrorEnvelope> = object<ErrorEnvelope>({
  error: object<ErrorEnvelope['error']>({
    code: string,
    message: string,
    fields: optional(array(fieldError)),
  }),
});

export const tokenPair: Decoder<TokenPair> = object<TokenPair>({
  user_id: string,
  access_token: string,
  refresh_token: string,
  expires_in: integer,
});

export const me: Decoder<Me> = object<Me>({
  user_id: string,
  email: string,
  broker: object<Me['broker']>({ status: brokerConnectionStatus }),
});

export const brokerConnected: Decoder<BrokerConnected> = object<BrokerConnected>({
  status: oneOf(['connected']),
  broker_user_id: string,
  user_name: string,
});

export const brokerStatus: Decoder<BrokerStatus> = object<BrokerStatus>({
  status: brokerConnectionStatus,
  broker_user_id: optional(string),
  user_name: optional(string),
  reason: optional(string),
  valid_until: optional(string),
});

export const keysSaved: Decoder<KeysSaved> = object<KeysSaved>({ status: brokerConnectionStatus });

export const loginUrl: Decoder<LoginUrl> = object<LoginUrl>({ login_url: string });

export const strategy: Decoder<Strategy> = object<Strategy>({
  strategy_id: string,
  symbol: string,
  exchange: oneOf(['NSE', 'BSE']),
  direction,
  paper: boolean,
  buy_time: string,
  sell_time: string,
  stop_loss: rupees,
  quantity: integer,
  product: oneOf(['MIS', 'CNC']),
  target: nullable(exitOffset),
  trailing_stop: nullable(exitOffset),
  status: strategyStatusValue,
  position,
  failure_reason: nullable(string),
  created_at: string,
  updated_at: string,
});

export const strategyCreated: Decoder<StrategyCreated> = object<StrategyCreated>({
  strategy_id: string,
  status: strategyStatusValue,
});

export const strategyList: Decoder<StrategyList> = object<StrategyList>({
  strategies: array(strategy),
});

export const strategyState: Decoder<StrategyState> = object<StrategyState>({
  strategy_id: string,
  status: strategyStatusValue,
});

export const stopResult: Decoder<StopResult> = object<StopResult>({
  strategy_id: string,
  status: strategyStatusValue,
  position: optional(position),
  exit_requested: optional(boolean),
});

export const squareOffResult: Decoder<SquareOffResult> = object<SquareOffResult>({
  strategies: array(stopResult),
  exits_requested: count,
});

const lastAction: Decoder<LastAction> = object<LastAction>({
  event: orderEvent,
  status: optional(orderStatus),
  at: string,
});

const nextAction: Decoder<NextAction> = object<NextAction>({
  event: oneOf(['BUY', 'SELL']),
  at: string,
});

export const strategyStatus: Decoder<StrategyStatus> = object<StrategyStatus>({
  strategy_id: string,
  status: strategyStatusValue,
  position,
  last_action: nullable(lastAction),
  last_price: nullable(rupees),
  stop_in_force: nullable(rupees),
  resting_stop_order: optional(string),
  paper: boolean,
  next_action: nullable(nextAction),
  failure_reason: nullable(string),
  waiting_for: optional(oneOf(['login'])),
});

const order: Decoder<Order> = object<Order>({
  order_id: string,
  event: orderEvent,
  broker_order_id: nullable(string),
  status: orderStatus,
  quantity: integer,
  average_price: nullable(rupees),
  message: nullable(string),
  scheduled_for: string,
  placed_at: nullable(string),
  latency_ms: nullable(integer),
});

export const orderList: Decoder<OrderList> = object<OrderList>({ orders: array(order) });

const instrumentMatch: Decoder<InstrumentMatch> = object<InstrumentMatch>({
  exchange: oneOf(['NSE', 'BSE']),
  tradingsymbol: string,
  name: string,
  instrument_token: integer,
  last_price_paise: nullable(integer),
});

export const instrumentSearch: Decoder<InstrumentSearch> = object<InstrumentSearch>({
  instruments: array(instrumentMatch),
});

export const health: Decoder<Health> = object<Health>({
  status: oneOf(['ok', 'degraded']),
  postgres: oneOf(['up', 'down']),
  redis: oneOf(['up', 'down']),
  calendar: optional(string),
});

/** Any JSON object, its values unchecked: the caller reads the keys it knows with care. */
const anyObject: Decoder<NotificationData> = (value, path) => {
  if (!isRecord(value)) throw new DecodeError(describe(path), 'an object');
  return value;
};

/**
 * A kind this version knows, or `other`: the server adds kinds before every app has been
 * updated, and a new kind must not make the whole list unreadable.
 */
const notificationKind: Decoder<NotificationKind | 'other'> = (value, path) => {
  const kind = string(value, path);
  return (NOTIFICATION_KINDS as readonly string[]).includes(kind) ? (kind as NotificationKind) : 'other';
};

const notification: Decoder<Notification> = object<Notification>({
  id: string,
  strategy_id: nullable(string),
  kind: notificationKind,
  title: string,
  body: string,
  data: anyObject,
  created_at: string,
  read_at: nullable(string),
});

export const notificationList: Decoder<NotificationList> = object<NotificationList>({
  notifications: array(notification),
  unread: integer,
});

export const marked: Decoder<Marked> = object<Marked>({ marked: integer, unread: integer });

export const preferences: Decoder<Preferences> = object<Preferences>({
  push: boolean,
  telegram: boolean,
  muted_kinds: array(string),
});

export const deviceRegistered: Decoder<DeviceRegistered> = object<DeviceRegistered>({
  expo_push_token: string,
  registered: boolean,
});

export const telegramStatus: Decoder<TelegramStatus> = object<TelegramStatus>({
  configured: boolean,
  linked: boolean,
});

/** An instant as the server writes it, RFC 3339 with an offset; anything else is refused. */
const instant: Decoder<string> = (value, path) => {
  const text = string(value, path);
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) ||
    Number.isNaN(Date.parse(text))
  ) {
    throw new DecodeError(describe(path), 'an instant like "2026-11-25T04:00:00Z"');
  }
  return text;
};

/** The bot link, which the app opens: only an `https://` URL. */
const httpsUrl: Decoder<string> = (value, path) => {
  const text = string(value, path);
  if (!/^https:\/\/[^\s/]+\/\S*$/.test(text)) throw new DecodeError(describe(path), 'an https:// link');
  return text;
};

export const telegramLink: Decoder<TelegramLink> = object<TelegramLink>({
  code: (value, path) => {
    const code = string(value, path);
    if (code.trim() === '') throw new DecodeError(describe(path), 'a code');
    return code;
  },
  expires_at: instant,
  link: nullable(httpsUrl),
});

const pnlDay: Decoder<PnlDay> = object<PnlDay>({
  trading_date: calendarDate,
  pnl_paise: integer,
  pnl: pnlRupees,
  strategies: integer,
});

export const pnlSummary: Decoder<PnlSummary> = object<PnlSummary>({
  from: calendarDate,
  to: calendarDate,
  days: array(pnlDay),
  total_pnl_paise: integer,
  total_pnl: pnlRupees,
  paper_pnl_paise: integer,
  paper_pnl: pnlRupees,
});

const strategyDay: Decoder<StrategyDay> = object<StrategyDay>({
  trading_date: calendarDate,
  direction,
  paper: boolean,
  bought_quantity: integer,
  buy_average_price: optional(rupees),
  sold_quantity: integer,
  sell_average_price: optional(rupees),
  realised_pnl_paise: integer,
  realised_pnl: pnlRupees,
  open_quantity: integer,
});

export const strategyDays: Decoder<StrategyDays> = object<StrategyDays>({
  strategy_id: string,
  from: calendarDate,
  to: calendarDate,
  days: array(strategyDay),
  total_pnl_paise: integer,
  total_pnl: pnlRupees,
});

export const risk: Decoder<Risk> = object<Risk>({
  daily_loss_limit: nullable(rupees),
  pnl_today: signedRupees,
  limit_hit_today: boolean,
});
