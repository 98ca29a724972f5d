import { squareOffSummary } from '../labels';

describe('squareOffSummary', () => {
  const stopped = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ strategy_id: `s${i}`, status: 'stopped' as const }));

  it.each([
    [2, 5, 'Squared off: 2 positions being sold at market, 5 strategies stopped'],
    [1, 1, 'Squared off: 1 position being sold at market, 1 strategy stopped'],
    [1, 3, 'Squared off: 1 position being sold at market, 3 strategies stopped'],
    [0, 5, 'Nothing was open; 5 strategies stopped'],
    [0, 1, 'Nothing was open; 1 strategy stopped'],
  ])('%i exits over %i strategies read %j', (exits, strategies, text) => {
    expect(squareOffSummary({ strategies: stopped(strategies), exits_requested: exits })).toBe(text);
  });
});
