import type { OrderEvent, Position } from '../../api/types';
import {
  DIRECTION_CHOICES,
  historyEventLabel,
  nextActionLabel,
  orderEventLabel,
  positionLabel,
  SHORT_MUST_BE_MIS,
  wordsFor,
} from '../direction';

const POSITIONS: Position[] = ['none', 'buying', 'bought', 'selling', 'sold', 'failed'];
const EVENTS: OrderEvent[] = ['BUY', 'SELL', 'STOPLOSS', 'TARGET', 'GUARD'];

describe('a long reads as it always has', () => {
  it.each(POSITIONS)('position %j reads as its wire name', (position) => {
    expect(positionLabel('LONG', position)).toBe(position);
  });

  it.each([
    ['BUY', 'Buy'],
    ['SELL', 'Sell'],
    ['STOPLOSS', 'Stop-loss exit'],
    ['TARGET', 'Target exit'],
    ['GUARD', 'Resting stop-loss'],
  ] as const)('history event %s reads %j', (event, words) => {
    expect(historyEventLabel('LONG', event)).toBe(words);
  });

  it.each(EVENTS)('order event %s reads as its wire name', (event) => {
    expect(orderEventLabel('LONG', event)).toBe(event);
  });

  it('names the next action by its wire name', () => {
    expect(nextActionLabel('LONG', 'BUY')).toBe('BUY');
    expect(nextActionLabel('LONG', 'SELL')).toBe('SELL');
  });

  it('has no badge and the form words of before', () => {
    const words = wordsFor('LONG');
    expect(words.badge).toBeNull();
    expect([words.entryTimeLabel, words.exitTimeLabel]).toEqual(['Buy time', 'Sell time']);
    expect(words.stopSide).toBe('below');
    expect(words.stopLossHelp).toBeNull();
  });
});

describe('a short reads as what it does', () => {
  it.each([
    ['bought', 'Sold short (open)'],
    ['sold', 'Bought back'],
    ['buying', 'Selling short'],
    ['selling', 'Buying back'],
    ['none', 'none'],
    ['failed', 'failed'],
  ] as const)('position %j reads %j', (position, words) => {
    expect(positionLabel('SHORT', position)).toBe(words);
  });

  it.each([
    ['BUY', 'Short sale'],
    ['SELL', 'Buy back'],
    ['STOPLOSS', 'Stop-loss exit'],
    ['TARGET', 'Target exit'],
    ['GUARD', 'Resting stop-loss'],
  ] as const)('history event %s reads %j', (event, words) => {
    expect(historyEventLabel('SHORT', event)).toBe(words);
  });

  it('names its entry and timed exit legs in the order log by what they do', () => {
    expect(orderEventLabel('SHORT', 'BUY')).toBe('Short sale');
    expect(orderEventLabel('SHORT', 'SELL')).toBe('Buy back');
    expect(orderEventLabel('SHORT', 'STOPLOSS')).toBe('STOPLOSS');
    expect(orderEventLabel('SHORT', 'TARGET')).toBe('TARGET');
  });

  it('names the next action: the entry sells, the exit buys back', () => {
    expect(nextActionLabel('SHORT', 'BUY')).toBe('Sell');
    expect(nextActionLabel('SHORT', 'SELL')).toBe('Buy back');
  });

  it('is marked, and its form speaks of selling first and buying back', () => {
    const words = wordsFor('SHORT');
    expect(words.badge).toBe('Short');
    expect([words.entryTimeLabel, words.exitTimeLabel]).toEqual(['Sell at (entry)', 'Buy back at (exit)']);
    expect(words.stopSide).toBe('above');
    expect(words.stopLossHelp).toMatch(/above the price/);
    expect(words.targetSign).toBe('-');
  });

  it('never reads a leg or an open position in a long word', () => {
    for (const position of ['buying', 'bought', 'selling', 'sold'] as const) {
      expect(positionLabel('SHORT', position)).not.toBe(positionLabel('LONG', position));
    }
    for (const event of ['BUY', 'SELL'] as const) {
      expect(historyEventLabel('SHORT', event)).not.toBe(historyEventLabel('LONG', event));
      expect(orderEventLabel('SHORT', event)).not.toBe(orderEventLabel('LONG', event));
      expect(nextActionLabel('SHORT', event)).not.toBe(nextActionLabel('LONG', event));
    }
  });
});

describe('the form', () => {
  it('offers buy first (the default) and sell first', () => {
    expect(DIRECTION_CHOICES).toEqual([
      { value: 'LONG', label: 'Buy first (long)' },
      { value: 'SHORT', label: 'Sell first (short)' },
    ]);
  });

  it("refuses a short on delivery in the server's words", () => {
    expect(SHORT_MUST_BE_MIS).toBe(
      'a short-first strategy must be MIS (intraday): delivery (CNC) cannot sell what is not held',
    );
  });
});
