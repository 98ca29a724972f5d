/**
 * The app's long-lived objects (API client, session, config), handed to hooks through context
 * so tests can build their own with a memory token store and a fake clock.
 */
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, type ReactNode } from 'react';
import { Linking } from 'react-native';

import { ApiClient } from './api/client';
import { createQueryClient } from './api/queryClient';
import { Session } from './auth/session';
import { createPlatformTokenStorage, type TokenStorage } from './auth/tokenStorage';
import { configFromEnv, type AppConfig } from './config';
import { PushRegistration } from './push/push';

export interface Services {
  api: ApiClient;
  session: Session;
  config: AppConfig;
  queryClient: QueryClient;
  /** This phone's push token, registered for the session (`src/push/push.ts`). */
  push: PushRegistration;
  /** Milliseconds since the epoch; a function so tests can pin "now". */
  now: () => number;
  /** Opens a page outside the app (Kite's login): the system browser on a phone, a new tab on
   * the web build, so the app keeps its place (and, on the web, its in-memory session). */
  openUrl: (url: string) => Promise<void>;
}

export function createServices(
  overrides: {
    config?: AppConfig;
    storage?: TokenStorage;
    queryClient?: QueryClient;
    now?: () => number;
    openUrl?: (url: string) => Promise<void>;
  } = {},
): Services {
  const config = overrides.config ?? configFromEnv();
  const session = new Session(overrides.storage ?? createPlatformTokenStorage());
  const api = new ApiClient({ baseUrl: config.apiUrl, session });
  return {
    api,
    session,
    push: new PushRegistration(api),
    config,
    queryClient: overrides.queryClient ?? createQueryClient(),
    now: overrides.now ?? Date.now,
    openUrl: overrides.openUrl ?? ((url) => Linking.openURL(url).then(() => undefined)),
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
