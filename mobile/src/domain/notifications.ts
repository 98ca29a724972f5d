import type { Notification } from '../api/types';

/**
 * The strategy a notification is about, if any: the server's `strategy_id`, or the one in
 * `data` (where older rows carried it). Anything but a string in `data` counts as none.
 */
export function strategyOf(notification: Notification): string | null {
  if (notification.strategy_id) return notification.strategy_id;
  const fromData = notification.data.strategy_id;
  return typeof fromData === 'string' && fromData !== '' ? fromData : null;
}
