import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';

import { queryKeys } from '../api/queryKeys';
import type { StrategyRequest } from '../api/types';
import { lastIstDays } from '../domain/time';
import { useIsFocused } from '../navigation/Navigator';
import { useServices } from '../services';
import { usePollInterval } from './usePollInterval';

/** The user's strategies, newest first; fetched again whenever the list comes back into view. */
export function useStrategies() {
  const { api } = useServices();
  const query = useQuery({ queryKey: queryKeys.strategies, queryFn: () => api.listStrategies() });
  const focused = useIsFocused();
  const wasFocused = useRef(focused);
  const { refetch } = query;
  useEffect(() => {
    if (focused && !wasFocused.current) void refetch();
    wasFocused.current = focused;
  }, [focused, refetch]);
  return query;
}

export function useStrategy(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: queryKeys.strategy(id), queryFn: () => api.getStrategy(id) });
}

/** Live status, polled every 5 s while the screen is shown and the app is in the foreground. */
export function useStrategyStatus(id: string) {
  const { api } = useServices();
  const refetchInterval = usePollInterval(queryKeys.strategyStatus(id));
  return useQuery({
    queryKey: queryKeys.strategyStatus(id),
    queryFn: () => api.strategyStatus(id),
    refetchInterval,
    refetchIntervalInBackground: false,
  });
}

/** The order log, polled with the status. */
export function useStrategyOrders(id: string) {
  const { api } = useServices();
  const refetchInterval = usePollInterval(queryKeys.strategyOrders(id));
  return useQuery({
    queryKey: queryKeys.strategyOrders(id),
    queryFn: () => api.strategyOrders(id),
    refetchInterval,
    refetchIntervalInBackground: false,
  });
}

/** How many days of P&L the control screen shows, today included. */
export const PNL_DAYS = 30;

/** The strategy's fills and realised P&L per day over the last [PNL_DAYS] IST days. */
export function useStrategyDays(id: string) {
  const { api, now } = useServices();
  const range = lastIstDays(now(), PNL_DAYS);
  return useQuery({
    queryKey: queryKeys.strategyDays(id, range.from, range.to),
    queryFn: () => api.strategyDays(id, range),
  });
}

export function useCreateStrategy() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: StrategyRequest) => api.createStrategy(request),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.strategies }),
  });
}

/** Saves a strategy's new plan (`PUT /strategy/{id}`, refused while it runs). */
export function useUpdateStrategy(id: string) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: StrategyRequest) => api.updateStrategy(id, request),
    onSuccess: (saved) => {
      queryClient.setQueryData(queryKeys.strategy(id), saved);
      return queryClient.invalidateQueries({ queryKey: queryKeys.strategies });
    },
  });
}

function useInvalidateStrategy() {
  const queryClient = useQueryClient();
  return (id: string) =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.strategy(id) }),
      queryClient.invalidateQueries({ queryKey: queryKeys.strategies }),
    ]);
}

export function useStartStrategy(id: string) {
  const { api } = useServices();
  const invalidate = useInvalidateStrategy();
  return useMutation({
    mutationFn: () => api.startStrategy(id),
    onSuccess: () => invalidate(id),
  });
}

export function useStopStrategy(id: string) {
  const { api } = useServices();
  const invalidate = useInvalidateStrategy();
  return useMutation({
    mutationFn: (exitPosition: boolean) => api.stopStrategy({ strategy_id: id, exit_position: exitPosition }),
    onSuccess: () => invalidate(id),
  });
}

/**
 * "Square off all": stops every strategy and queues the exit of every open position, then
 * fetches the list and every strategy's status again, since all of them changed.
 */
export function useSquareOffAll() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.squareOffAll(),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.strategies }),
        queryClient.invalidateQueries({ queryKey: queryKeys.everyStrategy }),
      ]),
  });
}
