/**
 * The decoders for what the target and trailing stop brought to the contract (the offsets on a
 * strategy, and the `TARGET` exit in the order log), for the answer of "square off all", for
 * the daily loss limit, and for paper mode and the P&L's signed rupees.
 */
import { STRATEGY_ID, strategy as wireStrategy, strategyDay, order } from '../../test/fixtures';
import {
  DecodeError,
  exitOffset,
  orderList,
  pnlRupees,
  pnlSummary,
  risk,
  squareOffResult,
  strategy,
  strategyDays,
  strategyList,
} from '../decode';

describe('exitOffset', () => {
  it.each(['25.50', '0.05', '1000.00', '1.5%', '2%', '0.05%', '100%', '12.34%'])('accepts %j', (text) => {
    expect(exitOffset(text, 'target')).toBe(text);
  });

  it.each([
    ['a number', 25.5],
    ['rupees without two decimals', '25.5'],
    ['rupees without decimals', '25'],
    ['three decimals', '25.505'],
    ['a percentage with three decimals', '1.505%'],
    ['a signed value', '-1.5%'],
    ['a plus sign', '+25.50'],
    ['spaces', ' 1.5%'],
    ['a bare %', '%'],
    ['a percentage with a dangling point', '1.%'],
    ['words', 'ten'],
    ['an empty string', ''],
  ])('refuses %s', (_, value) => {
    expect(() => exitOffset(value, 'target')).toThrow(DecodeError);
  });
});

describe('strategy', () => {
  it('reads the target and trailing stop, in rupees or per cent', () => {
    expect(strategy({ ...wireStrategy(), target: '25.50', trailing_stop: '1%' })).toMatchObject({
      target: '25.50',
      trailing_stop: '1%',
    });
    expect(strategy({ ...wireStrategy(), target: '1.5%', trailing_stop: '10.00' })).toMatchObject({
      target: '1.5%',
      trailing_stop: '10.00',
    });
  });

  it('reads a null or missing exit as not set', () => {
    const { target: _target, trailing_stop: _trailing, ...older } = wireStrategy();
    expect(strategy(older)).toMatchObject({ target: null, trailing_stop: null });
    expect(strategy(wireStrategy())).toMatchObject({ target: null, trailing_stop: null });
  });

  it.each([
    ['target', 25.5, 'a string'],
    ['target', '25.5', 'rupees like "25.50" or a percentage like "1.5%"'],
    ['target', '1.5 %', 'rupees like "25.50" or a percentage like "1.5%"'],
    ['trailing_stop', '-10.00', 'rupees like "25.50" or a percentage like "1.5%"'],
    ['trailing_stop', '1.234%', 'rupees like "25.50" or a percentage like "1.5%"'],
  ])('refuses a %s of %j, naming the field', (field, value, expected) => {
    expect(() => strategy({ ...wireStrategy(), [field]: value })).toThrow(`${field}: expected ${expected}`);
  });
});

describe('direction', () => {
  it('reads a long and a short strategy', () => {
    expect(strategy(wireStrategy()).direction).toBe('LONG');
    expect(strategy({ ...wireStrategy(), direction: 'SHORT' }).direction).toBe('SHORT');
    expect(
      strategyList({
        strategies: [wireStrategy(), { ...wireStrategy(), direction: 'SHORT' }],
      }).strategies.map((s) => s.direction),
    ).toEqual(['LONG', 'SHORT']);
  });

  it('refuses a strategy without a direction, or with one it does not know', () => {
    const { direction: _direction, ...without } = wireStrategy();
    expect(() => strategy(without)).toThrow('direction: expected one of LONG, SHORT');
    expect(() => strategy({ ...wireStrategy(), direction: 'short' })).toThrow(
      'direction: expected one of LONG, SHORT',
    );
  });

  it("reads each day's direction", () => {
    const days = strategyDays({
      strategy_id: STRATEGY_ID,
      from: '2026-10-27',
      to: '2026-11-25',
      days: [strategyDay(), strategyDay({ trading_date: '2026-11-25', direction: 'SHORT' })],
      total_pnl_paise: 22500,
      total_pnl: '225.00',
    });
    expect(days.days.map((d) => d.direction)).toEqual(['LONG', 'SHORT']);
    expect(() => strategyDays({ ...days, days: [{ ...strategyDay(), direction: 'BOTH' }] })).toThrow(
      'days[0].direction: expected one of LONG, SHORT',
    );
  });
});

describe('orderList', () => {
  it('reads a TARGET exit', () => {
    const exit = order({ order_id: 'target-25', event: 'TARGET' });
    expect(orderList({ orders: [exit] }).orders[0]?.event).toBe('TARGET');
  });

  it('reads the resting stop-loss order', () => {
    const resting = order({ order_id: 'guard-1', event: 'GUARD' });
    expect(orderList({ orders: [resting] }).orders[0]?.event).toBe('GUARD');
  });

  it('refuses an event it does not know', () => {
    expect(() => orderList({ orders: [{ ...order(), event: 'TAKEPROFIT' }] })).toThrow(
      'orders[0].event: expected one of BUY, SELL, STOPLOSS, TARGET, GUARD',
    );
  });
});

describe('squareOffResult', () => {
  const stopped = {
    strategy_id: STRATEGY_ID,
    status: 'stopped',
    position: 'selling',
    exit_requested: true,
  };

  it('reads every strategy stopped and how many exits were queued', () => {
    const idle = { strategy_id: 'other', status: 'stopped', position: 'none', exit_requested: false };
    expect(squareOffResult({ strategies: [stopped, idle], exits_requested: 1 })).toEqual({
      strategies: [stopped, idle],
      exits_requested: 1,
    });
  });

  it('reads an account with nothing to stop', () => {
    expect(squareOffResult({ strategies: [], exits_requested: 0 })).toEqual({
      strategies: [],
      exits_requested: 0,
    });
  });

  it.each([
    ['no count', { strategies: [stopped] }, 'exits_requested: expected an integer'],
    [
      'a count as text',
      { strategies: [stopped], exits_requested: '1' },
      'exits_requested: expected an integer',
    ],
    [
      'a fractional count',
      { strategies: [stopped], exits_requested: 1.5 },
      'exits_requested: expected an integer',
    ],
    [
      'a negative count',
      { strategies: [stopped], exits_requested: -1 },
      'exits_requested: expected a count (0 or more)',
    ],
    ['no strategies', { exits_requested: 0 }, 'strategies: expected an array'],
    [
      'a strategy with a status it does not know',
      { strategies: [{ ...stopped, status: 'paused' }], exits_requested: 1 },
      'strategies[0].status: expected one of created, running, stopped, failed',
    ],
    [
      'a strategy without its id',
      { strategies: [{ status: 'stopped' }], exits_requested: 0 },
      'strategies[0].strategy_id: expected a string',
    ],
  ])('refuses %s', (_, value, expected) => {
    expect(() => squareOffResult(value)).toThrow(expected);
  });

  it('refuses what is not an object', () => {
    expect(() => squareOffResult([stopped])).toThrow(DecodeError);
    expect(() => squareOffResult(null)).toThrow(DecodeError);
  });
});

describe('risk', () => {
  const wire = { daily_loss_limit: '5000.00', pnl_today: '-1234.50', limit_hit_today: false };

  it('reads the limit, the day P&L and whether the limit was hit', () => {
    expect(risk(wire)).toEqual(wire);
    expect(risk({ ...wire, pnl_today: '250.05', limit_hit_today: true })).toEqual({
      ...wire,
      pnl_today: '250.05',
      limit_hit_today: true,
    });
  });

  it('reads a null or missing limit as none', () => {
    expect(risk({ ...wire, daily_loss_limit: null }).daily_loss_limit).toBeNull();
    const { daily_loss_limit: _limit, ...withoutLimit } = wire;
    expect(risk(withoutLimit).daily_loss_limit).toBeNull();
  });

  it.each([
    ['a limit without decimals', { ...wire, daily_loss_limit: '5000' }, 'daily_loss_limit: expected rupees'],
    ['a limit as a number', { ...wire, daily_loss_limit: 5000 }, 'daily_loss_limit: expected a string'],
    ['a negative limit', { ...wire, daily_loss_limit: '-5000.00' }, 'daily_loss_limit: expected rupees'],
    ['a P&L as a number', { ...wire, pnl_today: -1234.5 }, 'pnl_today: expected a string'],
    ['a P&L with a plus sign', { ...wire, pnl_today: '+12.00' }, 'pnl_today: expected signed rupees'],
    ['a P&L with one decimal', { ...wire, pnl_today: '-1234.5' }, 'pnl_today: expected signed rupees'],
    ['no P&L', { daily_loss_limit: null, limit_hit_today: false }, 'pnl_today: expected a string'],
    ['a hit as text', { ...wire, limit_hit_today: 'false' }, 'limit_hit_today: expected a boolean'],
    ['no hit', { daily_loss_limit: null, pnl_today: '0.00' }, 'limit_hit_today: expected a boolean'],
  ])('refuses %s', (_, value, expected) => {
    expect(() => risk(value)).toThrow(expected);
  });

  it('refuses what is not an object', () => {
    expect(() => risk([wire])).toThrow(DecodeError);
    expect(() => risk(null)).toThrow(DecodeError);
  });
});

describe('pnlRupees', () => {
  it.each([
    ['+36.90', '36.90'],
    ['-10.60', '-10.60'],
    ['0.00', '0.00'],
    ['1250.05', '1250.05'],
  ])('reads %j, as the P&L endpoints write it, as %j', (wire, read) => {
    expect(pnlRupees(wire, 'pnl')).toBe(read);
  });

  it.each([
    ['a number', 36.9],
    ['one decimal', '+36.9'],
    ['two signs', '+-1.00'],
    ['a doubled plus', '++1.00'],
    ['spaces', ' +1.00'],
    ['a bare sign', '+'],
  ])('refuses %s', (_, value) => {
    expect(() => pnlRupees(value, 'pnl')).toThrow(DecodeError);
  });
});

describe('paper', () => {
  const summary = {
    from: '2026-10-27',
    to: '2026-11-25',
    days: [{ trading_date: '2026-11-24', pnl_paise: 3690, pnl: '+36.90', strategies: 1 }],
    total_pnl_paise: 3690,
    total_pnl: '+36.90',
    paper_pnl_paise: 5000,
    paper_pnl: '+50.00',
  };

  it('reads the paper result apart from the real total, each gain without its plus', () => {
    expect(pnlSummary(summary)).toEqual({
      ...summary,
      days: [{ trading_date: '2026-11-24', pnl_paise: 3690, pnl: '36.90', strategies: 1 }],
      total_pnl: '36.90',
      paper_pnl: '50.00',
    });
  });

  it('refuses a summary without its paper result', () => {
    const { paper_pnl: _paper, ...without } = summary;
    expect(() => pnlSummary(without)).toThrow('paper_pnl: expected a string');
  });

  it('reads whether a strategy and a strategy-day are paper', () => {
    expect(strategy({ ...wireStrategy(), paper: true }).paper).toBe(true);
    expect(strategy(wireStrategy()).paper).toBe(false);
    const days = strategyDays({
      strategy_id: STRATEGY_ID,
      from: '2026-10-27',
      to: '2026-11-25',
      days: [strategyDay(), strategyDay({ trading_date: '2026-11-25', paper: true, realised_pnl: '+50.00' })],
      total_pnl_paise: 16250,
      total_pnl: '+162.50',
    });
    expect(days.days.map((d) => [d.paper, d.realised_pnl])).toEqual([
      [false, '112.50'],
      [true, '50.00'],
    ]);
    expect(days.total_pnl).toBe('162.50');
  });

  it('refuses a paper flag that is not a boolean', () => {
    expect(() => strategy({ ...wireStrategy(), paper: 'true' })).toThrow('paper: expected a boolean');
  });
});
