import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { queryKeys } from '../api/queryKeys';
import type { ConnectBrokerRequest } from '../api/types';
import { useServices } from '../services';

export function useBrokerStatus() {
  const { api } = useServices();
  return useQuery({ queryKey: queryKeys.brokerStatus, queryFn: () => api.brokerStatus() });
}

export function useConnectBroker() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (keys: ConnectBrokerRequest) => api.connectBroker(keys),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.brokerStatus }),
  });
}

export function useDisconnectBroker() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.disconnectBroker(),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.brokerStatus }),
  });
}
