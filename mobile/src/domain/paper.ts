/**
 * Paper mode in words: the one place that says what a paper strategy (`paper: true`) is, wherever
 * the app shows one. A paper strategy runs on live prices with simulated fills and places nothing
 * at the broker; its order ids start with `PAPER-`; its P&L is reported apart from real money
 * (`/pnl`'s `paper_pnl`, a strategy-day's `paper`) and never counts towards the daily loss limit.
 * A real strategy reads exactly as before: it has no mark. Pure: no React, no I/O.
 */
import type { Order, PnlSummary, StrategyDay } from '../api/types';
import { totalPaise } from './pnl';

export const PAPER_WORDS = {
  /** The mark beside a paper strategy, day or leg wherever it is shown. */
  badge: 'Paper',
  /** What the mark says to a screen reader. */
  badgeLabel: 'Paper: simulated fills, nothing placed at your broker',
  /** In a list row's spoken label, after the symbol: "TCS, paper, …". */
  listNote: 'paper',
  /** The control screen's line under the plan. */
  notice: 'Paper trading: simulated fills, nothing is placed at your broker.',
  /** The form's toggle. */
  toggle: 'Paper trading (simulated fills)',
  toggleOn:
    'Runs on live prices with simulated fills at the last price. Nothing is placed at your broker; ' +
    'its P&L is kept apart from real money and never counts towards the daily loss limit.',
  toggleOff: 'Off: real orders are placed at your broker.',
  /** Under a paper day in the day-by-day history. */
  dayNote: 'Simulated: not real money, not in the real total.',
  /** The real total, once paper results are shown beside it. */
  realTotal: (days: number) => `Real money, last ${days} days`,
  /** The paper result beside the real total. */
  paperTotal: (days: number) => `Paper (simulated), last ${days} days`,
  paperTotalNote: 'Simulated fills, not real money: not in the total.',
  paperChartTitle: 'Paper P&L by day (simulated)',
  /** Beside the daily loss limit while the user has a paper strategy. */
  lossLimitNote: 'Paper strategies never count towards the daily loss limit.',
} as const;

/** How the server starts a paper leg's order id. */
export const PAPER_ORDER_PREFIX = 'PAPER-';

/**
 * Whether a leg was (or will be) paper: by its order id once it has one (the id says what it was,
 * even if the strategy changed mode since), otherwise by the strategy it belongs to.
 */
export function isPaperOrder(order: Pick<Order, 'broker_order_id'>, strategyPaper: boolean): boolean {
  return order.broker_order_id !== null
    ? order.broker_order_id.startsWith(PAPER_ORDER_PREFIX)
    : strategyPaper;
}

/** A strategy's days, the real ones apart from the paper ones, each with its total in paise. */
export interface SplitDays {
  real: StrategyDay[];
  paper: StrategyDay[];
  realPaise: number;
  paperPaise: number;
}

/**
 * The days of `GET /strategy/{id}/days` split by `paper`: the server's `total_pnl` adds both
 * kinds, so a strategy that changed mode needs its real total apart from its simulated one.
 */
export function splitPaperDays(days: readonly StrategyDay[]): SplitDays {
  const real = days.filter((day) => !day.paper);
  const paper = days.filter((day) => day.paper);
  const sum = (list: readonly StrategyDay[]) =>
    totalPaise(list.map((day) => ({ date: day.trading_date, paise: day.realised_pnl_paise })));
  return { real, paper, realPaise: sum(real), paperPaise: sum(paper) };
}

/**
 * Whether the account P&L shows the paper result beside the real one: when paper made or lost
 * something in the range, or when the user has a paper strategy (`/pnl` cannot tell a paper day
 * that broke even from none, and ₹0.00 simulated is then what there is to say). Otherwise the
 * account P&L reads as it always has.
 */
export function showsPaperPnl(
  summary: Pick<PnlSummary, 'paper_pnl_paise'>,
  hasPaperStrategy: boolean,
): boolean {
  return summary.paper_pnl_paise !== 0 || hasPaperStrategy;
}
