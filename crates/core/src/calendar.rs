//! Trading calendars in IST: which days trade, and when a time of day next comes round.
//!
//! Everything here is computed in `Asia/Kolkata` and handed back in UTC, so a host whose
//! clock zone is UTC (every Lambda) gets the same answers as a laptop in Mumbai.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};

use crate::IST;

/// Which calendar to use; chosen by configuration (`ALGO_CALENDAR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarKind {
    /// NSE: weekdays 09:15:00–15:30:00 IST, minus holidays, plus special sessions.
    Nse,
    /// Every day, 00:00:00–23:59:59 IST. For demos and tests; never the AWS default.
    AlwaysOpen,
}

impl CalendarKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "nse" => Some(CalendarKind::Nse),
            "always-open" => Some(CalendarKind::AlwaysOpen),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CalendarKind::Nse => "nse",
            CalendarKind::AlwaysOpen => "always-open",
        }
    }
}

/// The hours one day trades, IST, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub open: NaiveTime,
    pub close: NaiveTime,
}

impl Session {
    pub fn contains(&self, t: NaiveTime) -> bool {
        self.open <= t && t <= self.close
    }
}

/// A calendar data line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("calendar line {line}: {reason}")]
pub struct CalendarDataError {
    pub line: usize,
    pub reason: String,
}

/// A trading calendar. Cheap to clone; build once at start-up.
#[derive(Debug, Clone)]
pub struct TradingCalendar {
    kind: CalendarKind,
    regular: Session,
    holidays: BTreeMap<NaiveDate, String>,
    special: BTreeMap<NaiveDate, Session>,
}

const NSE_DATA: &str = include_str!("../data/nse-calendar.txt");

fn hms(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).expect("constant time of day is valid")
}

impl TradingCalendar {
    /// The calendar of the given kind, with the NSE data shipped in this crate.
    pub fn new(kind: CalendarKind) -> Self {
        match kind {
            CalendarKind::Nse => Self::nse_from_data(NSE_DATA)
                .expect("the shipped NSE calendar data parses (tested)"),
            CalendarKind::AlwaysOpen => Self {
                kind,
                regular: Session {
                    open: hms(0, 0, 0),
                    close: hms(23, 59, 59),
                },
                holidays: BTreeMap::new(),
                special: BTreeMap::new(),
            },
        }
    }

    /// An NSE calendar from data lines in the format of `data/nse-calendar.txt`.
    pub fn nse_from_data(data: &str) -> Result<Self, CalendarDataError> {
        let mut holidays = BTreeMap::new();
        let mut special = BTreeMap::new();
        for (i, raw) in data.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |reason: &str| CalendarDataError {
                line: i + 1,
                reason: reason.to_owned(),
            };
            let mut parts = line.splitn(3, ' ');
            let date = parts
                .next()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .ok_or_else(|| err("bad date"))?;
            match parts.next() {
                Some("holiday") => {
                    let what = parts.next().unwrap_or("holiday").to_owned();
                    if holidays.insert(date, what).is_some() {
                        return Err(err("duplicate holiday"));
                    }
                }
                Some("special") => {
                    let rest = parts
                        .next()
                        .ok_or_else(|| err("special session needs HH:MM:SS-HH:MM:SS"))?;
                    let hours = rest.split(' ').next().unwrap_or("");
                    let (open, close) = hours
                        .split_once('-')
                        .ok_or_else(|| err("special session needs HH:MM:SS-HH:MM:SS"))?;
                    let parse = |t: &str| {
                        NaiveTime::parse_from_str(t, "%H:%M:%S")
                            .map_err(|_| err("bad session time"))
                    };
                    let session = Session {
                        open: parse(open)?,
                        close: parse(close)?,
                    };
                    if session.open >= session.close {
                        return Err(err("session opens after it closes"));
                    }
                    if special.insert(date, session).is_some() {
                        return Err(err("duplicate special session"));
                    }
                }
                _ => return Err(err("kind must be holiday or special")),
            }
        }
        Ok(Self {
            kind: CalendarKind::Nse,
            regular: Session {
                open: hms(9, 15, 0),
                close: hms(15, 30, 0),
            },
            holidays,
            special,
        })
    }

    pub fn kind(&self) -> CalendarKind {
        self.kind
    }

    /// The session on `date` (IST), or `None` when the market is shut that day.
    /// A special session wins over a holiday on the same date (Muhurat trading on Diwali).
    pub fn session(&self, date: NaiveDate) -> Option<Session> {
        if let Some(s) = self.special.get(&date) {
            return Some(*s);
        }
        if self.kind == CalendarKind::AlwaysOpen {
            return Some(self.regular);
        }
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            || self.holidays.contains_key(&date)
        {
            return None;
        }
        Some(self.regular)
    }

    pub fn is_trading_day(&self, date: NaiveDate) -> bool {
        self.session(date).is_some()
    }

    /// The holiday's name when `date` is a listed holiday.
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    /// The trading date (IST) that `now` falls on.
    pub fn trading_date(now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&IST).date_naive()
    }

    /// The UTC instant of `time_of_day` IST on `date`.
    pub fn instant(date: NaiveDate, time_of_day: NaiveTime) -> DateTime<Utc> {
        IST.from_local_datetime(&date.and_time(time_of_day))
            .single()
            .expect("Asia/Kolkata has no daylight saving, so every local time exists once")
            .with_timezone(&Utc)
    }

    /// The first instant at or after `now` when it is `time_of_day` IST on a day whose session
    /// includes that time. `None` when no such day comes within a year and a half.
    pub fn next_trading_instant(
        &self,
        time_of_day: NaiveTime,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let mut date = Self::trading_date(now);
        for _ in 0..550 {
            if self.session(date).is_some_and(|s| s.contains(time_of_day)) {
                let at = Self::instant(date, time_of_day);
                if at >= now {
                    return Some(at);
                }
            }
            date = date.checked_add_days(Days::new(1))?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("rfc3339")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_shipped_data_parses() {
        let cal = TradingCalendar::nse_from_data(NSE_DATA).expect("parses");
        assert!(cal.holidays.len() >= 30);
        assert_eq!(cal.holiday(d(2026, 1, 26)), Some("Republic Day"));
    }

    #[test]
    fn weekends_do_not_trade() {
        let cal = TradingCalendar::new(CalendarKind::Nse);
        assert!(!cal.is_trading_day(d(2026, 11, 28)), "Saturday");
        assert!(!cal.is_trading_day(d(2026, 11, 29)), "Sunday");
        assert!(cal.is_trading_day(d(2026, 11, 25)), "Wednesday");
        assert!(cal.is_trading_day(d(2026, 11, 27)), "Friday");
    }

    #[test]
    fn holidays_do_not_trade() {
        let cal = TradingCalendar::new(CalendarKind::Nse);
        for h in [
            d(2025, 3, 14),
            d(2025, 12, 25),
            d(2026, 1, 26),
            d(2026, 11, 24),
            d(2027, 1, 26),
        ] {
            assert!(!cal.is_trading_day(h), "{h} is a holiday");
        }
        assert!(
            cal.is_trading_day(d(2026, 11, 23)),
            "the Monday before Guru Nanak Jayanti trades"
        );
    }

    #[test]
    fn special_sessions_trade_even_on_weekends_and_holidays() {
        let cal = TradingCalendar::new(CalendarKind::Nse);
        let budget = cal.session(d(2025, 2, 1)).expect("Saturday budget session");
        assert_eq!((budget.open, budget.close), (hms(9, 15, 0), hms(15, 30, 0)));
        let muhurat = cal
            .session(d(2025, 10, 21))
            .expect("Muhurat session on a holiday");
        assert_eq!(
            (muhurat.open, muhurat.close),
            (hms(13, 45, 0), hms(14, 45, 0))
        );
        // A 09:30 strategy does not fire in the Muhurat hour; a 14:00 one does.
        let before = utc("2025-10-21T00:00:00Z");
        assert_eq!(
            cal.next_trading_instant(hms(9, 30, 0), before),
            Some(utc("2025-10-23T04:00:00Z"))
        );
        assert_eq!(
            cal.next_trading_instant(hms(14, 0, 0), before),
            Some(utc("2025-10-21T08:30:00Z"))
        );
    }

    #[test]
    fn next_instant_skips_weekends_and_holidays() {
        let cal = TradingCalendar::new(CalendarKind::Nse);
        // Friday 2026-11-27 16:00 IST: next 09:30 is Monday 2026-11-30 09:30 IST = 04:00 UTC.
        let fri_evening = utc("2026-11-27T10:30:00Z");
        assert_eq!(
            cal.next_trading_instant(hms(9, 30, 0), fri_evening),
            Some(utc("2026-11-30T04:00:00Z"))
        );
        // Monday 2026-11-23 after the close: Tuesday is Guru Nanak Jayanti, so Wednesday.
        let mon_evening = utc("2026-11-23T12:00:00Z");
        assert_eq!(
            cal.next_trading_instant(hms(9, 30, 0), mon_evening),
            Some(utc("2026-11-25T04:00:00Z"))
        );
        // Same day, before the time: today.
        let wed_morning = utc("2026-11-25T03:00:00Z");
        assert_eq!(
            cal.next_trading_instant(hms(9, 30, 0), wed_morning),
            Some(utc("2026-11-25T04:00:00Z"))
        );
        // Exactly at the instant: now.
        assert_eq!(
            cal.next_trading_instant(hms(9, 30, 0), utc("2026-11-25T04:00:00Z")),
            Some(utc("2026-11-25T04:00:00Z"))
        );
        // A time outside the session never comes.
        assert_eq!(cal.next_trading_instant(hms(8, 0, 0), wed_morning), None);
    }

    #[test]
    fn ist_midnight_is_not_utc_midnight() {
        let cal = TradingCalendar::new(CalendarKind::Nse);
        // 2026-11-27 18:45 UTC is already Saturday 00:15 IST: the trading date is Saturday.
        let late = utc("2026-11-27T18:45:00Z");
        assert_eq!(TradingCalendar::trading_date(late), d(2026, 11, 28));
        assert!(!cal.is_trading_day(TradingCalendar::trading_date(late)));
        // 2026-11-26 18:29:59 UTC is Thursday 23:59:59 IST; one second later it is Friday.
        assert_eq!(
            TradingCalendar::trading_date(utc("2026-11-26T18:29:59Z")),
            d(2026, 11, 26)
        );
        assert_eq!(
            TradingCalendar::trading_date(utc("2026-11-26T18:30:00Z")),
            d(2026, 11, 27)
        );
        // The UTC day boundary (00:00 UTC = 05:30 IST) does not change the IST date.
        assert_eq!(
            TradingCalendar::trading_date(utc("2026-11-26T00:00:00Z")),
            d(2026, 11, 26)
        );
        assert_eq!(
            TradingCalendar::trading_date(utc("2026-11-25T23:59:59Z")),
            d(2026, 11, 26)
        );
        // 09:15 IST is 03:45 UTC.
        assert_eq!(
            TradingCalendar::instant(d(2026, 11, 25), hms(9, 15, 0)),
            utc("2026-11-25T03:45:00Z")
        );
    }

    #[test]
    fn always_open_trades_every_second_of_every_day() {
        let cal = TradingCalendar::new(CalendarKind::AlwaysOpen);
        assert!(cal.is_trading_day(d(2026, 11, 28)));
        assert!(cal.is_trading_day(d(2026, 11, 24)));
        let now = utc("2026-11-28T18:00:00Z"); // Saturday 23:30 IST
        assert_eq!(
            cal.next_trading_instant(hms(23, 59, 59), now),
            Some(utc("2026-11-28T18:29:59Z"))
        );
        assert_eq!(
            cal.next_trading_instant(hms(0, 0, 0), now),
            Some(utc("2026-11-28T18:30:00Z"))
        );
        assert_eq!(
            CalendarKind::parse("always-open"),
            Some(CalendarKind::AlwaysOpen)
        );
        assert_eq!(CalendarKind::parse("nse"), Some(CalendarKind::Nse));
        assert_eq!(CalendarKind::parse("NYSE"), None);
    }

    #[test]
    fn bad_data_is_rejected_with_its_line() {
        let bad = "# c\n2026-02-30 holiday nope\n";
        assert_eq!(
            TradingCalendar::nse_from_data(bad)
                .map(|_| ())
                .map_err(|e| e.line),
            Err(2)
        );
        let dup = "2026-01-26 holiday a\n2026-01-26 holiday b\n";
        assert!(TradingCalendar::nse_from_data(dup).is_err());
        let backwards = "2026-01-31 special 15:00:00-09:00:00 x\n";
        assert!(TradingCalendar::nse_from_data(backwards).is_err());
        let kind = "2026-01-31 closed\n";
        assert!(TradingCalendar::nse_from_data(kind).is_err());
    }
}
