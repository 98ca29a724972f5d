import { describeError, userMessage, ApiError } from '../errors';
import { ERROR_CODES } from '../types';

describe('error words', () => {
  it('has words for every code in the contract', () => {
    for (const code of ERROR_CODES) {
      expect(userMessage(code)).toMatch(/\w{3,}/);
      expect(userMessage(code)).not.toContain(code);
    }
  });

  it('tells the user to re-enter the access token when the broker rejects the keys', () => {
    expect(describeError(new ApiError('BROKER_AUTH_FAILED', 'kite said no', 424))).toBe(
      'Your broker rejected the keys — re-enter your access token (Kite tokens expire every morning).',
    );
  });

  it("falls back to the server's message for a code this version does not know", () => {
    expect(describeError(new ApiError('UNKNOWN', 'Market closed for Diwali', 409, [], 'MARKET_CLOSED'))).toBe(
      'Market closed for Diwali',
    );
    expect(describeError(new Error('boom'))).toBe('Something went wrong. Try again.');
  });
});
