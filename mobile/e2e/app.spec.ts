/**
 * The whole trader's path in a browser, against the real backend with the simulated broker:
 * register, save the Kite app's keys, tap "Log in to Kite", log in on the simulator's Kite page
 * (a new tab), come back connected, create a strategy that buys a few seconds from now, start
 * it, and wait for the position to read "bought". A screenshot of each screen goes to
 * e2e/screenshots/. Run with `API_URL=http://127.0.0.1:8080 npm run e2e`.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { istTimeOfDay } from '../src/domain/time';

const API_URL = process.env.API_URL ?? 'http://127.0.0.1:8080';
const SCREENSHOTS = join(__dirname, 'screenshots');
/** Time for the test to fill the form and press Start before the buy is due. */
const BUY_LEAD_MS = 20_000;
const SELL_AFTER_BUY_MS = 60_000;

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

function istSecondsOfDay(epochMs: number): number {
  const [h, m, s] = istTimeOfDay(epochMs).split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
}

test.beforeAll(async ({ request }) => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const health = await request.get(`${API_URL}/health`).catch((error: unknown) => {
    throw new Error(`the backend is not reachable at API_URL=${API_URL}: ${String(error)}`);
  });
  expect(health.ok(), `GET ${API_URL}/health answered ${health.status()}`).toBe(true);
});

test('a trader registers, logs in to Kite, creates and starts a strategy, and sees it buy', async ({
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });

  // Sign-in screen, switched to registering a fresh user.
  await page.goto('/');
  await expect(page.getByTestId('signin-screen')).toBeVisible();
  await screenshot(page, '01-sign-in');
  await page.getByTestId('signin-switch-mode').click();
  const email = `e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill('correct horse battery staple');
  await screenshot(page, '02-register');
  await page.getByTestId('signin-submit').click();

  // Strategies: empty for a new user.
  await expect(page.getByTestId('strategies-screen')).toBeVisible();
  await expect(page.getByTestId('strategies-empty')).toBeVisible();
  await screenshot(page, '03-strategies-empty');

  // Save the simulated Kite app's keys and log in on Kite's (simulated) page, in a new tab.
  await page.getByTestId('strategies-broker').click();
  await expect(page.getByTestId('broker-screen')).toBeVisible();
  await expect(page.getByTestId('broker-status')).toHaveText(/^Not connected/);
  await page.getByTestId('broker-api-key').fill('sim_key');
  await page.getByTestId('broker-secret-key').fill('sim_secret');
  const kiteTab = page.context().waitForEvent('page');
  await page.getByTestId('broker-login').click();
  const kite = await kiteTab;
  await expect(kite.getByRole('heading', { name: 'Log in to Kite' })).toBeVisible();
  await kite.screenshot({ path: join(SCREENSHOTS, '04-kite-login.png'), fullPage: true });
  await kite.getByRole('button', { name: 'Log in', exact: true }).click();
  await expect(kite.getByRole('heading', { name: 'Connected to Kite' })).toBeVisible();
  await kite.screenshot({ path: join(SCREENSHOTS, '05-kite-connected.png'), fullPage: true });
  await kite.close();
  // Back in the app, the status turns connected by itself.
  await expect(page.getByTestId('broker-status')).toHaveText(/^Connected/, { timeout: 15_000 });
  await screenshot(page, '06-broker-connected');
  await page.getByTestId('broker-screen-back').click();

  // Create a strategy that buys shortly and sells a minute later (times in IST).
  await page.getByTestId('strategies-new').click();
  await expect(page.getByTestId('create-screen')).toBeVisible();
  // Both times must fall on the same IST day: near midnight, wait for the new day.
  const window = BUY_LEAD_MS + SELL_AFTER_BUY_MS + 10_000;
  const untilMidnight = (86_400 - istSecondsOfDay(Date.now())) * 1000;
  if (untilMidnight < window) await page.waitForTimeout(untilMidnight + 2_000);
  const buyAt = Date.now() + BUY_LEAD_MS;
  const buyTime = istTimeOfDay(buyAt);
  const sellTime = istTimeOfDay(buyAt + SELL_AFTER_BUY_MS);
  await page.getByTestId('create-symbol').fill('TCS');
  await page.getByTestId('create-buy-time').fill(buyTime);
  await page.getByTestId('create-sell-time').fill(sellTime);
  await page.getByTestId('create-stop-loss').fill('1.00');
  await page.getByTestId('create-quantity').fill('1');
  await screenshot(page, '07-create-strategy');
  await page.getByTestId('create-submit').click();

  // Its controls: start it and watch it buy.
  await expect(page.getByTestId('control-screen')).toBeVisible();
  await expect(page.getByTestId('control-status')).toHaveText('created');
  await expect(page.getByTestId('control-plan')).toContainText(`at ${buyTime}, sell at ${sellTime} IST`);
  await page.getByTestId('control-start').click();
  await expect(page.getByTestId('control-status')).toHaveText('running');
  await expect(page.getByTestId('control-next-action')).toHaveText(/^BUY at \d{2}:\d{2}:\d{2} IST$/);
  await screenshot(page, '08-strategy-running');
  await expect(page.getByTestId('control-position')).toHaveText('bought', {
    timeout: BUY_LEAD_MS + 60_000,
  });
  await expect(page.getByTestId('control-orders-empty')).toBeHidden();
  await screenshot(page, '09-strategy-bought');

  // Back on the list, the strategy shows its position.
  await page.getByTestId('control-screen-back').click();
  await expect(page.getByTestId('strategies-screen')).toBeVisible();
  await expect(page.getByText('Position: bought')).toBeVisible();
  await screenshot(page, '10-strategies');

  // Failed requests (a 401 before a silent refresh, say) also log here: report, don't fail.
  if (consoleErrors.length > 0) {
    await test
      .info()
      .attach('browser-console-errors', { body: consoleErrors.join('\n'), contentType: 'text/plain' });
  }
});
