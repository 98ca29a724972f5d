/**
 * A target or a trailing stop as the trader enters it: a distance in points (rupees) or in per
 * cent, turned into the text the server takes (`"25.50"`, `"1.5%"`). Pure, and mirrors
 * `crates/core/src/exits.rs` (`Offset::parse`): points are a price (at most two decimals, more
 * than zero, a multiple of the tick); per cent is more than 0 and at most 100, with up to two
 * decimals. A percentage stays one: the server applies it to the entry's fill (or the high since
 * it), which the app cannot know when the strategy is made. Nothing goes through a float.
 */
import type { ExitOffset } from '../api/types';
import { formatPercent } from './stopLoss';
import { formatPaise, MAX_PAISE } from './validateStrategy';

/** `points`: rupees from the price; `percent`: per cent of it. */
export type OffsetMode = 'points' | 'percent';

export interface OffsetInput {
  text: string;
  mode: OffsetMode;
}

/** `offset` is `undefined` when the input is empty: the exit is not set and not sent. */
export type OffsetResult = { ok: true; offset: ExitOffset | undefined } | { ok: false; error: string };

/** Hundredths of a percent in 100 %. */
const MAX_HUNDREDTHS = 10_000;

/**
 * Decimal text as hundredths (`"25.5"` → 2550), the decimals past two allowed only as zeros,
 * or why not.
 */
function hundredthsOf(text: string): number | 'malformed' | 'decimals' | 'large' {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) return 'malformed';
  const whole = (match[1] ?? '').replace(/^0+/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 2) return 'decimals';
  if (whole.length > 12) return 'large';
  return Number(whole || '0') * 100 + Number(fraction.padEnd(2, '0'));
}

/** `what`, as it begins a sentence: `target` → `Target`. */
function sentence(what: string): string {
  return what.charAt(0).toUpperCase() + what.slice(1);
}

/**
 * Checks a target or trailing stop (`what` names it in the messages) and gives the text to send.
 * In per-cent mode a trailing `%` may be typed or not.
 */
export function parseExitOffset(input: OffsetInput, what: string, tickPaise: number): OffsetResult {
  const The = `The ${what}`;
  let text = input.text.trim();
  if (text === '') return { ok: true, offset: undefined };
  if (input.mode === 'percent') {
    text = text.replace(/%$/, '').trim();
    const hundredths = hundredthsOf(text);
    if (hundredths === 'decimals') return { ok: false, error: 'The percentage can have at most 2 decimals.' };
    if (hundredths === 'malformed') {
      return { ok: false, error: `Enter the ${what} as a percentage like 1 or 1.5.` };
    }
    if (hundredths === 'large' || hundredths <= 0 || hundredths > MAX_HUNDREDTHS) {
      return { ok: false, error: `${The} must be more than 0% and at most 100%.` };
    }
    return { ok: true, offset: `${formatPercent(hundredths)}%` };
  }
  if (text.endsWith('%')) {
    return { ok: false, error: `${sentence(what)} in points is rupees: choose % for a percentage.` };
  }
  const paise = hundredthsOf(text);
  if (paise === 'malformed') return { ok: false, error: `Enter the ${what} in rupees like 25 or 25.50.` };
  if (paise === 'decimals') return { ok: false, error: `${The} can have at most 2 decimals.` };
  if (paise === 'large' || paise > MAX_PAISE) return { ok: false, error: `${The} is too large.` };
  if (paise <= 0) return { ok: false, error: `${The} must be more than zero.` };
  if (paise % tickPaise !== 0) {
    return { ok: false, error: `${The} must be a multiple of ₹${formatPaise(tickPaise)}.` };
  }
  return { ok: true, offset: formatPaise(paise) };
}

/** The server's offset text back as an input: `"1.5%"` → 1.5 in per cent; `"25.50"` → points. */
export function offsetInput(offset: ExitOffset | null): OffsetInput {
  if (offset === null) return { text: '', mode: 'points' };
  return offset.endsWith('%')
    ? { text: offset.slice(0, -1), mode: 'percent' }
    : { text: offset, mode: 'points' };
}
