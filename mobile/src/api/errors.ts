/**
 * The one place where error codes become words for the user. Screens never switch on codes to
 * build sentences; they call `describeError` (or `userMessage` for a code).
 */
import { ERROR_CODES, type ErrorCode, type FieldError, type ServerErrorCode } from './types';

/** A failed API call: the server's error envelope, or a client-side failure with its own code. */
export class ApiError extends Error {
  /** The code as the server spelled it, kept even when this app version does not know it. */
  readonly rawCode: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** HTTP status, or 0 when no answer came back. */
    readonly status: number,
    readonly fields: FieldError[] = [],
    rawCode?: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.rawCode = rawCode ?? code;
  }

  /** Whether trying the same call again may help (network, timeout, 5xx). */
  get isTransient(): boolean {
    return (
      this.status === 0 ||
      this.status >= 500 ||
      this.code === 'RATE_LIMITED' ||
      this.code === 'TOO_MANY_LOGINS'
    );
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

export function isServerErrorCode(code: string): code is ServerErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

const MESSAGES: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The server could not read that request. Check the form and try again.',
  WEAK_PASSWORD: 'Choose a password of 8 to 128 characters.',
  STRATEGY_INVALID: 'Some fields need fixing: see the notes beside them.',
  UNKNOWN_SYMBOL: "Your broker doesn't list that symbol. Check the spelling (for example TCS or INFY).",
  UNAUTHORIZED: 'Please sign in again.',
  TOKEN_EXPIRED: 'Your session has expired. Please sign in again.',
  INVALID_CREDENTIALS: 'Wrong email or password.',
  FORBIDDEN: "You're not allowed to do that.",
  NOT_FOUND: "That strategy doesn't exist any more.",
  EMAIL_TAKEN: 'An account with this email already exists. Sign in instead.',
  STRATEGY_OVERLAP:
    'You already have a strategy on this symbol at overlapping times. Change the times, or delete the other strategy.',
  STRATEGY_RUNNING: 'Stop the strategy before editing or deleting it.',
  LOSS_LIMIT_HIT:
    'Today’s loss reached your daily loss limit. Strategies start again on the next trading day.',
  BROKER_NOT_CONNECTED: 'Connect your broker before starting a strategy.',
  PAYLOAD_TOO_LARGE: 'That is too much to send at once.',
  RATE_LIMITED: 'Too many attempts. Wait a minute, then try again.',
  TOO_MANY_LOGINS: 'The server is busy signing people in. Try again in a moment.',
  BROKER_AUTH_FAILED:
    'Your broker rejected the keys — re-enter your access token (Kite tokens expire every morning).',
  BROKER_UNAVAILABLE: "Your broker didn't answer. Try again in a moment.",
  ORDER_FAILED: 'Your broker refused or failed the order. See the order log for its reason.',
  REDIS_DOWN: 'The service is having trouble right now. Try again in a few minutes.',
  DB_DOWN: 'The service is having trouble right now. Try again in a few minutes.',
  INTERNAL: 'Something went wrong on our side. Try again.',
  NETWORK_ERROR: "Can't reach the server. Check your connection and try again.",
  TIMEOUT: 'The server took too long to answer. Try again.',
  BAD_RESPONSE: "The server sent an answer this app doesn't understand. Try updating the app.",
  UNKNOWN: 'Something went wrong. Try again.',
};

/** Words for the user for one code. */
export function userMessage(code: ErrorCode): string {
  return MESSAGES[code];
}

/** Words for the user for anything thrown by an API call (or anything else). */
export function describeError(error: unknown): string {
  if (isApiError(error)) {
    // A code this version does not know: the server's own message is the best we have.
    if (error.code === 'UNKNOWN' && error.message) return error.message;
    return MESSAGES[error.code];
  }
  return MESSAGES.UNKNOWN;
}

/** Words for a symbol search that failed, shown under the symbol field. */
export function describeSearchError(error: unknown): string {
  if (isApiError(error) && error.code === 'BROKER_NOT_CONNECTED') {
    return 'Log in to Kite (on the Broker screen) to search its symbols.';
  }
  return `The symbol search failed. ${describeError(error)}`;
}

/**
 * Words for the symbol field when the server could not accept the symbol (`UNKNOWN_SYMBOL`),
 * or could not check it for want of a Kite login (`BROKER_NOT_CONNECTED` on create); `null`
 * for any other failure.
 */
export function symbolCheckMessage(error: unknown): string | null {
  if (!isApiError(error)) return null;
  if (error.code === 'UNKNOWN_SYMBOL') return MESSAGES.UNKNOWN_SYMBOL;
  if (error.code === 'BROKER_NOT_CONNECTED') {
    return "Log in to Kite (on the Broker screen) first: symbols are checked against your broker's list.";
  }
  return null;
}
