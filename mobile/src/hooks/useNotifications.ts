import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { queryKeys } from '../api/queryKeys';
import type { MarkReadRequest, Preferences } from '../api/types';
import { useServices } from '../services';
import { usePollInterval } from './usePollInterval';

/** How many the screen lists; older ones stay on the server. */
export const NOTIFICATION_PAGE = 50;

/**
 * How many notifications are unread, polled every 5 s while the screen asking is shown and the
 * app is in the foreground. Asks for one unread notification only: the count comes with it.
 */
export function useUnreadCount() {
  const { api } = useServices();
  const refetchInterval = usePollInterval(queryKeys.unreadCount);
  return useQuery({
    queryKey: queryKeys.unreadCount,
    queryFn: () => api.listNotifications({ unread: true, limit: 1 }),
    select: (list) => list.unread,
    refetchInterval,
    refetchIntervalInBackground: false,
  });
}

/** The newest notifications, polled like the unread count so new ones show up while reading. */
export function useNotifications() {
  const { api } = useServices();
  const refetchInterval = usePollInterval(queryKeys.notificationList);
  return useQuery({
    queryKey: queryKeys.notificationList,
    queryFn: () => api.listNotifications({ limit: NOTIFICATION_PAGE }),
    refetchInterval,
    refetchIntervalInBackground: false,
  });
}

/** Marks some (or all) read, then fetches the list and the count again. */
export function useMarkRead() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: MarkReadRequest) => api.markNotificationsRead(request),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.notificationList }),
        queryClient.invalidateQueries({ queryKey: queryKeys.unreadCount }),
      ]),
  });
}

/** Which notifications are pushed or sent to Telegram. */
export function useNotificationPreferences() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.notificationPreferences,
    queryFn: () => api.notificationPreferences(),
  });
}

/** Saves the preferences whole; what the server answers becomes the saved state. */
export function useSaveNotificationPreferences() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (preferences: Preferences) => api.saveNotificationPreferences(preferences),
    onSuccess: (saved) => queryClient.setQueryData(queryKeys.notificationPreferences, saved),
  });
}
