/**
 * A stop-loss given as a percentage from the last price (below it for a long, above it for a
 * short), turned into the price the server takes. Pure; money stays integer paise, and the percentage is parsed from its text into
 * hundredths of a percent, so no float ever touches either.
 */
import { formatPaise, MAX_PAISE, type PaiseResult } from './validateStrategy';

/** Hundredths of a percent in one whole: 100.00 %. */
const WHOLE = 10_000;

export type PercentResult = { ok: true; hundredths: number } | { ok: false; error: string };

/**
 * `"2.5"` → 250 hundredths of a percent: more than 0, less than 100, at most 2 decimals. `side`:
 * where the stop sits, below the last price (a long's, which sells) or above it (a short's,
 * which buys back).
 */
export function parsePercent(text: string, side: 'below' | 'above' = 'below'): PercentResult {
  const t = text.trim().replace(/%$/, '').trim();
  if (t.length === 0) {
    return {
      ok: false,
      error:
        side === 'below'
          ? 'Enter how far below the last price to sell, in %.'
          : 'Enter how far above the last price to buy back, in %.',
    };
  }
  const match = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) {
    return { ok: false, error: 'Enter the stop-loss as a percentage like 2 or 2.5.' };
  }
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 2) return { ok: false, error: 'The percentage can have at most 2 decimals.' };
  const whole = (match[1] ?? '').replace(/^0+/, '');
  const hundredths =
    whole.length > 3 ? Infinity : Number(whole || '0') * 100 + Number(fraction.padEnd(2, '0'));
  if (hundredths <= 0 || hundredths >= WHOLE) {
    return { ok: false, error: 'The percentage must be more than 0 and less than 100.' };
  }
  return { ok: true, hundredths };
}

/**
 * The price `hundredths` of a percent below `lastPaise`, rounded down to a multiple of
 * `tickPaise`: always below the last price, as a buy's stop-loss must be. Exact in integers
 * for any price up to the server's limit.
 */
export function stopBelow(lastPaise: number, hundredths: number, tickPaise: number): PaiseResult {
  if (!Number.isSafeInteger(lastPaise) || lastPaise <= 0 || lastPaise > MAX_PAISE) {
    return { ok: false, error: 'There is no last price to work from.' };
  }
  const keep = WHOLE - hundredths;
  // lastPaise × keep / WHOLE without a product beyond 2^53: split lastPaise at WHOLE.
  const high = Math.floor(lastPaise / WHOLE);
  const low = lastPaise % WHOLE;
  const exact = high * keep + Math.floor((low * keep) / WHOLE);
  const paise = exact - (exact % tickPaise);
  if (paise <= 0) return { ok: false, error: 'That is no price at all: choose a smaller percentage.' };
  return { ok: true, paise };
}

/**
 * The price `hundredths` of a percent above `lastPaise`, rounded up to a multiple of
 * `tickPaise`: always above the last price, as a short's stop-loss must be. Exact in integers.
 */
export function stopAbove(lastPaise: number, hundredths: number, tickPaise: number): PaiseResult {
  if (!Number.isSafeInteger(lastPaise) || lastPaise <= 0 || lastPaise > MAX_PAISE) {
    return { ok: false, error: 'There is no last price to work from.' };
  }
  const grow = WHOLE + hundredths;
  const high = Math.floor(lastPaise / WHOLE);
  const low = lastPaise % WHOLE;
  const exact = high * grow + Math.ceil((low * grow) / WHOLE);
  const paise = exact + ((tickPaise - (exact % tickPaise)) % tickPaise);
  if (paise > MAX_PAISE) return { ok: false, error: 'That price is too large: choose a smaller percentage.' };
  return { ok: true, paise };
}

/** A line for the form: `₹3325.00, 5% below the last price ₹3500.00`. */
export function describeStopBelow(stopPaise: number, hundredths: number, lastPaise: number): string {
  return `₹${formatPaise(stopPaise)}, ${formatPercent(hundredths)}% below the last price ₹${formatPaise(lastPaise)}`;
}

/** 250 → `2.5`, 500 → `5`, 1 → `0.01`. */
export function formatPercent(hundredths: number): string {
  const whole = Math.floor(hundredths / 100);
  const fraction = String(hundredths % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/** A line for the form: `₹3675.00, 5% above the last price ₹3500.00`. */
export function describeStopAbove(stopPaise: number, hundredths: number, lastPaise: number): string {
  return `₹${formatPaise(stopPaise)}, ${formatPercent(hundredths)}% above the last price ₹${formatPaise(lastPaise)}`;
}
