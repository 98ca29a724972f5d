/**
 * The app's long-lived objects (API client, session, config), handed to hooks through context
 * so tests can build their own with a memory token store and a fake clock.
 */
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, type ReactNode } from 'react';

import { ApiClient } from './api/client';
import { createQueryClient } from './api/queryClient';
import { Session } from './auth/session';
import { createPlatformTokenStorage, type TokenStorage } from './auth/tokenStorage';
import { configFromEnv, type AppConfig } from './config';

export interface Services {
  api: ApiClient;
  session: Session;
  config: AppConfig;
  queryClient: QueryClient;
  /** Milliseconds since the epoch; a function so tests can pin "now". */
  now: () => number;
}

export function createServices(
  overrides: {
    config?: AppConfig;
    storage?: TokenStorage;
    queryClient?: QueryClient;
    now?: () => number;
  } = {},
): Services {
  const config = overrides.config ?? configFromEnv();
  const session = new Session(overrides.storage ?? createPlatformTokenStorage());
  return {
    api: new ApiClient({ baseUrl: config.apiUrl, session }),
    session,
    config,
    queryClient: overrides.queryClient ?? createQueryClient(),
    now: overrides.now ?? Date.now,
  };
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return (
    <ServicesContext.Provider value={services}>
      <QueryClientProvider client={services.queryClient}>{children}</QueryClientProvider>
    </ServicesContext.Provider>
  );
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices must be used inside <ServicesProvider>');
  return services;
}
