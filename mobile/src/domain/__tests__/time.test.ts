import {
  formatCalendarDate,
  formatIstInstant,
  istSecondsOfDay,
  istTimeOfDay,
  lastIstDays,
  nextIstMinute,
} from '../time';

describe('IST formatting', () => {
  const now = Date.parse('2026-11-25T03:30:00Z'); // 09:00 IST on 25 Nov

  it('shows an instant on the same IST day as a time of day in IST', () => {
    expect(formatIstInstant('2026-11-25T04:00:00Z', now)).toBe('09:30:00 IST');
  });

  it('adds the IST date when the instant falls on another IST day', () => {
    // 20:00 UTC on the 25th is already 01:30 on the 26th in India.
    expect(formatIstInstant('2026-11-25T20:00:00Z', now)).toBe('26 Nov, 01:30:00 IST');
  });

  it('does not depend on the device time zone', () => {
    const original = process.env.TZ;
    try {
      for (const tz of ['America/Los_Angeles', 'Asia/Tokyo', 'UTC']) {
        process.env.TZ = tz;
        expect(istTimeOfDay(Date.parse('2026-11-25T09:59:30Z'))).toBe('15:29:30');
        expect(formatIstInstant('2026-11-25T04:00:00Z', now)).toBe('09:30:00 IST');
      }
    } finally {
      process.env.TZ = original;
    }
  });

  it('leaves text that is not an instant as it is', () => {
    expect(formatIstInstant('soon', now)).toBe('soon');
  });
});

describe('IST dates', () => {
  it('counts the last 30 days back from the IST date, not the UTC one', () => {
    // 20:00 UTC on 25 Nov is already 26 Nov in India.
    expect(lastIstDays(Date.parse('2026-11-25T20:00:00Z'), 30)).toEqual({
      from: '2026-10-28',
      to: '2026-11-26',
    });
    expect(lastIstDays(Date.parse('2026-11-25T03:30:00Z'), 30)).toEqual({
      from: '2026-10-27',
      to: '2026-11-25',
    });
    expect(lastIstDays(Date.parse('2026-03-01T03:30:00Z'), 1)).toEqual({
      from: '2026-03-01',
      to: '2026-03-01',
    });
  });

  it('shows a calendar date for people', () => {
    expect(formatCalendarDate('2026-11-04')).toBe('4 Nov 2026');
    expect(formatCalendarDate('2026-13-04')).toBe('2026-13-04');
  });
});

describe('IST time of day for the pickers', () => {
  it('counts seconds from IST midnight whatever the device zone', () => {
    const original = process.env.TZ;
    try {
      for (const tz of ['America/Los_Angeles', 'UTC']) {
        process.env.TZ = tz;
        // 03:45:30 UTC is 09:15:30 IST.
        expect(istSecondsOfDay(Date.parse('2026-11-25T03:45:30Z'))).toBe(9 * 3600 + 15 * 60 + 30);
      }
    } finally {
      process.env.TZ = original;
    }
  });

  it('starts a picker at the next whole minute, past midnight at 00:00', () => {
    expect(nextIstMinute(Date.parse('2026-11-25T03:45:30Z'))).toBe(9 * 3600 + 16 * 60);
    expect(nextIstMinute(Date.parse('2026-11-25T03:45:00Z'))).toBe(9 * 3600 + 16 * 60);
    // 18:29:59 UTC is 23:59:59 IST.
    expect(nextIstMinute(Date.parse('2026-11-25T18:29:59Z'))).toBe(0);
  });
});
