import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { queryKeys } from '../api/queryKeys';
import type { ConnectBrokerRequest, SaveKeysRequest } from '../api/types';
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

/** How often the connection is checked while a Kite login is under way in the browser. */
export const LOGIN_POLL_MS = 2_000;

/** The broker status, checked every [LOGIN_POLL_MS] while `waiting` (a login in the browser). */
export function useBrokerStatusWhile(waiting: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.brokerStatus,
    queryFn: () => api.brokerStatus(),
    refetchInterval: waiting ? LOGIN_POLL_MS : false,
  });
}

/**
 * "Log in to Kite": saves the app's keys first when they are given, then opens Kite's login
 * page for this user; the server's callback saves the session and the status turns connected.
 */
export function useKiteLogin() {
  const { api, openUrl } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (keys: SaveKeysRequest | null) => {
      if (keys) await api.saveKeys(keys);
      const { login_url } = await api.loginUrl();
      await openUrl(login_url);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.brokerStatus }),
  });
}
