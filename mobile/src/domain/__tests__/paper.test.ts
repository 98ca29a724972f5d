import { strategyDay } from '../../test/fixtures';
import { isPaperOrder, PAPER_ORDER_PREFIX, PAPER_WORDS, showsPaperPnl, splitPaperDays } from '../paper';

describe('isPaperOrder', () => {
  it('tells a paper leg by its PAPER- order id, whatever the strategy is now', () => {
    expect(PAPER_ORDER_PREFIX).toBe('PAPER-');
    expect(isPaperOrder({ broker_order_id: 'PAPER-0b7d7c52-1' }, false)).toBe(true);
    expect(isPaperOrder({ broker_order_id: 'PAPER-0b7d7c52-1' }, true)).toBe(true);
  });

  it('tells a real leg by its broker order id, even on a strategy that is paper now', () => {
    expect(isPaperOrder({ broker_order_id: '230125000000001' }, true)).toBe(false);
    expect(isPaperOrder({ broker_order_id: '230125000000001' }, false)).toBe(false);
    // Only a prefix counts: an id that merely contains the word is a broker's.
    expect(isPaperOrder({ broker_order_id: 'X-PAPER-1' }, true)).toBe(false);
  });

  it('takes the strategy’s mode for a leg not yet placed', () => {
    expect(isPaperOrder({ broker_order_id: null }, true)).toBe(true);
    expect(isPaperOrder({ broker_order_id: null }, false)).toBe(false);
  });
});

describe('splitPaperDays', () => {
  it('keeps real days and their total apart from paper days and theirs', () => {
    const real = strategyDay({ trading_date: '2026-11-23', realised_pnl_paise: 11250 });
    const paperWin = strategyDay({ trading_date: '2026-11-24', paper: true, realised_pnl_paise: 5000 });
    const paperLoss = strategyDay({ trading_date: '2026-11-25', paper: true, realised_pnl_paise: -1225 });
    const split = splitPaperDays([real, paperWin, paperLoss]);
    expect(split.real).toEqual([real]);
    expect(split.paper).toEqual([paperWin, paperLoss]);
    expect(split.realPaise).toBe(11250);
    expect(split.paperPaise).toBe(3775);
  });

  it('has nothing paper for a strategy that never traded on paper', () => {
    const split = splitPaperDays([strategyDay(), strategyDay({ trading_date: '2026-11-25' })]);
    expect(split.paper).toEqual([]);
    expect(split.paperPaise).toBe(0);
    expect(split.realPaise).toBe(22500);
  });

  it('adds up nothing for no days', () => {
    expect(splitPaperDays([])).toEqual({ real: [], paper: [], realPaise: 0, paperPaise: 0 });
  });
});

describe('showsPaperPnl', () => {
  it('shows a paper result that made or lost something', () => {
    expect(showsPaperPnl({ paper_pnl_paise: 5000 }, false)).toBe(true);
    expect(showsPaperPnl({ paper_pnl_paise: -1 }, false)).toBe(true);
  });

  it('shows ₹0.00 simulated only to a user with a paper strategy', () => {
    expect(showsPaperPnl({ paper_pnl_paise: 0 }, true)).toBe(true);
    expect(showsPaperPnl({ paper_pnl_paise: 0 }, false)).toBe(false);
  });
});

describe('PAPER_WORDS', () => {
  it('says paper is simulated and places nothing at the broker', () => {
    expect(PAPER_WORDS.badge).toBe('Paper');
    expect(PAPER_WORDS.notice).toBe('Paper trading: simulated fills, nothing is placed at your broker.');
    expect(PAPER_WORDS.toggle).toBe('Paper trading (simulated fills)');
    expect(PAPER_WORDS.paperTotal(30)).toBe('Paper (simulated), last 30 days');
    expect(PAPER_WORDS.realTotal(30)).toBe('Real money, last 30 days');
  });
});
