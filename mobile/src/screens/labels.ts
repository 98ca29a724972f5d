/** How wire values read on screen. */
import type { Position, StrategyStatusValue } from '../api/types';

export const STATUS_LABEL: Record<StrategyStatusValue, string> = {
  created: 'created',
  running: 'running',
  stopped: 'stopped',
  failed: 'failed',
};

export const POSITION_LABEL: Record<Position, string> = {
  none: 'none',
  buying: 'buying',
  bought: 'bought',
  selling: 'selling',
  sold: 'sold',
  failed: 'failed',
};

export function rupees(text: string | null | undefined): string {
  return text ? `₹${text}` : '—';
}
