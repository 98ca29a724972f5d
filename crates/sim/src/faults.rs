//! Failures queued by `POST /_sim/faults`: for the next order placements, and, separately, for
//! the next order-book lookups (`GET /orders`, `GET /orders/{id}`) and the next instrument
//! dumps (`GET /instruments…`), so a test can fail one without the others.

use std::collections::VecDeque;
use std::time::Duration;

/// How a placement or a lookup fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 `NetworkException`; nothing is placed.
    Http429,
    /// 500 `GeneralException`; nothing is placed.
    Http500,
    /// The order is placed and the answer held back (the ambiguous case: a client must look the
    /// order up by its tag before placing again).
    Timeout,
    /// 403 `TokenException`; nothing is placed.
    TokenException,
    /// Accepted with an order id, then `REJECTED` by the risk checks: at once, or after the
    /// delay (in `VALIDATION PENDING` meanwhile).
    Reject,
    /// Accepted and `OPEN`; when it fills, only part of it does (`filled_quantity`, by default
    /// half), and after the delay the exchange cancels the rest, keeping what was filled.
    PartialCancel,
    /// Accepted; a `MARKET` order becomes a `LIMIT` at its market-protection price, taken from
    /// a price the market has already moved past (a fast move): 1% above the last price for a
    /// sell, below it for a buy. It rests `OPEN` until the price comes back to it or the order
    /// is modified, as the unfilled part of a protected market order stays open at Kite.
    MarketRests,
    /// Lookups: 500 `GeneralException` from `GET /orders` or `GET /orders/{id}`.
    OrdersHttp500,
    /// Lookups: 429 `NetworkException` from `GET /orders` or `GET /orders/{id}`.
    OrdersHttp429,
    /// Lookups: the answer of `GET /orders` or `GET /orders/{id}` is held back for the delay
    /// (then sent, as it stands by then).
    OrdersTimeout,
    /// Instrument dumps: 403 `TokenException` from `GET /instruments` or
    /// `GET /instruments/{exchange}` (the dump is public, but a client that sends a dead token
    /// must cope with Kite refusing it).
    InstrumentsTokenException,
}

/// What a fault is consumed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultTarget {
    /// `POST /orders/{variety}`.
    Placement,
    /// `GET /orders` and `GET /orders/{id}`.
    Lookup,
    /// `GET /instruments` and `GET /instruments/{exchange}`.
    Instruments,
}

impl FaultKind {
    /// Every kind, in the order [`FaultKind::parse`] documents them.
    pub const ALL: [FaultKind; 11] = [
        FaultKind::Http429,
        FaultKind::Http500,
        FaultKind::Timeout,
        FaultKind::TokenException,
        FaultKind::Reject,
        FaultKind::PartialCancel,
        FaultKind::MarketRests,
        FaultKind::OrdersHttp500,
        FaultKind::OrdersHttp429,
        FaultKind::OrdersTimeout,
        FaultKind::InstrumentsTokenException,
    ];

    /// `http_429`, `http_500`, `timeout`, `token_exception`, `reject`, `partial_cancel`,
    /// `market_rests` (placements);
    /// `orders_http_500`, `orders_http_429`, `orders_timeout` (lookups);
    /// `instruments_token_exception` (instrument dumps).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Http429 => "http_429",
            FaultKind::Http500 => "http_500",
            FaultKind::Timeout => "timeout",
            FaultKind::TokenException => "token_exception",
            FaultKind::Reject => "reject",
            FaultKind::PartialCancel => "partial_cancel",
            FaultKind::MarketRests => "market_rests",
            FaultKind::OrdersHttp500 => "orders_http_500",
            FaultKind::OrdersHttp429 => "orders_http_429",
            FaultKind::OrdersTimeout => "orders_timeout",
            FaultKind::InstrumentsTokenException => "instruments_token_exception",
        }
    }

    pub fn target(self) -> FaultTarget {
        match self {
            FaultKind::OrdersHttp500 | FaultKind::OrdersHttp429 | FaultKind::OrdersTimeout => {
                FaultTarget::Lookup
            }
            FaultKind::InstrumentsTokenException => FaultTarget::Instruments,
            _ => FaultTarget::Placement,
        }
    }

    /// The delay when none is given: a timeout holds its answer [`Fault::DEFAULT_DELAY`];
    /// everything else happens at once.
    pub fn default_delay(self) -> Duration {
        match self {
            FaultKind::Timeout | FaultKind::OrdersTimeout => Fault::DEFAULT_DELAY,
            _ => Duration::ZERO,
        }
    }
}

/// One queued failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// How long a timeout holds the answer, a `reject` waits before rejecting, a
    /// `partial_cancel` waits after the partial fill before the exchange cancels the rest.
    pub delay: Duration,
    /// `partial_cancel`: how much fills (at most the quantity less one); `None` for half.
    pub filled_quantity: Option<u32>,
}

impl Fault {
    /// The delay a timeout holds its answer for unless told otherwise.
    pub const DEFAULT_DELAY: Duration = Duration::from_millis(15_000);

    /// A fault of `kind` with its default delay.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            delay: kind.default_delay(),
            filled_quantity: None,
        }
    }
}

/// The queues, one per target, each consumed one fault per request it targets, first in first
/// out.
#[derive(Debug, Default)]
pub struct Faults {
    placements: VecDeque<Fault>,
    lookups: VecDeque<Fault>,
    instruments: VecDeque<Fault>,
}

impl Faults {
    /// At most this many faults wait at once, per queue.
    pub const MAX_QUEUED: usize = 10_000;

    /// Queues `count` copies of `fault` on its target's queue (up to [`Self::MAX_QUEUED`]
    /// there); returns how many were queued.
    pub fn push(&mut self, fault: Fault, count: usize) -> usize {
        let queue = match fault.kind.target() {
            FaultTarget::Placement => &mut self.placements,
            FaultTarget::Lookup => &mut self.lookups,
            FaultTarget::Instruments => &mut self.instruments,
        };
        let room = Self::MAX_QUEUED.saturating_sub(queue.len());
        let n = count.min(room);
        queue.extend(std::iter::repeat_n(fault, n));
        n
    }

    /// The fault the next valid placement meets.
    pub fn take_placement(&mut self) -> Option<Fault> {
        self.placements.pop_front()
    }

    /// The fault the next order-book lookup meets.
    pub fn take_lookup(&mut self) -> Option<Fault> {
        self.lookups.pop_front()
    }

    /// The fault the next instrument dump meets.
    pub fn take_instruments(&mut self) -> Option<Fault> {
        self.instruments.pop_front()
    }

    pub fn clear(&mut self) {
        self.placements.clear();
        self.lookups.clear();
        self.instruments.clear();
    }

    pub fn len(&self) -> usize {
        self.placements.len() + self.lookups.len() + self.instruments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_queue_in_order() {
        for k in FaultKind::ALL {
            assert_eq!(FaultKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(FaultKind::parse("boom"), None);
        let mut faults = Faults::default();
        let f = Fault::new;
        assert_eq!(faults.push(f(FaultKind::Http429), 2), 2);
        faults.push(f(FaultKind::OrdersHttp500), 1);
        faults.push(f(FaultKind::Reject), 1);
        assert_eq!(faults.len(), 4);
        let next = |q: &mut Faults| q.take_placement().map(|f| f.kind);
        assert_eq!(next(&mut faults), Some(FaultKind::Http429));
        assert_eq!(next(&mut faults), Some(FaultKind::Http429));
        assert_eq!(
            next(&mut faults),
            Some(FaultKind::Reject),
            "lookups queue apart"
        );
        assert_eq!(faults.take_placement(), None);
        assert_eq!(
            faults.take_lookup().map(|f| f.kind),
            Some(FaultKind::OrdersHttp500)
        );
        assert_eq!(faults.take_lookup(), None);
        assert_eq!(
            faults.push(f(FaultKind::Http500), usize::MAX),
            Faults::MAX_QUEUED
        );
    }
}
