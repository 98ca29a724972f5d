/** The daily loss limit (`GET`/`PUT /account/risk`), on the strategies list. */
import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';

import { apiError, deferred, FakeApi, ok, serveRisk, type FakeRisk } from '../../test/fakeApi';
import { connected, strategy } from '../../test/fixtures';
import { findEnabledButton, renderApp } from '../../test/renderApp';

const RISK = '/account/risk';
const HIT = 'Daily loss limit hit today: every position was squared off and every strategy stopped.';

function backend(risk: Partial<FakeRisk> = {}): { api: FakeApi; state: FakeRisk } {
  const api = new FakeApi()
    .on('GET', '/strategies', ok({ strategies: [strategy({ status: 'running', position: 'bought' })] }))
    .on('GET', '/broker/status', ok(connected));
  return { api, state: serveRisk(api, risk) };
}

async function card() {
  return screen.findByTestId('daily-loss-limit');
}

describe('DailyLossLimitCard', () => {
  it("shows today's P&L and the limit, below the square-off button", async () => {
    renderApp(backend({ daily_loss_limit: '5000.00', pnl_today: '-1234.50' }).api);

    const shown = within(await card());
    expect(shown.getByTestId('daily-loss-limit-pnl-today')).toHaveTextContent('-₹1234.50');
    expect(shown.getByTestId('daily-loss-limit-value')).toHaveTextContent('₹5000.00');
    expect(
      shown.getByText(
        "If today's P&L reaches -₹5000.00, every position is squared off and every strategy stopped.",
      ),
    ).toBeOnTheScreen();
    expect(shown.getByRole('button', { name: 'Remove limit' })).toBeOnTheScreen();
    expect(shown.queryByText(HIT)).toBeNull();
    expect(screen.getByRole('button', { name: 'Square off all' })).toBeOnTheScreen();
  });

  it('says when there is no limit, and offers nothing to remove', async () => {
    renderApp(backend({ daily_loss_limit: null, pnl_today: '250.00' }).api);

    const shown = within(await card());
    expect(shown.getByText('No daily loss limit')).toBeOnTheScreen();
    expect(shown.getByTestId('daily-loss-limit-pnl-today')).toHaveTextContent('+₹250.00');
    expect(shown.queryByRole('button', { name: 'Remove limit' })).toBeNull();
  });

  it('saves a limit with a PUT and shows the value the server kept', async () => {
    const { api, state } = backend({ pnl_today: '-100.00' });
    renderApp(api);

    fireEvent.changeText(await screen.findByLabelText('Daily loss limit in rupees'), ' 5000 ');
    fireEvent.press(screen.getByRole('button', { name: 'Save limit' }));

    expect(await screen.findByTestId('daily-loss-limit-value')).toHaveTextContent('₹5000.00');
    expect(api.count('PUT', RISK)).toBe(1);
    expect(api.last('PUT', RISK)?.body).toEqual({ daily_loss_limit: '5000' });
    expect(state.daily_loss_limit).toBe('5000.00');
    expect(screen.queryByText('No daily loss limit')).toBeNull();
    expect(screen.getByLabelText('New daily loss limit in rupees')).toHaveDisplayValue('');
  });

  it('is busy while the save is out, so a second press sends nothing', async () => {
    const { api } = backend();
    const answer = deferred();
    api.on('PUT', RISK, answer.handler);
    renderApp(api);

    fireEvent.changeText(await screen.findByLabelText('Daily loss limit in rupees'), '5000.50');
    fireEvent.press(screen.getByRole('button', { name: 'Save limit' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save limit' })).toBeDisabled());
    fireEvent.press(screen.getByRole('button', { name: 'Save limit' }));

    answer.resolve(ok({ daily_loss_limit: '5000.50', pnl_today: '0.00', limit_hit_today: false }));
    expect(await screen.findByTestId('daily-loss-limit-value')).toHaveTextContent('₹5000.50');
    expect(api.count('PUT', RISK)).toBe(1);
  });

  it.each([
    ['5000.505', 'The limit can have at most 2 decimals.'],
    ['0', 'The limit must be more than zero.'],
    ['-5000', 'Enter the limit in rupees, like 5000 or 5000.50.'],
    ['', 'Enter the limit in rupees, like 5000 or 5000.50.'],
  ])('refuses %j on the device, sending nothing', async (text, error) => {
    const { api } = backend();
    renderApp(api);

    fireEvent.changeText(await screen.findByLabelText('Daily loss limit in rupees'), text);
    fireEvent.press(screen.getByRole('button', { name: 'Save limit' }));

    expect(await screen.findByTestId('daily-loss-limit-input-error')).toHaveTextContent(error);
    expect(api.count('PUT', RISK)).toBe(0);
  });

  it("shows the server's objection beside the input, and keeps what was typed", async () => {
    const { api } = backend({ daily_loss_limit: '5000.00' });
    const objection = 'must be at most 10000000.00';
    api.on(
      'PUT',
      RISK,
      apiError(400, 'BAD_REQUEST', 'invalid daily_loss_limit', [
        { field: 'daily_loss_limit', message: objection },
      ]),
    );
    renderApp(api);

    const input = await screen.findByLabelText('New daily loss limit in rupees');
    fireEvent.changeText(input, '99999999999');
    fireEvent.press(screen.getByRole('button', { name: 'Save limit' }));

    expect(await screen.findByTestId('daily-loss-limit-input-error')).toHaveTextContent(objection);
    expect(screen.getByRole('alert')).toHaveTextContent(objection);
    expect(screen.getByLabelText('New daily loss limit in rupees')).toHaveDisplayValue('99999999999');
    expect(screen.getByTestId('daily-loss-limit-value')).toHaveTextContent('₹5000.00');
    expect(screen.queryByTestId('daily-loss-limit-save-error')).toBeNull();
  });

  it('shows a failure without a field in words, and can be tried again', async () => {
    const { api } = backend();
    api.sequence('PUT', RISK, [
      apiError(503, 'DB_DOWN'),
      ok({ daily_loss_limit: '2500.00', pnl_today: '0.00', limit_hit_today: false }),
    ]);
    renderApp(api);

    fireEvent.changeText(await screen.findByLabelText('Daily loss limit in rupees'), '2500');
    fireEvent.press(screen.getByRole('button', { name: 'Save limit' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not save the limit: The service is having trouble right now. Try again in a few minutes.',
    );

    fireEvent.press(await findEnabledButton('Save limit'));
    expect(await screen.findByTestId('daily-loss-limit-value')).toHaveTextContent('₹2500.00');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(api.count('PUT', RISK)).toBe(2);
  });

  it('shows the banner when the limit was hit today', async () => {
    renderApp(backend({ daily_loss_limit: '5000.00', pnl_today: '-5012.40', limit_hit_today: true }).api);

    const shown = within(await card());
    expect(shown.getByText(HIT)).toBeOnTheScreen();
    expect(shown.getByTestId('daily-loss-limit-pnl-today')).toHaveTextContent('-₹5012.40');
  });

  it('removes the limit by sending null', async () => {
    const { api, state } = backend({ daily_loss_limit: '5000.00', pnl_today: '-10.00' });
    renderApp(api);

    fireEvent.press(await findEnabledButton('Remove limit'));

    expect(await screen.findByText('No daily loss limit')).toBeOnTheScreen();
    expect(api.last('PUT', RISK)?.body).toEqual({ daily_loss_limit: null });
    expect(state.daily_loss_limit).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove limit' })).toBeNull();
  });

  it('shows a failure to load in words and tries again on request', async () => {
    const { api } = backend();
    api.sequence('GET', RISK, [
      apiError(503, 'DB_DOWN'),
      ok({ daily_loss_limit: '750.00', pnl_today: '0.00', limit_hit_today: false }),
    ]);
    renderApp(api);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not load your daily loss limit: The service is having trouble right now. Try again in a few minutes.',
    );
    fireEvent.press(screen.getByRole('button', { name: 'Load the loss limit again' }));
    expect(await screen.findByTestId('daily-loss-limit-value')).toHaveTextContent('₹750.00');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
