//! Configuration: one struct, read from environment variables with defaults that match the
//! local services `scripts/services` starts. Every variable is listed in the README.

use std::path::PathBuf;
use std::time::Duration;

use algo_core::strategy::parse_time_of_day;
use algo_core::{CalendarKind, Exchange, StrategyRules, TradingCalendar};
use base64::Engine;
use chrono::NaiveTime;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Which deployment reads the configuration: the AWS profile insists on real secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    SelfHosted,
    Aws,
}

/// A secret from configuration; `Debug` never shows it.
#[derive(Clone)]
pub struct SecretBytes(pub Vec<u8>);

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Settings shared by every binary.
#[derive(Debug, Clone)]
pub struct Config {
    pub profile: Profile,
    /// `DATABASE_URL`.
    pub database_url: String,
    /// `ALGO_DATABASE_POOL_SIZE` (1–50, default 20): connections per process. A Lambda
    /// instance needs one or two (infra/ sets 2), so that their sum stays within RDS's limit.
    pub database_pool_size: u32,
    /// `REDIS_URL`.
    pub redis_url: String,
    /// `ALGO_REDIS_PREFIX`: put in front of every Redis key (default empty).
    pub redis_prefix: String,
    /// `ALGO_CALENDAR`: `nse` or `always-open`.
    pub calendar: CalendarKind,
    /// `ALGO_CALENDAR_FILE`: calendar data in the format of `crates/core/data/calendar.txt`
    /// that replaces the shipped list (a new exchange circular without a rebuild).
    pub calendar_file: Option<PathBuf>,
    /// `ALGO_MIS_CUTOFF` (HH:MM:SS): moves the regular MIS cut-off of every segment.
    pub mis_cutoff: Option<NaiveTime>,
    /// `ALGO_STORE_TIMEOUT_MS`: the longest any one store call may take.
    pub store_timeout: Duration,
    /// `ALGO_JWT_SECRET`: signs access tokens (at least 32 bytes).
    pub jwt_secret: SecretBytes,
    /// `ALGO_BROKER_KEY` (base64 of 32 bytes) and `ALGO_BROKER_KEY_ID`: seal broker secrets.
    pub broker_key: SecretBytes,
    pub broker_key_id: String,
    /// `ALGO_KITE_URL`: Kite's REST root, or the simulator's.
    pub kite_url: String,
    /// `ALGO_KITE_TIMEOUT_MS`.
    pub kite_timeout: Duration,
    /// `ALGO_KITE_LOGIN_URL`: Kite's login page (`https://kite.zerodha.com/connect/login`
    /// when `ALGO_KITE_URL` is Kite's own API; otherwise the simulator's, beside its API).
    pub kite_login_url: String,
    /// `ALGO_KITE_API_KEY`: the api_key of the deployment's Kite Connect app.
    pub kite_api_key: String,
    /// `ALGO_KITE_ACCESS_TOKEN` (optional, empty when unset): a market-data token to fall back
    /// on while no login has saved one. Market data (instrument list, ticks) comes with the
    /// trader's login of the day ([`crate::feed::token::deployment_token`]), so no profile needs
    /// it, and a token put here dies at 06:00 IST the next morning.
    pub kite_access_token: SecretBytes,
    /// `ALGO_CORS_ORIGINS`: comma-separated origins of the app's web build; `*` allows any.
    pub cors_origins: Vec<String>,
    /// `ALGO_EXPO_PUSH_URL`: Expo's push API (`https://exp.host`), or a test's server.
    pub expo_push_url: String,
    /// `ALGO_EXPO_ACCESS_TOKEN` (optional): Expo's access token, when the project requires one.
    pub expo_access_token: Option<SecretBytes>,
    /// `ALGO_PUSH_INTERVAL_MS`: between two passes of the push sender (default 2000).
    pub push_every: Duration,
    /// `ALGO_TELEGRAM_BOT_TOKEN` (optional): the bot that sends notifications to linked chats.
    pub telegram_bot_token: Option<SecretBytes>,
    /// `ALGO_TELEGRAM_BOT_NAME`: the bot's username, for the `t.me/<name>?start=<code>` link.
    pub telegram_bot_name: Option<String>,
    /// `ALGO_TELEGRAM_API_URL`: Telegram's Bot API (`https://api.telegram.org`), or a test's.
    pub telegram_api_url: String,
    /// `ALGO_ALGO_ID` (optional): the algo identifier sent with every order (Kite's `algo_id`),
    /// when the broker or the exchange asks for one. Both profiles' executors use it.
    pub algo_id: Option<String>,
    /// `ALGO_RESTING_STOP` (`on` or `off`, default `on`): a stop-loss order rests at the
    /// exchange under every filled entry, the safety net for when the bot is down.
    pub resting_stop: bool,
    /// What a strategy is checked against: the calendar's regular NSE session and MIS cut-off,
    /// and `ALGO_MAX_QUANTITY`.
    pub rules: StrategyRules,
}

/// Kite's login page.
pub const KITE_LOGIN_URL: &str = "https://kite.zerodha.com/connect/login";

/// Development-only values, used by the self-hosted profile when nothing is configured.
const DEV_JWT_SECRET: &str = "algo-dev-only-jwt-secret-do-not-use-in-production";
const DEV_BROKER_KEY: [u8; 32] = *b"algo-dev-only-broker-key-32bytes";

impl Config {
    /// Reads the environment.
    pub fn from_env(profile: Profile, default_calendar: CalendarKind) -> Result<Self, ConfigError> {
        Self::from_lookup(
            |k| std::env::var(k).ok().filter(|v| !v.is_empty()),
            profile,
            default_calendar,
        )
    }

    /// Reads settings through `get`, so tests need not touch the process environment.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        profile: Profile,
        default_calendar: CalendarKind,
    ) -> Result<Self, ConfigError> {
        let err = |m: String| ConfigError(m);
        let millis = |name: &str, default: u64| -> Result<Duration, ConfigError> {
            match get(name) {
                None => Ok(Duration::from_millis(default)),
                Some(v) => v
                    .parse()
                    .map(Duration::from_millis)
                    .map_err(|_| err(format!("{name} must be milliseconds, not {v:?}"))),
            }
        };
        let calendar = match get("ALGO_CALENDAR") {
            None => default_calendar,
            Some(v) => CalendarKind::parse(&v).ok_or_else(|| {
                err(format!(
                    "ALGO_CALENDAR must be nse or always-open, not {v:?}"
                ))
            })?,
        };
        if profile == Profile::Aws && calendar != CalendarKind::Nse {
            return Err(err("the AWS profile trades on the nse calendar only".into()));
        }
        let required = |name: &str| -> Result<Option<String>, ConfigError> {
            match (get(name), profile) {
                (Some(v), _) => Ok(Some(v)),
                (None, Profile::Aws) => Err(err(format!("{name} is required in the AWS profile"))),
                (None, Profile::SelfHosted) => Ok(None),
            }
        };
        let jwt_secret = match required("ALGO_JWT_SECRET")? {
            Some(v) if v.len() < 32 => {
                return Err(err("ALGO_JWT_SECRET must be at least 32 bytes".into()))
            }
            Some(v) => v.into_bytes(),
            None => DEV_JWT_SECRET.as_bytes().to_vec(),
        };
        let broker_key = match required("ALGO_BROKER_KEY")? {
            Some(v) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .map_err(|_| err("ALGO_BROKER_KEY must be base64".into()))?;
                if bytes.len() != 32 {
                    return Err(err(
                        "ALGO_BROKER_KEY must be 32 bytes (base64 of them)".into()
                    ));
                }
                bytes
            }
            None => DEV_BROKER_KEY.to_vec(),
        };
        let mis_cutoff = get("ALGO_MIS_CUTOFF")
            .map(|v| {
                parse_time_of_day(&v)
                    .ok_or_else(|| err(format!("ALGO_MIS_CUTOFF must be HH:MM:SS, not {v:?}")))
            })
            .transpose()?;
        let calendar_file = get("ALGO_CALENDAR_FILE").map(PathBuf::from);
        let trading = trading_calendar(calendar, calendar_file.as_ref(), mis_cutoff)?;
        let mut rules = rules_from(&trading, calendar);
        if let Some(v) = get("ALGO_MAX_QUANTITY") {
            rules.max_quantity = v.parse().ok().filter(|q| *q > 0).ok_or_else(|| {
                err(format!(
                    "ALGO_MAX_QUANTITY must be a positive integer, not {v:?}"
                ))
            })?;
        }
        let database_pool_size = match get("ALGO_DATABASE_POOL_SIZE") {
            None => 20,
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| (1..=50).contains(n))
                .ok_or_else(|| {
                    err(format!(
                        "ALGO_DATABASE_POOL_SIZE must be an integer from 1 to 50, not {v:?}"
                    ))
                })?,
        };
        let default_kite = if profile == Profile::Aws {
            "https://api.kite.trade"
        } else {
            "http://127.0.0.1:8090"
        };
        Ok(Self {
            database_pool_size,
            profile,
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| "postgres://postgres:postgres@127.0.0.1:5432/algo".into()),
            redis_url: get("REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into()),
            redis_prefix: get("ALGO_REDIS_PREFIX").unwrap_or_default(),
            calendar,
            calendar_file,
            mis_cutoff,
            store_timeout: millis("ALGO_STORE_TIMEOUT_MS", 2000)?,
            jwt_secret: SecretBytes(jwt_secret),
            broker_key: SecretBytes(broker_key),
            broker_key_id: get("ALGO_BROKER_KEY_ID").unwrap_or_else(|| "local-v1".into()),
            kite_login_url: get("ALGO_KITE_LOGIN_URL").unwrap_or_else(|| {
                let api = get("ALGO_KITE_URL").unwrap_or_else(|| default_kite.into());
                if api.trim_end_matches('/') == algo_kite::KITE_API_URL {
                    KITE_LOGIN_URL.into()
                } else {
                    format!("{}/connect/login", api.trim_end_matches('/'))
                }
            }),
            kite_url: get("ALGO_KITE_URL").unwrap_or_else(|| default_kite.into()),
            kite_timeout: millis("ALGO_KITE_TIMEOUT_MS", 5000)?,
            kite_api_key: required("ALGO_KITE_API_KEY")?.unwrap_or_else(|| "sim_key".into()),
            kite_access_token: SecretBytes(
                get("ALGO_KITE_ACCESS_TOKEN")
                    .unwrap_or_default()
                    .into_bytes(),
            ),
            expo_push_url: get("ALGO_EXPO_PUSH_URL").unwrap_or_else(|| "https://exp.host".into()),
            expo_access_token: get("ALGO_EXPO_ACCESS_TOKEN").map(|v| SecretBytes(v.into_bytes())),
            push_every: millis("ALGO_PUSH_INTERVAL_MS", 2000)?,
            telegram_bot_token: get("ALGO_TELEGRAM_BOT_TOKEN").map(|v| SecretBytes(v.into_bytes())),
            telegram_bot_name: get("ALGO_TELEGRAM_BOT_NAME"),
            algo_id: match get("ALGO_ALGO_ID").map(|v| v.trim().to_owned()) {
                Some(id) if id.is_empty() || id.len() > 64 || id.contains(char::is_whitespace) => {
                    return Err(err(
                        "ALGO_ALGO_ID must be one word of at most 64 characters".into(),
                    ))
                }
                other => other,
            },
            resting_stop: match get("ALGO_RESTING_STOP").as_deref().map(str::trim) {
                None | Some("on") => true,
                Some("off") => false,
                Some(v) => {
                    return Err(err(format!(
                        "ALGO_RESTING_STOP must be on or off, not {v:?}"
                    )))
                }
            },
            telegram_api_url: get("ALGO_TELEGRAM_API_URL")
                .unwrap_or_else(|| "https://api.telegram.org".into()),
            cors_origins: get("ALGO_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_else(|| {
                    if profile == Profile::Aws {
                        Vec::new()
                    } else {
                        vec!["*".into()]
                    }
                }),
            rules,
        })
    }
}

impl Config {
    /// The trading calendar this configuration names: the shipped data or
    /// `ALGO_CALENDAR_FILE`, with `ALGO_MIS_CUTOFF` applied.
    pub fn trading_calendar(&self) -> Result<TradingCalendar, ConfigError> {
        trading_calendar(self.calendar, self.calendar_file.as_ref(), self.mis_cutoff)
    }

    /// Switches to another calendar kind (`--calendar`), with the rules that follow from it.
    pub fn set_calendar(&mut self, kind: CalendarKind) -> Result<(), ConfigError> {
        self.calendar = kind;
        let max_quantity = self.rules.max_quantity;
        self.rules = StrategyRules {
            max_quantity,
            ..rules_from(&self.trading_calendar()?, kind)
        };
        Ok(())
    }
}

fn trading_calendar(
    kind: CalendarKind,
    file: Option<&PathBuf>,
    mis_cutoff: Option<NaiveTime>,
) -> Result<TradingCalendar, ConfigError> {
    let calendar = match (kind, file) {
        (CalendarKind::AlwaysOpen, _) => return Ok(TradingCalendar::new(kind)),
        (CalendarKind::Nse, None) => TradingCalendar::new(kind),
        (CalendarKind::Nse, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("ALGO_CALENDAR_FILE {}: {e}", path.display())))?;
            TradingCalendar::from_data(&text)
                .map_err(|e| ConfigError(format!("ALGO_CALENDAR_FILE {}: {e}", path.display())))?
        }
    };
    match mis_cutoff {
        None => Ok(calendar),
        Some(t) => calendar
            .with_regular_mis_cutoff(t)
            .map_err(|e| ConfigError(format!("ALGO_MIS_CUTOFF: {e}"))),
    }
}

/// A strategy's times are checked against the regular NSE session of the calendar.
fn rules_from(calendar: &TradingCalendar, kind: CalendarKind) -> StrategyRules {
    match kind {
        CalendarKind::AlwaysOpen => StrategyRules::always_open(),
        CalendarKind::Nse => {
            let regular = calendar.regular(Exchange::Nse);
            StrategyRules {
                session_open: regular.open,
                session_close: regular.close,
                mis_cutoff: regular.mis_cutoff,
                ..StrategyRules::nse()
            }
        }
    }
}

/// The AWS profile's resource names, as Terraform sets them.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    /// `ALGO_SCHEDULE_GROUP`: the EventBridge Scheduler group of the strategies' timers.
    pub schedule_group: String,
    /// `ALGO_ORDERS_QUEUE_URL`: the SQS FIFO queue `orders.fifo`.
    pub orders_queue_url: String,
    /// `ALGO_ORDERS_QUEUE_ARN`: the same queue, as the schedules' target.
    pub orders_queue_arn: String,
    /// `ALGO_SCHEDULER_ROLE_ARN`: the role EventBridge Scheduler assumes to send to the queue.
    pub scheduler_role_arn: String,
    /// `ALGO_SCHEDULER_DLQ_ARN` (optional): where undeliverable timer fires go.
    pub scheduler_dlq_arn: Option<String>,
    /// `ALGO_LEDGER_TABLE`: the DynamoDB idempotency table.
    pub ledger_table: String,
}

/// Every environment variable the AWS profile reads; Terraform's test checks each is set.
pub const AWS_PROFILE_ENV: &[&str] = &[
    "DATABASE_URL",
    "REDIS_URL",
    "ALGO_JWT_SECRET",
    "ALGO_BROKER_KEY",
    "ALGO_BROKER_KEY_ID",
    "ALGO_KITE_API_KEY",
    "ALGO_CORS_ORIGINS",
    "ALGO_SCHEDULE_GROUP",
    "ALGO_ORDERS_QUEUE_URL",
    "ALGO_ORDERS_QUEUE_ARN",
    "ALGO_SCHEDULER_ROLE_ARN",
    "ALGO_LEDGER_TABLE",
];

impl AwsSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let need = |k: &str| {
            get(k).ok_or_else(|| ConfigError(format!("{k} is required in the AWS profile")))
        };
        Ok(Self {
            schedule_group: need("ALGO_SCHEDULE_GROUP")?,
            orders_queue_url: need("ALGO_ORDERS_QUEUE_URL")?,
            orders_queue_arn: need("ALGO_ORDERS_QUEUE_ARN")?,
            scheduler_role_arn: need("ALGO_SCHEDULER_ROLE_ARN")?,
            scheduler_dlq_arn: get("ALGO_SCHEDULER_DLQ_ARN"),
            ledger_table: need("ALGO_LEDGER_TABLE")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn self_hosted_defaults_match_the_local_services() {
        let c = Config::from_lookup(|_| None, Profile::SelfHosted, CalendarKind::Nse)
            .expect("defaults");
        assert_eq!(
            c.database_url,
            "postgres://postgres:postgres@127.0.0.1:5432/algo"
        );
        assert_eq!(c.redis_url, "redis://127.0.0.1:6379");
        assert_eq!(c.calendar, CalendarKind::Nse);
        assert_eq!(c.kite_url, "http://127.0.0.1:8090");
        assert_eq!(c.broker_key.0.len(), 32);
        assert!(
            c.kite_access_token.0.is_empty(),
            "no market-data token unless one is set: the login's is used"
        );
    }

    #[test]
    fn the_aws_profile_requires_real_secrets_and_the_nse_calendar() {
        assert!(Config::from_lookup(|_| None, Profile::Aws, CalendarKind::Nse).is_err());
        let full = env(&[
            ("ALGO_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            (
                "ALGO_BROKER_KEY",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            ),
            ("ALGO_KITE_API_KEY", "k"),
        ]);
        let c = Config::from_lookup(&full, Profile::Aws, CalendarKind::Nse)
            .expect("complete without ALGO_KITE_ACCESS_TOKEN: the trader's login brings it");
        assert_eq!(c.kite_url, "https://api.kite.trade");
        assert!(c.cors_origins.is_empty());
        assert!(c.kite_access_token.0.is_empty());
        for name in ["ALGO_JWT_SECRET", "ALGO_BROKER_KEY", "ALGO_KITE_API_KEY"] {
            let without = |k: &str| if k == name { None } else { full(k) };
            assert!(
                Config::from_lookup(without, Profile::Aws, CalendarKind::Nse).is_err(),
                "{name} is required"
            );
        }
        let with_token = |k: &str| {
            if k == "ALGO_KITE_ACCESS_TOKEN" {
                Some("t".to_string())
            } else {
                full(k)
            }
        };
        let c = Config::from_lookup(with_token, Profile::Aws, CalendarKind::Nse).expect("valid");
        assert_eq!(c.kite_access_token.0, b"t");
        let open = |k: &str| {
            if k == "ALGO_CALENDAR" {
                Some("always-open".to_string())
            } else {
                full(k)
            }
        };
        assert!(Config::from_lookup(open, Profile::Aws, CalendarKind::Nse).is_err());
    }

    #[test]
    fn bad_values_fail_fast() {
        for (k, v) in [
            ("ALGO_CALENDAR", "lse"),
            ("ALGO_STORE_TIMEOUT_MS", "soon"),
            ("ALGO_JWT_SECRET", "short"),
            ("ALGO_BROKER_KEY", "bm90IDMyIGJ5dGVz"),
            ("ALGO_MIS_CUTOFF", "3pm"),
            ("ALGO_MAX_QUANTITY", "0"),
            ("ALGO_ALGO_ID", "two words"),
            ("ALGO_ALGO_ID", " "),
            ("ALGO_DATABASE_POOL_SIZE", "0"),
            ("ALGO_DATABASE_POOL_SIZE", "many"),
            ("ALGO_RESTING_STOP", "sometimes"),
        ] {
            let get = move |name: &str| (name == k).then(|| v.to_string());
            assert!(
                Config::from_lookup(get, Profile::SelfHosted, CalendarKind::Nse).is_err(),
                "{k}={v}"
            );
        }
        let get = |k: &str| (k == "ALGO_MIS_CUTOFF").then(|| "15:25:00".to_string());
        let c = Config::from_lookup(get, Profile::SelfHosted, CalendarKind::Nse).expect("valid");
        assert_eq!(c.rules.mis_cutoff.to_string(), "15:25:00");
        assert!(c.resting_stop, "a resting stop unless turned off");
        let get = |k: &str| (k == "ALGO_RESTING_STOP").then(|| "off".to_string());
        let c = Config::from_lookup(get, Profile::SelfHosted, CalendarKind::Nse).expect("valid");
        assert!(!c.resting_stop);
        assert_eq!(c.algo_id, None);
        let get = |k: &str| (k == "ALGO_ALGO_ID").then(|| " ALGO42 ".to_string());
        let c = Config::from_lookup(get, Profile::SelfHosted, CalendarKind::Nse).expect("valid");
        assert_eq!(c.algo_id.as_deref(), Some("ALGO42"));
        assert_eq!(c.database_pool_size, 20);
        let get = |k: &str| (k == "ALGO_DATABASE_POOL_SIZE").then(|| "2".to_string());
        let c = Config::from_lookup(get, Profile::SelfHosted, CalendarKind::Nse).expect("valid");
        assert_eq!(c.database_pool_size, 2);
    }

    #[test]
    fn the_calendar_file_and_the_mis_cut_off_shape_the_calendar_and_the_rules() {
        let dir = std::env::temp_dir().join(format!("algo-cal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("calendar.txt");
        std::fs::write(
            &file,
            "regular NSE 09:15:00-15:00:00 mis 14:50:00 | source: test\n\
             regular BSE 09:15:00-15:30:00 mis 15:20:00 | source: test\n\
             year 2026 final | source: test\n\
             2026-12-02 closed A test holiday | source: test\n",
        )
        .expect("write");
        let path = file.display().to_string();
        let get = |k: &str| (k == "ALGO_CALENDAR_FILE").then(|| path.clone());
        let c = Config::from_lookup(get, Profile::SelfHosted, CalendarKind::Nse).expect("valid");
        let cal = c.trading_calendar().expect("calendar");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
        assert_eq!(cal.holiday(day), Some("A test holiday"));
        assert_eq!(c.rules.session_close.to_string(), "15:00:00");
        assert_eq!(c.rules.mis_cutoff.to_string(), "14:50:00");
        // ALGO_MIS_CUTOFF moves the file's regular cut-offs, in the rules and the calendar.
        let both = |k: &str| match k {
            "ALGO_CALENDAR_FILE" => Some(path.clone()),
            "ALGO_MIS_CUTOFF" => Some("14:45:00".to_string()),
            _ => None,
        };
        let c = Config::from_lookup(both, Profile::SelfHosted, CalendarKind::Nse).expect("valid");
        assert_eq!(c.rules.mis_cutoff.to_string(), "14:45:00");
        let cal = c.trading_calendar().expect("calendar");
        assert_eq!(
            cal.regular(Exchange::Bse).mis_cutoff.to_string(),
            "14:45:00"
        );
        // A bad file fails at start-up, naming the file and the line.
        std::fs::write(
            &file,
            "year 2026 final | source: t\n2026-12-40 closed X | source: t\n",
        )
        .expect("write");
        let e = Config::from_lookup(get, Profile::SelfHosted, CalendarKind::Nse)
            .expect_err("bad file")
            .to_string();
        assert!(e.contains("calendar.txt") && e.contains("line 2"), "{e}");
        let missing =
            |k: &str| (k == "ALGO_CALENDAR_FILE").then(|| "/nonexistent/cal.txt".to_string());
        assert!(Config::from_lookup(missing, Profile::SelfHosted, CalendarKind::Nse).is_err());
        // A cut-off outside the session is refused.
        let late = |k: &str| (k == "ALGO_MIS_CUTOFF").then(|| "16:00:00".to_string());
        assert!(Config::from_lookup(late, Profile::SelfHosted, CalendarKind::Nse).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
