import { QueryClient } from '@tanstack/react-query';

import { isApiError } from './errors';

/**
 * Retries only what may succeed on a second try (network, timeouts, 5xx), never a 4xx: a wrong
 * password or an invalid strategy does not get better by repeating it.
 */
export function createQueryClient(options: { retry?: boolean } = {}): QueryClient {
  const retryEnabled = options.retry ?? true;
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failureCount, error) =>
          retryEnabled && failureCount < 2 && (!isApiError(error) || error.isTransient),
        staleTime: 2_000,
      },
      mutations: { retry: false },
    },
  });
}
