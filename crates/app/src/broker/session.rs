//! A Kite session's day: an access token lives until 06:00 IST the morning after its login
//! (Kite kills every token then), so a token is dated by the "Kite day" it was issued in.

use algo_core::IST;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

/// When Kite's access tokens die each morning, IST.
pub const TOKEN_EXPIRY_IST: NaiveTime = match NaiveTime::from_hms_opt(6, 0, 0) {
    Some(t) => t,
    None => panic!("06:00 is a time"),
};

/// The Kite day a token issued at `at` belongs to: its IST date, or the day before when issued
/// before 06:00 IST (such a token dies at 06:00 that same morning).
pub fn token_day(at: DateTime<Utc>) -> NaiveDate {
    let ist = at.with_timezone(&IST);
    if ist.time() < TOKEN_EXPIRY_IST {
        ist.date_naive() - Duration::days(1)
    } else {
        ist.date_naive()
    }
}

/// The instant a token of Kite day `day` dies: 06:00 IST the next morning.
pub fn valid_until(day: NaiveDate) -> DateTime<Utc> {
    (day + Duration::days(1))
        .and_time(TOKEN_EXPIRY_IST)
        .and_local_timezone(IST)
        .single()
        .expect("IST has no gaps")
        .with_timezone(&Utc)
}

/// Where a user's broker session stands at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// A token the broker should take.
    Live {
        /// When it dies (`None` for a token saved with no date, before logins were dated).
        valid_until: Option<DateTime<Utc>>,
    },
    /// A token that died (the morning came, or the broker answered `TokenException`): the
    /// trader must log in again.
    Expired { reason: String },
    /// Keys saved and never logged in, or no keys at all.
    NotConnected,
}

impl SessionState {
    /// The state of `row` (`None`: no keys) at `now`: a token of an earlier Kite day is
    /// expired without waiting for the broker to say so.
    pub fn of(row: Option<&algo_store::ports::BrokerKeysRow>, now: DateTime<Utc>) -> Self {
        let Some(row) = row else {
            return SessionState::NotConnected;
        };
        match row.status.as_str() {
            "connected" => match row.token_date.map(valid_until) {
                Some(until) if now >= until => SessionState::Expired {
                    reason: "the Kite session ended at 06:00 IST; log in to Kite for today".into(),
                },
                valid_until => SessionState::Live { valid_until },
            },
            "expired" => SessionState::Expired {
                reason: row
                    .status_reason
                    .clone()
                    .unwrap_or_else(|| "the broker refused the session".into()),
            },
            _ => SessionState::NotConnected,
        }
    }

    /// `connected`, `expired` or `not_connected`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SessionState::Live { .. } => "connected",
            SessionState::Expired { .. } => "expired",
            SessionState::NotConnected => "not_connected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ist(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 12, d)
            .and_then(|day| day.and_hms_opt(h, m, 0))
            .and_then(|t| t.and_local_timezone(IST).single())
            .expect("instant")
            .with_timezone(&Utc)
    }

    #[test]
    fn a_token_dies_at_six_the_next_morning() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        assert_eq!(token_day(ist(2, 8, 30)), day(2));
        assert_eq!(valid_until(token_day(ist(2, 8, 30))), ist(3, 6, 0));
        assert_eq!(token_day(ist(2, 23, 59)), day(2));
        assert_eq!(
            token_day(ist(3, 5, 59)),
            day(2),
            "before six: still yesterday's day"
        );
        assert_eq!(token_day(ist(3, 6, 0)), day(3));
    }
}
