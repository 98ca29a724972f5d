import { exitsLine, squareOffSummary, targetText } from '../labels';

describe('squareOffSummary', () => {
  const stopped = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ strategy_id: `s${i}`, status: 'stopped' as const }));

  it.each([
    [2, 5, 'Squared off: 2 positions being closed at market, 5 strategies stopped'],
    [1, 1, 'Squared off: 1 position being closed at market, 1 strategy stopped'],
    [1, 3, 'Squared off: 1 position being closed at market, 3 strategies stopped'],
    [0, 5, 'Nothing was open; 5 strategies stopped'],
    [0, 1, 'Nothing was open; 1 strategy stopped'],
  ])('%i exits over %i strategies read %j', (exits, strategies, text) => {
    expect(squareOffSummary({ strategies: stopped(strategies), exits_requested: exits })).toBe(text);
  });
});

describe('targetText', () => {
  it("puts a long's target above the entry and a short's below it", () => {
    expect(targetText('25.50')).toBe('+₹25.50');
    expect(targetText('25.50', 'LONG')).toBe('+₹25.50');
    expect(targetText('25.50', 'SHORT')).toBe('-₹25.50');
  });

  it('keeps a percentage as it is, either way', () => {
    expect(targetText('1.5%', 'LONG')).toBe('1.5%');
    expect(targetText('1.5%', 'SHORT')).toBe('1.5%');
  });

  it("reads a short's exits line with its target below the entry", () => {
    expect(exitsLine('25.50', '10.00', 'SHORT')).toBe('Target -₹25.50 · Trailing ₹10.00');
    expect(exitsLine('25.50', null, 'LONG')).toBe('Target +₹25.50');
  });
});
