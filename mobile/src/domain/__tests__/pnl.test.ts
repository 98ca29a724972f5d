import { chartScale, formatPnl, paiseText, summarisePnl, totalPaise } from '../pnl';

describe('paiseText', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [-5, '-0.05'],
    [11250, '112.50'],
    [-1225, '-12.25'],
    [-100, '-1.00'],
    [123456789012, '1234567890.12'],
  ])('%d paise reads %s, as the API spells it', (paise, text) => {
    expect(paiseText(paise)).toBe(text);
  });

  it('refuses a fraction of a paisa rather than rounding it', () => {
    expect(() => paiseText(12.5)).toThrow(RangeError);
    expect(() => paiseText(Number.NaN)).toThrow(RangeError);
  });
});

describe('formatPnl', () => {
  it('signs profits and losses with the rupee sign, zero unsigned', () => {
    expect(formatPnl(11250)).toBe('+₹112.50');
    expect(formatPnl(-1225)).toBe('-₹12.25');
    expect(formatPnl(0)).toBe('₹0.00');
  });
});

describe('totalPaise', () => {
  it('adds exactly in paise', () => {
    // 0.1 + 0.2 in rupees would not be 0.3 as floats; in paise it is 30.
    expect(
      totalPaise([
        { date: '2026-11-23', paise: 10 },
        { date: '2026-11-24', paise: 20 },
      ]),
    ).toBe(30);
  });
});

describe('summarisePnl', () => {
  it('counts the days, names the best and worst, and totals them, in date order', () => {
    expect(
      summarisePnl([
        { date: '2026-11-25', paise: 0 },
        { date: '2026-11-23', paise: 11250 },
        { date: '2026-11-24', paise: -1225 },
      ]),
    ).toBe(
      '3 trading days, 23 Nov 2026 to 25 Nov 2026: 1 up, 1 down, 1 flat. ' +
        'Best 23 Nov 2026 +₹112.50, worst 24 Nov 2026 -₹12.25. Total +₹100.25.',
    );
  });

  it('says a single day and an empty period plainly', () => {
    expect(summarisePnl([{ date: '2026-12-01', paise: -4210 }])).toBe('1 trading day, 1 Dec 2026: -₹42.10.');
    expect(summarisePnl([])).toBe('No trading days with a fill.');
  });
});

describe('chartScale', () => {
  it('takes a round step that fits the widest day in about four steps', () => {
    expect(
      chartScale([
        { date: 'a', paise: 11250 },
        { date: 'b', paise: -1225 },
      ]),
    ).toEqual({
      stepPaise: 5000,
      sectionsAbove: 3,
      sectionsBelow: 1,
    });
  });

  it('keeps one step above zero when every day lost', () => {
    expect(chartScale([{ date: 'a', paise: -70000 }])).toEqual({
      stepPaise: 20000,
      sectionsAbove: 1,
      sectionsBelow: 4,
    });
  });

  it('steps by a rupee at least, and holds a flat day', () => {
    expect(chartScale([{ date: 'a', paise: 0 }])).toEqual({
      stepPaise: 100,
      sectionsAbove: 1,
      sectionsBelow: 0,
    });
    expect(chartScale([{ date: 'a', paise: 5 }])).toEqual({
      stepPaise: 100,
      sectionsAbove: 1,
      sectionsBelow: 0,
    });
  });
});
