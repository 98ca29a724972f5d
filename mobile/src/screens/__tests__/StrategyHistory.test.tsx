/**
 * The control screen's P&L chart and day-by-day history: the days from `GET
 * /strategy/{id}/days` over the legs from `GET /strategy/{id}/orders`.
 */
import { act, screen, within } from '@testing-library/react-native';

import type { StrategyDay } from '../../api/types';
import { FakeApi, ok } from '../../test/fakeApi';
import { order, STRATEGY_ID, strategy, strategyDay, strategyStatus } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const route = { name: 'strategyControl', strategyId: STRATEGY_ID } as const;
const ORDERS = `/strategy/${STRATEGY_ID}/orders`;
const DAYS = `/strategy/${STRATEGY_ID}/days`;

function strategyDays(days: StrategyDay[], total: string, totalPaise: number) {
  return ok({
    strategy_id: STRATEGY_ID,
    from: '2026-10-27',
    to: '2026-11-25',
    days,
    total_pnl_paise: totalPaise,
    total_pnl: total,
  });
}

function backend(): FakeApi {
  return new FakeApi()
    .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy()))
    .on('GET', `/strategy/status/${STRATEGY_ID}`, ok(strategyStatus({ status: 'running', position: 'sold' })))
    .on('GET', ORDERS, ok({ orders: [] }))
    .on('GET', DAYS, strategyDays([], '0.00', 0));
}

/** 24 Nov: bought 10 at 3501.20 at 09:30, the stop-loss sold them at 3490.00 at 11:02. */
const buy = order({
  order_id: 'buy-24',
  event: 'BUY',
  quantity: 10,
  average_price: '3501.20',
  scheduled_for: '2026-11-24T04:00:00Z',
  placed_at: '2026-11-24T04:00:00.042Z',
  latency_ms: 42,
});
const stopLoss = order({
  order_id: 'stop-24',
  event: 'STOPLOSS',
  quantity: 10,
  average_price: '3490.00',
  scheduled_for: '2026-11-24T05:32:10Z',
  placed_at: '2026-11-24T05:32:10.007Z',
  latency_ms: 7,
});
const stoppedDay = strategyDay({
  trading_date: '2026-11-24',
  bought_quantity: 10,
  buy_average_price: '3501.20',
  sold_quantity: 10,
  sell_average_price: '3490.00',
  realised_pnl_paise: -11200,
  realised_pnl: '-112.00',
  open_quantity: 0,
});

describe('StrategyControlScreen: P&L chart and day-by-day history', () => {
  it("shows each day's P&L over its legs: quantity, fill price, how late each went out, the broker's words", async () => {
    const rejected = order({
      order_id: 'buy-25',
      event: 'BUY',
      status: 'REJECTED',
      average_price: null,
      scheduled_for: '2026-11-25T04:00:00Z',
      placed_at: '2026-11-25T04:00:00.130Z',
      latency_ms: 130,
      message: 'RMS: margin exceeded',
    });
    const api = backend()
      // Newest first, as the API sends them.
      .on('GET', ORDERS, ok({ orders: [rejected, stopLoss, buy] }))
      .on('GET', DAYS, strategyDays([stoppedDay], '-112.00', -11200));
    renderApp(api, { route });

    const day = await screen.findByTestId('history-day-2026-11-24');
    expect(within(day).getByTestId('pnl-day-2026-11-24')).toHaveTextContent(
      /24 Nov 2026.*-₹112\.00.*Bought 10 @ ₹3501\.20 · Sold 10 @ ₹3490\.00/s,
    );
    // The buy first, then its exit: the day reads in the order it happened.
    const legs = within(day).getAllByTestId(/^history-leg-[^-]+-24$/);
    expect(legs.map((leg) => leg.props.testID)).toEqual(['history-leg-buy-24', 'history-leg-stop-24']);
    expect(legs[0]).toHaveTextContent(
      /^Buy 10 @ ₹3501\.20 · COMPLETE.*Placed 24 Nov, 09:30:00 IST, 42 ms late$/s,
    );
    expect(legs[1]).toHaveTextContent(
      /^Stop-loss exit 10 @ ₹3490\.00 · COMPLETE.*Placed 24 Nov, 11:02:10 IST, 7 ms late$/s,
    );

    // Today's buy was refused: no fill, so no P&L, but its leg and the broker's reason show.
    const today = screen.getByTestId('history-day-2026-11-25');
    expect(within(today).queryByTestId('pnl-day-2026-11-25')).toBeNull();
    expect(today).toHaveTextContent(/25 Nov 2026.*No fill/s);
    expect(within(today).getByTestId('history-leg-buy-25')).toHaveTextContent(
      /Buy 10 · REJECTED.*Placed 09:30:00 IST, 130 ms late.*Broker: RMS: margin exceeded/s,
    );

    // Newest day first.
    expect(screen.getAllByTestId(/^history-day-/).map((d) => d.props.testID)).toEqual([
      'history-day-2026-11-25',
      'history-day-2026-11-24',
    ]);
  });

  it('marks a short day and reads it sold short, then bought back', async () => {
    // 24 Nov: sold 10 short at 3500.00 at 09:30; the stop-loss bought 4 back at 3520.00, the timed
    // exit the other 6 at 3480.50.
    const shortSale = order({
      order_id: 'entry-24',
      event: 'BUY',
      quantity: 10,
      average_price: '3500.00',
      scheduled_for: '2026-11-24T04:00:00Z',
      placed_at: '2026-11-24T04:00:00.042Z',
      latency_ms: 42,
    });
    const stopped = order({
      order_id: 'stop-24',
      event: 'STOPLOSS',
      quantity: 4,
      average_price: '3520.00',
      scheduled_for: '2026-11-24T05:32:10Z',
      placed_at: '2026-11-24T05:32:10.007Z',
      latency_ms: 7,
    });
    const buyBack = order({
      order_id: 'exit-24',
      event: 'SELL',
      quantity: 6,
      average_price: '3480.50',
      scheduled_for: '2026-11-24T09:40:00Z',
      placed_at: '2026-11-24T09:40:00.010Z',
      latency_ms: 10,
    });
    const shortDay = strategyDay({
      trading_date: '2026-11-24',
      direction: 'SHORT',
      bought_quantity: 10,
      buy_average_price: '3496.30',
      sold_quantity: 10,
      sell_average_price: '3500.00',
      realised_pnl_paise: 3700,
      realised_pnl: '37.00',
      open_quantity: 0,
    });
    const api = backend()
      .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy({ direction: 'SHORT' })))
      .on('GET', ORDERS, ok({ orders: [buyBack, stopped, shortSale] }))
      .on('GET', DAYS, strategyDays([shortDay], '37.00', 3700));
    renderApp(api, { route });

    const day = await screen.findByTestId('history-day-2026-11-24');
    expect(within(day).getByTestId('pnl-day-2026-11-24-direction')).toHaveTextContent('Short');
    expect(within(day).getByTestId('pnl-day-2026-11-24-fills')).toHaveTextContent(
      'Sold short 10 @ ₹3500.00 · Bought back 10 @ ₹3496.30',
    );
    expect(within(day).getByTestId('history-leg-entry-24')).toHaveTextContent(
      /^Short sale 10 @ ₹3500\.00 · COMPLETE/,
    );
    expect(within(day).getByTestId('history-leg-stop-24')).toHaveTextContent(
      /^Stop-loss exit 4 @ ₹3520\.00 · COMPLETE/,
    );
    expect(within(day).getByTestId('history-leg-exit-24')).toHaveTextContent(
      /^Buy back 6 @ ₹3480\.50 · COMPLETE/,
    );
  });

  it("says a short day's open quantity as still short", async () => {
    const api = backend()
      .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy({ direction: 'SHORT' })))
      .on(
        'GET',
        DAYS,
        strategyDays(
          [
            strategyDay({
              trading_date: '2026-11-25',
              direction: 'SHORT',
              bought_quantity: 0,
              buy_average_price: null,
              sold_quantity: 10,
              sell_average_price: '3500.00',
              realised_pnl_paise: 0,
              realised_pnl: '0.00',
              open_quantity: 10,
            }),
          ],
          '0.00',
          0,
        ),
      );
    renderApp(api, { route });

    const day = await screen.findByTestId('pnl-day-2026-11-25');
    expect(day).toHaveTextContent(/Sold short 10 @ ₹3500\.00.*Still short: 10/s);
    expect(day).not.toHaveTextContent(/Bought|Still open/);
  });

  it('reads each day by the direction it traded in: a long day of a strategy now short stays long', async () => {
    const api = backend()
      .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy({ direction: 'SHORT' })))
      .on('GET', ORDERS, ok({ orders: [stopLoss, buy] }))
      .on('GET', DAYS, strategyDays([stoppedDay], '-112.00', -11200));
    renderApp(api, { route });

    const day = await screen.findByTestId('history-day-2026-11-24');
    expect(within(day).queryByTestId('pnl-day-2026-11-24-direction')).toBeNull();
    expect(within(day).getByTestId('pnl-day-2026-11-24-fills')).toHaveTextContent(
      'Bought 10 @ ₹3501.20 · Sold 10 @ ₹3490.00',
    );
    expect(within(day).getByTestId('history-leg-buy-24')).toHaveTextContent(/^Buy 10 @ ₹3501\.20/);
  });

  it('names an exit the target fired "Target exit"', async () => {
    const targetExit = order({
      order_id: 'target-24',
      event: 'TARGET',
      quantity: 10,
      average_price: '3526.70',
      scheduled_for: '2026-11-24T06:15:00Z',
      placed_at: '2026-11-24T06:15:00.011Z',
      latency_ms: 11,
    });
    const api = backend()
      .on('GET', ORDERS, ok({ orders: [targetExit, buy] }))
      .on(
        'GET',
        DAYS,
        strategyDays(
          [
            strategyDay({
              trading_date: '2026-11-24',
              bought_quantity: 10,
              buy_average_price: '3501.20',
              sold_quantity: 10,
              sell_average_price: '3526.70',
              realised_pnl_paise: 25500,
              realised_pnl: '255.00',
              open_quantity: 0,
            }),
          ],
          '255.00',
          25500,
        ),
      );
    renderApp(api, { route });

    expect(await screen.findByTestId('history-leg-target-24')).toHaveTextContent(
      /^Target exit 10 @ ₹3526\.70 · COMPLETE.*Placed 24 Nov, 11:45:00 IST, 11 ms late$/s,
    );
  });

  it('draws the days as a chart and says what it shows', async () => {
    const api = backend().on(
      'GET',
      DAYS,
      strategyDays(
        [
          strategyDay({ trading_date: '2026-11-23', realised_pnl_paise: 11250, realised_pnl: '112.50' }),
          stoppedDay,
        ],
        '0.50',
        50,
      ),
    );
    renderApp(api, { route });

    expect(await screen.findByTestId('control-pnl-chart-summary')).toHaveTextContent(
      '2 trading days, 23 Nov 2026 to 24 Nov 2026: 1 up, 1 down. ' +
        'Best 23 Nov 2026 +₹112.50, worst 24 Nov 2026 -₹112.00. Total +₹0.50.',
    );
    expect(screen.getByTestId('control-pnl-chart-bar-2026-11-23')).toHaveTextContent('+₹112.50');
    expect(screen.getByTestId('control-pnl-chart-bar-2026-11-24')).toHaveTextContent('-₹112.00');
  });

  it("leaves out legs older than the P&L's 30 days and days without any order", async () => {
    const old = order({ order_id: 'buy-old', scheduled_for: '2026-10-20T04:00:00Z' });
    const api = backend()
      .on('GET', ORDERS, ok({ orders: [stopLoss, buy, old] }))
      .on('GET', DAYS, strategyDays([stoppedDay], '-112.00', -11200));
    renderApp(api, { route });

    await screen.findByTestId('history-leg-stop-24');
    expect(screen.getAllByTestId(/^history-day-/)).toHaveLength(1);
    expect(screen.queryByTestId('history-leg-buy-old')).toBeNull();
    // The flat order log below still lists everything.
    expect(screen.getByTestId('order-buy-old')).toBeOnTheScreen();
  });

  it('shows no history when nothing was traded or ordered', async () => {
    renderApp(backend(), { route });
    expect(await screen.findByText('No trades in the last 30 days.')).toBeOnTheScreen();
    expect(screen.queryByText('Day by day')).toBeNull();
    expect(screen.queryByTestId('control-pnl-chart')).toBeNull();
  });

  describe('while the order log is polled', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    it('fetches the P&L again when a leg fills, and only then', async () => {
      const boughtDay = strategyDay({
        trading_date: '2026-11-25',
        sold_quantity: 0,
        sell_average_price: null,
        realised_pnl_paise: 0,
        realised_pnl: '0.00',
        open_quantity: 10,
      });
      const exitDay = strategyDay({ trading_date: '2026-11-25' });
      const todaysBuy = order({ order_id: 'buy-today' });
      const todaysSell = order({
        order_id: 'sell-today',
        event: 'SELL',
        average_price: '3512.45',
        scheduled_for: '2026-11-25T04:30:00Z',
        placed_at: '2026-11-25T04:30:00.010Z',
        latency_ms: 10,
      });
      const api = backend()
        .sequence('GET', ORDERS, [
          ok({ orders: [todaysBuy] }),
          ok({ orders: [todaysBuy] }),
          ok({ orders: [todaysSell, todaysBuy] }),
        ])
        .sequence('GET', DAYS, [
          strategyDays([boughtDay], '0.00', 0),
          strategyDays([exitDay], '112.50', 11250),
        ]);
      renderApp(api, { route });

      expect(await screen.findByTestId('pnl-day-2026-11-25')).toHaveTextContent(/Still open: 10/);
      expect(api.count('GET', DAYS)).toBe(1);

      // The next poll answers the same: nothing to fetch again.
      await act(() => jest.advanceTimersByTimeAsync(5_000));
      expect(api.count('GET', ORDERS)).toBe(2);
      expect(api.count('GET', DAYS)).toBe(1);

      // The sell filled: the day's P&L follows.
      await act(() => jest.advanceTimersByTimeAsync(5_000));
      expect(api.count('GET', ORDERS)).toBe(3);
      expect(api.count('GET', DAYS)).toBe(2);
      expect(screen.getByTestId('pnl-day-2026-11-25-realised')).toHaveTextContent('+₹112.50');
      expect(screen.getByTestId('pnl-day-2026-11-25')).not.toHaveTextContent(/Still open/);
      expect(screen.getByTestId('history-leg-sell-today')).toHaveTextContent(
        /Sell 10 @ ₹3512\.45 · COMPLETE/,
      );
    });
  });
});

describe('StrategyControlScreen: paper days', () => {
  // 23 Nov traded for real (+₹112.50); then the strategy was made paper: 24 Nov made ₹50.00 and
  // 25 Nov lost ₹12.25, simulated. The server's total adds all three (₹150.25), each with its sign.
  const realDay = strategyDay({
    trading_date: '2026-11-23',
    realised_pnl_paise: 11250,
    realised_pnl: '+112.50',
  });
  const paperWin = strategyDay({
    trading_date: '2026-11-24',
    paper: true,
    realised_pnl_paise: 5000,
    realised_pnl: '+50.00',
  });
  const paperLoss = strategyDay({
    trading_date: '2026-11-25',
    paper: true,
    realised_pnl_paise: -1225,
    realised_pnl: '-12.25',
  });
  const realBuy = order({
    order_id: 'buy-23',
    broker_order_id: '231123000000001',
    scheduled_for: '2026-11-23T04:00:00Z',
    placed_at: '2026-11-23T04:00:00.040Z',
    latency_ms: 40,
  });
  const paperBuy = order({
    order_id: 'buy-24',
    broker_order_id: 'PAPER-0b7d7c52-buy-24',
    scheduled_for: '2026-11-24T04:00:00Z',
    placed_at: '2026-11-24T04:00:00.040Z',
    latency_ms: 40,
  });

  function paperBackend(days: StrategyDay[], total: string, totalPaise: number): FakeApi {
    return backend()
      .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy({ paper: true })))
      .on('GET', ORDERS, ok({ orders: [paperBuy, realBuy] }))
      .on('GET', DAYS, strategyDays(days, total, totalPaise));
  }

  it('marks each paper day and says it is not in the real total; a real day has no mark', async () => {
    renderApp(paperBackend([realDay, paperWin, paperLoss], '+150.25', 15025), { route });

    const paper = await screen.findByTestId('pnl-day-2026-11-24');
    expect(within(paper).getByTestId('pnl-day-2026-11-24-paper')).toHaveTextContent('Paper');
    expect(within(paper).getByTestId('pnl-day-2026-11-24-paper-note')).toHaveTextContent(
      'Simulated: not real money, not in the real total.',
    );
    expect(within(paper).getByTestId('pnl-day-2026-11-24-realised')).toHaveTextContent('+₹50.00');
    expect(screen.getByTestId('pnl-day-2026-11-25-paper')).toHaveTextContent('Paper');

    const real = screen.getByTestId('pnl-day-2026-11-23');
    expect(within(real).queryByText('Paper')).toBeNull();
    expect(within(real).queryByTestId('pnl-day-2026-11-23-paper-note')).toBeNull();
    expect(within(real).getByTestId('pnl-day-2026-11-23-realised')).toHaveTextContent('+₹112.50');

    // The legs say what they were by their order ids: the real one before the switch is not paper.
    expect(screen.getByTestId('history-leg-buy-24-paper')).toHaveTextContent('Paper');
    expect(screen.getByTestId('history-leg-buy-23')).toHaveTextContent(/^Buy 10 @ ₹3501\.20 · COMPLETE/);
    expect(screen.queryByTestId('history-leg-buy-23-paper')).toBeNull();
  });

  it('totals real money apart from the simulated result, each with its own chart', async () => {
    renderApp(paperBackend([realDay, paperWin, paperLoss], '+150.25', 15025), { route });

    const total = await screen.findByTestId('control-pnl-total');
    expect(total).toHaveTextContent('Real money, last 30 days+₹112.50');
    expect(total).not.toHaveTextContent(/150\.25/);
    expect(screen.getByTestId('control-pnl-paper')).toHaveTextContent(
      'Paper (simulated), last 30 days+₹37.75Simulated fills, not real money: not in the total.',
    );
    expect(screen.getByTestId('control-pnl-chart-summary')).toHaveTextContent(
      '1 trading day, 23 Nov 2026: +₹112.50.',
    );
    expect(screen.getByTestId('control-pnl-paper-chart-summary')).toHaveTextContent(
      '2 trading days, 24 Nov 2026 to 25 Nov 2026: 1 up, 1 down. ' +
        'Best 24 Nov 2026 +₹50.00, worst 25 Nov 2026 -₹12.25. Total +₹37.75.',
    );
    expect(
      screen.getByRole('image', { name: /^Paper P&L by day \(simulated\)\. 2 trading days/ }),
    ).toBeOnTheScreen();
  });

  it('shows a strategy that only ever traded on paper with ₹0.00 real and no real chart', async () => {
    renderApp(paperBackend([paperWin], '+50.00', 5000), { route });

    expect(await screen.findByTestId('control-pnl-total-value')).toHaveTextContent('₹0.00');
    expect(screen.getByTestId('control-pnl-paper-value')).toHaveTextContent('+₹50.00');
    expect(screen.queryByTestId('control-pnl-chart')).toBeNull();
    expect(screen.getByTestId('control-pnl-paper-chart-summary')).toHaveTextContent(
      '1 trading day, 24 Nov 2026: +₹50.00.',
    );
  });

  it('shows a strategy with no paper day as before: the total as the server says it, nothing paper', async () => {
    renderApp(backend().on('GET', DAYS, strategyDays([realDay], '+112.50', 11250)), { route });

    expect(await screen.findByTestId('control-pnl-total')).toHaveTextContent(
      'Realised, last 30 days+₹112.50',
    );
    expect(screen.queryByTestId('control-pnl-paper')).toBeNull();
    expect(screen.queryByTestId('control-pnl-paper-chart')).toBeNull();
    expect(screen.queryByTestId('pnl-day-2026-11-23-paper')).toBeNull();
  });
});
