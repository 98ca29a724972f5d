/** The account's P&L (`GET /pnl`), opened from the strategies list. */
import { fireEvent, screen } from '@testing-library/react-native';

import { apiError, FakeApi, ok } from '../../test/fakeApi';
import { connected, strategy } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

function summary(
  days: { trading_date: string; pnl_paise: number; pnl: string; strategies: number }[],
  total: string,
  totalPaise: number,
  paper: { paper_pnl_paise: number; paper_pnl: string } = { paper_pnl_paise: 0, paper_pnl: '0.00' },
) {
  return ok({
    from: '2026-10-27',
    to: '2026-11-25',
    days,
    total_pnl_paise: totalPaise,
    total_pnl: total,
    ...paper,
  });
}

const OTHER_ID = '0b7d7c52-0000-4000-8000-0000000000bb';

function backend(strategies = [strategy()]): FakeApi {
  return new FakeApi()
    .on('GET', '/strategies', ok({ strategies }))
    .on('GET', '/broker/status', ok(connected));
}

describe('Account P&L on the strategies list', () => {
  it('asks for nothing until opened, then shows the last 30 days of every strategy as a total and a chart', async () => {
    const api = backend().on(
      'GET',
      '/pnl',
      summary(
        [
          { trading_date: '2026-11-23', pnl_paise: 25050, pnl: '250.50', strategies: 2 },
          { trading_date: '2026-11-24', pnl_paise: -4000, pnl: '-40.00', strategies: 1 },
        ],
        '210.50',
        21050,
      ),
    );
    renderApp(api);

    fireEvent.press(await screen.findByRole('button', { name: 'Show P&L' }));
    expect(await screen.findByTestId('account-pnl-total')).toHaveTextContent(
      'All strategies, last 30 days+₹210.50',
    );
    expect(api.count('GET', '/pnl')).toBe(1);
    expect(api.last('GET', '/pnl')?.query).toEqual({ from: '2026-10-27', to: '2026-11-25' });
    expect(screen.getByTestId('account-pnl-chart-summary')).toHaveTextContent(
      '2 trading days, 23 Nov 2026 to 24 Nov 2026: 1 up, 1 down. ' +
        'Best 23 Nov 2026 +₹250.50, worst 24 Nov 2026 -₹40.00. Total +₹210.50.',
    );
    expect(screen.getByRole('image', { name: /^Account P&L by day\. 2 trading days/ })).toBeOnTheScreen();

    fireEvent.press(screen.getByRole('button', { name: 'Hide P&L' }));
    expect(screen.queryByTestId('account-pnl-total')).toBeNull();
  });

  it('does not fetch the P&L while it is closed', async () => {
    const api = backend();
    renderApp(api);
    await screen.findByRole('button', { name: /^TCS/ });
    expect(screen.getByRole('button', { name: 'Show P&L' })).toBeOnTheScreen();
    expect(api.count('GET', '/pnl')).toBe(0);
  });

  it('says when there was no trade', async () => {
    renderApp(backend().on('GET', '/pnl', summary([], '0.00', 0)));
    fireEvent.press(await screen.findByRole('button', { name: 'Show P&L' }));
    expect(await screen.findByTestId('account-pnl-chart-summary')).toHaveTextContent(
      'No trading days with a fill.',
    );
    expect(screen.getByTestId('account-pnl-total-value')).toHaveTextContent('₹0.00');
  });

  it('shows a failure in words and tries again on request', async () => {
    const api = backend().sequence('GET', '/pnl', [
      apiError(503, 'DB_DOWN'),
      summary(
        [{ trading_date: '2026-11-25', pnl_paise: -1225, pnl: '-12.25', strategies: 1 }],
        '-12.25',
        -1225,
      ),
    ]);
    renderApp(api);
    fireEvent.press(await screen.findByRole('button', { name: 'Show P&L' }));
    expect(await screen.findByTestId('account-pnl-error')).toHaveTextContent(
      'The service is having trouble right now. Try again in a few minutes.',
    );
    fireEvent.press(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('account-pnl-chart-summary')).toHaveTextContent(
      '1 trading day, 25 Nov 2026: -₹12.25.',
    );
  });

  describe('paper strategies', () => {
    // Real money: +₹250.50 on 23 Nov and -₹40.00 on 24 Nov, as the server writes them.
    const realDays = [
      { trading_date: '2026-11-23', pnl_paise: 25050, pnl: '+250.50', strategies: 1 },
      { trading_date: '2026-11-24', pnl_paise: -4000, pnl: '-40.00', strategies: 1 },
    ];

    it('shows what paper made apart, labelled simulated and not in the total; the real total is unchanged', async () => {
      const paperStrategy = strategy({ strategy_id: OTHER_ID, paper: true });
      const api = backend([strategy(), paperStrategy]).on(
        'GET',
        '/pnl',
        summary(realDays, '+210.50', 21050, { paper_pnl_paise: 123450, paper_pnl: '+1234.50' }),
      );
      renderApp(api);
      fireEvent.press(await screen.findByRole('button', { name: 'Show P&L' }));

      expect(await screen.findByTestId('account-pnl-total-value')).toHaveTextContent('+₹210.50');
      expect(screen.getByTestId('account-pnl-total')).toHaveTextContent(
        'All strategies, real money, last 30 days+₹210.50',
      );
      expect(screen.getByTestId('account-pnl-paper')).toHaveTextContent(
        'Paper (simulated), last 30 days+₹1234.50Simulated fills, not real money: not in the total.',
      );
      expect(screen.getByTestId('account-pnl-paper-value')).toHaveTextContent('+₹1234.50');
      expect(screen.getByTestId('account-pnl-paper-note')).toHaveTextContent(
        'Simulated fills, not real money: not in the total.',
      );
      // The chart is the real days only: its total is the real one.
      expect(screen.getByTestId('account-pnl-chart-summary')).toHaveTextContent(/Total \+₹210\.50\.$/);
      expect(screen.getByTestId('account-pnl-chart-summary')).not.toHaveTextContent(/1234/);
    });

    it('shows a paper loss apart even when the user has no paper strategy any more', async () => {
      const api = backend().on(
        'GET',
        '/pnl',
        summary(realDays, '+210.50', 21050, { paper_pnl_paise: -500, paper_pnl: '-5.00' }),
      );
      renderApp(api);
      fireEvent.press(await screen.findByRole('button', { name: 'Show P&L' }));
      expect(await screen.findByTestId('account-pnl-paper-value')).toHaveTextContent('-₹5.00');
      expect(screen.getByTestId('account-pnl-total-value')).toHaveTextContent('+₹210.50');
    });

    it('shows ₹0.00 simulated to a user with a paper strategy', async () => {
      const api = backend([strategy({ paper: true })]).on('GET', '/pnl', summary(realDays, '+210.50', 21050));
      renderApp(api);
      await screen.findByRole('button', { name: /^TCS, paper/ });
      fireEvent.press(screen.getByRole('button', { name: 'Show P&L' }));
      expect(await screen.findByTestId('account-pnl-paper-value')).toHaveTextContent('₹0.00');
      expect(screen.getByTestId('account-pnl-total-value')).toHaveTextContent('+₹210.50');
    });

    it('shows nothing of paper to a user without paper results or strategies', async () => {
      renderApp(backend().on('GET', '/pnl', summary(realDays, '+210.50', 21050)));
      await screen.findByRole('button', { name: /^TCS, 09:30:00/ });
      fireEvent.press(screen.getByRole('button', { name: 'Show P&L' }));
      expect(await screen.findByTestId('account-pnl-total')).toHaveTextContent(
        'All strategies, last 30 days+₹210.50',
      );
      expect(screen.queryByTestId('account-pnl-paper')).toBeNull();
      expect(screen.queryByText(/simulated/)).toBeNull();
    });
  });
});
