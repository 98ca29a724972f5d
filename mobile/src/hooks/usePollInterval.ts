import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';

import { useIsFocused } from '../navigation/Navigator';
import { useAppActive } from './useAppActive';

export const POLL_INTERVAL_MS = 5_000;

/**
 * A `refetchInterval` for TanStack Query: every 5 s while this screen is the one shown and the
 * app is in the foreground, `false` (no polling at all) otherwise. When polling resumes, the
 * query is fetched at once rather than showing what was true before the pause.
 */
export function usePollInterval(queryKey: QueryKey): number | false {
  const focused = useIsFocused();
  const active = useAppActive();
  const polling = focused && active;
  const queryClient = useQueryClient();
  const wasPolling = useRef(polling);

  useEffect(() => {
    if (polling && !wasPolling.current) {
      void queryClient.refetchQueries({ queryKey, exact: true });
    }
    wasPolling.current = polling;
  }, [polling, queryClient, queryKey]);

  return polling ? POLL_INTERVAL_MS : false;
}
