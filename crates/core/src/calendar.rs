//! Trading calendars in IST: which days trade, each day's session and MIS cut-off per
//! segment, and when a time of day next comes round.
//!
//! The NSE calendar is data (`data/calendar.txt`, or `ALGO_CALENDAR_FILE`): the regular session
//! of each segment, and one entry per date that differs (a holiday, a special session, changed
//! hours), each with its source. Everything here is computed in `Asia/Kolkata` and handed back
//! in UTC, so a host whose clock zone is UTC (every Lambda) gets the same answers as a laptop in
//! Mumbai.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};

use crate::strategy::{Exchange, Product};
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

/// The hours one day trades in one segment, IST, both ends included, and the broker's MIS
/// square-off cut-off that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub open: NaiveTime,
    pub close: NaiveTime,
    /// An MIS (intraday) exit goes out no later than this.
    pub mis_cutoff: NaiveTime,
}

impl Session {
    pub fn contains(&self, t: NaiveTime) -> bool {
        self.open <= t && t <= self.close
    }

    /// The latest a position of `product` may be exited in this session: the MIS cut-off for
    /// intraday, the close for delivery.
    pub fn exit_deadline(&self, product: Product) -> NaiveTime {
        match product {
            Product::Mis => self.mis_cutoff,
            Product::Cnc => self.close,
        }
    }
}

/// What kind of day a date is in one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A weekday with the segment's regular session.
    Regular,
    /// A session listed for that date: a special session or changed hours.
    Listed,
    /// A listed holiday.
    Closed,
    /// Saturday or Sunday with no session listed.
    Weekend,
}

/// One date of the calendar, as `algo calendar` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay<'a> {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub session: Option<Session>,
    /// The entry's name (the holiday, the special session), when the date is listed.
    pub name: Option<&'a str>,
    /// Where the entry (or the regular session) comes from.
    pub source: Option<&'a str>,
}

/// Whether a year's list is the exchange's published one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearStatus {
    Final,
    Provisional,
}

/// A calendar data line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("calendar line {line}: {reason}")]
pub struct CalendarDataError {
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone)]
struct Regular {
    session: Session,
    source: String,
}

#[derive(Debug, Clone)]
enum EntryKind {
    Closed,
    Session {
        open: NaiveTime,
        close: NaiveTime,
        mis_cutoff: Option<NaiveTime>,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    kind: EntryKind,
    name: String,
    source: String,
}

/// A trading calendar. Cheap to clone; build once at start-up.
#[derive(Debug, Clone)]
pub struct TradingCalendar {
    kind: CalendarKind,
    regular: BTreeMap<&'static str, Regular>,
    dates: BTreeMap<NaiveDate, Entry>,
    years: BTreeMap<i32, (YearStatus, String)>,
}

/// The calendar data shipped in this crate.
pub const SHIPPED_DATA: &str = include_str!("../data/calendar.txt");

const SEGMENTS: [Exchange; 2] = [Exchange::Nse, Exchange::Bse];

fn hms(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).expect("constant time of day is valid")
}

fn parse_hours(text: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (open, close) = text.split_once('-')?;
    let t = |x: &str| NaiveTime::parse_from_str(x, "%H:%M:%S").ok();
    Some((t(open)?, t(close)?))
}

impl TradingCalendar {
    /// The calendar of the given kind, with the data shipped in this crate.
    pub fn new(kind: CalendarKind) -> Self {
        match kind {
            CalendarKind::Nse => {
                Self::from_data(SHIPPED_DATA).expect("the shipped calendar data parses (tested)")
            }
            CalendarKind::AlwaysOpen => {
                let session = Session {
                    open: hms(0, 0, 0),
                    close: hms(23, 59, 59),
                    mis_cutoff: hms(23, 59, 59),
                };
                Self {
                    kind,
                    regular: SEGMENTS
                        .iter()
                        .map(|s| {
                            let source = "always-open: every day, for demos and tests".to_owned();
                            (s.as_str(), Regular { session, source })
                        })
                        .collect(),
                    dates: BTreeMap::new(),
                    years: BTreeMap::new(),
                }
            }
        }
    }

    /// An NSE calendar from data in the format of `data/calendar.txt`.
    pub fn from_data(data: &str) -> Result<Self, CalendarDataError> {
        let mut regular = BTreeMap::new();
        let mut dates = BTreeMap::new();
        let mut years = BTreeMap::new();
        for (i, raw) in data.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |reason: &str| CalendarDataError {
                line: i + 1,
                reason: reason.to_owned(),
            };
            let (entry, source) = line
                .split_once(" | source: ")
                .ok_or_else(|| err("every entry names its source after \" | source: \""))?;
            let source = source.trim();
            if source.is_empty() {
                return Err(err("the source is empty"));
            }
            let mut words = entry.split_whitespace();
            let first = words.next().unwrap_or_default();
            match first {
                "regular" => {
                    let segment = words
                        .next()
                        .and_then(Exchange::parse)
                        .ok_or_else(|| err("regular needs a segment: NSE or BSE"))?;
                    let (open, close) = words
                        .next()
                        .and_then(parse_hours)
                        .ok_or_else(|| err("regular needs HH:MM:SS-HH:MM:SS"))?;
                    let mis_cutoff = match (words.next(), words.next()) {
                        (Some("mis"), Some(t)) => NaiveTime::parse_from_str(t, "%H:%M:%S")
                            .map_err(|_| err("bad MIS cut-off"))?,
                        _ => return Err(err("regular needs mis HH:MM:SS")),
                    };
                    let session = checked(open, close, mis_cutoff).map_err(&err)?;
                    let source = source.to_owned();
                    if regular
                        .insert(segment.as_str(), Regular { session, source })
                        .is_some()
                    {
                        return Err(err("duplicate regular session"));
                    }
                }
                "year" => {
                    let year: i32 = words
                        .next()
                        .and_then(|y| y.parse().ok())
                        .ok_or_else(|| err("year needs YYYY"))?;
                    let status = match words.next() {
                        Some("final") => YearStatus::Final,
                        Some("provisional") => YearStatus::Provisional,
                        _ => return Err(err("year needs final or provisional")),
                    };
                    if years.insert(year, (status, source.to_owned())).is_some() {
                        return Err(err("duplicate year"));
                    }
                }
                date => {
                    let date =
                        NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| err("bad date"))?;
                    if !years.contains_key(&date.year()) {
                        return Err(err(&format!(
                            "no `year {}` line before this date",
                            date.year()
                        )));
                    }
                    let kind = match words.next() {
                        Some("closed") => EntryKind::Closed,
                        Some("session") => {
                            let (open, close) = words
                                .next()
                                .and_then(parse_hours)
                                .ok_or_else(|| err("session needs HH:MM:SS-HH:MM:SS"))?;
                            let mut rest = words.clone();
                            let mis_cutoff = if rest.next() == Some("mis") {
                                let t = rest
                                    .next()
                                    .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M:%S").ok())
                                    .ok_or_else(|| err("bad MIS cut-off"))?;
                                words = rest;
                                checked(open, close, t).map_err(&err)?;
                                Some(t)
                            } else {
                                checked(open, close, close).map_err(&err)?;
                                None
                            };
                            EntryKind::Session {
                                open,
                                close,
                                mis_cutoff,
                            }
                        }
                        _ => return Err(err("a date is closed or has a session")),
                    };
                    let name = words.collect::<Vec<_>>().join(" ");
                    if name.is_empty() {
                        return Err(err("a date entry needs a name"));
                    }
                    let entry = Entry {
                        kind,
                        name,
                        source: source.to_owned(),
                    };
                    if dates.insert(date, entry).is_some() {
                        return Err(err("duplicate date: one entry per date"));
                    }
                }
            }
        }
        for segment in SEGMENTS {
            if !regular.contains_key(segment.as_str()) {
                return Err(CalendarDataError {
                    line: 0,
                    reason: format!("no regular session for {segment}"),
                });
            }
        }
        Ok(Self {
            kind: CalendarKind::Nse,
            regular,
            dates,
            years,
        })
    }

    /// The same calendar with every regular MIS cut-off moved to `cutoff` (`ALGO_MIS_CUTOFF`);
    /// listed sessions without their own cut-off keep the same distance before their close.
    pub fn with_regular_mis_cutoff(mut self, cutoff: NaiveTime) -> Result<Self, String> {
        for (segment, r) in self.regular.iter_mut() {
            if !r.session.contains(cutoff) || cutoff <= r.session.open {
                return Err(format!(
                    "the MIS cut-off {cutoff} is outside {segment}'s session"
                ));
            }
            r.session.mis_cutoff = cutoff;
            r.source = format!("{} (MIS cut-off set by ALGO_MIS_CUTOFF)", r.source);
        }
        Ok(self)
    }

    pub fn kind(&self) -> CalendarKind {
        self.kind
    }

    /// The regular (weekday) session of a segment.
    pub fn regular(&self, segment: Exchange) -> Session {
        self.regular[segment.as_str()].session
    }

    /// Everything the calendar says about `date` in `segment`.
    pub fn day(&self, date: NaiveDate, segment: Exchange) -> CalendarDay<'_> {
        let regular = &self.regular[segment.as_str()];
        if let Some(entry) = self.dates.get(&date) {
            let (kind, session) = match entry.kind {
                EntryKind::Closed => (DayKind::Closed, None),
                EntryKind::Session {
                    open,
                    close,
                    mis_cutoff,
                } => {
                    let gap = regular.session.close - regular.session.mis_cutoff;
                    let mis_cutoff = mis_cutoff.unwrap_or_else(|| (close - gap).max(open));
                    (
                        DayKind::Listed,
                        Some(Session {
                            open,
                            close,
                            mis_cutoff,
                        }),
                    )
                }
            };
            return CalendarDay {
                date,
                kind,
                session,
                name: Some(&entry.name),
                source: Some(&entry.source),
            };
        }
        if self.kind == CalendarKind::Nse && matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return CalendarDay {
                date,
                kind: DayKind::Weekend,
                session: None,
                name: None,
                source: None,
            };
        }
        CalendarDay {
            date,
            kind: DayKind::Regular,
            session: Some(regular.session),
            name: None,
            source: Some(&regular.source),
        }
    }

    /// The session of `segment` on `date` (IST), or `None` when that market is shut that day.
    pub fn session_of(&self, date: NaiveDate, segment: Exchange) -> Option<Session> {
        self.day(date, segment).session
    }

    /// The NSE session on `date` (IST), or `None` when the market is shut that day.
    pub fn session(&self, date: NaiveDate) -> Option<Session> {
        self.session_of(date, Exchange::Nse)
    }

    pub fn is_trading_day(&self, date: NaiveDate) -> bool {
        self.session(date).is_some()
    }

    /// The holiday's name when `date` is a listed holiday.
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        self.dates
            .get(&date)
            .filter(|e| matches!(e.kind, EntryKind::Closed))
            .map(|e| e.name.as_str())
    }

    /// Whether a year's list is final, and its source; `None` for a year with no list.
    pub fn year(&self, year: i32) -> Option<(YearStatus, &str)> {
        self.years.get(&year).map(|(s, src)| (*s, src.as_str()))
    }

    /// A warning for the operator when this year's or the coming year's list is provisional or
    /// missing (every weekday of a missing year counts as a regular session). `None` for the
    /// `always-open` calendar and when both lists are final.
    pub fn provisional_warning(&self, today: NaiveDate) -> Option<String> {
        let warnings: Vec<String> = [today.year(), today.year() + 1]
            .into_iter()
            .filter_map(|y| self.year_warning(y))
            .collect();
        (!warnings.is_empty()).then(|| warnings.join("; "))
    }

    /// Why `year`'s list cannot be trusted yet: provisional, or missing. `None` when final (and
    /// always for the `always-open` calendar).
    pub fn year_warning(&self, year: i32) -> Option<String> {
        if self.kind == CalendarKind::AlwaysOpen {
            return None;
        }
        match self.year(year) {
            Some((YearStatus::Final, _)) => None,
            Some((YearStatus::Provisional, source)) => Some(format!(
                "the {year} calendar is provisional ({source}); update crates/core/data/calendar.txt or ALGO_CALENDAR_FILE when the exchange publishes it"
            )),
            None => Some(format!(
                "the calendar has no {year} list: every weekday of {year} counts as a regular session and no holiday is known"
            )),
        }
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

    /// When a position of `product` in `segment` whose strategy sells at `sell_time` is exited
    /// on `date`: the sell time, or earlier when the day's session ends sooner (the MIS cut-off
    /// of a short day). `None` when the segment does not trade that day or the session opens
    /// after that time.
    pub fn exit_time(
        &self,
        date: NaiveDate,
        segment: Exchange,
        product: Product,
        sell_time: NaiveTime,
    ) -> Option<NaiveTime> {
        let session = self.session_of(date, segment)?;
        let at = sell_time.min(session.exit_deadline(product));
        (at >= session.open).then_some(at)
    }

    /// The next instant at or after `now` of a strategy's entry at `buy_time` in `segment`: a
    /// day whose session includes that time.
    pub fn next_entry_instant(
        &self,
        segment: Exchange,
        buy_time: NaiveTime,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.next_instant(now, |date| {
            self.session_of(date, segment)
                .filter(|s| s.contains(buy_time))
                .map(|_| buy_time)
        })
    }

    /// The next instant at or after `now` of a strategy's exit: [`Self::exit_time`] of each day
    /// from today on.
    pub fn next_exit_instant(
        &self,
        segment: Exchange,
        product: Product,
        sell_time: NaiveTime,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.next_instant(now, |date| {
            self.exit_time(date, segment, product, sell_time)
        })
    }

    /// The first instant at or after `now` when it is `time_of_day` IST on a day whose NSE
    /// session includes that time. `None` when no such day comes within a year and a half.
    pub fn next_trading_instant(
        &self,
        time_of_day: NaiveTime,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.next_instant(now, |date| {
            self.session(date)
                .filter(|s| s.contains(time_of_day))
                .map(|_| time_of_day)
        })
    }

    /// The first instant at or after `now` of `at(date)` IST, over the dates from today on for
    /// which `at` gives a time. `None` when none comes within a year and a half.
    pub fn next_instant(
        &self,
        now: DateTime<Utc>,
        at: impl Fn(NaiveDate) -> Option<NaiveTime>,
    ) -> Option<DateTime<Utc>> {
        let mut date = Self::trading_date(now);
        for _ in 0..550 {
            if let Some(t) = at(date) {
                let instant = Self::instant(date, t);
                if instant >= now {
                    return Some(instant);
                }
            }
            date = date.checked_add_days(Days::new(1))?;
        }
        None
    }
}

/// A session's times, checked: it opens before it closes and the cut-off lies inside it.
fn checked(
    open: NaiveTime,
    close: NaiveTime,
    mis_cutoff: NaiveTime,
) -> Result<Session, &'static str> {
    if open >= close {
        return Err("session opens after it closes");
    }
    if mis_cutoff <= open || mis_cutoff > close {
        return Err("the MIS cut-off must be after the open and no later than the close");
    }
    Ok(Session {
        open,
        close,
        mis_cutoff,
    })
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
        let cal = TradingCalendar::from_data(SHIPPED_DATA).expect("parses");
        assert!(cal.dates.len() >= 30);
        assert_eq!(cal.holiday(d(2026, 1, 26)), Some("Republic Day"));
        for (date, entry) in &cal.dates {
            assert!(!entry.source.is_empty(), "{date} names its source");
        }
        assert_eq!(cal.year(2026).map(|y| y.0), Some(YearStatus::Final));
        assert_eq!(cal.year(2027).map(|y| y.0), Some(YearStatus::Provisional));
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
    fn a_short_day_brings_the_exit_forward_to_its_cut_off() {
        let cal = TradingCalendar::new(CalendarKind::Nse);
        let muhurat = d(2025, 10, 21);
        let s = cal.session(muhurat).expect("Muhurat");
        assert_eq!(
            s.mis_cutoff,
            hms(14, 35, 0),
            "derived: 10 minutes before the close"
        );
        assert_eq!(
            cal.exit_time(muhurat, Exchange::Nse, Product::Mis, hms(15, 15, 0)),
            Some(hms(14, 35, 0))
        );
        assert_eq!(
            cal.exit_time(muhurat, Exchange::Nse, Product::Cnc, hms(15, 15, 0)),
            Some(hms(14, 45, 0))
        );
        assert_eq!(
            cal.exit_time(muhurat, Exchange::Nse, Product::Mis, hms(14, 10, 0)),
            Some(hms(14, 10, 0))
        );
        // A sell time before the session opens: nothing was bought, nothing to exit.
        assert_eq!(
            cal.exit_time(muhurat, Exchange::Nse, Product::Mis, hms(10, 0, 0)),
            None
        );
        // A regular day: the strategy's own time.
        assert_eq!(
            cal.exit_time(d(2026, 11, 25), Exchange::Bse, Product::Mis, hms(15, 15, 0)),
            Some(hms(15, 15, 0))
        );
        assert_eq!(
            cal.exit_time(d(2026, 11, 24), Exchange::Nse, Product::Mis, hms(15, 15, 0)),
            None
        );
    }

    #[test]
    fn changed_hours_and_cut_offs_per_segment_come_from_the_data() {
        let data = format!(
            "{}2026-12-02 session 09:15:00-13:00:00 mis 12:45:00 shortened day | source: test\n\
             2026-12-03 session 10:00:00-15:30:00 late open | source: test\n",
            HEAD.replace(
                "regular BSE 09:15:00-15:30:00 mis 15:20:00",
                "regular BSE 09:15:00-15:30:00 mis 15:10:00"
            )
        );
        let cal = TradingCalendar::from_data(&data).expect("parses");
        assert_eq!(cal.regular(Exchange::Nse).mis_cutoff, hms(15, 20, 0));
        assert_eq!(cal.regular(Exchange::Bse).mis_cutoff, hms(15, 10, 0));
        let short = cal.day(d(2026, 12, 2), Exchange::Nse);
        assert_eq!(short.kind, DayKind::Listed);
        assert_eq!(
            (short.name, short.source),
            (Some("shortened day"), Some("test"))
        );
        assert_eq!(
            short.session.map(|s| (s.close, s.mis_cutoff)),
            Some((hms(13, 0, 0), hms(12, 45, 0)))
        );
        // Without its own cut-off, a listed session keeps each segment's distance to the close.
        let late = d(2026, 12, 3);
        assert_eq!(
            cal.session_of(late, Exchange::Nse).map(|s| s.mis_cutoff),
            Some(hms(15, 20, 0))
        );
        assert_eq!(
            cal.session_of(late, Exchange::Bse).map(|s| s.mis_cutoff),
            Some(hms(15, 10, 0))
        );
        // A 09:30 time does not come on the late-open day.
        assert_eq!(
            cal.next_trading_instant(hms(9, 30, 0), utc("2026-12-03T00:00:00Z")),
            Some(utc("2026-12-04T04:00:00Z"))
        );
        assert_eq!(
            cal.day(d(2026, 12, 5), Exchange::Nse).kind,
            DayKind::Weekend
        );
        assert_eq!(
            cal.day(d(2026, 12, 4), Exchange::Nse).kind,
            DayKind::Regular
        );
        // ALGO_MIS_CUTOFF moves the regular cut-offs, and the derived ones with them.
        let moved = cal.with_regular_mis_cutoff(hms(15, 25, 0)).expect("inside");
        assert_eq!(moved.regular(Exchange::Bse).mis_cutoff, hms(15, 25, 0));
        assert_eq!(
            moved.session_of(late, Exchange::Nse).map(|s| s.mis_cutoff),
            Some(hms(15, 25, 0))
        );
        assert!(moved.with_regular_mis_cutoff(hms(16, 0, 0)).is_err());
    }

    #[test]
    fn a_provisional_or_missing_coming_year_is_warned_about() {
        let cal = TradingCalendar::new(CalendarKind::Nse);
        let warning = cal
            .provisional_warning(d(2026, 12, 1))
            .expect("2027 is provisional");
        assert!(
            warning.contains("2027 calendar is provisional"),
            "{warning}"
        );
        assert!(
            !warning.contains("the 2026 calendar") && !warning.contains("no 2026"),
            "{warning}"
        );
        assert_eq!(
            cal.provisional_warning(d(2025, 6, 1)),
            None,
            "2025 and 2026 are final"
        );
        let later = cal
            .provisional_warning(d(2027, 6, 1))
            .expect("2028 missing");
        assert!(later.contains("no 2028 list"), "{later}");
        assert_eq!(
            TradingCalendar::new(CalendarKind::AlwaysOpen).provisional_warning(d(2026, 12, 1)),
            None
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

    const HEAD: &str = "regular NSE 09:15:00-15:30:00 mis 15:20:00 | source: a\n\
                        regular BSE 09:15:00-15:30:00 mis 15:20:00 | source: b\n\
                        year 2026 final | source: c\n";

    fn line_of_error(extra: &str) -> Result<(), (usize, String)> {
        TradingCalendar::from_data(&format!("{HEAD}{extra}"))
            .map(|_| ())
            .map_err(|e| (e.line, e.reason))
    }

    #[test]
    fn bad_data_is_rejected_with_its_line() {
        assert!(line_of_error("").is_ok());
        assert_eq!(
            line_of_error("2026-02-30 closed nope | source: x\n").map_err(|e| e.0),
            Err(4)
        );
        let cases = [
            (
                "2026-01-26 closed a | source: x\n2026-01-26 closed b | source: x\n",
                "duplicate date",
            ),
            (
                "2026-01-31 session 15:00:00-09:00:00 x | source: x\n",
                "opens after",
            ),
            (
                "2026-01-31 session 09:15:00-13:00:00 mis 13:30:00 x | source: x\n",
                "cut-off",
            ),
            ("2026-01-31 shut x | source: x\n", "closed or has a session"),
            ("2026-01-26 closed Republic Day\n", "source"),
            ("2026-01-26 closed Republic Day | source: \n", "source"),
            ("2026-01-26 closed | source: x\n", "needs a name"),
            (
                "2028-01-26 closed Republic Day | source: x\n",
                "no `year 2028` line",
            ),
            ("year 2026 final | source: again\n", "duplicate year"),
            ("year 2027 maybe | source: x\n", "final or provisional"),
            (
                "regular NFO 09:15:00-15:30:00 mis 15:25:00 | source: x\n",
                "segment",
            ),
            (
                "regular NSE 09:15:00-15:30:00 mis 15:25:00 | source: x\n",
                "duplicate regular",
            ),
        ];
        for (extra, why) in cases {
            let reason = line_of_error(extra).expect_err(extra).1;
            assert!(reason.contains(why), "{extra:?}: {reason}");
        }
        let no_bse = "regular NSE 09:15:00-15:30:00 mis 15:20:00 | source: a\n";
        assert!(TradingCalendar::from_data(no_bse)
            .expect_err("BSE missing")
            .reason
            .contains("BSE"));
    }
}
