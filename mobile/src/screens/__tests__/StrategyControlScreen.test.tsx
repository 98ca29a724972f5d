import { act, fireEvent, screen, within } from '@testing-library/react-native';

import { apiError, deferred, FakeApi, ok } from '../../test/fakeApi';
import { setAppState } from '../../test/appState';
import type { StrategyDay } from '../../api/types';
import { colors } from '../../components/theme';
import { connected, order, STRATEGY_ID, strategy, strategyDay, strategyStatus } from '../../test/fixtures';
import { findEnabledButton, renderApp } from '../../test/renderApp';

const route = { name: 'strategyControl', strategyId: STRATEGY_ID } as const;
const STATUS = `/strategy/status/${STRATEGY_ID}`;
const ORDERS = `/strategy/${STRATEGY_ID}/orders`;
const DAYS = `/strategy/${STRATEGY_ID}/days`;

/** `GET /strategy/{id}/days` for the test clock's last 30 IST days. */
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

function backend(status = strategyStatus()): FakeApi {
  return new FakeApi()
    .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy()))
    .on('GET', STATUS, ok(status))
    .on('GET', ORDERS, ok({ orders: [] }))
    .on('GET', DAYS, strategyDays([], '0.00', 0));
}

const running = strategyStatus({
  status: 'running',
  position: 'bought',
  last_price: '3501.20',
  stop_in_force: '3520.00',
  last_action: { event: 'BUY', status: 'COMPLETE', at: '2026-11-25T04:00:01Z' },
  next_action: { event: 'SELL', at: '2026-11-25T09:40:00Z' },
});

/** Moves fake time on, letting every fetch it starts finish. */
async function advance(ms: number) {
  await act(() => jest.advanceTimersByTimeAsync(ms));
}

describe('StrategyControlScreen', () => {
  it('shows progress, then the status with times in IST and the order log', async () => {
    const status = deferred();
    const api = backend()
      .on('GET', STATUS, status.handler)
      .on(
        'GET',
        ORDERS,
        ok({
          orders: [
            order(),
            order({
              order_id: 'o2',
              event: 'SELL',
              status: 'REJECTED',
              average_price: null,
              placed_at: null,
              latency_ms: null,
              message: 'RMS: margin exceeded',
              scheduled_for: '2026-11-26T04:00:00Z',
            }),
          ],
        }),
      );
    renderApp(api, { route });

    expect(await screen.findByText('Loading status…')).toBeOnTheScreen();
    status.resolve(ok(running));

    expect(await screen.findByTestId('control-status')).toHaveTextContent('running');
    expect(screen.getByTestId('control-position')).toHaveTextContent('bought');
    expect(screen.getByTestId('control-last-price')).toHaveTextContent('₹3501.20');
    // The trailing stop above the fixed one, where the watcher exits now.
    expect(screen.getByTestId('control-stop-in-force')).toHaveTextContent('₹3520.00');
    // 09:40 UTC is 15:10 IST, whatever the device's zone.
    expect(screen.getByTestId('control-next-action')).toHaveTextContent('SELL at 15:10:00 IST');
    expect(screen.getByTestId('control-last-action')).toHaveTextContent('BUY COMPLETE at 09:30:01 IST');
    expect(
      screen.getByText('Buy 10 TCS (NSE, MIS) at 09:30:00, sell at 15:10:00 IST, stop-loss ₹3500.05.'),
    ).toBeOnTheScreen();

    expect(screen.getByTestId('order-a1a1a1a1-0000-4000-8000-000000000001')).toHaveTextContent(
      /BUY · COMPLETE.*10 @ ₹3501.20 · placed 09:30:00 IST · 120 ms/s,
    );
    expect(screen.getByTestId('order-o2')).toHaveTextContent(
      /SELL · REJECTED.*scheduled 26 Nov, 09:30:00 IST.*RMS: margin exceeded/s,
    );
  });

  it.each([
    ['25.50', '10.00', 'Target +₹25.50 · Trailing ₹10.00'],
    ['1.5%', '1%', 'Target 1.5% · Trailing 1%'],
    ['0.05%', null, 'Target 0.05%'],
    [null, '2%', 'Trailing 2%'],
  ])('shows a target %j and a trailing stop %j under the plan', async (target, trailing_stop, words) => {
    const api = backend().on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy({ target, trailing_stop })));
    renderApp(api, { route });
    expect(await screen.findByTestId('control-exits')).toHaveTextContent(words);
    expect(screen.getByTestId('control-plan')).toHaveTextContent(/stop-loss ₹3500\.05\.$/);
  });

  it('shows no exits line for a strategy with neither', async () => {
    renderApp(backend(), { route });
    expect(await screen.findByTestId('control-plan')).toBeOnTheScreen();
    expect(screen.queryByTestId('control-exits')).toBeNull();
  });

  it('shows no stop in force with nothing open', async () => {
    renderApp(backend(), { route });
    expect(await screen.findByTestId('control-status')).toHaveTextContent('created');
    expect(screen.queryByTestId('control-stop-in-force')).toBeNull();
  });

  it('says when a stop-loss order rests at the exchange', async () => {
    renderApp(backend({ ...running, resting_stop_order: '261202000000002' }), { route });
    expect(await screen.findByTestId('control-resting-stop')).toHaveTextContent('stop-loss order resting');
    expect(screen.getByText('At the exchange')).toBeOnTheScreen();
  });

  it('says nothing rests at the exchange when no order does', async () => {
    renderApp(backend(running), { route });
    expect(await screen.findByTestId('control-status')).toHaveTextContent('running');
    expect(screen.queryByTestId('control-resting-stop')).toBeNull();
  });

  it('offers Edit only while the strategy is not running', async () => {
    renderApp(backend(running), { route });
    expect(await screen.findByTestId('control-status')).toHaveTextContent('running');
    expect(screen.getByRole('button', { name: 'Edit' })).toBeDisabled();
  });

  it('starts the strategy and shows it running', async () => {
    const api = backend()
      .sequence('GET', STATUS, [ok(strategyStatus()), ok(strategyStatus({ status: 'running' }))])
      .on('POST', '/strategy/start', ok({ strategy_id: STRATEGY_ID, status: 'running' }));
    renderApp(api, { route });

    fireEvent.press(await findEnabledButton('Start'));

    expect(await screen.findByText('running')).toBeOnTheScreen();
    expect(api.last('POST', '/strategy/start')?.body).toEqual({ strategy_id: STRATEGY_ID });
    expect(screen.getByRole('button', { name: 'Start' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Stop' })).toBeEnabled();
  });

  it.each([
    [apiError(409, 'BROKER_NOT_CONNECTED'), 'Connect your broker before starting a strategy.', true],
    [
      apiError(424, 'BROKER_AUTH_FAILED'),
      'Your broker rejected the keys — re-enter your access token (Kite tokens expire every morning).',
      true,
    ],
    [
      apiError(409, 'STRATEGY_OVERLAP'),
      'You already have a strategy on this symbol at overlapping times. Change the times, or delete the other strategy.',
      false,
    ],
    [apiError(502, 'BROKER_UNAVAILABLE'), "Your broker didn't answer. Try again in a moment.", false],
  ])('shows a start failure %# in words', async (reply, words, offersBroker) => {
    const api = backend().on('POST', '/strategy/start', reply).on('GET', '/broker/status', ok(connected));
    renderApp(api, { route });

    fireEvent.press(await findEnabledButton('Start'));

    expect(await screen.findByRole('alert')).toHaveTextContent(words);
    const connect = screen.queryByRole('button', { name: 'Connect broker' });
    if (offersBroker) {
      fireEvent.press(connect!);
      expect(await screen.findByLabelText('Access token')).toBeOnTheScreen();
      expect(await screen.findByText(/^Connected as/)).toBeOnTheScreen();
    } else {
      expect(connect).toBeNull();
    }
  });

  it('asks whether to sell an open position before stopping, and sends the answer', async () => {
    const api = backend(running).on(
      'POST',
      '/strategy/stop',
      ok({ strategy_id: STRATEGY_ID, status: 'stopped' }),
    );
    renderApp(api, { route });

    fireEvent.press(await findEnabledButton('Stop'));
    const question = screen.getByTestId('control-stop-question');
    expect(within(question).getByText('You have an open position (bought). Sell it now?')).toBeOnTheScreen();

    fireEvent.press(within(question).getByRole('button', { name: 'Stop and sell the position' }));
    await screen.findByRole('button', { name: 'Stop' });
    expect(api.last('POST', '/strategy/stop')?.body).toEqual({
      strategy_id: STRATEGY_ID,
      exit_position: true,
    });

    fireEvent.press(screen.getByRole('button', { name: 'Stop' }));
    fireEvent.press(screen.getByRole('button', { name: 'Stop and keep the position' }));
    await screen.findByRole('button', { name: 'Stop' });
    expect(api.last('POST', '/strategy/stop')?.body).toEqual({
      strategy_id: STRATEGY_ID,
      exit_position: false,
    });

    fireEvent.press(screen.getByRole('button', { name: 'Stop' }));
    fireEvent.press(screen.getByRole('button', { name: "Don't stop" }));
    expect(screen.queryByTestId('control-stop-question')).toBeNull();
    expect(api.count('POST', '/strategy/stop')).toBe(2);
  });

  it('stops at once when there is no open position', async () => {
    const api = backend(strategyStatus({ status: 'running', position: 'none' })).on(
      'POST',
      '/strategy/stop',
      ok({ strategy_id: STRATEGY_ID, status: 'stopped' }),
    );
    renderApp(api, { route });
    fireEvent.press(await findEnabledButton('Stop'));
    expect(screen.queryByTestId('control-stop-question')).toBeNull();
    await screen.findByRole('button', { name: 'Stop' });
    expect(api.last('POST', '/strategy/stop')?.body).toEqual({
      strategy_id: STRATEGY_ID,
      exit_position: false,
    });
  });

  it('shows a strategy that no longer exists in words', async () => {
    renderApp(
      backend()
        .on('GET', STATUS, apiError(404, 'NOT_FOUND'))
        .on('GET', ORDERS, apiError(404, 'NOT_FOUND'))
        .on('GET', `/strategy/${STRATEGY_ID}`, apiError(404, 'NOT_FOUND')),
      { route },
    );
    expect(await screen.findByTestId('control-status-error')).toHaveTextContent(
      "That strategy doesn't exist any more.",
    );
  });

  describe('a short-first strategy', () => {
    const short = strategy({ direction: 'SHORT', stop_loss: '3520.00', target: '25.50' });
    const openShort = strategyStatus({
      status: 'running',
      position: 'bought',
      last_price: '3498.00',
      stop_in_force: '3510.00',
      last_action: { event: 'BUY', status: 'COMPLETE', at: '2026-11-25T04:00:01Z' },
      next_action: { event: 'SELL', at: '2026-11-25T09:40:00Z' },
    });

    function shortBackend(status = openShort): FakeApi {
      return backend(status).on('GET', `/strategy/${STRATEGY_ID}`, ok(short));
    }

    it('is marked, and its plan, position, actions and orders read as a short', async () => {
      const api = shortBackend().on(
        'GET',
        ORDERS,
        ok({ orders: [order({ order_id: 'entry', event: 'BUY', average_price: '3500.00' })] }),
      );
      renderApp(api, { route });

      expect(await screen.findByTestId('control-direction')).toHaveTextContent('Short');
      expect(screen.getByTestId('control-plan')).toHaveTextContent(
        'Sell 10 TCS short (NSE, MIS) at 09:30:00, buy back at 15:10:00 IST, stop-loss ₹3520.00.',
      );
      expect(screen.getByTestId('control-exits')).toHaveTextContent('Target -₹25.50');
      expect(await screen.findByTestId('control-position')).toHaveTextContent('Sold short (open)');
      expect(screen.getByTestId('control-next-action')).toHaveTextContent('Buy back at 15:10:00 IST');
      expect(screen.getByTestId('control-last-action')).toHaveTextContent(
        'Short sale COMPLETE at 09:30:01 IST',
      );
      expect(await screen.findByTestId('order-entry')).toHaveTextContent(/^Short sale · COMPLETE/);
    });

    it('says the entry still to come as a sale, and a closed short as bought back', async () => {
      const waiting = strategyStatus({
        status: 'running',
        position: 'none',
        next_action: { event: 'BUY', at: '2026-11-25T04:00:00Z' },
      });
      renderApp(shortBackend(waiting), { route });
      expect(await screen.findByTestId('control-next-action')).toHaveTextContent('Sell at 09:30:00 IST');
      screen.unmount();

      renderApp(shortBackend(strategyStatus({ status: 'stopped', position: 'sold' })), { route });
      expect(await screen.findByTestId('control-position')).toHaveTextContent('Bought back');
    });

    it('asks whether to buy back an open short before stopping, and sends the answer', async () => {
      const api = shortBackend().on(
        'POST',
        '/strategy/stop',
        ok({ strategy_id: STRATEGY_ID, status: 'stopped' }),
      );
      renderApp(api, { route });

      fireEvent.press(await findEnabledButton('Stop'));
      const question = screen.getByTestId('control-stop-question');
      expect(
        within(question).getByText('You have an open position (Sold short (open)). Buy it back now?'),
      ).toBeOnTheScreen();
      expect(within(question).queryByRole('button', { name: 'Stop and sell the position' })).toBeNull();
      fireEvent.press(within(question).getByRole('button', { name: 'Stop and buy back the position' }));
      await screen.findByRole('button', { name: 'Stop' });
      expect(api.last('POST', '/strategy/stop')?.body).toEqual({
        strategy_id: STRATEGY_ID,
        exit_position: true,
      });
    });

    it('waits for the strategy before showing the status, so a short never reads as a long', async () => {
      const loaded = deferred();
      renderApp(shortBackend().on('GET', `/strategy/${STRATEGY_ID}`, loaded.handler), { route });

      expect(await screen.findByText('Loading status…')).toBeOnTheScreen();
      expect(screen.queryByTestId('control-position')).toBeNull();
      loaded.resolve(ok(short));
      expect(await screen.findByTestId('control-position')).toHaveTextContent('Sold short (open)');
    });

    it('shows a long with no mark', async () => {
      renderApp(backend(running), { route });
      expect(await screen.findByTestId('control-position')).toHaveTextContent('bought');
      expect(screen.queryByTestId('control-direction')).toBeNull();
      expect(screen.queryByText('Short')).toBeNull();
    });
  });

  describe('a paper strategy', () => {
    const paperStatus = strategyStatus({ ...running, paper: true });

    function paperBackend(status = paperStatus): FakeApi {
      return backend(status).on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy({ paper: true })));
    }

    it('is marked, and says that its fills are simulated and nothing reaches the broker', async () => {
      renderApp(paperBackend(), { route });

      expect(await screen.findByTestId('control-paper')).toHaveTextContent('Paper');
      expect(screen.getByTestId('control-paper-notice')).toHaveTextContent(
        'Paper trading: simulated fills, nothing is placed at your broker.',
      );
      // Otherwise it reads as any strategy does.
      expect(await screen.findByTestId('control-position')).toHaveTextContent('bought');
      expect(screen.getByTestId('control-plan')).toHaveTextContent(
        'Buy 10 TCS (NSE, MIS) at 09:30:00, sell at 15:10:00 IST, stop-loss ₹3500.05.',
      );
    });

    it('marks its legs in the order log: a PAPER- id, and a leg not yet placed', async () => {
      const api = paperBackend().on(
        'GET',
        ORDERS,
        ok({
          orders: [
            order({
              order_id: 'exit',
              event: 'SELL',
              status: 'SENDING',
              broker_order_id: null,
              average_price: null,
              placed_at: null,
              latency_ms: null,
              scheduled_for: '2026-11-25T09:40:00Z',
            }),
            order({ order_id: 'entry', broker_order_id: 'PAPER-0b7d7c52-entry' }),
          ],
        }),
      );
      renderApp(api, { route });

      const entry = await screen.findByTestId('order-entry');
      expect(within(entry).getByTestId('order-entry-paper')).toHaveTextContent('Paper');
      expect(entry).toHaveTextContent(/^BUY · COMPLETEPaper10 @ ₹3501\.20/);
      expect(screen.getByTestId('order-exit-paper')).toHaveTextContent('Paper');
    });

    it('leaves a real leg unmarked even now that the strategy is paper', async () => {
      const api = paperBackend().on('GET', ORDERS, ok({ orders: [order({ order_id: 'before' })] }));
      renderApp(api, { route });
      expect(await screen.findByTestId('order-before')).toHaveTextContent(/^BUY · COMPLETE10 @/);
      expect(screen.queryByTestId('order-before-paper')).toBeNull();
    });

    it('follows the status: a strategy made paper shows the notice from its status', async () => {
      renderApp(backend(paperStatus), { route });
      expect(await screen.findByTestId('control-paper-notice')).toBeOnTheScreen();
    });

    it('shows a real strategy and its legs with no mark and no notice', async () => {
      renderApp(backend(running).on('GET', ORDERS, ok({ orders: [order({ order_id: 'real' })] })), { route });
      expect(await screen.findByTestId('order-real')).toBeOnTheScreen();
      expect(await screen.findByTestId('control-position')).toHaveTextContent('bought');
      expect(screen.queryByTestId('control-paper')).toBeNull();
      expect(screen.queryByTestId('control-paper-notice')).toBeNull();
      expect(screen.queryByTestId('order-real-paper')).toBeNull();
      expect(screen.queryByText('Paper')).toBeNull();
    });
  });

  describe('P&L', () => {
    it('shows each of the last 30 days, newest first, and the total, as the API spells the money', async () => {
      const api = backend().on(
        'GET',
        DAYS,
        strategyDays(
          [
            strategyDay({ trading_date: '2026-11-23' }),
            strategyDay({
              trading_date: '2026-11-24',
              buy_average_price: '3512.45',
              sold_quantity: 5,
              sell_average_price: '3510.00',
              realised_pnl_paise: -1225,
              realised_pnl: '-12.25',
              open_quantity: 5,
            }),
            strategyDay({
              trading_date: '2026-11-25',
              bought_quantity: 10,
              sold_quantity: 0,
              sell_average_price: null,
              realised_pnl_paise: 0,
              realised_pnl: '0.00',
              open_quantity: 10,
            }),
          ],
          '100.25',
          10025,
        ),
      );
      renderApp(api, { route });

      const total = await screen.findByTestId('control-pnl-total');
      expect(total).toHaveTextContent('Realised, last 30 days+₹100.25');
      expect(api.last('GET', DAYS)?.query).toEqual({ from: '2026-10-27', to: '2026-11-25' });

      const days = screen.getAllByTestId(/^pnl-day-\d{4}-\d{2}-\d{2}$/);
      expect(days.map((day) => day.props.testID)).toEqual([
        'pnl-day-2026-11-25',
        'pnl-day-2026-11-24',
        'pnl-day-2026-11-23',
      ]);
      expect(days[2]).toHaveTextContent(
        /23 Nov 2026.*\+₹112\.50.*Bought 10 @ ₹3501\.20 · Sold 10 @ ₹3512\.45$/s,
      );
      expect(days[1]).toHaveTextContent(
        /24 Nov 2026.*-₹12\.25.*Bought 10 @ ₹3512\.45 · Sold 5 @ ₹3510\.00.*Still open: 5/s,
      );
      expect(days[0]).toHaveTextContent(/25 Nov 2026.*₹0\.00.*Bought 10 @ ₹3501\.20.*Still open: 10/s);
      expect(days[0]).not.toHaveTextContent(/Sold/);
      expect(days[2]).not.toHaveTextContent(/Still open/);
    });

    it('colours realised P&L by its sign', async () => {
      const api = backend().on(
        'GET',
        DAYS,
        strategyDays(
          [
            strategyDay({ trading_date: '2026-11-23', realised_pnl_paise: 11250, realised_pnl: '112.50' }),
            strategyDay({ trading_date: '2026-11-24', realised_pnl_paise: -1225, realised_pnl: '-12.25' }),
            strategyDay({ trading_date: '2026-11-25', realised_pnl_paise: 0, realised_pnl: '0.00' }),
          ],
          '-0.05',
          -5,
        ),
      );
      renderApp(api, { route });

      expect(await screen.findByTestId('control-pnl-total-value')).toHaveStyle({ color: colors.danger });
      expect(screen.getByTestId('control-pnl-total-value')).toHaveTextContent('-₹0.05');
      expect(screen.getByTestId('pnl-day-2026-11-23-realised')).toHaveStyle({ color: colors.success });
      expect(screen.getByTestId('pnl-day-2026-11-24-realised')).toHaveStyle({ color: colors.danger });
      expect(screen.getByTestId('pnl-day-2026-11-25-realised')).toHaveStyle({ color: colors.text });
    });

    it('says so when the strategy has not traded in the last 30 days', async () => {
      renderApp(backend(), { route });
      expect(await screen.findByText('No trades in the last 30 days.')).toBeOnTheScreen();
      expect(screen.queryByTestId('control-pnl-total')).toBeNull();
    });

    it('shows a failure in words and tries again on request', async () => {
      const api = backend().sequence('GET', DAYS, [
        apiError(503, 'DB_DOWN'),
        strategyDays([strategyDay()], '112.50', 11250),
      ]);
      renderApp(api, { route });

      expect(await screen.findByTestId('control-pnl-error')).toHaveTextContent(
        'The service is having trouble right now. Try again in a few minutes.',
      );
      fireEvent.press(screen.getByRole('button', { name: 'Try again' }));
      expect(await screen.findByTestId('control-pnl-total')).toHaveTextContent(/\+₹112\.50/);
      expect(screen.queryByTestId('control-pnl-error')).toBeNull();
    });
  });

  describe('polling', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    it('polls every 5 s while shown, pauses in the background and resumes in the foreground', async () => {
      const api = backend(running);
      renderApp(api, { route });
      await screen.findByText('Live: updates every 5 seconds.');
      await screen.findByTestId('control-status');
      expect(api.count('GET', STATUS)).toBe(1);
      expect(api.count('GET', ORDERS)).toBe(1);

      await advance(5_000);
      expect(api.count('GET', STATUS)).toBe(2);
      expect(api.count('GET', ORDERS)).toBe(2);
      await advance(5_000);
      expect(api.count('GET', STATUS)).toBe(3);

      setAppState('background');
      expect(screen.getByText('Updates paused.')).toBeOnTheScreen();
      await advance(60_000);
      expect(api.count('GET', STATUS)).toBe(3);
      expect(api.count('GET', ORDERS)).toBe(3);

      setAppState('active');
      await advance(0);
      // Back in the foreground: fetched at once, then every 5 s again.
      expect(api.count('GET', STATUS)).toBe(4);
      await advance(5_000);
      expect(api.count('GET', STATUS)).toBe(5);
      expect(screen.getByText('Live: updates every 5 seconds.')).toBeOnTheScreen();
    });

    it('shows the newest status each poll', async () => {
      const api = backend().sequence('GET', STATUS, [
        ok(strategyStatus({ status: 'running', position: 'none' })),
        ok(strategyStatus({ status: 'running', position: 'buying' })),
        ok(strategyStatus({ status: 'running', position: 'bought' })),
      ]);
      renderApp(api, { route });
      expect(await screen.findByTestId('control-position')).toHaveTextContent('none');
      await advance(5_000);
      expect(screen.getByTestId('control-position')).toHaveTextContent('buying');
      await advance(5_000);
      expect(screen.getByTestId('control-position')).toHaveTextContent('bought');
    });

    it('stops polling while another screen covers it, and when it is left', async () => {
      const api = backend()
        .on('GET', '/strategies', ok({ strategies: [strategy()] }))
        .on('GET', '/broker/status', ok(connected))
        .on('POST', '/strategy/start', apiError(409, 'BROKER_NOT_CONNECTED'));
      renderApp(api);
      fireEvent.press(await screen.findByRole('button', { name: /^TCS/ }));
      await screen.findByTestId('control-status');
      await advance(5_000);
      expect(api.count('GET', STATUS)).toBe(2);

      // Covered by the broker screen: no polling.
      fireEvent.press(screen.getByRole('button', { name: 'Start' }));
      fireEvent.press(await screen.findByRole('button', { name: 'Connect broker' }));
      await screen.findByLabelText('Access token');
      await advance(30_000);
      expect(api.count('GET', STATUS)).toBe(2);

      // Shown again: fetched at once, then every 5 s.
      fireEvent.press(screen.getByRole('button', { name: 'Back' }));
      await advance(0);
      expect(api.count('GET', STATUS)).toBe(3);
      await advance(5_000);
      expect(api.count('GET', STATUS)).toBe(4);

      // Left for the list: the screen is gone and so is its polling.
      fireEvent.press(screen.getByRole('button', { name: 'Back' }));
      await screen.findByRole('button', { name: /^TCS/ });
      await advance(30_000);
      expect(api.count('GET', STATUS)).toBe(4);
    });
  });
});
