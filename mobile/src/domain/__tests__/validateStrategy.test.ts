import {
  ALWAYS_OPEN_RULES,
  buyTimeWindow,
  formatPaise,
  formFieldFor,
  NSE_RULES,
  parseRupees,
  parseSymbol,
  parseTimeOfDay,
  rulesFor,
  sellTimeWindow,
  stepTimeOfDay,
  validateStrategy,
  type StrategyForm,
} from '../validateStrategy';

const valid: StrategyForm = {
  symbol: 'tcs',
  buyTime: '09:30:00',
  sellTime: '15:10:00',
  stopLoss: '3500.05',
  quantity: '10',
  product: 'MIS',
};

function errorFields(form: Partial<StrategyForm>, rules = NSE_RULES): string[] {
  const result = validateStrategy({ ...valid, ...form }, rules);
  return result.ok ? [] : Object.keys(result.errors).sort();
}

describe('validateStrategy', () => {
  it('accepts a valid strategy and builds the request the server expects', () => {
    expect(validateStrategy(valid)).toEqual({
      ok: true,
      request: {
        symbol: 'TCS',
        buy_time: '09:30:00',
        sell_time: '15:10:00',
        stop_loss: '3500.05',
        quantity: 10,
        product: 'MIS',
        direction: 'LONG',
        paper: false,
      },
    });
  });

  it('upper-cases and trims the symbol and normalises the stop-loss to two decimals', () => {
    const result = validateStrategy({ ...valid, symbol: '  m&m ', stopLoss: '3500.5' });
    expect(result.ok && result.request.symbol).toBe('M&M');
    expect(result.ok && result.request.stop_loss).toBe('3500.50');
  });

  it.each([
    ['', 'symbol'],
    ['TC S', 'symbol'],
    ['TCS.NS', 'symbol'],
    ['A'.repeat(26), 'symbol'],
  ])('rejects the symbol %j', (symbol, field) => {
    expect(errorFields({ symbol })).toEqual([field]);
  });

  it.each(['BAJAJ-AUTO', 'M&M', 'A'.repeat(25), 'NIFTY50'])('accepts the symbol %j', (symbol) => {
    expect(errorFields({ symbol })).toEqual([]);
  });

  it.each(['9:30:00', '09:30', '09:30:00.5', '25:00:00', '09:60:00', '09:30:60', '', 'abc'])(
    'rejects the buy time %j as not HH:MM:SS',
    (buyTime) => {
      expect(errorFields({ buyTime })).toEqual(['buyTime']);
    },
  );

  it('requires the buy to come before the sell', () => {
    expect(errorFields({ buyTime: '10:00:00', sellTime: '10:00:00' })).toEqual(['sellTime']);
    expect(errorFields({ buyTime: '11:00:00', sellTime: '10:00:00' })).toEqual(['sellTime']);
    expect(errorFields({ buyTime: '10:00:00', sellTime: '10:00:01' })).toEqual([]);
    const result = validateStrategy({ ...valid, buyTime: '11:00:00', sellTime: '10:00:00' });
    expect(!result.ok && result.errors.sellTime).toBe('The sell time must be after the buy time.');
  });

  it('keeps both times inside the NSE session, 09:15:00 to 15:30:00 IST', () => {
    expect(errorFields({ buyTime: '09:14:59' })).toEqual(['buyTime']);
    expect(errorFields({ buyTime: '09:15:00' })).toEqual([]);
    expect(errorFields({ sellTime: '15:30:00', product: 'CNC' })).toEqual([]);
    expect(errorFields({ sellTime: '15:30:01', product: 'CNC' })).toEqual(['sellTime']);
    expect(errorFields({ buyTime: '08:00:00', sellTime: '16:00:00' })).toEqual(['buyTime', 'sellTime']);
  });

  it('holds an MIS sell to the 15:20:00 square-off, but not a CNC one', () => {
    expect(errorFields({ sellTime: '15:20:00' })).toEqual([]);
    expect(errorFields({ sellTime: '15:20:01' })).toEqual(['sellTime']);
    expect(errorFields({ sellTime: '15:25:00', product: 'CNC' })).toEqual([]);
    const result = validateStrategy({ ...valid, sellTime: '15:25:00' });
    expect(!result.ok && result.errors.sellTime).toMatch(/square-off at 15:20:00 IST/);
  });

  it('accepts any second of the day on the always-open calendar', () => {
    expect(errorFields({ buyTime: '00:00:00', sellTime: '23:59:59' }, ALWAYS_OPEN_RULES)).toEqual([]);
    expect(errorFields({ buyTime: '22:00:00', sellTime: '22:01:00' }, ALWAYS_OPEN_RULES)).toEqual([]);
    expect(errorFields({ buyTime: '22:01:00', sellTime: '22:00:00' }, ALWAYS_OPEN_RULES)).toEqual([
      'sellTime',
    ]);
    expect(rulesFor('always-open')).toBe(ALWAYS_OPEN_RULES);
    expect(rulesFor('nse')).toBe(NSE_RULES);
  });

  it.each(['', '0', '0.00', '-5', '3500.03', 'abc', '1.234', '1e3', '1,000', '.', '3500.051'])(
    'rejects the stop-loss %j',
    (stopLoss) => {
      expect(errorFields({ stopLoss })).toEqual(['stopLoss']);
    },
  );

  it.each([
    ['0.05', '0.05'],
    ['1', '1.00'],
    ['1.00', '1.00'],
    ['3500.050', '3500.05'],
    ['+12.5', '12.50'],
    ['.05', '0.05'],
    ['12.', '12.00'],
  ])('accepts the stop-loss %j as %j', (stopLoss, sent) => {
    const result = validateStrategy({ ...valid, stopLoss });
    expect(result.ok && result.request.stop_loss).toBe(sent);
  });

  it('explains each stop-loss problem in words', () => {
    const message = (stopLoss: string) => {
      const result = validateStrategy({ ...valid, stopLoss });
      return result.ok ? null : result.errors.stopLoss;
    };
    expect(message('')).toBe('Enter a stop-loss price.');
    expect(message('0')).toBe('The stop-loss must be greater than zero.');
    expect(message('1.234')).toBe('The stop-loss can have at most 2 decimals.');
    expect(message('3500.03')).toBe('The stop-loss must be a multiple of ₹0.05.');
  });

  it.each(['', '0', '-1', '1.5', '1.0', 'ten', '100001'])('rejects the quantity %j', (quantity) => {
    expect(errorFields({ quantity })).toEqual(['quantity']);
  });

  it.each(['1', ' 25 ', '100000'])('accepts the quantity %j', (quantity) => {
    expect(errorFields({ quantity })).toEqual([]);
  });

  it('reports every broken rule at once', () => {
    expect(
      errorFields({
        symbol: '',
        buyTime: '16:00:00',
        sellTime: '15:00:00',
        stopLoss: '3500.01',
        quantity: '0',
      }),
    ).toEqual(['buyTime', 'quantity', 'sellTime', 'stopLoss', 'symbol']);
  });
});

describe('parsers', () => {
  it('parses money straight to integer paise, never through a float', () => {
    expect(parseRupees('0.1')).toEqual({ ok: true, paise: 10 });
    expect(parseRupees('0.29')).toEqual({ ok: true, paise: 29 });
    expect(parseRupees('1000000000.00')).toEqual({ ok: true, paise: 100_000_000_000 });
    expect(parseRupees('10000000000.01').ok).toBe(false);
    expect(formatPaise(350_005)).toBe('3500.05');
    expect(formatPaise(5)).toBe('0.05');
  });

  it('parses times of day to seconds', () => {
    expect(parseTimeOfDay('09:15:00')).toBe(33_300);
    expect(parseTimeOfDay('23:59:59')).toBe(86_399);
    expect(parseTimeOfDay('24:00:00')).toBeNull();
  });

  it('parses symbols', () => {
    expect(parseSymbol('infy')).toEqual({ ok: true, symbol: 'INFY' });
  });

  it('maps the server field names to the form inputs', () => {
    expect(formFieldFor('stop_loss')).toBe('stopLoss');
    expect(formFieldFor('buy_time')).toBe('buyTime');
    expect(formFieldFor('sell_time')).toBe('sellTime');
    expect(formFieldFor('exchange')).toBeUndefined();
  });
});

describe('time pickers', () => {
  const t = (text: string) => {
    const seconds = parseTimeOfDay(text);
    if (seconds === null) throw new Error(`not a time: ${text}`);
    return seconds;
  };

  it('offers buy times inside the session that leave a minute before the latest sell', () => {
    expect(buyTimeWindow(NSE_RULES, 'MIS')).toEqual({ earliest: t('09:15:00'), latest: t('15:19:00') });
    expect(buyTimeWindow(NSE_RULES, 'CNC')).toEqual({ earliest: t('09:15:00'), latest: t('15:29:00') });
    expect(buyTimeWindow(ALWAYS_OPEN_RULES, 'CNC')).toEqual({ earliest: 0, latest: t('23:58:59') });
  });

  it('offers sell times at least a minute after the buy, up to the square-off or the close', () => {
    expect(sellTimeWindow(NSE_RULES, 'MIS', t('10:00:00'))).toEqual({
      earliest: t('10:01:00'),
      latest: t('15:20:00'),
    });
    expect(sellTimeWindow(NSE_RULES, 'CNC', t('10:00:00')).latest).toBe(t('15:30:00'));
    expect(sellTimeWindow(NSE_RULES, 'MIS', null).earliest).toBe(t('09:16:00'));
    // A buy typed before the open still sells inside the session.
    expect(sellTimeWindow(NSE_RULES, 'MIS', t('08:00:00')).earliest).toBe(t('09:16:00'));
    const none = sellTimeWindow(NSE_RULES, 'MIS', t('15:19:30'));
    expect(none.earliest).toBeGreaterThan(none.latest);
  });

  it('steps by hours and minutes without leaving the window', () => {
    const buy = buyTimeWindow(NSE_RULES, 'MIS');
    expect(stepTimeOfDay(t('09:30:00'), 3600, buy)).toBe(t('10:30:00'));
    expect(stepTimeOfDay(t('09:30:00'), -60, buy)).toBe(t('09:29:00'));
    expect(stepTimeOfDay(t('09:30:00'), -3600, buy)).toBe(t('09:15:00'));
    expect(stepTimeOfDay(t('15:00:00'), 3600, buy)).toBe(t('15:19:00'));
    expect(stepTimeOfDay(t('15:19:00'), 60, buy)).toBe(t('15:19:00'));
    // A time typed outside the session comes back inside it.
    expect(stepTimeOfDay(t('08:00:00'), 60, buy)).toBe(t('09:15:00'));
    expect(stepTimeOfDay(t('16:00:00'), -60, buy)).toBe(t('15:19:00'));
  });

  it('starts from the given time when there is none yet, else from the nearer end', () => {
    const buy = buyTimeWindow(NSE_RULES, 'MIS');
    expect(stepTimeOfDay(null, 60, buy, t('11:05:00'))).toBe(t('11:05:00'));
    expect(stepTimeOfDay(null, 60, buy, t('18:00:00'))).toBe(t('09:15:00'));
    expect(stepTimeOfDay(null, -60, buy, t('18:00:00'))).toBe(t('15:19:00'));
    expect(stepTimeOfDay(null, 3600, buy)).toBe(t('09:15:00'));
  });

  it('offers nothing when the window is empty', () => {
    expect(stepTimeOfDay(t('15:20:00'), 60, sellTimeWindow(NSE_RULES, 'MIS', t('15:19:30')))).toBeNull();
  });
});

describe('validateStrategy: buy first or sell first', () => {
  it('buys first when no direction is given, and says so in the request', () => {
    const result = validateStrategy(valid);
    expect(result.ok && result.request.direction).toBe('LONG');
  });

  it('sends a short-first MIS strategy with its direction', () => {
    expect(validateStrategy({ ...valid, direction: 'SHORT', stopLoss: '3520' })).toEqual({
      ok: true,
      request: {
        symbol: 'TCS',
        buy_time: '09:30:00',
        sell_time: '15:10:00',
        stop_loss: '3520.00',
        quantity: 10,
        product: 'MIS',
        direction: 'SHORT',
        paper: false,
      },
    });
  });

  it("refuses a short on delivery (CNC) beside the direction, in the server's words", () => {
    const result = validateStrategy({ ...valid, direction: 'SHORT', product: 'CNC' });
    expect(result).toEqual({
      ok: false,
      errors: {
        direction:
          'a short-first strategy must be MIS (intraday): delivery (CNC) cannot sell what is not held',
      },
    });
    expect(errorFields({ direction: 'LONG', product: 'CNC' })).toEqual([]);
  });

  it('reports the short-on-delivery refusal with the other problems at once', () => {
    expect(errorFields({ direction: 'SHORT', product: 'CNC', quantity: '0' })).toEqual([
      'direction',
      'quantity',
    ]);
  });

  it("names a short's times by what they do", () => {
    const message = (form: Partial<StrategyForm>) => {
      const result = validateStrategy({ ...valid, direction: 'SHORT', ...form });
      return result.ok ? null : result.errors;
    };
    expect(message({ buyTime: '' })?.buyTime).toBe('Enter a sell (entry) time as HH:MM:SS (IST).');
    expect(message({ buyTime: '11:00:00', sellTime: '10:00:00' })?.sellTime).toBe(
      'The buy-back (exit) time must be after the sell (entry) time.',
    );
    expect(message({ sellTime: '15:25:00' })?.sellTime).toBe(
      "An intraday (MIS) buy-back must be no later than the broker's square-off at 15:20:00 IST.",
    );
  });

  it("maps the server's direction field to the direction choice", () => {
    expect(formFieldFor('direction')).toBe('direction');
  });
});

describe('validateStrategy: paper trading', () => {
  it('sends a real strategy unless paper is chosen, and says so in the request', () => {
    const result = validateStrategy(valid);
    expect(result.ok && result.request.paper).toBe(false);
    const off = validateStrategy({ ...valid, paper: false });
    expect(off.ok && off.request.paper).toBe(false);
  });

  it('sends a paper strategy with paper: true, the rest of the body as for a real one', () => {
    expect(validateStrategy({ ...valid, paper: true })).toEqual({
      ok: true,
      request: {
        symbol: 'TCS',
        buy_time: '09:30:00',
        sell_time: '15:10:00',
        stop_loss: '3500.05',
        quantity: 10,
        product: 'MIS',
        direction: 'LONG',
        paper: true,
      },
    });
  });

  it('checks a paper strategy by the same rules as a real one', () => {
    expect(errorFields({ paper: true, quantity: '0' })).toEqual(['quantity']);
    expect(errorFields({ paper: true, direction: 'SHORT', product: 'CNC' })).toEqual(['direction']);
  });

  it("maps the server's paper field to the paper toggle", () => {
    expect(formFieldFor('paper')).toBe('paper');
  });
});
