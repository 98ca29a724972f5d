//! `algo calendar`: the sessions of a range of dates, as the executor will see them.

use algo_core::calendar::{CalendarDay, DayKind};
use algo_core::{Exchange, TradingCalendar};
use chrono::{Datelike, Days, NaiveDate};

/// The lines to print for `from..=to` in `segment`, and the warnings about the years involved
/// (each year of the range, and the year after `today`).
pub fn render(
    calendar: &TradingCalendar,
    segment: Exchange,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<(Vec<String>, Vec<String>), String> {
    if to < from {
        return Err(format!("--to {to} is before --from {from}"));
    }
    if (to - from).num_days() > 800 {
        return Err("a range of at most 800 days".into());
    }
    let mut lines = vec![format!(
        "{segment} sessions, {from} to {to} (IST; the MIS cut-off is when an intraday exit goes out at the latest)"
    )];
    let mut date = from;
    while date <= to {
        lines.push(line(&calendar.day(date, segment)));
        date = date
            .checked_add_days(Days::new(1))
            .ok_or("date out of range")?;
    }
    let mut years: Vec<i32> = (from.year()..=to.year()).collect();
    if !years.contains(&(today.year() + 1)) {
        years.push(today.year() + 1);
    }
    let warnings = years
        .into_iter()
        .filter_map(|y| calendar.year_warning(y))
        .collect();
    Ok((lines, warnings))
}

fn line(day: &CalendarDay<'_>) -> String {
    let date = format!("{} {}", day.date, day.date.format("%a"));
    let hours = |s: &algo_core::calendar::Session| {
        format!(
            "{}-{}  MIS by {}",
            s.open.format("%H:%M"),
            s.close.format("%H:%M"),
            s.mis_cutoff.format("%H:%M:%S")
        )
    };
    let note = |name: Option<&str>, source: Option<&str>| match (name, source) {
        (Some(n), Some(s)) => format!("  {n}  [{s}]"),
        (Some(n), None) => format!("  {n}"),
        _ => String::new(),
    };
    match (day.kind, day.session) {
        (DayKind::Regular, Some(s)) => format!("{date}  {}", hours(&s)),
        (DayKind::Listed, Some(s)) => {
            format!(
                "{date}  {}  special{}",
                hours(&s),
                note(day.name, day.source)
            )
        }
        (DayKind::Closed, _) => format!("{date}  closed{}", note(day.name, day.source)),
        (DayKind::Weekend, _) => format!("{date}  weekend"),
        (_, None) => format!("{date}  closed"),
    }
}
