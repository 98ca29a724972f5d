import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';

import { apiError, deferred, FakeApi, ok, serveRisk } from '../../test/fakeApi';
import { connected, notConnected, STRATEGY_ID, strategy, strategyStatus } from '../../test/fixtures';
import { findEnabledButton, renderApp } from '../../test/renderApp';

const OTHER_ID = '0b7d7c52-0000-4000-8000-0000000000bb';

describe('StrategiesScreen', () => {
  it('shows progress, then each strategy with its status and position', async () => {
    const list = deferred();
    renderApp(
      new FakeApi().on('GET', '/strategies', list.handler).on('GET', '/broker/status', ok(connected)),
    );

    expect(await screen.findByText('Loading your strategies…')).toBeOnTheScreen();
    list.resolve(
      ok({
        strategies: [
          strategy({ status: 'running', position: 'bought' }),
          strategy({
            strategy_id: OTHER_ID,
            symbol: 'INFY',
            status: 'failed',
            position: 'failed',
            failure_reason: 'order rejected: margin',
          }),
        ],
      }),
    );

    const tcs = await screen.findByRole('button', {
      name: 'TCS, 09:30:00 to 15:10:00, running, position bought',
    });
    expect(tcs).toHaveTextContent(/Position: bought/);
    expect(
      screen.getByRole('button', { name: 'INFY, 09:30:00 to 15:10:00, failed, position failed' }),
    ).toHaveTextContent(/order rejected: margin/);
    expect(screen.queryByTestId('strategies-broker-notice')).toBeNull();
  });

  it('marks a short and says its plan and position in its own words; a long has no mark', async () => {
    renderApp(
      new FakeApi()
        .on(
          'GET',
          '/strategies',
          ok({
            strategies: [
              strategy({ direction: 'SHORT', status: 'running', position: 'bought', stop_loss: '3520.00' }),
              strategy({ strategy_id: OTHER_ID, symbol: 'INFY', status: 'running', position: 'bought' }),
            ],
          }),
        )
        .on('GET', '/broker/status', ok(connected)),
    );

    const short = await screen.findByRole('button', {
      name: 'TCS, short, 09:30:00 to 15:10:00, running, position Sold short (open)',
    });
    expect(within(short).getByTestId(`strategy-item-direction-${STRATEGY_ID}`)).toHaveTextContent('Short');
    expect(within(short).getByTestId(`strategy-item-plan-${STRATEGY_ID}`)).toHaveTextContent(
      'Sell 10 short at 09:30:00, buy back at 15:10:00 IST · MIS · stop-loss ₹3520.00',
    );
    expect(within(short).getByTestId(`strategy-item-position-${STRATEGY_ID}`)).toHaveTextContent(
      'Position: Sold short (open)',
    );

    const long = screen.getByRole('button', {
      name: 'INFY, 09:30:00 to 15:10:00, running, position bought',
    });
    expect(within(long).queryByText('Short')).toBeNull();
    expect(screen.queryByTestId(`strategy-item-direction-${OTHER_ID}`)).toBeNull();
    expect(within(long).getByTestId(`strategy-item-plan-${OTHER_ID}`)).toHaveTextContent(
      'Buy 10 at 09:30:00, sell at 15:10:00 IST · MIS · stop-loss ₹3500.05',
    );
  });

  it('marks a paper strategy "Paper" in its row and its spoken name; a real one has no mark', async () => {
    renderApp(
      new FakeApi()
        .on(
          'GET',
          '/strategies',
          ok({
            strategies: [
              strategy({ paper: true, status: 'running', position: 'bought' }),
              strategy({ strategy_id: OTHER_ID, symbol: 'INFY', status: 'running', position: 'bought' }),
            ],
          }),
        )
        .on('GET', '/broker/status', ok(connected)),
    );

    const paper = await screen.findByRole('button', {
      name: 'TCS, paper, 09:30:00 to 15:10:00, running, position bought',
    });
    expect(within(paper).getByTestId(`strategy-item-paper-${STRATEGY_ID}`)).toHaveTextContent('Paper');
    expect(
      within(paper).getByLabelText('Paper: simulated fills, nothing placed at your broker'),
    ).toBeOnTheScreen();

    const real = screen.getByRole('button', { name: 'INFY, 09:30:00 to 15:10:00, running, position bought' });
    expect(within(real).queryByText('Paper')).toBeNull();
    expect(screen.queryByTestId(`strategy-item-paper-${OTHER_ID}`)).toBeNull();
  });

  it('marks a paper short with both its marks', async () => {
    renderApp(
      new FakeApi()
        .on('GET', '/strategies', ok({ strategies: [strategy({ paper: true, direction: 'SHORT' })] }))
        .on('GET', '/broker/status', ok(connected)),
    );
    const row = await screen.findByRole('button', {
      name: 'TCS, short, paper, 09:30:00 to 15:10:00, created, position none',
    });
    expect(within(row).getByTestId(`strategy-item-direction-${STRATEGY_ID}`)).toHaveTextContent('Short');
    expect(within(row).getByTestId(`strategy-item-paper-${STRATEGY_ID}`)).toHaveTextContent('Paper');
  });

  it('says beside the daily loss limit that paper strategies never count towards it, only when there is one', async () => {
    const strategies = [strategy({ paper: true }), strategy({ strategy_id: OTHER_ID })];
    const withPaper = new FakeApi()
      .on('GET', '/strategies', ok({ strategies }))
      .on('GET', '/broker/status', ok(connected));
    serveRisk(withPaper, { daily_loss_limit: '5000.00' });
    renderApp(withPaper);
    expect(await screen.findByTestId('daily-loss-limit-paper')).toHaveTextContent(
      'Paper strategies never count towards the daily loss limit.',
    );
    screen.unmount();

    const realOnly = new FakeApi()
      .on('GET', '/strategies', ok({ strategies: [strategy()] }))
      .on('GET', '/broker/status', ok(connected));
    serveRisk(realOnly, { daily_loss_limit: '5000.00' });
    renderApp(realOnly);
    await screen.findByRole('button', { name: /^TCS, 09:30:00/ });
    expect(await screen.findByTestId('daily-loss-limit-value')).toHaveTextContent('₹5000.00');
    expect(screen.queryByTestId('daily-loss-limit-paper')).toBeNull();
  });

  it('says a short that was bought back as such', async () => {
    renderApp(
      new FakeApi()
        .on('GET', '/strategies', ok({ strategies: [strategy({ direction: 'SHORT', position: 'sold' })] }))
        .on('GET', '/broker/status', ok(connected)),
    );
    expect(await screen.findByTestId(`strategy-item-position-${STRATEGY_ID}`)).toHaveTextContent(
      'Position: Bought back',
    );
  });

  it('opens a strategy when tapped, and comes back to a fresh list', async () => {
    const api = new FakeApi()
      .sequence('GET', '/strategies', [
        ok({ strategies: [strategy()] }),
        ok({ strategies: [strategy({ status: 'running', position: 'bought' })] }),
      ])
      .on('GET', '/broker/status', ok(connected))
      .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy()))
      .on(
        'GET',
        `/strategy/status/${STRATEGY_ID}`,
        ok(strategyStatus({ status: 'running', position: 'bought' })),
      )
      .on('GET', `/strategy/${STRATEGY_ID}/orders`, ok({ orders: [] }));
    renderApp(api);

    fireEvent.press(await screen.findByRole('button', { name: /^TCS, .*created/ }));
    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    expect(screen.queryByText('Strategies')).toBeNull();

    fireEvent.press(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByRole('button', { name: /^TCS, .*running, position bought/ })).toBeOnTheScreen();
  });

  it('shows a failure in words and tries again on request', async () => {
    const api = new FakeApi()
      .sequence('GET', '/strategies', [apiError(503, 'DB_DOWN'), ok({ strategies: [] })])
      .on('GET', '/broker/status', ok(connected));
    serveRisk(api);
    renderApp(api);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The service is having trouble right now. Try again in a few minutes.',
    );
    fireEvent.press(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('No strategies yet. Create one to get started.')).toBeOnTheScreen();
  });

  it('asks the user to connect the broker when it is not connected', async () => {
    renderApp(
      new FakeApi()
        .on('GET', '/strategies', ok({ strategies: [] }))
        .on('GET', '/broker/status', ok(notConnected)),
    );
    expect(await screen.findByText('Connect your broker before starting a strategy.')).toBeOnTheScreen();
    fireEvent.press(screen.getByRole('button', { name: 'Broker' }));
    expect(await screen.findByLabelText('Access token')).toBeOnTheScreen();
  });

  it('refreshes an expired session silently', async () => {
    const api = new FakeApi()
      .on('GET', '/strategies', (r) =>
        r.authorization === 'Bearer access-0'
          ? apiError(401, 'TOKEN_EXPIRED')
          : ok({ strategies: [strategy()] }),
      )
      .on('GET', '/broker/status', ok(connected))
      .on(
        'POST',
        '/auth/refresh',
        ok({ user_id: 'u', access_token: 'access-1', refresh_token: 'refresh-1', expires_in: 900 }),
      );
    renderApp(api);
    expect(await screen.findByRole('button', { name: /^TCS/ })).toBeOnTheScreen();
    expect(api.count('POST', '/auth/refresh')).toBe(1);
  });

  it('goes back to sign-in when the session cannot be refreshed', async () => {
    const api = new FakeApi()
      .on('GET', '/strategies', apiError(401, 'TOKEN_EXPIRED'))
      .on('GET', '/broker/status', apiError(401, 'TOKEN_EXPIRED'))
      .on('POST', '/auth/refresh', apiError(401, 'UNAUTHORIZED'));
    renderApp(api);
    expect(await screen.findByText('Your session has ended. Please sign in again.')).toBeOnTheScreen();
    expect(screen.getByLabelText('Email')).toBeOnTheScreen();
  });

  it('signs out, ending the session on the server', async () => {
    const { api, services } = renderApp(
      new FakeApi()
        .on('GET', '/strategies', ok({ strategies: [] }))
        .on('GET', '/broker/status', ok(connected))
        .on('POST', '/auth/logout', { status: 204 }),
    );
    fireEvent.press(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByLabelText('Email')).toBeOnTheScreen();
    expect(screen.queryByText('Your session has ended. Please sign in again.')).toBeNull();
    expect(services.session.accessToken).toBeNull();
    await waitFor(() => expect(api.count('POST', '/auth/logout')).toBe(1));
    expect(api.last('POST', '/auth/logout')?.body).toEqual({ refresh_token: 'refresh-0' });
  });

  it('signs out even when the server cannot be told', async () => {
    const { api, services } = renderApp(
      new FakeApi()
        .on('GET', '/strategies', ok({ strategies: [] }))
        .on('GET', '/broker/status', ok(connected))
        .on('POST', '/auth/logout', apiError(503, 'DB_DOWN')),
    );
    fireEvent.press(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByLabelText('Email')).toBeOnTheScreen();
    await waitFor(() => expect(api.count('POST', '/auth/logout')).toBe(1));
    expect(services.session.refreshToken).toBeNull();
    expect(screen.queryByText('Your session has ended. Please sign in again.')).toBeNull();
  });

  describe('square off all', () => {
    const QUESTION = 'Stop every strategy and sell every open position now at market?';
    const SQUARE_OFF = '/strategies/square-off';
    const running = [
      strategy({ status: 'running', position: 'bought' }),
      strategy({ strategy_id: OTHER_ID, symbol: 'INFY', status: 'running', position: 'bought' }),
    ];
    const stoppedAll = [
      strategy({ status: 'stopped', position: 'selling' }),
      strategy({ strategy_id: OTHER_ID, symbol: 'INFY', status: 'stopped', position: 'selling' }),
    ];
    const stopResults = [
      { strategy_id: STRATEGY_ID, status: 'stopped', position: 'selling', exit_requested: true },
      { strategy_id: OTHER_ID, status: 'stopped', position: 'selling', exit_requested: true },
    ];

    function backend() {
      const api = new FakeApi()
        .sequence('GET', '/strategies', [ok({ strategies: running }), ok({ strategies: stoppedAll })])
        .on('GET', '/broker/status', ok(connected));
      serveRisk(api);
      return api;
    }

    it('is not offered without a strategy', async () => {
      renderApp(
        new FakeApi()
          .on('GET', '/strategies', ok({ strategies: [] }))
          .on('GET', '/broker/status', ok(connected)),
      );
      expect(await screen.findByText('No strategies yet. Create one to get started.')).toBeOnTheScreen();
      expect(screen.queryByRole('button', { name: 'Square off all' })).toBeNull();
    });

    it('asks first, and sends nothing when the trader backs out', async () => {
      const api = backend().on('POST', SQUARE_OFF, ok({ strategies: stopResults, exits_requested: 2 }));
      renderApp(api);

      fireEvent.press(await findEnabledButton('Square off all'));
      const question = screen.getByTestId('strategies-square-off-question');
      expect(within(question).getByText(QUESTION)).toBeOnTheScreen();
      expect(api.count('POST', SQUARE_OFF)).toBe(0);

      fireEvent.press(within(question).getByRole('button', { name: "Don't square off" }));
      expect(screen.queryByText(QUESTION)).toBeNull();
      expect(await findEnabledButton('Square off all')).toBeOnTheScreen();
      expect(api.count('POST', SQUARE_OFF)).toBe(0);
      expect(screen.queryByTestId('strategies-square-off-done')).toBeNull();
    });

    it('on confirm squares off once, says how many were sold, and shows the list again', async () => {
      const answer = deferred();
      const api = backend().on('POST', SQUARE_OFF, answer.handler);
      renderApp(api);

      fireEvent.press(await findEnabledButton('Square off all'));
      fireEvent.press(screen.getByRole('button', { name: 'Stop all and sell at market' }));
      await waitFor(() => expect(api.count('POST', SQUARE_OFF)).toBe(1));
      expect(api.last('POST', SQUARE_OFF)?.body).toBeUndefined();

      // In flight: the button is busy, and pressing it neither asks again nor sends again.
      const busy = screen.getByRole('button', { name: 'Square off all' });
      expect(busy).toBeDisabled();
      fireEvent.press(busy);
      expect(screen.queryByText(QUESTION)).toBeNull();

      answer.resolve(ok({ strategies: stopResults, exits_requested: 2 }));
      expect(await screen.findByTestId('strategies-square-off-done')).toHaveTextContent(
        'Squared off: 2 positions being closed at market, 2 strategies stopped',
      );
      expect(
        screen.getByRole('button', { name: 'TCS, 09:30:00 to 15:10:00, stopped, position selling' }),
      ).toBeOnTheScreen();
      expect(
        screen.getByRole('button', { name: 'INFY, 09:30:00 to 15:10:00, stopped, position selling' }),
      ).toBeOnTheScreen();
      expect(api.count('POST', SQUARE_OFF)).toBe(1);
      expect(api.count('GET', '/strategies')).toBe(2);
    });

    it('says so when nothing was open', async () => {
      const idle = stopResults.map((r) => ({ ...r, position: 'none', exit_requested: false }));
      const api = backend().on('POST', SQUARE_OFF, ok({ strategies: idle, exits_requested: 0 }));
      renderApp(api);

      fireEvent.press(await findEnabledButton('Square off all'));
      fireEvent.press(screen.getByRole('button', { name: 'Stop all and sell at market' }));
      expect(await screen.findByTestId('strategies-square-off-done')).toHaveTextContent(
        'Nothing was open; 2 strategies stopped',
      );
    });

    it('shows a failure in words, and can be tried again', async () => {
      const api = backend().sequence('POST', SQUARE_OFF, [
        apiError(503, 'DB_DOWN'),
        ok({ strategies: stopResults, exits_requested: 2 }),
      ]);
      renderApp(api);

      fireEvent.press(await findEnabledButton('Square off all'));
      fireEvent.press(screen.getByRole('button', { name: 'Stop all and sell at market' }));
      expect(await screen.findByRole('alert')).toHaveTextContent(
        'Could not square off: The service is having trouble right now. Try again in a few minutes.',
      );
      expect(screen.queryByTestId('strategies-square-off-done')).toBeNull();

      fireEvent.press(await findEnabledButton('Square off all'));
      expect(screen.queryByRole('alert')).toBeNull();
      fireEvent.press(screen.getByRole('button', { name: 'Stop all and sell at market' }));
      expect(await screen.findByTestId('strategies-square-off-done')).toHaveTextContent(
        'Squared off: 2 positions being closed at market, 2 strategies stopped',
      );
      expect(api.count('POST', SQUARE_OFF)).toBe(2);
    });
  });
});
