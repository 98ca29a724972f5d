//! The trading domain, with no I/O.
//!
//! - [`money`]: prices as integer paise, parsed exactly from rupee text.
//! - [`symbol`]: trading symbols and exchanges.
//! - [`strategy`]: `StrategySpec`, its validation rules and the overlap rule.
//! - [`exits`]: targets and trailing stops, in points or per cent.
//! - [`calendar`]: the NSE trading calendar in IST, and the `always-open` calendar.
//! - [`order`]: order events, ledger keys and broker tags.
//! - [`position`]: the position state machine.
//! - [`error`]: stable error codes and their HTTP statuses.
//! - [`clock`]: where "now" comes from.
//! - [`notify`]: what the trader is told, in plain words.
//! - [`pnl`]: realised P&L of a strategy-day from the broker's fills, in paise.

pub mod calendar;
pub mod clock;
pub mod error;
pub mod exits;
pub mod money;
pub mod notify;
pub mod order;
pub mod pnl;
pub mod position;
pub mod strategy;
pub mod symbol;

pub use calendar::{CalendarKind, TradingCalendar};
pub use clock::{Clock, OffsetClock, SystemClock};
pub use error::ErrorCode;
pub use money::Price;
pub use order::{decode_queue_message, EventKind, LedgerKey, Leg, OrderEvent, TimerFired};
pub use position::{Day, Outcome, Position, Rejection, Transition};
pub use strategy::{Exchange, FieldError, Product, StrategyRules, StrategySpec};
pub use symbol::Symbol;

/// India Standard Time, the zone every trading rule is stated in.
pub const IST: chrono_tz::Tz = chrono_tz::Asia::Kolkata;
