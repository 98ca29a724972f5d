import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import { queryKeys } from '../api/queryKeys';
import type { Exchange } from '../api/types';
import { useServices } from '../services';

/** How long typing must pause before a search goes out. */
export const SEARCH_DEBOUNCE_MS = 300;
/** The server's limit on a query's length. */
export const MAX_SEARCH_CHARS = 40;
/** Last prices move: a page of matches is asked for again after this long. */
const SEARCH_STALE_MS = 30_000;

/** `value`, once it has stayed the same for `delayMs`. */
export function useDebouncedValue<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/**
 * The broker's tradable equities matching what the user typed, with their last prices: one
 * request per pause in typing, none for an empty (or over-long) query. `typing` is true while a
 * newer text waits for its pause.
 */
export function useInstrumentSearch(text: string, exchange: Exchange = 'NSE') {
  const { api } = useServices();
  const wanted = text.trim().toUpperCase();
  const q = useDebouncedValue(wanted, SEARCH_DEBOUNCE_MS);
  const enabled = q.length > 0 && q.length <= MAX_SEARCH_CHARS;
  const query = useQuery({
    queryKey: queryKeys.instrumentSearch(exchange, q),
    queryFn: () => api.searchInstruments({ q, exchange }),
    enabled,
    staleTime: SEARCH_STALE_MS,
    // The last page stays listed while the next one loads, so the list does not flicker.
    placeholderData: keepPreviousData,
  });
  return { ...query, q, enabled, typing: wanted !== q };
}
