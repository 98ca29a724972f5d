import {
  describeStopAbove,
  describeStopBelow,
  formatPercent,
  parsePercent,
  stopAbove,
  stopBelow,
} from '../stopLoss';
import { MAX_PAISE } from '../validateStrategy';

describe('parsePercent', () => {
  it.each([
    ['5', 500],
    ['2.5', 250],
    [' 2.50 ', 250],
    ['0.01', 1],
    ['99.99', 9999],
    ['3%', 300],
    ['.5', 50],
  ])('reads %j as %i hundredths of a percent', (text, hundredths) => {
    expect(parsePercent(text)).toEqual({ ok: true, hundredths });
  });

  it.each([
    ['', 'Enter how far below the last price to sell, in %.'],
    ['0', 'The percentage must be more than 0 and less than 100.'],
    ['100', 'The percentage must be more than 0 and less than 100.'],
    ['1000', 'The percentage must be more than 0 and less than 100.'],
    ['2.555', 'The percentage can have at most 2 decimals.'],
    ['-2', 'Enter the stop-loss as a percentage like 2 or 2.5.'],
    ['two', 'Enter the stop-loss as a percentage like 2 or 2.5.'],
    ['1e1', 'Enter the stop-loss as a percentage like 2 or 2.5.'],
  ])('refuses %j', (text, error) => {
    expect(parsePercent(text)).toEqual({ ok: false, error });
  });
});

describe('stopBelow', () => {
  it('takes the percentage off the last price and rounds down to the tick', () => {
    // ₹3500.00 less 5% is ₹3325.00, already on the tick.
    expect(stopBelow(350_000, 500, 5)).toEqual({ ok: true, paise: 332_500 });
    // ₹701.10 less 2.5% is ₹683.5725: down to ₹683.55.
    expect(stopBelow(70_110, 250, 5)).toEqual({ ok: true, paise: 68_355 });
    // ₹151.05 less 1% is ₹149.5395: down to ₹149.50.
    expect(stopBelow(15_105, 100, 5)).toEqual({ ok: true, paise: 14_950 });
  });

  it('always lands below the last price, even for the smallest percentage', () => {
    for (const last of [5, 100, 15_105, 350_000, 350_005]) {
      const stop = stopBelow(last, 1, 5);
      if (stop.ok) {
        expect(stop.paise).toBeLessThan(last);
        expect(stop.paise % 5).toBe(0);
      } else {
        expect(last).toBeLessThan(10);
      }
    }
  });

  it('stays exact at the largest price the server takes', () => {
    // ₹1,000 crore less 0.01%: the plain product (10^12 × 9999) is past 2^53.
    expect(stopBelow(MAX_PAISE, 1, 5)).toEqual({ ok: true, paise: 999_900_000_000 });
    expect(stopBelow(MAX_PAISE - 5, 3333, 5)).toEqual({ ok: true, paise: 666_699_999_995 });
  });

  it('refuses a stop of nothing and a missing last price', () => {
    expect(stopBelow(5, 5000, 5)).toEqual({
      ok: false,
      error: 'That is no price at all: choose a smaller percentage.',
    });
    expect(stopBelow(0, 500, 5).ok).toBe(false);
    expect(stopBelow(MAX_PAISE + 1, 500, 5).ok).toBe(false);
  });

  it('says what it computed', () => {
    expect(formatPercent(250)).toBe('2.5');
    expect(formatPercent(500)).toBe('5');
    expect(formatPercent(1)).toBe('0.01');
    expect(describeStopBelow(332_500, 500, 350_000)).toBe('₹3325.00, 5% below the last price ₹3500.00');
  });
});

describe('stopAbove: a short stop-loss as a % above the last price', () => {
  it('adds the percentage to the last price and rounds up to the tick', () => {
    // ₹3500.00 plus 5% is ₹3675.00, already on the tick.
    expect(stopAbove(350_000, 500, 5)).toEqual({ ok: true, paise: 367_500 });
    // ₹701.10 plus 2.5% is ₹718.6275: up to ₹718.65.
    expect(stopAbove(70_110, 250, 5)).toEqual({ ok: true, paise: 71_865 });
    // ₹151.05 plus 1% is ₹152.5605: up to ₹152.60.
    expect(stopAbove(15_105, 100, 5)).toEqual({ ok: true, paise: 15_260 });
  });

  it('is always above the last price, even for the smallest percentage', () => {
    // ₹1.00 plus 0.01% is ₹1.0001: up to the next tick, ₹1.05.
    expect(stopAbove(100, 1, 5)).toEqual({ ok: true, paise: 105 });
    const stop = stopAbove(350_000, 1, 5);
    expect(stop.ok && stop.paise).toBeGreaterThan(350_000);
  });

  it('stays exact at the largest price', () => {
    expect(stopAbove(MAX_PAISE / 2, 5_000, 5)).toEqual({ ok: true, paise: (MAX_PAISE / 4) * 3 });
    expect(stopAbove(MAX_PAISE, 1, 5).ok).toBe(false);
  });

  it('needs a last price', () => {
    expect(stopAbove(0, 500, 5)).toEqual({ ok: false, error: 'There is no last price to work from.' });
  });

  it('says where the stop sits', () => {
    expect(describeStopAbove(367_500, 500, 350_000)).toBe('₹3675.00, 5% above the last price ₹3500.00');
  });

  it('asks for the percentage above the price to buy back at', () => {
    expect(parsePercent('', 'above')).toEqual({
      ok: false,
      error: 'Enter how far above the last price to buy back, in %.',
    });
    expect(parsePercent('2.5', 'above')).toEqual({ ok: true, hundredths: 250 });
  });
});
