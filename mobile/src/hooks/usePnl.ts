import { useQuery } from '@tanstack/react-query';

import { queryKeys } from '../api/queryKeys';
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
