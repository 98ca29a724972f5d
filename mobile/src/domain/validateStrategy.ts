/**
 * The server's strategy rules, checked on the device so the user sees problems before sending.
 * Pure: no React, no I/O. Mirrors `crates/core/src/strategy.rs` (`StrategyRules::nse()` and
 * `always_open()`), `money.rs` (`Price::parse`) and `symbol.rs`; the server stays the judge and
 * its `fields` errors are shown beside the same inputs.
 *
 * Money never goes through a float: the stop-loss text is parsed straight to integer paise.
 */
import type { Direction, Product, StrategyRequest } from '../api/types';
import { SHORT_MUST_BE_MIS, wordsFor } from './direction';

/** `nse`: the NSE session; `always-open`: every second of the day (the dev server's calendar). */
export type MarketHours = 'nse' | 'always-open';

export interface StrategyRules {
  /** Seconds after midnight, IST. */
  sessionOpen: number;
  sessionClose: number;
  /** An MIS (intraday) sell must come no later than the broker's square-off. */
  misCutoff: number;
  /** Smallest price step in paise (0.05 rupees). */
  tickPaise: number;
  /** The exchange's freeze quantity: the most one order may carry. */
  maxQuantity: number;
}

const hms = (h: number, m: number, s: number) => h * 3600 + m * 60 + s;

export const NSE_RULES: StrategyRules = {
  sessionOpen: hms(9, 15, 0),
  sessionClose: hms(15, 30, 0),
  misCutoff: hms(15, 20, 0),
  tickPaise: 5,
  maxQuantity: 100_000,
};

export const ALWAYS_OPEN_RULES: StrategyRules = {
  ...NSE_RULES,
  sessionOpen: hms(0, 0, 0),
  sessionClose: hms(23, 59, 59),
  misCutoff: hms(23, 59, 59),
};

export function rulesFor(marketHours: MarketHours): StrategyRules {
  return marketHours === 'always-open' ? ALWAYS_OPEN_RULES : NSE_RULES;
}

/** What the user typed, as text, before any parsing. */
export interface StrategyForm {
  symbol: string;
  buyTime: string;
  sellTime: string;
  stopLoss: string;
  quantity: string;
  product: Product;
  /** Buy first (`LONG`, the default) or sell first (`SHORT`, intraday only). */
  direction?: Direction;
  /** Paper mode: simulated fills, nothing placed at the broker. Off when missing. */
  paper?: boolean;
}

/** The form's inputs: the ones above, and the optional exits (`domain/exitOffset.ts`). */
export type StrategyFormField = keyof StrategyForm | 'target' | 'trailingStop';

/** At most one message per field: the first rule it breaks. */
export type StrategyFieldErrors = Partial<Record<StrategyFormField, string>>;

export type StrategyValidation =
  { ok: true; request: StrategyRequest } | { ok: false; errors: StrategyFieldErrors };

export const SYMBOL_MAX_LEN = 25;
/** ₹1,000 crore per share, as on the server: far beyond any listed stock. */
export const MAX_PAISE = 1_000_000_000_000;

export type SymbolResult = { ok: true; symbol: string } | { ok: false; error: string };

/** 1–25 characters of `A-Z 0-9 & -`, upper-cased. */
export function parseSymbol(text: string): SymbolResult {
  const symbol = text.trim().toUpperCase();
  if (symbol.length === 0) return { ok: false, error: 'Enter a symbol, for example TCS.' };
  if (symbol.length > SYMBOL_MAX_LEN) {
    return { ok: false, error: `A symbol has at most ${SYMBOL_MAX_LEN} characters.` };
  }
  if (!/^[A-Z0-9&-]+$/.test(symbol)) {
    return { ok: false, error: 'A symbol may contain only letters, digits, & and -.' };
  }
  return { ok: true, symbol };
}

/** Seconds after midnight for exact `HH:MM:SS` text, or `null`. */
export function parseTimeOfDay(text: string): number | null {
  const match = /^(\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const [h, m, s] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (h > 23 || m > 59 || s > 59) return null;
  return hms(h, m, s);
}

export function formatTimeOfDay(seconds: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

/** The earliest and latest time a picker offers, seconds after midnight IST, both included. */
export interface TimeWindow {
  earliest: number;
  latest: number;
}

/**
 * How long a sell must come after its buy in the pickers: the server refuses to enter with
 * less than a minute left before the sell time.
 */
export const MIN_HOLD_SECONDS = 60;

/** The latest sell time the rules allow for `product`: the MIS square-off for intraday. */
export function latestSellTime(rules: StrategyRules, product: Product): number {
  return product === 'MIS' ? Math.min(rules.misCutoff, rules.sessionClose) : rules.sessionClose;
}

/** Buy times inside the session that leave a minute before the latest sell. */
export function buyTimeWindow(rules: StrategyRules, product: Product): TimeWindow {
  return { earliest: rules.sessionOpen, latest: latestSellTime(rules, product) - MIN_HOLD_SECONDS };
}

/**
 * Sell times at least a minute after `buy` (after the session's first minute while there is no
 * buy time) and no later than the rules allow. Empty (`earliest > latest`) when the buy leaves
 * no room.
 */
export function sellTimeWindow(rules: StrategyRules, product: Product, buy: number | null): TimeWindow {
  return {
    earliest: Math.max(rules.sessionOpen, buy ?? rules.sessionOpen) + MIN_HOLD_SECONDS,
    latest: latestSellTime(rules, product),
  };
}

/**
 * A picker's step: `current` moved by `deltaSeconds` and kept inside `window`. With no time yet
 * it starts from `start` (now, say) when that is inside the window, else from the window's
 * nearer end. `null` when the window is empty.
 */
export function stepTimeOfDay(
  current: number | null,
  deltaSeconds: number,
  window: TimeWindow,
  start?: number,
): number | null {
  if (window.earliest > window.latest) return null;
  const clamp = (t: number) => Math.min(Math.max(t, window.earliest), window.latest);
  if (current === null) {
    if (start !== undefined && start >= window.earliest && start <= window.latest) return start;
    return deltaSeconds >= 0 ? window.earliest : window.latest;
  }
  return clamp(current + deltaSeconds);
}

export type PaiseResult = { ok: true; paise: number } | { ok: false; error: string };

/**
 * Rupee text to integer paise, as the server's `Price::parse`: digits, an optional point and
 * at most two decimals that matter ("3500.050" is 3500.05); greater than zero.
 */
export function parseRupees(text: string): PaiseResult {
  let t = text.trim();
  if (t.length === 0) return { ok: false, error: 'Enter a stop-loss price.' };
  if (t.startsWith('-')) return { ok: false, error: 'The stop-loss must be greater than zero.' };
  if (t.startsWith('+')) t = t.slice(1);
  const match = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) {
    return { ok: false, error: 'Enter the stop-loss as a price like 3500 or 3500.05.' };
  }
  const whole = (match[1] ?? '').replace(/^0+/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 2) {
    return { ok: false, error: 'The stop-loss can have at most 2 decimals.' };
  }
  if (whole.length > 12) return { ok: false, error: 'The stop-loss is too large.' };
  const paise = Number(whole || '0') * 100 + Number(fraction.padEnd(2, '0'));
  if (paise <= 0) return { ok: false, error: 'The stop-loss must be greater than zero.' };
  if (paise > MAX_PAISE) return { ok: false, error: 'The stop-loss is too large.' };
  return { ok: true, paise };
}

/** Paise as rupee text with two decimals: 350005 → "3500.05". */
export function formatPaise(paise: number): string {
  const whole = Math.floor(paise / 100);
  const fraction = String(paise % 100).padStart(2, '0');
  return `${whole}.${fraction}`;
}

/**
 * Checks every rule and reports every field at fault at once, or returns the request body to
 * send (symbol upper-cased, stop-loss normalised to two decimals). The body always says its
 * direction and whether it is paper, so an edit never leaves either to the server's default.
 */
export function validateStrategy(form: StrategyForm, rules: StrategyRules = NSE_RULES): StrategyValidation {
  const errors: StrategyFieldErrors = {};
  const direction = form.direction ?? 'LONG';
  // A short's times are its sell (entry) and its buy-back (exit): the messages say so.
  const words = wordsFor(direction);
  const [entry, exit] = [words.entryTimeName, words.exitTimeName];

  const symbol = parseSymbol(form.symbol);
  if (!symbol.ok) errors.symbol = symbol.error;

  const buy = parseTimeOfDay(form.buyTime);
  const sell = parseTimeOfDay(form.sellTime);
  const sessionText = `${formatTimeOfDay(rules.sessionOpen)}–${formatTimeOfDay(rules.sessionClose)} IST`;
  if (form.buyTime.trim() === '') errors.buyTime = `Enter a ${entry} as HH:MM:SS (IST).`;
  else if (buy === null) errors.buyTime = `Write the ${entry} as HH:MM:SS, for example 09:30:00.`;
  else if (buy < rules.sessionOpen || buy > rules.sessionClose) {
    errors.buyTime = `The ${entry} must be inside market hours, ${sessionText}.`;
  }
  if (form.sellTime.trim() === '') errors.sellTime = `Enter a ${exit} as HH:MM:SS (IST).`;
  else if (sell === null) errors.sellTime = `Write the ${exit} as HH:MM:SS, for example 15:10:00.`;
  else if (sell < rules.sessionOpen || sell > rules.sessionClose) {
    errors.sellTime = `The ${exit} must be inside market hours, ${sessionText}.`;
  } else if (buy !== null && buy >= sell) {
    errors.sellTime = `The ${exit} must be after the ${entry}.`;
  } else if (form.product === 'MIS' && sell > rules.misCutoff) {
    errors.sellTime = `An intraday (MIS) ${words.exitLeg} must be no later than the broker's square-off at ${formatTimeOfDay(rules.misCutoff)} IST.`;
  }

  const stopLoss = parseRupees(form.stopLoss);
  if (!stopLoss.ok) errors.stopLoss = stopLoss.error;
  else if (stopLoss.paise % rules.tickPaise !== 0) {
    errors.stopLoss = `The stop-loss must be a multiple of ₹${formatPaise(rules.tickPaise)}.`;
  }

  const quantityText = form.quantity.trim();
  const quantity = /^\d+$/.test(quantityText) ? Number(quantityText) : NaN;
  if (quantityText === '') errors.quantity = 'Enter a quantity.';
  else if (!Number.isSafeInteger(quantity) || quantity < 1) {
    errors.quantity = 'The quantity must be a whole number of shares, at least 1.';
  } else if (quantity > rules.maxQuantity) {
    errors.quantity = `The quantity can be at most ${rules.maxQuantity} per order.`;
  }

  // The server's rule and wording: delivery cannot sell shares that are not held.
  if (direction === 'SHORT' && form.product === 'CNC') errors.direction = SHORT_MUST_BE_MIS;

  if (Object.keys(errors).length > 0 || !symbol.ok || buy === null || sell === null || !stopLoss.ok) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    request: {
      symbol: symbol.symbol,
      buy_time: formatTimeOfDay(buy),
      sell_time: formatTimeOfDay(sell),
      stop_loss: formatPaise(stopLoss.paise),
      quantity,
      product: form.product,
      direction,
      paper: form.paper ?? false,
    },
  };
}

const SERVER_FIELDS: Record<string, StrategyFormField> = {
  symbol: 'symbol',
  buy_time: 'buyTime',
  sell_time: 'sellTime',
  stop_loss: 'stopLoss',
  quantity: 'quantity',
  product: 'product',
  direction: 'direction',
  paper: 'paper',
  target: 'target',
  trailing_stop: 'trailingStop',
};

/** The form input a server `fields[].field` name belongs to, if any. */
export function formFieldFor(serverField: string): StrategyFormField | undefined {
  return SERVER_FIELDS[serverField];
}
