import { fireEvent, screen, waitFor } from '@testing-library/react-native';

import { apiError, deferred, FakeApi, ok } from '../../test/fakeApi';
import { STRATEGY_ID, strategy, strategyStatus } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const route = { name: 'createStrategy' } as const;

interface Form {
  symbol?: string;
  buy?: string;
  sell?: string;
  stopLoss?: string;
  quantity?: string;
}

async function fill({
  symbol = 'tcs',
  buy = '09:30:00',
  sell = '15:10:00',
  stopLoss = '3500.05',
  quantity = '10',
}: Form = {}) {
  fireEvent.changeText(await screen.findByLabelText('Symbol'), symbol);
  fireEvent.changeText(screen.getByLabelText('Buy time'), buy);
  fireEvent.changeText(screen.getByLabelText('Sell time'), sell);
  fireEvent.changeText(screen.getByLabelText('Stop-loss (₹)'), stopLoss);
  fireEvent.changeText(screen.getByLabelText('Quantity'), quantity);
}

function submit() {
  fireEvent.press(screen.getByRole('button', { name: 'Create strategy' }));
}

function controlBackend(api: FakeApi): FakeApi {
  return api
    .on('GET', `/strategy/${STRATEGY_ID}`, ok(strategy()))
    .on('GET', `/strategy/status/${STRATEGY_ID}`, ok(strategyStatus()))
    .on('GET', `/strategy/${STRATEGY_ID}/orders`, ok({ orders: [] }));
}

describe('CreateStrategyScreen', () => {
  it('creates the strategy, showing progress, then opens its controls', async () => {
    const created = deferred();
    const api = controlBackend(new FakeApi().on('POST', '/strategy/create', created.handler));
    renderApp(api, { route });

    await fill({ stopLoss: '3500.5' });
    fireEvent.press(screen.getByRole('radio', { name: 'Delivery (CNC)' }));
    submit();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Create strategy' })).toBeBusy());
    created.resolve(ok({ strategy_id: STRATEGY_ID, status: 'created' }, 201));

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    expect(api.last('POST', '/strategy/create')?.body).toEqual({
      symbol: 'TCS',
      buy_time: '09:30:00',
      sell_time: '15:10:00',
      stop_loss: '3500.50',
      quantity: 10,
      product: 'CNC',
    });
  });

  it('shows every device-side problem beside its field and sends nothing', async () => {
    const api = new FakeApi();
    renderApp(api, { route });

    await fill({ symbol: 'TC S', buy: '09:00:00', sell: '15:25:00', stopLoss: '3500.03', quantity: '0' });
    submit();

    expect(screen.getByTestId('create-symbol-error')).toHaveTextContent(
      'A symbol may contain only letters, digits, & and -.',
    );
    expect(screen.getByTestId('create-buy-time-error')).toHaveTextContent(
      'The buy time must be inside market hours, 09:15:00–15:30:00 IST.',
    );
    expect(screen.getByTestId('create-sell-time-error')).toHaveTextContent(
      "An intraday (MIS) sell must be no later than the broker's square-off at 15:20:00 IST.",
    );
    expect(screen.getByTestId('create-stop-loss-error')).toHaveTextContent(
      'The stop-loss must be a multiple of ₹0.05.',
    );
    expect(screen.getByTestId('create-quantity-error')).toHaveTextContent(
      'The quantity must be a whole number of shares, at least 1.',
    );
    expect(api.requests).toHaveLength(0);

    fireEvent.changeText(screen.getByLabelText('Symbol'), 'TCS');
    expect(screen.queryByTestId('create-symbol-error')).toBeNull();
  });

  it('requires a stop-loss', async () => {
    renderApp(new FakeApi(), { route });
    await fill({ stopLoss: '' });
    submit();
    expect(screen.getByTestId('create-stop-loss-error')).toHaveTextContent('Enter a stop-loss price.');
  });

  it("shows the server's field errors beside the matching fields", async () => {
    const api = new FakeApi().on(
      'POST',
      '/strategy/create',
      apiError(400, 'STRATEGY_INVALID', 'one or more rules broken', [
        { field: 'sell_time', message: 'sell_time must be inside the session 09:15:00–15:30:00 IST' },
        { field: 'stop_loss', message: 'stop_loss must be a multiple of the tick size 0.10' },
        { field: 'exchange', message: 'exchange must be NSE or BSE' },
      ]),
    );
    renderApp(api, { route });
    await fill();
    submit();

    expect(await screen.findByTestId('create-sell-time-error')).toHaveTextContent(
      'sell_time must be inside the session 09:15:00–15:30:00 IST',
    );
    expect(screen.getByTestId('create-stop-loss-error')).toHaveTextContent(
      'stop_loss must be a multiple of the tick size 0.10',
    );
    expect(screen.getByTestId('create-error')).toHaveTextContent(
      'Some fields need fixing: see the notes beside them.\nexchange must be NSE or BSE',
    );
  });

  it('shows an unknown symbol beside the symbol', async () => {
    renderApp(new FakeApi().on('POST', '/strategy/create', apiError(400, 'UNKNOWN_SYMBOL')), { route });
    await fill({ symbol: 'NOPE' });
    submit();
    expect(await screen.findByTestId('create-symbol-error')).toHaveTextContent(
      "Your broker doesn't list that symbol. Check the spelling (for example TCS or INFY).",
    );
  });

  it.each([
    [
      apiError(409, 'STRATEGY_OVERLAP'),
      'You already have a strategy on this symbol at overlapping times. Change the times, or delete the other strategy.',
    ],
    [apiError(500, 'INTERNAL'), 'Something went wrong on our side. Try again.'],
  ])('shows %# in words', async (reply, words) => {
    renderApp(new FakeApi().on('POST', '/strategy/create', reply), { route });
    await fill();
    submit();
    expect(await screen.findByTestId('create-error')).toHaveTextContent(words);
  });

  it('allows any time of day when built for the always-open calendar', async () => {
    const api = controlBackend(
      new FakeApi().on('POST', '/strategy/create', ok({ strategy_id: STRATEGY_ID, status: 'created' }, 201)),
    );
    renderApp(api, { route, config: { marketHours: 'always-open' } });
    expect(
      await screen.findByText('Times are IST. This server trades at any time of day (test calendar).'),
    ).toBeOnTheScreen();
    await fill({ buy: '22:00:00', sell: '22:01:00', stopLoss: '1.00', quantity: '1' });
    submit();
    await screen.findByText('TCS strategy');
    expect(api.last('POST', '/strategy/create')?.body).toMatchObject({
      buy_time: '22:00:00',
      sell_time: '22:01:00',
    });
  });
});
