//! Failures the next order placements meet, queued by `POST /_sim/faults`.

use std::collections::VecDeque;
use std::time::Duration;

/// How a placement fails.
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
    /// Accepted with an order id, then `REJECTED` by the risk checks.
    Reject,
}

impl FaultKind {
    /// `http_429`, `http_500`, `timeout`, `token_exception` or `reject`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "http_429" => FaultKind::Http429,
            "http_500" => FaultKind::Http500,
            "timeout" => FaultKind::Timeout,
            "token_exception" => FaultKind::TokenException,
            "reject" => FaultKind::Reject,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Http429 => "http_429",
            FaultKind::Http500 => "http_500",
            FaultKind::Timeout => "timeout",
            FaultKind::TokenException => "token_exception",
            FaultKind::Reject => "reject",
        }
    }
}

/// One queued failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// How long a `Timeout` holds the answer.
    pub delay: Duration,
}

impl Fault {
    /// The delay a `timeout` fault holds its answer for unless told otherwise.
    pub const DEFAULT_DELAY: Duration = Duration::from_millis(15_000);
}

/// The queue, consumed one fault per valid placement, first in first out.
#[derive(Debug, Default)]
pub struct Faults {
    queue: VecDeque<Fault>,
}

impl Faults {
    /// At most this many faults wait at once.
    pub const MAX_QUEUED: usize = 10_000;

    /// Queues `count` copies of `fault` (up to [`Self::MAX_QUEUED`] in all); returns how many
    /// were queued.
    pub fn push(&mut self, fault: Fault, count: usize) -> usize {
        let room = Self::MAX_QUEUED.saturating_sub(self.queue.len());
        let n = count.min(room);
        self.queue.extend(std::iter::repeat_n(fault, n));
        n
    }

    pub fn take_next(&mut self) -> Option<Fault> {
        self.queue.pop_front()
    }

    pub fn clear(&mut self) {
        self.queue.clear();
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_queue_in_order() {
        for k in [
            "http_429",
            "http_500",
            "timeout",
            "token_exception",
            "reject",
        ] {
            assert_eq!(FaultKind::parse(k).map(FaultKind::as_str), Some(k));
        }
        assert_eq!(FaultKind::parse("boom"), None);
        let mut faults = Faults::default();
        let f = |kind| Fault {
            kind,
            delay: Fault::DEFAULT_DELAY,
        };
        assert_eq!(faults.push(f(FaultKind::Http429), 2), 2);
        faults.push(f(FaultKind::Reject), 1);
        assert_eq!(faults.take_next().map(|f| f.kind), Some(FaultKind::Http429));
        assert_eq!(faults.take_next().map(|f| f.kind), Some(FaultKind::Http429));
        assert_eq!(faults.take_next().map(|f| f.kind), Some(FaultKind::Reject));
        assert_eq!(faults.take_next(), None);
        assert_eq!(
            faults.push(f(FaultKind::Http500), usize::MAX),
            Faults::MAX_QUEUED
        );
    }
}
