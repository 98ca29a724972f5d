import { defineConfig } from '@playwright/test';

/**
 * Browser tests of the web build against a running backend (`algo dev`).
 *
 *   API_URL=http://127.0.0.1:8080 npm run e2e
 *
 * The web server step builds dist/ with that API_URL and the always-open calendar (the dev
 * server trades at any hour, and the test picks times a few seconds ahead), then serves it.
 * E2E_SKIP_BUILD=1 serves an existing dist/ as it is. The backend must allow the app's origin
 * (ALGO_CORS_ORIGINS, `*` by default in dev).
 */
const API_URL = process.env.API_URL ?? 'http://127.0.0.1:8080';
const PORT = Number(process.env.E2E_PORT ?? 4173);
const APP_URL = `http://127.0.0.1:${PORT}`;
const build = process.env.E2E_SKIP_BUILD ? '' : 'npm run build:web && ';

export default defineConfig({
  testDir: './e2e',
  testMatch: '*.spec.ts',
  outputDir: './test-results',
  timeout: 180_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: APP_URL,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 430, height: 932 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `${build}node e2e/serve.mjs`,
    url: `${APP_URL}/`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      EXPO_PUBLIC_API_URL: API_URL,
      EXPO_PUBLIC_MARKET_HOURS: 'always-open',
      E2E_PORT: String(PORT),
      CI: '1',
      EXPO_NO_TELEMETRY: '1',
    },
  },
});
