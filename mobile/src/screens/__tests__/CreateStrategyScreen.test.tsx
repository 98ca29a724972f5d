import { fireEvent, screen, waitFor, within } from '@testing-library/react-native';

import { apiError, deferred, FakeApi, ok, serveInstruments } from '../../test/fakeApi';
import { INSTRUMENTS, STRATEGY_ID, strategy, strategyStatus } from '../../test/fixtures';
import { findEnabledButton, renderApp } from '../../test/renderApp';

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
      direction: 'LONG',
      paper: false,
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
    expect(api.count('POST', '/strategy/create')).toBe(0);

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

describe('CreateStrategyScreen: symbol search', () => {
  it('searches once typing pauses and lists the matches with their last prices', async () => {
    const api = serveInstruments(new FakeApi(), INSTRUMENTS);
    renderApp(api, { route });

    fireEvent.changeText(await screen.findByLabelText('Symbol'), 't');
    fireEvent.changeText(screen.getByLabelText('Symbol'), 'ta');

    expect(await screen.findByRole('button', { name: 'TATASTEEL, TATA STEEL, ₹151.05' })).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'TATAMOTORS, TATA MOTORS, ₹700.10' })).toBeOnTheScreen();
    // TCS by its name, after the symbols.
    expect(screen.getByRole('button', { name: 'TCS, TATA CONSULTANCY SERV, ₹3500.00' })).toBeOnTheScreen();
    expect(screen.getByTestId('create-symbol-matches')).toHaveTextContent(/TATASTEEL.*TATAMOTORS.*TCS/);
    expect(api.count('GET', '/instruments/search')).toBe(1);
    expect(api.last('GET', '/instruments/search')?.query).toEqual({ q: 'TA', exchange: 'NSE' });
  });

  it('fills the symbol with the pick and shows its last price', async () => {
    renderApp(serveInstruments(new FakeApi(), INSTRUMENTS), { route });
    fireEvent.changeText(await screen.findByLabelText('Symbol'), 'tata');
    fireEvent.press(await screen.findByRole('button', { name: 'TATASTEEL, TATA STEEL, ₹151.05' }));

    expect(screen.getByLabelText('Symbol')).toHaveDisplayValue('TATASTEEL');
    expect(screen.getByTestId('create-symbol-selected')).toHaveTextContent(
      'TATA STEEL · NSE · last price ₹151.05',
    );
    expect(screen.queryByTestId('create-symbol-matches')).toBeNull();

    // Typing on drops the pick and searches again.
    fireEvent.changeText(screen.getByLabelText('Symbol'), 'TATASTEE');
    expect(screen.queryByTestId('create-symbol-selected')).toBeNull();
    expect(await screen.findByRole('button', { name: 'TATASTEEL, TATA STEEL, ₹151.05' })).toBeOnTheScreen();
  });

  it('says when nothing matches, and shows a quote it could not get as no price', async () => {
    renderApp(serveInstruments(new FakeApi(), INSTRUMENTS), { route });
    fireEvent.changeText(await screen.findByLabelText('Symbol'), 'zzz');
    expect(await screen.findByTestId('create-symbol-notice')).toHaveTextContent(
      'No NSE equity matches “ZZZ”.',
    );

    fireEvent.changeText(screen.getByLabelText('Symbol'), 'state');
    expect(
      await screen.findByRole('button', { name: 'SBIN, STATE BANK OF INDIA, no last price' }),
    ).toBeOnTheScreen();
    expect(screen.queryByTestId('create-symbol-notice')).toBeNull();
  });

  it('asks for a Kite login when the broker list cannot be read, and still lets a symbol be typed', async () => {
    const api = new FakeApi()
      .on('GET', '/instruments/search', apiError(409, 'BROKER_NOT_CONNECTED'))
      .on('POST', '/strategy/create', apiError(409, 'BROKER_NOT_CONNECTED'));
    renderApp(api, { route });
    await fill({ symbol: 'TCS' });
    expect(await screen.findByTestId('create-symbol-notice')).toHaveTextContent(
      'Log in to Kite (on the Broker screen) to search its symbols.',
    );
    submit();
    expect(await screen.findByTestId('create-symbol-error')).toHaveTextContent(
      "Log in to Kite (on the Broker screen) first: symbols are checked against your broker's list.",
    );
    expect(screen.queryByTestId('create-error')).toBeNull();
  });
});

describe('CreateStrategyScreen: stop-loss as a % below the last price', () => {
  async function pickTcs() {
    fireEvent.changeText(await screen.findByLabelText('Symbol'), 'TC');
    fireEvent.press(await screen.findByRole('button', { name: 'TCS, TATA CONSULTANCY SERV, ₹3500.00' }));
  }

  it('shows the resulting price on the tick and sends it', async () => {
    const api = controlBackend(
      serveInstruments(new FakeApi(), INSTRUMENTS).on(
        'POST',
        '/strategy/create',
        ok({ strategy_id: STRATEGY_ID, status: 'created' }, 201),
      ),
    );
    renderApp(api, { route });
    await pickTcs();
    fireEvent.press(screen.getByRole('radio', { name: '% below last price' }));
    expect(screen.queryByLabelText('Stop-loss (₹)')).toBeNull();
    expect(screen.getByTestId('create-stop-loss-computed')).toHaveTextContent(
      'Enter a % to see the price (last price ₹3500.00).',
    );
    fireEvent.changeText(screen.getByLabelText('Stop-loss (% below last price)'), '2.33');
    // ₹3500.00 less 2.33% is ₹3418.45 (the rounding to the tick is the domain tests').
    expect(screen.getByTestId('create-stop-loss-computed')).toHaveTextContent(
      'Stop-loss at ₹3418.45, 2.33% below the last price ₹3500.00.',
    );
    fireEvent.changeText(screen.getByLabelText('Stop-loss (% below last price)'), '2.337');
    expect(screen.getByTestId('create-stop-loss-computed')).toHaveTextContent(
      'The percentage can have at most 2 decimals.',
    );
    fireEvent.changeText(screen.getByLabelText('Stop-loss (% below last price)'), '1.01');
    expect(screen.getByTestId('create-stop-loss-computed')).toHaveTextContent(
      'Stop-loss at ₹3464.65, 1.01% below the last price ₹3500.00.',
    );
    fireEvent.changeText(screen.getByLabelText('Buy time'), '09:30:00');
    fireEvent.changeText(screen.getByLabelText('Sell time'), '15:10:00');
    fireEvent.changeText(screen.getByLabelText('Quantity'), '2');
    submit();

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    expect(api.last('POST', '/strategy/create')?.body).toMatchObject({ symbol: 'TCS', stop_loss: '3464.65' });
  });

  it('needs a last price: a symbol typed with no pick and no price sends nothing', async () => {
    const api = serveInstruments(new FakeApi(), INSTRUMENTS);
    renderApp(api, { route });
    await fill({ symbol: 'SBIN' });
    fireEvent.press(screen.getByRole('radio', { name: '% below last price' }));
    fireEvent.changeText(screen.getByLabelText('Stop-loss (% below last price)'), '5');
    // SBIN is listed (typed out in full, it counts as picked) but its quote could not be had.
    expect(await screen.findByTestId('create-symbol-selected')).toHaveTextContent(
      'STATE BANK OF INDIA · NSE · no last price',
    );
    expect(screen.getByTestId('create-stop-loss-computed')).toHaveTextContent(
      'Pick the symbol from the search to use its last price, or enter a price.',
    );
    submit();
    expect(screen.getByTestId('create-stop-loss-pct-error')).toHaveTextContent(
      'Pick the symbol from the search to use its last price, or enter a price.',
    );
    expect(api.count('POST', '/strategy/create')).toBe(0);
  });

  it("shows the server's stop-loss error beside the % field", async () => {
    const api = serveInstruments(new FakeApi(), INSTRUMENTS).on(
      'POST',
      '/strategy/create',
      apiError(400, 'STRATEGY_INVALID', 'rules broken', [
        { field: 'stop_loss', message: 'stop_loss must be below the last price' },
      ]),
    );
    renderApp(api, { route });
    await fill({ symbol: 'tcs' });
    await pickTcs();
    fireEvent.press(screen.getByRole('radio', { name: '% below last price' }));
    fireEvent.changeText(screen.getByLabelText('Stop-loss (% below last price)'), '5');
    submit();
    expect(await screen.findByTestId('create-stop-loss-pct-error')).toHaveTextContent(
      'stop_loss must be below the last price',
    );
    expect(api.last('POST', '/strategy/create')?.body).toMatchObject({ stop_loss: '3325.00' });
  });
});

describe('CreateStrategyScreen: time pickers', () => {
  it('steps the buy and sell times inside the session, the sell after the buy', async () => {
    renderApp(new FakeApi(), { route });
    // Now is 09:00 IST, before the open: the first step lands on 09:15:00.
    fireEvent.press(await screen.findByRole('button', { name: 'Buy time: a minute later' }));
    expect(screen.getByLabelText('Buy time')).toHaveDisplayValue('09:15:00');
    expect(screen.getByTestId('create-buy-time-window')).toHaveTextContent('09:15:00–15:19:00 IST');
    fireEvent.press(screen.getByRole('button', { name: 'Buy time: an hour later' }));
    fireEvent.press(screen.getByRole('button', { name: 'Buy time: a minute later' }));
    expect(screen.getByLabelText('Buy time')).toHaveDisplayValue('10:16:00');

    fireEvent.press(screen.getByRole('button', { name: 'Sell time: a minute later' }));
    expect(screen.getByLabelText('Sell time')).toHaveDisplayValue('10:17:00');
    fireEvent.press(screen.getByRole('button', { name: 'Sell time: a minute earlier' }));
    expect(screen.getByLabelText('Sell time')).toHaveDisplayValue('10:17:00');
    for (let i = 0; i < 6; i += 1)
      fireEvent.press(screen.getByRole('button', { name: 'Sell time: an hour later' }));
    expect(screen.getByLabelText('Sell time')).toHaveDisplayValue('15:20:00');
    expect(screen.getByTestId('create-sell-time-window')).toHaveTextContent('10:17:00–15:20:00 IST');

    // Delivery may sell until the close.
    fireEvent.press(screen.getByRole('radio', { name: 'Delivery (CNC)' }));
    fireEvent.press(screen.getByRole('button', { name: 'Sell time: an hour later' }));
    expect(screen.getByLabelText('Sell time')).toHaveDisplayValue('15:30:00');
  });

  it('starts from the next minute on the always-open calendar', async () => {
    renderApp(new FakeApi(), { route, config: { marketHours: 'always-open' } });
    fireEvent.press(await screen.findByRole('button', { name: 'Buy time: a minute later' }));
    expect(screen.getByLabelText('Buy time')).toHaveDisplayValue('09:01:00');
    fireEvent.press(screen.getByRole('button', { name: 'Sell time: a minute later' }));
    expect(screen.getByLabelText('Sell time')).toHaveDisplayValue('09:02:00');
  });
});

describe('CreateStrategyScreen: target and trailing stop', () => {
  /** Chooses points or % for the exit whose mode group is `group` ("Target in"). */
  function mode(group: string, option: 'Points (₹)' | 'Percent (%)') {
    fireEvent.press(within(screen.getByLabelText(group)).getByRole('radio', { name: option }));
  }

  it('sends a target in points and a trailing stop in %, the percentage as it is', async () => {
    const api = controlBackend(
      new FakeApi().on('POST', '/strategy/create', ok({ strategy_id: STRATEGY_ID, status: 'created' }, 201)),
    );
    renderApp(api, { route });
    await fill();
    fireEvent.changeText(screen.getByLabelText('Target'), '25.5');
    mode('Trailing stop in', 'Percent (%)');
    expect(screen.getByTestId('create-trailing-stop-help')).toHaveTextContent(/this % below it/);
    fireEvent.changeText(screen.getByLabelText('Trailing stop'), '1.5');
    submit();

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    expect(api.last('POST', '/strategy/create')?.body).toEqual({
      symbol: 'TCS',
      buy_time: '09:30:00',
      sell_time: '15:10:00',
      stop_loss: '3500.05',
      quantity: 10,
      product: 'MIS',
      direction: 'LONG',
      paper: false,
      target: '25.50',
      trailing_stop: '1.5%',
    });
  });

  it('sends a target in % and a trailing stop in points', async () => {
    const api = controlBackend(
      new FakeApi().on('POST', '/strategy/create', ok({ strategy_id: STRATEGY_ID, status: 'created' }, 201)),
    );
    renderApp(api, { route });
    await fill();
    mode('Target in', 'Percent (%)');
    fireEvent.changeText(screen.getByLabelText('Target'), '2%');
    fireEvent.changeText(screen.getByLabelText('Trailing stop'), '10');
    submit();

    await screen.findByText('TCS strategy');
    expect(api.last('POST', '/strategy/create')?.body).toMatchObject({
      target: '2%',
      trailing_stop: '10.00',
    });
  });

  it('shows device-side problems beside the exits and sends nothing', async () => {
    const api = new FakeApi();
    renderApp(api, { route });
    await fill();
    fireEvent.changeText(screen.getByLabelText('Target'), '25.03');
    mode('Trailing stop in', 'Percent (%)');
    fireEvent.changeText(screen.getByLabelText('Trailing stop'), '101');
    submit();

    expect(screen.getByTestId('create-target-error')).toHaveTextContent(
      'The target must be a multiple of ₹0.05.',
    );
    expect(screen.getByTestId('create-trailing-stop-error')).toHaveTextContent(
      'The trailing stop must be more than 0% and at most 100%.',
    );
    expect(api.count('POST', '/strategy/create')).toBe(0);

    fireEvent.changeText(screen.getByLabelText('Target'), '25.05');
    expect(screen.queryByTestId('create-target-error')).toBeNull();
    expect(screen.getByTestId('create-trailing-stop-error')).toBeOnTheScreen();
  });

  it("shows the server's target and trailing_stop errors beside their fields", async () => {
    const api = new FakeApi().on(
      'POST',
      '/strategy/create',
      apiError(400, 'STRATEGY_INVALID', 'one or more rules broken', [
        { field: 'target', message: 'target must be a multiple of the tick size 0.10' },
        { field: 'trailing_stop', message: 'a percentage must be more than 0% and at most 100%' },
      ]),
    );
    renderApp(api, { route });
    await fill();
    fireEvent.changeText(screen.getByLabelText('Target'), '25.05');
    fireEvent.changeText(screen.getByLabelText('Trailing stop'), '5');
    submit();

    expect(await screen.findByTestId('create-target-error')).toHaveTextContent(
      'target must be a multiple of the tick size 0.10',
    );
    expect(screen.getByTestId('create-trailing-stop-error')).toHaveTextContent(
      'a percentage must be more than 0% and at most 100%',
    );
    expect(screen.getByTestId('create-error')).toHaveTextContent(
      'Some fields need fixing: see the notes beside them.',
    );
    expect(screen.getByTestId('create-error')).not.toHaveTextContent(/target|percentage/);
  });
});

describe('CreateStrategyScreen: editing a strategy', () => {
  const editRoute = { name: 'strategyControl', strategyId: STRATEGY_ID } as const;
  const saved = strategy({ target: '1.5%', trailing_stop: '10.00', updated_at: '2026-11-25T03:31:00Z' });

  function editBackend(current = strategy({ target: '25.50', trailing_stop: '1%' })): FakeApi {
    return serveInstruments(new FakeApi(), INSTRUMENTS)
      .sequence('GET', `/strategy/${STRATEGY_ID}`, [ok(current), ok(saved)])
      .on('GET', `/strategy/status/${STRATEGY_ID}`, ok(strategyStatus()))
      .on('GET', `/strategy/${STRATEGY_ID}/orders`, ok({ orders: [] }))
      .on(
        'GET',
        `/strategy/${STRATEGY_ID}/days`,
        ok({
          strategy_id: STRATEGY_ID,
          from: '2026-10-27',
          to: '2026-11-25',
          days: [],
          total_pnl_paise: 0,
          total_pnl: '0.00',
        }),
      );
  }

  it('opens from the control screen filled with the strategy, exits included, and saves the changes', async () => {
    const api = editBackend().on('PUT', `/strategy/${STRATEGY_ID}`, ok(saved));
    renderApp(api, { route: editRoute });

    fireEvent.press(await findEnabledButton('Edit'));
    expect(await screen.findByText('Edit strategy')).toBeOnTheScreen();
    expect(screen.getByLabelText('Symbol')).toHaveDisplayValue('TCS');
    expect(screen.getByLabelText('Buy time')).toHaveDisplayValue('09:30:00');
    expect(screen.getByLabelText('Sell time')).toHaveDisplayValue('15:10:00');
    expect(screen.getByLabelText('Stop-loss (₹)')).toHaveDisplayValue('3500.05');
    expect(screen.getByLabelText('Quantity')).toHaveDisplayValue('10');
    expect(screen.getByLabelText('Target')).toHaveDisplayValue('25.50');
    expect(
      within(screen.getByLabelText('Target in')).getByRole('radio', {
        name: 'Points (₹)',
      }),
    ).toBeChecked();
    expect(screen.getByLabelText('Trailing stop')).toHaveDisplayValue('1');
    expect(
      within(screen.getByLabelText('Trailing stop in')).getByRole('radio', {
        name: 'Percent (%)',
      }),
    ).toBeChecked();

    fireEvent.press(
      within(screen.getByLabelText('Target in')).getByRole('radio', {
        name: 'Percent (%)',
      }),
    );
    fireEvent.changeText(screen.getByLabelText('Target'), '1.5');
    fireEvent.press(
      within(screen.getByLabelText('Trailing stop in')).getByRole('radio', {
        name: 'Points (₹)',
      }),
    );
    fireEvent.changeText(screen.getByLabelText('Trailing stop'), '10');
    fireEvent.press(screen.getByRole('button', { name: 'Save changes' }));

    // Back on the control screen, with what was saved.
    expect(await screen.findByTestId('control-exits')).toHaveTextContent('Target 1.5% · Trailing ₹10.00');
    expect(api.last('PUT', `/strategy/${STRATEGY_ID}`)?.body).toEqual({
      symbol: 'TCS',
      exchange: 'NSE',
      buy_time: '09:30:00',
      sell_time: '15:10:00',
      stop_loss: '3500.05',
      quantity: 10,
      product: 'MIS',
      direction: 'LONG',
      paper: false,
      target: '1.5%',
      trailing_stop: '10.00',
    });
    expect(api.count('POST', '/strategy/create')).toBe(0);
  });

  it('removes an exit that is emptied by not sending it', async () => {
    const api = editBackend().on('PUT', `/strategy/${STRATEGY_ID}`, ok(strategy()));
    renderApp(api, { route: { name: 'editStrategy', strategyId: STRATEGY_ID } });

    fireEvent.changeText(await screen.findByLabelText('Target'), '');
    fireEvent.press(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(api.count('PUT', `/strategy/${STRATEGY_ID}`)).toBe(1));
    const body = api.last('PUT', `/strategy/${STRATEGY_ID}`)?.body;
    expect(body).toMatchObject({ trailing_stop: '1%' });
    expect(body).not.toHaveProperty('target');
  });

  it("shows the server's refusal of an exit beside it", async () => {
    const api = editBackend().on(
      'PUT',
      `/strategy/${STRATEGY_ID}`,
      apiError(400, 'STRATEGY_INVALID', 'rules broken', [
        { field: 'trailing_stop', message: 'trailing_stop must be a multiple of the tick size 0.05' },
      ]),
    );
    renderApp(api, { route: { name: 'editStrategy', strategyId: STRATEGY_ID } });

    fireEvent.press(await screen.findByRole('button', { name: 'Save changes' }));
    expect(await screen.findByTestId('create-trailing-stop-error')).toHaveTextContent(
      'trailing_stop must be a multiple of the tick size 0.05',
    );
    expect(screen.getByText('Edit strategy')).toBeOnTheScreen();
  });
});

describe('CreateStrategyScreen: buy first or sell first', () => {
  function direction(option: 'Buy first (long)' | 'Sell first (short)') {
    fireEvent.press(within(screen.getByLabelText('Direction')).getByRole('radio', { name: option }));
  }

  /** The form as a short names it: the entry sells, the exit buys back. */
  async function fillShort({ stopLoss = '3520', product }: { stopLoss?: string; product?: string } = {}) {
    fireEvent.changeText(await screen.findByLabelText('Symbol'), 'tcs');
    direction('Sell first (short)');
    fireEvent.changeText(screen.getByLabelText('Sell at (entry)'), '09:30:00');
    fireEvent.changeText(screen.getByLabelText('Buy back at (exit)'), '15:10:00');
    fireEvent.changeText(screen.getByLabelText('Stop-loss (₹)'), stopLoss);
    fireEvent.changeText(screen.getByLabelText('Quantity'), '10');
    if (product) fireEvent.press(screen.getByRole('radio', { name: product }));
  }

  it('buys first unless told otherwise, with the words of a long', async () => {
    renderApp(new FakeApi(), { route });
    const choice = await screen.findByLabelText('Direction');
    expect(within(choice).getByRole('radio', { name: 'Buy first (long)' })).toBeChecked();
    expect(within(choice).getByRole('radio', { name: 'Sell first (short)' })).not.toBeChecked();
    expect(screen.getByLabelText('Buy time')).toBeOnTheScreen();
    expect(screen.getByLabelText('Sell time')).toBeOnTheScreen();
    expect(screen.queryByTestId('create-stop-loss-help')).toBeNull();
  });

  it('names the times, the stop-loss and the exits as a short has them', async () => {
    renderApp(new FakeApi(), { route });
    await screen.findByLabelText('Direction');
    direction('Sell first (short)');

    expect(screen.queryByLabelText('Buy time')).toBeNull();
    expect(screen.getByLabelText('Sell at (entry)')).toBeOnTheScreen();
    expect(screen.getByLabelText('Buy back at (exit)')).toBeOnTheScreen();
    expect(screen.getByRole('button', { name: 'Buy back at (exit): a minute later' })).toBeOnTheScreen();
    expect(screen.getByTestId('create-stop-loss-help')).toHaveTextContent(/must be above the price/);
    expect(screen.getByTestId('create-target-help')).toHaveTextContent(/below the entry's fill price/);
    expect(screen.getByTestId('create-trailing-stop-help')).toHaveTextContent(/above the lowest price/);
    expect(screen.getByText(/an intraday buy-back by 15:20:00/)).toBeOnTheScreen();

    // Back to a long: its words as before.
    direction('Buy first (long)');
    expect(screen.getByLabelText('Buy time')).toBeOnTheScreen();
    expect(screen.getByTestId('create-target-help')).toHaveTextContent(/above the entry's fill price/);
    expect(screen.queryByTestId('create-stop-loss-help')).toBeNull();
  });

  it('sends a short with its direction, the stop-loss above the price', async () => {
    const api = controlBackend(
      new FakeApi().on('POST', '/strategy/create', ok({ strategy_id: STRATEGY_ID, status: 'created' }, 201)),
    );
    renderApp(api, { route });
    await fillShort();
    fireEvent.changeText(screen.getByLabelText('Target'), '25.5');
    submit();

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    expect(api.last('POST', '/strategy/create')?.body).toEqual({
      symbol: 'TCS',
      buy_time: '09:30:00',
      sell_time: '15:10:00',
      stop_loss: '3520.00',
      quantity: 10,
      product: 'MIS',
      direction: 'SHORT',
      paper: false,
      target: '25.50',
    });
  });

  it("refuses a short on delivery beside the direction, in the server's words, and sends nothing", async () => {
    const api = new FakeApi();
    renderApp(api, { route });
    await fillShort({ product: 'Delivery (CNC)' });
    submit();

    expect(screen.getByTestId('create-direction-error')).toHaveTextContent(
      'a short-first strategy must be MIS (intraday): delivery (CNC) cannot sell what is not held',
    );
    expect(api.count('POST', '/strategy/create')).toBe(0);

    // Intraday again: the note goes, and the short can be sent.
    fireEvent.press(screen.getByRole('radio', { name: 'Intraday (MIS)' }));
    expect(screen.queryByTestId('create-direction-error')).toBeNull();
  });

  it("shows the server's refusal of the direction beside the choice", async () => {
    const api = new FakeApi().on(
      'POST',
      '/strategy/create',
      apiError(400, 'STRATEGY_INVALID', 'one or more rules broken', [
        { field: 'direction', message: 'direction must be LONG (buy first) or SHORT (sell first)' },
      ]),
    );
    renderApp(api, { route });
    await fillShort();
    submit();

    expect(await screen.findByTestId('create-direction-error')).toHaveTextContent(
      'direction must be LONG (buy first) or SHORT (sell first)',
    );
    expect(screen.getByTestId('create-error')).not.toHaveTextContent(/direction must be/);
  });

  it('takes a % stop-loss above the last price for a short', async () => {
    const api = controlBackend(
      serveInstruments(new FakeApi(), INSTRUMENTS).on(
        'POST',
        '/strategy/create',
        ok({ strategy_id: STRATEGY_ID, status: 'created' }, 201),
      ),
    );
    renderApp(api, { route });
    fireEvent.changeText(await screen.findByLabelText('Symbol'), 'TC');
    fireEvent.press(await screen.findByRole('button', { name: 'TCS, TATA CONSULTANCY SERV, ₹3500.00' }));
    direction('Sell first (short)');
    fireEvent.press(screen.getByRole('radio', { name: '% above last price' }));
    expect(screen.queryByRole('radio', { name: '% below last price' })).toBeNull();
    fireEvent.changeText(screen.getByLabelText('Stop-loss (% above last price)'), '1.01');
    // ₹3500.00 plus 1.01% is ₹3535.35.
    expect(screen.getByTestId('create-stop-loss-computed')).toHaveTextContent(
      'Stop-loss at ₹3535.35, 1.01% above the last price ₹3500.00.',
    );
    fireEvent.changeText(screen.getByLabelText('Sell at (entry)'), '09:30:00');
    fireEvent.changeText(screen.getByLabelText('Buy back at (exit)'), '15:10:00');
    fireEvent.changeText(screen.getByLabelText('Quantity'), '2');
    submit();

    await screen.findByText('TCS strategy');
    expect(api.last('POST', '/strategy/create')?.body).toMatchObject({
      stop_loss: '3535.35',
      direction: 'SHORT',
    });
  });

  function shortBackend(): FakeApi {
    const short = strategy({ direction: 'SHORT', stop_loss: '3520.00' });
    return controlBackend(new FakeApi())
      .on('GET', `/strategy/${STRATEGY_ID}`, ok(short))
      .on(
        'GET',
        `/strategy/${STRATEGY_ID}/days`,
        ok({
          strategy_id: STRATEGY_ID,
          from: '2026-10-27',
          to: '2026-11-25',
          days: [],
          total_pnl_paise: 0,
          total_pnl: '0.00',
        }),
      )
      .on('PUT', `/strategy/${STRATEGY_ID}`, ok(short));
  }

  it('edits a short as a short', async () => {
    const api = shortBackend();
    renderApp(api, { route: { name: 'editStrategy', strategyId: STRATEGY_ID } });

    const choice = await screen.findByLabelText('Direction');
    expect(within(choice).getByRole('radio', { name: 'Sell first (short)' })).toBeChecked();
    expect(screen.getByLabelText('Sell at (entry)')).toHaveDisplayValue('09:30:00');
    expect(screen.getByLabelText('Buy back at (exit)')).toHaveDisplayValue('15:10:00');
    fireEvent.press(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(api.count('PUT', `/strategy/${STRATEGY_ID}`)).toBe(1));
    expect(api.last('PUT', `/strategy/${STRATEGY_ID}`)?.body).toMatchObject({
      direction: 'SHORT',
      stop_loss: '3520.00',
    });
  });

  it('turns a short into a long', async () => {
    const api = shortBackend();
    renderApp(api, { route: { name: 'editStrategy', strategyId: STRATEGY_ID } });

    await screen.findByLabelText('Direction');
    direction('Buy first (long)');
    fireEvent.changeText(screen.getByLabelText('Stop-loss (₹)'), '3480');
    fireEvent.press(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(api.count('PUT', `/strategy/${STRATEGY_ID}`)).toBe(1));
    expect(api.last('PUT', `/strategy/${STRATEGY_ID}`)?.body).toMatchObject({
      direction: 'LONG',
      stop_loss: '3480.00',
    });
  });
});

describe('CreateStrategyScreen: paper trading', () => {
  const PAPER = 'Paper trading (simulated fills)';

  function toggle() {
    return screen.getByRole('switch', { name: PAPER });
  }

  function created(): FakeApi {
    return controlBackend(
      new FakeApi().on('POST', '/strategy/create', ok({ strategy_id: STRATEGY_ID, status: 'created' }, 201)),
    );
  }

  it('is off unless turned on, and says real orders are placed', async () => {
    renderApp(new FakeApi(), { route });
    await screen.findByLabelText('Symbol');
    expect(toggle()).not.toBeChecked();
    expect(screen.getByTestId('create-paper-help')).toHaveTextContent(
      'Off: real orders are placed at your broker.',
    );
  });

  it('sends paper: false when left off', async () => {
    const api = created();
    renderApp(api, { route });
    await fill();
    submit();

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    expect(api.last('POST', '/strategy/create')?.body).toMatchObject({ symbol: 'TCS', paper: false });
  });

  it('sends paper: true when turned on, and says what paper means', async () => {
    const api = created();
    renderApp(api, { route });
    await fill();
    fireEvent(toggle(), 'valueChange', true);
    expect(toggle()).toBeChecked();
    expect(screen.getByTestId('create-paper-help')).toHaveTextContent(
      /simulated fills at the last price\. Nothing is placed at your broker/,
    );
    submit();

    expect(await screen.findByText('TCS strategy')).toBeOnTheScreen();
    expect(api.last('POST', '/strategy/create')?.body).toEqual({
      symbol: 'TCS',
      buy_time: '09:30:00',
      sell_time: '15:10:00',
      stop_loss: '3500.05',
      quantity: 10,
      product: 'MIS',
      direction: 'LONG',
      paper: true,
    });
  });

  it('sends paper: false after being turned on and off again', async () => {
    const api = created();
    renderApp(api, { route });
    await fill();
    fireEvent(toggle(), 'valueChange', true);
    fireEvent(toggle(), 'valueChange', false);
    submit();
    await screen.findByText('TCS strategy');
    expect(api.last('POST', '/strategy/create')?.body).toMatchObject({ paper: false });
  });

  it("shows the server's refusal of paper beside the toggle", async () => {
    const api = new FakeApi().on(
      'POST',
      '/strategy/create',
      apiError(400, 'STRATEGY_INVALID', 'one or more rules broken', [
        { field: 'paper', message: 'paper must be true or false' },
      ]),
    );
    renderApp(api, { route });
    await fill();
    submit();
    expect(await screen.findByTestId('create-paper-error')).toHaveTextContent('paper must be true or false');
    expect(screen.getByTestId('create-error')).not.toHaveTextContent(/paper must be/);
    // Touching the toggle clears it.
    fireEvent(toggle(), 'valueChange', true);
    expect(screen.queryByTestId('create-paper-error')).toBeNull();
  });

  function editBackend(current: ReturnType<typeof strategy>): FakeApi {
    return controlBackend(new FakeApi())
      .on('GET', `/strategy/${STRATEGY_ID}`, ok(current))
      .on(
        'GET',
        `/strategy/${STRATEGY_ID}/days`,
        ok({
          strategy_id: STRATEGY_ID,
          from: '2026-10-27',
          to: '2026-11-25',
          days: [],
          total_pnl_paise: 0,
          total_pnl: '0.00',
        }),
      )
      .on('PUT', `/strategy/${STRATEGY_ID}`, ok(current));
  }
  const editRoute = { name: 'editStrategy', strategyId: STRATEGY_ID } as const;

  it('edits a paper strategy with the toggle on, and keeps it paper when left alone', async () => {
    const api = editBackend(strategy({ paper: true }));
    renderApp(api, { route: editRoute });

    expect(await screen.findByRole('switch', { name: PAPER })).toBeChecked();
    fireEvent.changeText(screen.getByLabelText('Stop-loss (₹)'), '3480');
    fireEvent.press(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(api.count('PUT', `/strategy/${STRATEGY_ID}`)).toBe(1));
    // Left out, the server would read a missing paper as false and make it trade for real.
    expect(api.last('PUT', `/strategy/${STRATEGY_ID}`)?.body).toMatchObject({
      paper: true,
      stop_loss: '3480.00',
    });
  });

  it('edits a real strategy with the toggle off, and can make it paper', async () => {
    const api = editBackend(strategy());
    renderApp(api, { route: editRoute });

    expect(await screen.findByRole('switch', { name: PAPER })).not.toBeChecked();
    fireEvent(toggle(), 'valueChange', true);
    fireEvent.press(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(api.count('PUT', `/strategy/${STRATEGY_ID}`)).toBe(1));
    expect(api.last('PUT', `/strategy/${STRATEGY_ID}`)?.body).toMatchObject({ paper: true });
  });
});
