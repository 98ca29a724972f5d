/**
 * A strategy's direction in words: the one place that says what a wire event or position means
 * for a long (buy first) or a short (sell first). The server keeps the long names for both:
 * event `BUY` is the entry leg (a sell order for a short), `SELL` the timed exit (a buy order for
 * a short); position `bought` is "in the position", `sold` "closed". A long reads as it always
 * has; a short reads as what it does. Pure: no React, no I/O.
 */
import type { Direction, NextAction, OrderEvent, Position } from '../api/types';

export interface DirectionWords {
  /** The choice on the form. */
  choice: string;
  /** A mark beside a short wherever it is shown; `null` for a long, which has none. */
  badge: string | null;
  /** Today's position, as the control screen and the list show it. */
  position: Record<Position, string>;
  /** A leg in the day-by-day history. */
  historyEvent: Record<OrderEvent, string>;
  /** A leg in the order log and the last action. */
  orderEvent: Record<OrderEvent, string>;
  /** The next scheduled leg: "`SELL` at 15:10:00 IST". */
  nextAction: Record<NextAction['event'], string>;
  /** The plan: "Buy 10 TCS at 09:30:00, sell at 15:10:00". */
  entryVerb: string;
  /** After the quantity (and symbol) in the plan: "Sell 10 TCS short". */
  entryNote: string;
  exitVerb: string;
  /** The form's time fields. */
  entryTimeLabel: string;
  exitTimeLabel: string;
  /** The times in the form's messages ("The sell time must be after the buy time."). */
  entryTimeName: string;
  exitTimeName: string;
  /** The timed exit as a noun ("An intraday (MIS) sell must be…"). */
  exitLeg: string;
  /** Where the stop-loss sits against the price; a percentage is taken this side of it. */
  stopSide: 'below' | 'above';
  /** The stop-loss field's note; `null` for a long, whose form has none. */
  stopLossHelp: string | null;
  /** The sign of a target in rupees: above a long's entry, below a short's. */
  targetSign: '+' | '-';
  /** A day's fills: what the entry filled, what the exits filled, what stayed open. */
  dayEntered: string;
  dayExited: string;
  dayOpen: string;
  /** Asked when stopping with a position open. */
  closeQuestion: string;
  closeButton: string;
}

export const DIRECTION_WORDS: Record<Direction, DirectionWords> = {
  LONG: {
    choice: 'Buy first (long)',
    badge: null,
    position: {
      none: 'none',
      buying: 'buying',
      bought: 'bought',
      selling: 'selling',
      sold: 'sold',
      failed: 'failed',
    },
    historyEvent: {
      BUY: 'Buy',
      SELL: 'Sell',
      STOPLOSS: 'Stop-loss exit',
      TARGET: 'Target exit',
      GUARD: 'Resting stop-loss',
    },
    orderEvent: { BUY: 'BUY', SELL: 'SELL', STOPLOSS: 'STOPLOSS', TARGET: 'TARGET', GUARD: 'GUARD' },
    nextAction: { BUY: 'BUY', SELL: 'SELL' },
    entryVerb: 'Buy',
    entryNote: '',
    exitVerb: 'sell',
    entryTimeLabel: 'Buy time',
    exitTimeLabel: 'Sell time',
    entryTimeName: 'buy time',
    exitTimeName: 'sell time',
    exitLeg: 'sell',
    stopSide: 'below',
    stopLossHelp: null,
    targetSign: '+',
    dayEntered: 'Bought',
    dayExited: 'Sold',
    dayOpen: 'Still open',
    closeQuestion: 'Sell it now?',
    closeButton: 'Stop and sell the position',
  },
  SHORT: {
    choice: 'Sell first (short)',
    badge: 'Short',
    position: {
      none: 'none',
      buying: 'Selling short',
      bought: 'Sold short (open)',
      selling: 'Buying back',
      sold: 'Bought back',
      failed: 'failed',
    },
    historyEvent: {
      BUY: 'Short sale',
      SELL: 'Buy back',
      STOPLOSS: 'Stop-loss exit',
      TARGET: 'Target exit',
      GUARD: 'Resting stop-loss',
    },
    orderEvent: {
      BUY: 'Short sale',
      SELL: 'Buy back',
      STOPLOSS: 'STOPLOSS',
      TARGET: 'TARGET',
      GUARD: 'GUARD',
    },
    nextAction: { BUY: 'Sell', SELL: 'Buy back' },
    entryVerb: 'Sell',
    entryNote: ' short',
    exitVerb: 'buy back',
    entryTimeLabel: 'Sell at (entry)',
    exitTimeLabel: 'Buy back at (exit)',
    entryTimeName: 'sell (entry) time',
    exitTimeName: 'buy-back (exit) time',
    exitLeg: 'buy-back',
    stopSide: 'above',
    stopLossHelp:
      'A short sells first: its stop-loss must be above the price, and buys back if the price rises to it.',
    targetSign: '-',
    dayEntered: 'Sold short',
    dayExited: 'Bought back',
    dayOpen: 'Still short',
    closeQuestion: 'Buy it back now?',
    closeButton: 'Stop and buy back the position',
  },
};

/** The words for `direction`. */
export function wordsFor(direction: Direction): DirectionWords {
  return DIRECTION_WORDS[direction];
}

export function positionLabel(direction: Direction, position: Position): string {
  return DIRECTION_WORDS[direction].position[position];
}

export function historyEventLabel(direction: Direction, event: OrderEvent): string {
  return DIRECTION_WORDS[direction].historyEvent[event];
}

export function orderEventLabel(direction: Direction, event: OrderEvent): string {
  return DIRECTION_WORDS[direction].orderEvent[event];
}

export function nextActionLabel(direction: Direction, event: NextAction['event']): string {
  return DIRECTION_WORDS[direction].nextAction[event];
}

/** The form's choice of direction, long first (the default). */
export const DIRECTION_CHOICES = [
  { value: 'LONG', label: DIRECTION_WORDS.LONG.choice },
  { value: 'SHORT', label: DIRECTION_WORDS.SHORT.choice },
] as const satisfies readonly { value: Direction; label: string }[];

/** The server's refusal of a short on delivery, word for word. */
export const SHORT_MUST_BE_MIS =
  'a short-first strategy must be MIS (intraday): delivery (CNC) cannot sell what is not held';
