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
