/** How wire values read on screen. */
import type { Direction, NotificationKind, SquareOffResult, StrategyStatusValue } from '../api/types';
import { wordsFor } from '../domain/direction';

export const STATUS_LABEL: Record<StrategyStatusValue, string> = {
  created: 'created',
  running: 'running',
  stopped: 'stopped',
  failed: 'failed',
};

export function rupees(text: string | null | undefined): string {
  return text ? `₹${text}` : '—';
}

/**
 * A target as its distance from the entry, above it for a long and below it for a short:
 * `"25.50"` → `+₹25.50` (a short's `-₹25.50`), `"1.5%"` → `1.5%`.
 */
export function targetText(offset: string, direction: Direction = 'LONG'): string {
  return offset.endsWith('%') ? offset : `${wordsFor(direction).targetSign}₹${offset}`;
}

/** A trailing stop as its distance from the best price: `"10.00"` → `₹10.00`, `"1%"` → `1%`. */
export function trailingText(offset: string): string {
  return offset.endsWith('%') ? offset : `₹${offset}`;
}

/** `Target +₹25.50 · Trailing 1%`, the ones set; `null` when neither is. */
export function exitsLine(
  target: string | null,
  trailingStop: string | null,
  direction: Direction = 'LONG',
): string | null {
  const parts = [
    target !== null ? `Target ${targetText(target, direction)}` : null,
    trailingStop !== null ? `Trailing ${trailingText(trailingStop)}` : null,
  ].filter((part) => part !== null);
  return parts.length > 0 ? parts.join(' · ') : null;
}

/** A known kind's name on screen; a kind this version does not know gets no label. */
export const KIND_LABEL: Record<NotificationKind, string> = {
  entry_filled: 'Entry filled',
  exit_filled: 'Exit filled',
  stop_loss_hit: 'Stop-loss hit',
  target_hit: 'Target reached',
  order_rejected: 'Order rejected',
  exit_unfilled: 'Exit not filled',
  login_needed: 'Kite login needed',
  strategy_failed: 'Strategy failed',
  daily_summary: 'Daily summary',
  loss_limit_hit: 'Daily loss limit hit',
};

export type Sign = 'profit' | 'loss' | 'flat';

/** The sign of signed rupee text (`"-12.50"`), read from the text: no float ever holds money. */
export function pnlSign(text: string): Sign {
  if (text.startsWith('-')) return 'loss';
  return /^0+\.00$/.test(text) ? 'flat' : 'profit';
}

/** `"-12.50"` → `-₹12.50`, `"112.50"` → `+₹112.50`, `"0.00"` → `₹0.00`. */
export function signedRupees(text: string): string {
  const sign = pnlSign(text);
  if (sign === 'loss') return `-₹${text.slice(1)}`;
  return sign === 'profit' ? `+₹${text}` : `₹${text}`;
}

/**
 * What "square off all" did, in a trader's words: `Squared off: 2 positions being closed at
 * market, 5 strategies stopped` (sold, or for a short bought back: the exits are sent, not yet filled), or `Nothing was open;
 * 5 strategies stopped` when no exit was needed.
 */
export function squareOffSummary(result: SquareOffResult): string {
  const stopped = result.strategies.length;
  const strategies = `${stopped} ${stopped === 1 ? 'strategy' : 'strategies'} stopped`;
  const exits = result.exits_requested;
  if (exits === 0) return `Nothing was open; ${strategies}`;
  return `Squared off: ${exits} ${exits === 1 ? 'position' : 'positions'} being closed at market, ${strategies}`;
}
