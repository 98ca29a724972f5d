/**
 * A stop-loss in a browser, end to end, and what the app then shows of it: register, log in
 * to the simulated Kite, start a strategy that buys 2 TCS a few seconds from now with a
 * stop-loss at ₹100, push the simulator's price under the stop, and wait for the stop-loss
 * exit. Then the notifications (the stop-loss notice), the day's P&L and legs on the control
 * screen, and the account's P&L chart, each checked against the fills the simulator reports
 * and saved to e2e/screenshots/.
 *
 *   API_URL=http://127.0.0.1:8080 SIM_URL=http://127.0.0.1:8090 npm run e2e
 *
 * SIM_URL is the simulated exchange of that `algo dev` (`--sim-port`); without it, the API's
 * port + 1, as `start_algo_dev` in scripts/lib.sh starts it.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { formatPnl, paiseText } from '../src/domain/pnl';
import { formatCalendarDate, istDate, istTimeOfDay } from '../src/domain/time';
import { parseRupees } from '../src/domain/validateStrategy';

const API_URL = process.env.API_URL ?? 'http://127.0.0.1:8080';
const SIM_URL = process.env.SIM_URL ?? simBeside(API_URL);
const SCREENSHOTS = join(__dirname, 'screenshots');
/** Time for the test to fill the form and press Start before the buy is due. */
const BUY_LEAD_MS = 20_000;
/** Far enough out that the stop-loss, not the timed sell, closes the position. */
const SELL_AFTER_BUY_MS = 15 * 60_000;
const QUANTITY = 2;
const STOP_LOSS = '100.00';
const STOP_LOSS_PAISE = 10_000;
const START_PRICE = '3500.00';
const UNDER_THE_STOP = '50.00';

function simBeside(apiUrl: string): string {
  const url = new URL(apiUrl);
  url.port = String(Number(url.port || 80) + 1);
  return url.origin;
}

function istSecondsOfDay(epochMs: number): number {
  const [h, m, s] = istTimeOfDay(epochMs).split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
}

/** A price the simulator sends as a JSON number (`3501.2`), as integer paise. */
function paiseOf(price: unknown): number {
  if (typeof price !== 'number') throw new Error(`not a price: ${String(price)}`);
  // toFixed gives the decimal text of the simulator's two-decimal price; from there no float.
  const parsed = parseRupees(price.toFixed(2));
  if (!parsed.ok) throw new Error(`not a price: ${price}: ${parsed.error}`);
  return parsed.paise;
}

interface SimOrder {
  order_id: string;
  status: string;
  transaction_type: string;
  filled_quantity: number;
  average_price: number;
}

interface AppOrder {
  event: string;
  status: string;
  broker_order_id: string | null;
}

async function simFill(request: APIRequestContext, brokerOrderId: string): Promise<SimOrder> {
  const answer = await request.get(`${SIM_URL}/_sim/orders`);
  expect(answer.ok()).toBe(true);
  const orders = ((await answer.json()) as { data: SimOrder[] }).data;
  const found = orders.find((o) => o.order_id === brokerOrderId);
  if (!found) throw new Error(`the simulator has no order ${brokerOrderId}`);
  return found;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

test.beforeAll(async ({ request }) => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const health = await request.get(`${API_URL}/health`).catch((error: unknown) => {
    throw new Error(`the backend is not reachable at API_URL=${API_URL}: ${String(error)}`);
  });
  expect(health.ok(), `GET ${API_URL}/health answered ${health.status()}`).toBe(true);
  const sim = await request.get(`${SIM_URL}/_sim/behaviour`).catch((error: unknown) => {
    throw new Error(`the simulated exchange is not reachable at SIM_URL=${SIM_URL}: ${String(error)}`);
  });
  expect(sim.ok(), `GET ${SIM_URL}/_sim/behaviour answered ${sim.status()}: set SIM_URL`).toBe(true);
});

test('a stop-loss exit shows as a notice, as the day’s P&L the fills give, and on the chart', async ({
  page,
  request,
}) => {
  // The app keeps its tokens in memory; the test reads the latest one off its requests to ask
  // the API which broker orders the strategy placed.
  let authorization: string | undefined;
  page.on('request', (r) => {
    const header = r.headers()['authorization'];
    if (header?.startsWith('Bearer ') && r.url().startsWith(API_URL)) authorization = header;
  });

  // Register a fresh user and connect the simulated Kite, as app.spec.ts does.
  await page.goto('/');
  await page.getByTestId('signin-switch-mode').click();
  await page
    .getByTestId('signin-email')
    .fill(`e2e-pnl-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`);
  await page.getByTestId('signin-password').fill('correct horse battery staple');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('strategies-screen')).toBeVisible();
  await page.getByTestId('strategies-broker').click();
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

  // A strategy that buys shortly, with a stop-loss far under the price; both times on one IST day.
  // The simulator's walk goes on from wherever an earlier run left it: start it from ₹3,500.
  const reset = await request.post(`${SIM_URL}/_sim/price`, { data: { symbol: 'TCS', price: START_PRICE } });
  expect(reset.ok()).toBe(true);
  await page.getByTestId('strategies-new').click();
  const window = BUY_LEAD_MS + SELL_AFTER_BUY_MS + 10_000;
  const untilMidnight = (86_400 - istSecondsOfDay(Date.now())) * 1000;
  if (untilMidnight < window) await page.waitForTimeout(untilMidnight + 2_000);
  const buyAt = Date.now() + BUY_LEAD_MS;
  const today = istDate(buyAt);
  await page.getByTestId('create-symbol').fill('TCS');
  await page.getByTestId('create-buy-time').fill(istTimeOfDay(buyAt));
  await page.getByTestId('create-sell-time').fill(istTimeOfDay(buyAt + SELL_AFTER_BUY_MS));
  await page.getByTestId('create-stop-loss').fill(STOP_LOSS);
  await page.getByTestId('create-quantity').fill(String(QUANTITY));
  const created = page.waitForResponse(
    (r) => r.url() === `${API_URL}/strategy/create` && r.request().method() === 'POST',
  );
  await page.getByTestId('create-submit').click();
  const { strategy_id: strategyId } = (await (await created).json()) as { strategy_id: string };

  await expect(page.getByTestId('control-status')).toHaveText('created');
  await page.getByTestId('control-start').click();
  await expect(page.getByTestId('control-status')).toHaveText('running');
  const position = page.getByTestId('control-position');
  await expect(position).toHaveText('bought', { timeout: BUY_LEAD_MS + 60_000 });

  // Under the stop. The watcher arms a stop within seconds of the fill; until it has, a tick
  // goes unseen, so the price is set again until the position reads sold.
  await expect(async () => {
    const set = await request.post(`${SIM_URL}/_sim/price`, {
      data: { symbol: 'TCS', price: UNDER_THE_STOP },
    });
    expect(set.ok()).toBe(true);
    await expect(position).toHaveText('sold', { timeout: 6_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByTestId('control-last-action')).toHaveText(/^STOPLOSS COMPLETE at /);

  // What the broker filled, from the simulator itself.
  if (!authorization) throw new Error('the app sent no authorised request');
  const log = await request.get(`${API_URL}/strategy/${strategyId}/orders`, {
    headers: { Authorization: authorization },
  });
  expect(log.ok()).toBe(true);
  const legs = ((await log.json()) as { orders: AppOrder[] }).orders;
  const entry = legs.find((o) => o.event === 'BUY' && o.status === 'COMPLETE');
  const exit = legs.find((o) => o.event === 'STOPLOSS' && o.status === 'COMPLETE');
  if (!entry?.broker_order_id || !exit?.broker_order_id) {
    throw new Error(`no filled buy and stop-loss exit in ${JSON.stringify(legs)}`);
  }
  const bought = await simFill(request, entry.broker_order_id);
  const sold = await simFill(request, exit.broker_order_id);
  expect([bought.transaction_type, bought.status, bought.filled_quantity]).toEqual([
    'BUY',
    'COMPLETE',
    QUANTITY,
  ]);
  expect([sold.transaction_type, sold.status, sold.filled_quantity]).toEqual(['SELL', 'COMPLETE', QUANTITY]);
  const buyPaise = paiseOf(bought.average_price);
  const sellPaise = paiseOf(sold.average_price);
  expect(sellPaise).toBeLessThanOrEqual(STOP_LOSS_PAISE);
  const dayPnl = formatPnl((sellPaise - buyPaise) * QUANTITY);

  // The day on the control screen: its P&L is what the fills give, over both legs.
  const day = page.getByTestId(`history-day-${today}`);
  await expect(page.getByTestId(`pnl-day-${today}-realised`)).toHaveText(dayPnl, { timeout: 15_000 });
  await expect(page.getByTestId(`pnl-day-${today}`)).toContainText(
    `Bought ${QUANTITY} @ ₹${paiseText(buyPaise)} · Sold ${QUANTITY} @ ₹${paiseText(sellPaise)}`,
  );
  const stopLeg = day.getByTestId(/^history-leg-/).filter({ hasText: 'Stop-loss exit' });
  await expect(stopLeg).toContainText(`Stop-loss exit ${QUANTITY} @ ₹${paiseText(sellPaise)} · COMPLETE`);
  await expect(stopLeg).toContainText(/Placed \d{2}:\d{2}:\d{2} IST, -?\d+ ms (late|early)/);
  await expect(day.getByTestId(/^history-leg-/).filter({ hasText: /^Buy / })).toContainText(
    `Buy ${QUANTITY} @ ₹${paiseText(buyPaise)} · COMPLETE`,
  );
  await expect(page.getByTestId('control-pnl-chart-summary')).toHaveText(
    `1 trading day, ${formatCalendarDate(today)}: ${dayPnl}.`,
  );
  await day.scrollIntoViewIfNeeded();
  await day.screenshot({ path: join(SCREENSHOTS, 'pnl-day.png') });

  // The notifications: the stop-loss notice, with the same P&L.
  await page.getByTestId('control-stop').click();
  await expect(page.getByTestId('control-status')).toHaveText('stopped');
  await page.getByTestId('control-screen-back').click();
  await page.getByTestId('notifications-bell').click();
  const notices = page.getByTestId('notifications-screen');
  const stopNotice = notices
    .getByTestId(/^notification-[0-9a-f-]{36}$/)
    .filter({ hasText: 'Stop-loss hit on TCS' });
  await expect(stopNotice).toBeVisible();
  await expect(stopNotice).toContainText(`Sold ${QUANTITY} TCS`);
  // The server groups the digits of its amounts (₹6,899.80); the app's screens do not.
  expect((await stopNotice.textContent())?.replace(/,/g, '')).toContain(`P&L ${dayPnl}.`);
  await screenshot(page, 'notifications-after-stop-loss');

  // The account's P&L chart on the strategies list: the one day, the same amount.
  await page.getByTestId('notifications-screen-back').click();
  await page.getByTestId('account-pnl-toggle').click();
  await expect(page.getByTestId('account-pnl-total-value')).toHaveText(dayPnl);
  await expect(page.getByTestId('account-pnl-chart-summary')).toHaveText(
    `1 trading day, ${formatCalendarDate(today)}: ${dayPnl}.`,
  );
  await expect(page.getByTestId('account-pnl-chart-bars')).toHaveAttribute(
    'aria-label',
    /^Account P&L by day\./,
  );
  const chart = page.getByTestId('account-pnl');
  await chart.scrollIntoViewIfNeeded();
  await chart.screenshot({ path: join(SCREENSHOTS, 'history-chart.png') });
});
