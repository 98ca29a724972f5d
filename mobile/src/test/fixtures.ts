import type {
  BrokerStatus,
  InstrumentMatch,
  Notification,
  Order,
  Strategy,
  StrategyDay,
  StrategyStatus,
  TokenPair,
} from '../api/types';

export const USER_ID = '6f1c1f1e-0000-4000-8000-000000000001';
export const STRATEGY_ID = '0b7d7c52-0000-4000-8000-0000000000aa';

export function tokenPair(n = 1): TokenPair {
  return { user_id: USER_ID, access_token: `access-${n}`, refresh_token: `refresh-${n}`, expires_in: 900 };
}

export function strategy(overrides: Partial<Strategy> = {}): Strategy {
  return {
    strategy_id: STRATEGY_ID,
    symbol: 'TCS',
    exchange: 'NSE',
    direction: 'LONG',
    paper: false,
    buy_time: '09:30:00',
    sell_time: '15:10:00',
    stop_loss: '3500.05',
    quantity: 10,
    product: 'MIS',
    target: null,
    trailing_stop: null,
    status: 'created',
    position: 'none',
    failure_reason: null,
    created_at: '2026-11-25T03:00:00Z',
    updated_at: '2026-11-25T03:00:00Z',
    ...overrides,
  };
}

export function strategyStatus(overrides: Partial<StrategyStatus> = {}): StrategyStatus {
  return {
    strategy_id: STRATEGY_ID,
    status: 'created',
    position: 'none',
    last_action: null,
    last_price: null,
    stop_in_force: null,
    paper: false,
    next_action: null,
    failure_reason: null,
    ...overrides,
  };
}

export function order(overrides: Partial<Order> = {}): Order {
  return {
    order_id: 'a1a1a1a1-0000-4000-8000-000000000001',
    event: 'BUY',
    broker_order_id: '230125000000001',
    status: 'COMPLETE',
    quantity: 10,
    average_price: '3501.20',
    message: null,
    scheduled_for: '2026-11-25T04:00:00Z',
    placed_at: '2026-11-25T04:00:00.120Z',
    latency_ms: 120,
    ...overrides,
  };
}

export const connected: BrokerStatus = { status: 'connected', broker_user_id: 'AB1234', user_name: 'Asha' };
export const notConnected: BrokerStatus = { status: 'not_connected', broker_user_id: null };

export const NOTIFICATION_ID = 'c0c0c0c0-0000-4000-8000-000000000001';

/** As the server sends it: `kind` may be one this app does not know. */
export type WireNotification = Omit<Notification, 'kind'> & { kind: string };

export function notification(overrides: Partial<WireNotification> = {}): WireNotification {
  return {
    id: NOTIFICATION_ID,
    strategy_id: STRATEGY_ID,
    kind: 'entry_filled',
    title: 'TCS bought',
    body: 'Bought 10 TCS at ₹3501.20.',
    data: { strategy_id: STRATEGY_ID, event: 'BUY' },
    created_at: '2026-11-25T04:00:01Z',
    read_at: null,
    ...overrides,
  };
}

export function strategyDay(overrides: Partial<StrategyDay> = {}): StrategyDay {
  return {
    trading_date: '2026-11-24',
    direction: 'LONG',
    paper: false,
    bought_quantity: 10,
    buy_average_price: '3501.20',
    sold_quantity: 10,
    sell_average_price: '3512.45',
    realised_pnl_paise: 11250,
    realised_pnl: '112.50',
    open_quantity: 0,
    ...overrides,
  };
}

/** A few NSE equities as the broker lists them, with last prices in paise. */
export const INSTRUMENTS: InstrumentMatch[] = [
  {
    exchange: 'NSE',
    tradingsymbol: 'TCS',
    name: 'TATA CONSULTANCY SERV',
    instrument_token: 2953217,
    last_price_paise: 350_000,
  },
  {
    exchange: 'NSE',
    tradingsymbol: 'TATAMOTORS',
    name: 'TATA MOTORS',
    instrument_token: 884737,
    last_price_paise: 70_010,
  },
  {
    exchange: 'NSE',
    tradingsymbol: 'TATASTEEL',
    name: 'TATA STEEL',
    instrument_token: 895745,
    last_price_paise: 15_105,
  },
  {
    exchange: 'NSE',
    tradingsymbol: 'INFY',
    name: 'INFOSYS',
    instrument_token: 408065,
    last_price_paise: 150_000,
  },
  {
    exchange: 'NSE',
    tradingsymbol: 'SBIN',
    name: 'STATE BANK OF INDIA',
    instrument_token: 779521,
    last_price_paise: null,
  },
];
