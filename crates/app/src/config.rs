//! Configuration: one struct, read from environment variables with defaults that match the
//! local services `scripts/services` starts. Every variable is listed in `docs/operations.md`.

use std::time::Duration;

use algo_core::CalendarKind;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Settings shared by every binary.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`.
    pub database_url: String,
    /// `REDIS_URL`.
    pub redis_url: String,
    /// `ALGO_REDIS_PREFIX`: put in front of every Redis key (default empty).
    pub redis_prefix: String,
    /// `ALGO_CALENDAR`: `nse` or `always-open`.
    pub calendar: CalendarKind,
    /// `ALGO_STORE_TIMEOUT_MS`: the longest any one store call may take.
    pub store_timeout: Duration,
}

impl Config {
    /// Reads the environment; `default_calendar` differs by profile (the AWS profile passes `nse`).
    pub fn from_env(default_calendar: CalendarKind) -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok(), default_calendar)
    }

    /// Reads settings through `get`, so tests need not touch the process environment.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        default_calendar: CalendarKind,
    ) -> Result<Self, ConfigError> {
        let calendar = match get("ALGO_CALENDAR") {
            None => default_calendar,
            Some(v) => CalendarKind::parse(&v).ok_or_else(|| {
                ConfigError(format!(
                    "ALGO_CALENDAR must be nse or always-open, not {v:?}"
                ))
            })?,
        };
        let store_timeout = match get("ALGO_STORE_TIMEOUT_MS") {
            None => Duration::from_millis(2000),
            Some(v) => Duration::from_millis(v.parse().map_err(|_| {
                ConfigError(format!(
                    "ALGO_STORE_TIMEOUT_MS must be milliseconds, not {v:?}"
                ))
            })?),
        };
        Ok(Self {
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| "postgres://postgres:postgres@127.0.0.1:5432/algo".into()),
            redis_url: get("REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into()),
            redis_prefix: get("ALGO_REDIS_PREFIX").unwrap_or_default(),
            calendar,
            store_timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_local_services() {
        let c = Config::from_lookup(|_| None, CalendarKind::Nse).expect("defaults");
        assert_eq!(
            c.database_url,
            "postgres://postgres:postgres@127.0.0.1:5432/algo"
        );
        assert_eq!(c.redis_url, "redis://127.0.0.1:6379");
        assert_eq!(c.calendar, CalendarKind::Nse);
    }

    #[test]
    fn bad_values_fail_fast() {
        let get = |k: &str| (k == "ALGO_CALENDAR").then(|| "lse".to_string());
        assert!(Config::from_lookup(get, CalendarKind::Nse).is_err());
        let get = |k: &str| (k == "ALGO_STORE_TIMEOUT_MS").then(|| "soon".to_string());
        assert!(Config::from_lookup(get, CalendarKind::Nse).is_err());
        let get = |k: &str| (k == "ALGO_CALENDAR").then(|| "always-open".to_string());
        assert_eq!(
            Config::from_lookup(get, CalendarKind::Nse)
                .map(|c| c.calendar)
                .ok(),
            Some(CalendarKind::AlwaysOpen)
        );
    }
}
