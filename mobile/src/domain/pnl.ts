/**
 * Daily P&L for the chart and its summary, from the API's integer paise. Sums and comparisons
 * stay in integer paise; text comes from the app's rupee helpers (`formatPaise`,
 * `signedRupees`), so a chart label reads exactly as the API's own rupee text would.
 */
import { signedRupees } from '../screens/labels';
import { formatCalendarDate } from './time';
import { formatPaise } from './validateStrategy';

/** One trading day's realised P&L. */
export interface DailyPnl {
  /** The IST trading date, `YYYY-MM-DD`. */
  date: string;
  /** Integer paise, negative for a loss. */
  paise: number;
}

export type PnlDirection = 'up' | 'down' | 'flat';

export function direction(paise: number): PnlDirection {
  if (paise > 0) return 'up';
  return paise < 0 ? 'down' : 'flat';
}

/**
 * Signed paise as the API spells signed rupees: `-1225` → `"-12.25"`, `0` → `"0.00"`.
 * Throws on a value that is not a safe integer: money never arrives as a fraction of a paisa.
 */
export function paiseText(paise: number): string {
  if (!Number.isSafeInteger(paise)) throw new RangeError(`not a whole number of paise: ${paise}`);
  return paise < 0 ? `-${formatPaise(-paise)}` : formatPaise(paise);
}

/** Signed paise for people: `-1225` → `-₹12.25`, `11250` → `+₹112.50`, `0` → `₹0.00`. */
export function formatPnl(paise: number): string {
  return signedRupees(paiseText(paise));
}

/** The sum of the days, in paise. */
export function totalPaise(days: readonly DailyPnl[]): number {
  const total = days.reduce((sum, day) => sum + day.paise, 0);
  if (!Number.isSafeInteger(total)) throw new RangeError('the total P&L is too large to add up exactly');
  return total;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * What the chart shows, in one sentence a screen reader can speak and a test can read: how
 * many trading days, how many ended up, down or flat, the best and worst day, and the total.
 * The days are taken in date order whatever order they come in.
 */
export function summarisePnl(days: readonly DailyPnl[]): string {
  if (days.length === 0) return 'No trading days with a fill.';
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (sorted.length === 1) {
    return `1 trading day, ${formatCalendarDate(first.date)}: ${formatPnl(first.paise)}.`;
  }
  const count = { up: 0, down: 0, flat: 0 };
  let best = first;
  let worst = first;
  for (const day of sorted) {
    count[direction(day.paise)] += 1;
    if (day.paise > best.paise) best = day;
    if (day.paise < worst.paise) worst = day;
  }
  const flat = count.flat > 0 ? `, ${count.flat} flat` : '';
  return (
    `${plural(sorted.length, 'trading day', 'trading days')}, ${formatCalendarDate(first.date)} to ` +
    `${formatCalendarDate(last.date)}: ${count.up} up, ${count.down} down${flat}. ` +
    `Best ${formatCalendarDate(best.date)} ${formatPnl(best.paise)}, ` +
    `worst ${formatCalendarDate(worst.date)} ${formatPnl(worst.paise)}. ` +
    `Total ${formatPnl(totalPaise(sorted))}.`
  );
}

/** The value axis of a P&L chart: a round step in paise and how many steps either side of 0. */
export interface PnlScale {
  stepPaise: number;
  sectionsAbove: number;
  sectionsBelow: number;
}

/** The smallest of 1, 2, 5 × 10ⁿ paise that is at least `paise`. */
function roundStep(paise: number): number {
  let magnitude = 1;
  for (;;) {
    for (const factor of [1, 2, 5]) {
      if (factor * magnitude >= paise) return factor * magnitude;
    }
    magnitude *= 10;
  }
}

/**
 * A scale with round labels that holds every day: about `sections` steps across the larger
 * side, at least a rupee each, and at least one above zero.
 */
export function chartScale(days: readonly DailyPnl[], sections = 4): PnlScale {
  const highest = Math.max(0, ...days.map((d) => d.paise));
  const lowest = Math.min(0, ...days.map((d) => d.paise));
  const widest = Math.max(highest, -lowest);
  // Never finer than a rupee: axis labels in paise would only be noise.
  const stepPaise = roundStep(Math.max(100, Math.ceil(widest / sections)));
  // At least one step above zero even when every day lost: the chart needs a positive top.
  const sectionsAbove = Math.max(1, Math.ceil(highest / stepPaise));
  const sectionsBelow = Math.ceil(Math.abs(lowest) / stepPaise);
  return { stepPaise, sectionsAbove, sectionsBelow };
}
