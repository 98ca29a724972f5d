/**
 * Instants shown in Indian Standard Time whatever the device's time zone. IST is a fixed
 * UTC+05:30 with no daylight saving, so plain arithmetic is exact and needs no Intl time-zone
 * data (which Hermes builds do not all carry).
 */
export const IST_OFFSET_MS = (5 * 60 + 30) * 60 * 1000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number) => String(n).padStart(2, '0');

interface IstParts {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
}

function istParts(epochMs: number): IstParts {
  const shifted = new Date(epochMs + IST_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth(),
    day: shifted.getUTCDate(),
    hours: shifted.getUTCHours(),
    minutes: shifted.getUTCMinutes(),
    seconds: shifted.getUTCSeconds(),
  };
}

/** `HH:MM:SS` in IST for an epoch time. */
export function istTimeOfDay(epochMs: number): string {
  const p = istParts(epochMs);
  return `${pad(p.hours)}:${pad(p.minutes)}:${pad(p.seconds)}`;
}

/**
 * An RFC 3339 instant for people: `09:30:00 IST` when it falls on today's IST date (by `now`),
 * `26 Nov, 09:30:00 IST` otherwise. Text that is not an instant comes back unchanged.
 */
export function formatIstInstant(instant: string, now: number): string {
  const epochMs = Date.parse(instant);
  if (Number.isNaN(epochMs)) return instant;
  const at = istParts(epochMs);
  const today = istParts(now);
  const time = `${istTimeOfDay(epochMs)} IST`;
  if (at.year === today.year && at.month === today.month && at.day === today.day) return time;
  return `${at.day} ${MONTHS[at.month]}, ${time}`;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The IST calendar date of an epoch time, `YYYY-MM-DD`. */
export function istDate(epochMs: number): string {
  const p = istParts(epochMs);
  return `${p.year}-${pad(p.month + 1)}-${pad(p.day)}`;
}

/**
 * The last `days` IST dates up to and including today (by `now`), as the API's `from`/`to`.
 * IST has no daylight saving, so every day is 24 hours long.
 */
export function lastIstDays(now: number, days: number): { from: string; to: string } {
  return { from: istDate(now - (days - 1) * DAY_MS), to: istDate(now) };
}

/** `2026-11-24` → `24 Nov 2026`; text that is not such a date comes back unchanged. */
export function formatCalendarDate(date: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  if (!match || !month) return date;
  return `${Number(match[3])} ${month} ${match[1]}`;
}

/** Seconds after IST midnight of `epochMs`. */
export function istSecondsOfDay(epochMs: number): number {
  const p = istParts(epochMs);
  return p.hours * 3600 + p.minutes * 60 + p.seconds;
}

/**
 * The next whole minute after `epochMs` as seconds after IST midnight (`0` past 23:59): where a
 * time picker with no time yet starts.
 */
export function nextIstMinute(epochMs: number): number {
  return (Math.floor(istSecondsOfDay(epochMs) / 60) * 60 + 60) % (24 * 3600);
}
