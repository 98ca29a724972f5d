//! Behaviours: standing settings of how the exchange treats every order from now on, set by
//! `POST /_sim/behaviour` (or [`crate::Sim::set_behaviour`]) until changed or reset. Faults
//! ([`crate::faults`]) meet the next few requests; behaviours stay.

use std::time::Duration;

/// How the exchange treats orders. The default is a plain paper exchange: fills at once,
/// orders visible at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Behaviour {
    /// How long a `MARKET` order stays `OPEN` before it fills (at the last price then).
    /// Zero fills it at once.
    pub fill_delay: Duration,
    /// How long a new order is missing from `GET /orders` and `GET /orders/{id}` after it was
    /// placed (the history answers "Couldn't find that `order_id`." meanwhile), as when Kite's
    /// order book lags its order placement.
    pub book_lag: Duration,
}

impl Behaviour {
    /// The longest delay a behaviour takes.
    pub const MAX_DELAY: Duration = Duration::from_secs(600);
}
