/**
 * The create screen's helpers in a browser, against the real backend with the simulated broker:
 * register, log in to the simulated Kite, open the create screen, type a few letters of a
 * symbol, see the broker's matches with their last prices, pick one, give the stop-loss as a %
 * below the last price and see the price it makes (on the 5-paise tick, below the last price).
 * The screenshot `create-symbol-search-pct-stop.png` goes to e2e/screenshots/.
 * Run with `API_URL=http://127.0.0.1:8080 npm run e2e`.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { parsePercent, stopBelow } from '../src/domain/stopLoss';
import { formatPaise, parseRupees } from '../src/domain/validateStrategy';

const API_URL = process.env.API_URL ?? 'http://127.0.0.1:8080';
const SCREENSHOTS = join(__dirname, 'screenshots');
const PRICE = /₹(\d+\.\d{2})/;

// Tall enough for the whole form in one screenshot (the screen scrolls inside the page).
test.use({ viewport: { width: 430, height: 1400 } });

test.beforeAll(async ({ request }) => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const health = await request.get(`${API_URL}/health`).catch((error: unknown) => {
    throw new Error(`the backend is not reachable at API_URL=${API_URL}: ${String(error)}`);
  });
  expect(health.ok(), `GET ${API_URL}/health answered ${health.status()}`).toBe(true);
});

/** A fresh user, signed up in the app, with the simulated Kite logged in through its page. */
async function signUpAndLogInToKite(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('signin-screen')).toBeVisible();
  await page.getByTestId('signin-switch-mode').click();
  const email = `e2e-create-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill('correct horse battery staple');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('strategies-screen')).toBeVisible();

  await page.getByTestId('strategies-broker').click();
  await expect(page.getByTestId('broker-screen')).toBeVisible();
  await page.getByTestId('broker-api-key').fill('sim_key');
  await page.getByTestId('broker-secret-key').fill('sim_secret');
  const kiteTab = page.context().waitForEvent('page');
  await page.getByTestId('broker-login').click();
  const kite = await kiteTab;
  await kite.getByRole('button', { name: 'Log in', exact: true }).click();
  await expect(kite.getByRole('heading', { name: 'Connected to Kite' })).toBeVisible();
  await kite.close();
  await expect(page.getByTestId('broker-status')).toHaveText(/^Connected/, { timeout: 15_000 });
  await page.getByTestId('broker-screen-back').click();
}

/** Paise from the first `₹1234.56` in `text`, through the app's own parser. */
function paiseIn(text: string): number {
  const rupees = PRICE.exec(text)?.[1];
  const parsed = rupees === undefined ? null : parseRupees(rupees);
  if (!parsed?.ok) throw new Error(`no price in ${JSON.stringify(text)}`);
  return parsed.paise;
}

test('the create screen finds a symbol with its last price and turns a % stop into a price', async ({
  page,
}) => {
  await signUpAndLogInToKite(page);
  await page.getByTestId('strategies-new').click();
  await expect(page.getByTestId('create-screen')).toBeVisible();

  // A few letters: the TATA symbols first, then TCS by its name, each with a last price.
  await page.getByTestId('create-symbol').pressSequentially('tat', { delay: 60 });
  const matches = page.getByTestId('create-symbol-matches');
  await expect(matches).toBeVisible();
  const tcs = page.getByTestId('create-symbol-option-TCS');
  await expect(page.getByTestId('create-symbol-option-TATASTEEL')).toContainText(PRICE);
  await expect(tcs).toContainText('TATA CONSULTANCY SERV');
  await expect(tcs).toContainText(PRICE);
  const symbols = await matches
    .locator('[data-testid^="create-symbol-option-"]')
    .evaluateAll((rows) =>
      rows.map((row) => row.getAttribute('data-testid')?.replace('create-symbol-option-', '')),
    );
  expect(symbols.at(-1)).toBe('TCS');
  expect(symbols.slice(0, -1).every((symbol) => symbol?.startsWith('TATA'))).toBe(true);
  await page.screenshot({ path: join(SCREENSHOTS, 'create-symbol-search.png'), fullPage: true });

  // Pick TCS: the field takes the symbol, the list closes, the last price stays shown.
  await tcs.click();
  await expect(page.getByTestId('create-symbol')).toHaveValue('TCS');
  await expect(matches).toBeHidden();
  const selected = page.getByTestId('create-symbol-selected');
  await expect(selected).toContainText('TATA CONSULTANCY SERV · NSE · last price ₹');
  const lastPaise = paiseIn((await selected.textContent()) ?? '');

  // A stop 2.5% below the last price: the price shown is the app's own arithmetic, on the tick.
  await page.getByRole('radio', { name: '% below last price' }).click();
  await page.getByTestId('create-stop-loss-pct').fill('2.5');
  const percent = parsePercent('2.5');
  const stop = percent.ok ? stopBelow(lastPaise, percent.hundredths, 5) : null;
  if (!stop?.ok) throw new Error(`no stop below ${lastPaise} paise`);
  expect(stop.paise % 5).toBe(0);
  expect(stop.paise).toBeLessThan(lastPaise);
  await expect(page.getByTestId('create-stop-loss-computed')).toHaveText(
    `Stop-loss at ₹${formatPaise(stop.paise)}, 2.5% below the last price ₹${formatPaise(lastPaise)}.`,
  );

  // The times from the pickers, inside the session and the sell after the buy.
  await page.getByTestId('create-buy-time-minute-up').click();
  await page.getByTestId('create-sell-time-hour-up').click();
  await expect(page.getByTestId('create-buy-time')).toHaveValue(/^\d{2}:\d{2}:00$/);
  await expect(page.getByTestId('create-sell-time')).toHaveValue(/^\d{2}:\d{2}:00$/);
  await page.getByTestId('create-quantity').fill('1');
  await page.screenshot({ path: join(SCREENSHOTS, 'create-symbol-search-pct-stop.png'), fullPage: true });
});
