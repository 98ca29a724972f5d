import { QueryClient } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react-native';

import { AppContent } from '../App';
import { createMemoryTokenStorage } from '../auth/tokenStorage';
import type { AppConfig } from '../config';
import type { Route } from '../navigation/Navigator';
import { createServices, ServicesProvider, type Services } from '../services';
import { FakeApi, TEST_API_URL } from './fakeApi';
import { USER_ID } from './fixtures';

/** 2026-11-25 09:00:00 IST. */
export const NOW = Date.parse('2026-11-25T03:30:00Z');

export interface RenderAppOptions {
  signedIn?: boolean;
  route?: Route;
  config?: Partial<AppConfig>;
}

export interface RenderedApp {
  api: FakeApi;
  services: Services;
  /** Every page the app opened outside itself (Kite's login), in order. */
  opened: string[];
}

/**
 * Renders the whole app (auth gate and navigator) over a fake backend. Signed in by default,
 * with tokens `access-0` / `refresh-0`.
 */
export function renderApp(api: FakeApi, options: RenderAppOptions = {}): RenderedApp {
  api.install();
  const storage = createMemoryTokenStorage(
    options.signedIn === false
      ? null
      : { userId: USER_ID, accessToken: 'access-0', refreshToken: 'refresh-0' },
  );
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: { retry: false, gcTime: Infinity },
      mutations: { retry: false, gcTime: Infinity },
    },
  });
  const opened: string[] = [];
  const services = createServices({
    config: { apiUrl: TEST_API_URL, marketHours: 'nse', ...options.config },
    storage,
    queryClient,
    now: () => NOW,
    openUrl: async (url) => {
      opened.push(url);
    },
  });
  render(
    <ServicesProvider services={services}>
      <AppContent initialRoute={options.route} />
    </ServicesProvider>,
  );
  return { api, services, opened };
}

/**
 * The button named `name` once it is enabled: a screen shows some buttons before its data has
 * loaded, disabled, and a press on one then does nothing.
 */
export async function findEnabledButton(name: string | RegExp): Promise<ReturnType<typeof screen.getByRole>> {
  await waitFor(() => expect(screen.getByRole('button', { name })).toBeEnabled());
  return screen.getByRole('button', { name });
}
