import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { queryKeys } from '../api/queryKeys';
import { useServices } from '../services';

/** How often the link is checked while the trader is in Telegram sending the code. */
export const TELEGRAM_POLL_MS = 2_000;

/** Whether a chat is linked; checked every [TELEGRAM_POLL_MS] while `waiting` for one. */
export function useTelegramStatus(waiting: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.telegram,
    queryFn: () => api.telegramStatus(),
    refetchInterval: waiting ? TELEGRAM_POLL_MS : false,
  });
}

/** A one-time code (and the bot's link) for linking a chat. */
export function useLinkTelegram() {
  const { api } = useServices();
  return useMutation({ mutationFn: () => api.linkTelegram() });
}

/** No more messages to the linked chat; the answer is the new status. */
export function useUnlinkTelegram() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.unlinkTelegram(),
    onSuccess: (status) => queryClient.setQueryData(queryKeys.telegram, status),
  });
}
