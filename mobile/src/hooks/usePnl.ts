import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';

import { queryKeys } from '../api/queryKeys';
import type { Order } from '../api/types';
import { lastIstDays } from '../domain/time';
import { useServices } from '../services';
import { PNL_DAYS } from './useStrategies';

/**
 * The account's realised P&L per day over the last [PNL_DAYS] IST days (`GET /pnl`), fetched
 * only while `enabled` (the section is open), so the strategies list costs no extra request.
 */
export function useAccountPnl(enabled: boolean) {
  const { api, now } = useServices();
  const range = lastIstDays(now(), PNL_DAYS);
  return useQuery({
    queryKey: queryKeys.pnl(range.from, range.to),
    queryFn: () => api.pnl(range),
    enabled,
  });
}

/** What in an order log changes the P&L: a leg appearing, or its status or fill price. */
function fillsOf(orders: readonly Order[]): string {
  return orders.map((o) => `${o.order_id}:${o.status}:${o.average_price ?? ''}`).join(',');
}

/**
 * Keeps the P&L in step with the polled order log: when a leg appears or its status or fill
 * price changes (a buy filled, a stop-loss exit), the strategy's days and the account's P&L are
 * fetched again. Polling the days as well would cost a request every 5 s that nearly always
 * answers the same.
 */
export function useRefreshPnlOnFills(strategyId: string, orders: readonly Order[] | undefined) {
  const queryClient = useQueryClient();
  const seen = useRef<string | null>(null);
  const fills = orders ? fillsOf(orders) : null;
  useEffect(() => {
    if (fills === null) return;
    if (seen.current !== null && seen.current !== fills) {
      void queryClient.invalidateQueries({ queryKey: queryKeys.strategyDaysAll(strategyId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.pnlAll });
    }
    seen.current = fills;
  }, [fills, queryClient, strategyId]);
}
