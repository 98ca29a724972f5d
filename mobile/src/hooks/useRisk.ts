import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { queryKeys } from '../api/queryKeys';
import { useServices } from '../services';
import { usePollInterval } from './usePollInterval';

/**
 * The daily loss limit and today's P&L against it, polled every 5 s while the screen is shown
 * and the app is in the foreground: the P&L moves with prices, and the server may hit the limit
 * (and stop everything) at any moment.
 */
export function useRisk() {
  const { api } = useServices();
  const refetchInterval = usePollInterval(queryKeys.risk);
  return useQuery({
    queryKey: queryKeys.risk,
    queryFn: () => api.risk(),
    refetchInterval,
    refetchIntervalInBackground: false,
  });
}

/** Sets the limit (rupees as typed), or removes it with `null`; the server's answer is shown. */
export function useSaveRisk() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (limit: string | null) => api.saveRisk(limit),
    onSuccess: (saved) => queryClient.setQueryData(queryKeys.risk, saved),
  });
}
