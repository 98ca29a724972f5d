import { act, fireEvent, screen, waitFor, within } from '@testing-library/react-native';

import { apiError, FakeApi, ok, serveNotifications, type Reply } from '../../test/fakeApi';
import { connected } from '../../test/fixtures';
import { NOW, renderApp } from '../../test/renderApp';

const route = { name: 'notifications' } as const;
const BOT_LINK = 'https://t.me/algo_trader_bot?start=K7Q2M9';
/** Ten minutes after the test clock's now (09:00 IST). */
const EXPIRES = new Date(NOW + 10 * 60_000).toISOString();

function backend(telegram: Reply | Reply[]): FakeApi {
  const api = new FakeApi().on('GET', '/broker/status', ok(connected));
  serveNotifications(api, []);
  if (Array.isArray(telegram)) api.sequence('GET', '/telegram', telegram);
  else api.on('GET', '/telegram', telegram);
  return api;
}

const unlinked = ok({ configured: true, linked: false });
const linked = ok({ configured: true, linked: true });

async function chat() {
  const section = await screen.findByTestId('telegram-chat');
  await waitFor(() => expect(within(section).queryByText('Checking Telegram…')).toBeNull());
  return section;
}

describe('Telegram chat', () => {
  it('shows a linked chat, and unlinks it', async () => {
    const api = backend(linked).on('POST', '/telegram/unlink', ok({ configured: true, linked: false }));
    renderApp(api, { route });
    expect(await chat()).toHaveTextContent(/A Telegram chat is linked/);

    fireEvent.press(screen.getByRole('button', { name: 'Unlink' }));

    expect(await screen.findByText('No Telegram chat is linked.')).toBeOnTheScreen();
    expect(api.count('POST', '/telegram/unlink')).toBe(1);
    expect(screen.getByRole('button', { name: 'Link Telegram' })).toBeOnTheScreen();
  });

  it('says so when the server has no bot, and offers no link', async () => {
    renderApp(backend(ok({ configured: false, linked: false })), { route });
    expect(await chat()).toHaveTextContent(/Telegram is not set up on this server\./);
    expect(screen.queryByRole('button', { name: 'Link Telegram' })).toBeNull();
  });

  it('shows a failure to check in words', async () => {
    renderApp(backend(apiError(503, 'DB_DOWN')), { route });
    expect(await within(await chat()).findByRole('alert')).toHaveTextContent(
      'Could not check Telegram: The service is having trouble right now. Try again in a few minutes.',
    );
  });

  it('shows only the code when the server knows no bot link, and opens nothing', async () => {
    const api = backend(unlinked).on(
      'POST',
      '/telegram/link',
      ok({ code: 'K7Q2M9', link: null, expires_at: EXPIRES }),
    );
    const { opened } = renderApp(api, { route });
    await chat();
    fireEvent.press(screen.getByRole('button', { name: 'Link Telegram' }));
    expect(await screen.findByTestId('telegram-code')).toHaveTextContent(/Send the bot \/start K7Q2M9\./);
    expect(screen.queryByRole('button', { name: 'Open Telegram' })).toBeNull();
    expect(opened).toEqual([]);
  });

  it('says the server has no bot when linking answers 404', async () => {
    const api = backend(unlinked).on('POST', '/telegram/link', apiError(404, 'NOT_FOUND'));
    renderApp(api, { route });
    await chat();
    fireEvent.press(screen.getByRole('button', { name: 'Link Telegram' }));
    expect(await screen.findByTestId('telegram-action-error')).toHaveTextContent(
      'Telegram is not set up on this server.',
    );
  });

  it.each([
    ['a link that is not https', { code: 'K7Q2M9', link: 'javascript:alert(1)', expires_at: EXPIRES }],
    ['no code', { link: BOT_LINK, expires_at: EXPIRES }],
    ['an empty code', { code: ' ', link: BOT_LINK, expires_at: EXPIRES }],
    ['an expiry that is not an instant', { code: 'K7Q2M9', link: BOT_LINK, expires_at: 'soon' }],
  ])('refuses an answer with %s and opens nothing', async (_, answer) => {
    const api = backend(unlinked).on('POST', '/telegram/link', ok(answer));
    const { opened } = renderApp(api, { route });
    await chat();
    fireEvent.press(screen.getByRole('button', { name: 'Link Telegram' }));
    expect(await screen.findByTestId('telegram-action-error')).toHaveTextContent(
      "Could not link Telegram: The server sent an answer this app doesn't understand. Try updating the app.",
    );
    expect(screen.queryByTestId('telegram-code')).toBeNull();
    expect(opened).toEqual([]);
  });

  it('refuses a status that is not two booleans', async () => {
    renderApp(backend(ok({ configured: 'yes', linked: false })), { route });
    expect(await within(await chat()).findByRole('alert')).toHaveTextContent(
      /Could not check Telegram: The server sent an answer this app doesn't understand/,
    );
  });

  describe('linking', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    async function advance(ms: number) {
      await act(() => jest.advanceTimersByTimeAsync(ms));
    }

    it('shows the one-time code, opens the bot, and checks every 2 s until the chat is linked', async () => {
      const api = backend([unlinked, unlinked, unlinked, linked]).on(
        'POST',
        '/telegram/link',
        ok({ code: 'K7Q2M9', link: BOT_LINK, expires_at: EXPIRES }),
      );
      const { opened } = renderApp(api, { route });
      await chat();
      expect(api.count('GET', '/telegram')).toBe(1);

      fireEvent.press(screen.getByRole('button', { name: 'Link Telegram' }));

      const code = await screen.findByTestId('telegram-code');
      expect(code).toHaveTextContent(/Your code: K7Q2M9/);
      expect(code).toHaveTextContent(/until 09:10:00 IST/);
      expect(within(code).getByText(BOT_LINK)).toBeOnTheScreen();
      expect(opened).toEqual([BOT_LINK]);

      await advance(2_000);
      expect(api.count('GET', '/telegram')).toBe(2);
      await advance(2_000);
      await advance(2_000);
      expect(await screen.findByText(/A Telegram chat is linked/)).toBeOnTheScreen();
      expect(screen.queryByTestId('telegram-code')).toBeNull();

      const checks = api.count('GET', '/telegram');
      await advance(10_000);
      expect(api.count('GET', '/telegram')).toBe(checks);
    });

    it('stops checking once the code has expired, and says to link again', async () => {
      const api = backend(unlinked).on(
        'POST',
        '/telegram/link',
        ok({ code: 'K7Q2M9', link: null, expires_at: new Date(NOW - 1_000).toISOString() }),
      );
      renderApp(api, { route });
      await chat();
      fireEvent.press(screen.getByRole('button', { name: 'Link Telegram' }));

      expect(await screen.findByText('That code has expired: link again for a new one.')).toBeOnTheScreen();
      const checks = api.count('GET', '/telegram');
      await advance(10_000);
      expect(api.count('GET', '/telegram')).toBe(checks);
    });
  });
});
