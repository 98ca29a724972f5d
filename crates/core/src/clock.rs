//! Where "now" comes from, so tests and the simulator can control time.

use chrono::{DateTime, Utc};

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock moved by an adjustable offset: time still flows (so waits and timers behave
/// as in production), but a test can put "now" at any instant, tomorrow's open included.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_ns: std::sync::atomic::AtomicI64,
}

impl OffsetClock {
    /// A clock that reads `at` now, and moves on from there.
    pub fn at(at: DateTime<Utc>) -> Self {
        let clock = Self::default();
        clock.set(at);
        clock
    }

    /// From now on the clock reads `at`, then moves on from there.
    pub fn set(&self, at: DateTime<Utc>) {
        // Nanoseconds, so "now" never reads before `at`; 292 years either way fit.
        let offset = (at - Utc::now()).num_nanoseconds().unwrap_or(i64::MAX);
        self.offset_ns
            .store(offset, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
            + chrono::Duration::nanoseconds(
                self.offset_ns.load(std::sync::atomic::Ordering::Relaxed),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_reads_what_it_was_set_to_and_moves_on() {
        let at = DateTime::parse_from_rfc3339("2030-01-02T03:45:00Z")
            .expect("instant")
            .with_timezone(&Utc);
        let clock = OffsetClock::at(at);
        let read = clock.now();
        assert!(
            read >= at && read - at < chrono::Duration::seconds(5),
            "{read}"
        );
    }
}
