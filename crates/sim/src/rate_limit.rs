//! Kite's per-account order rate limits: 10 placements a second and 400 a minute. A request over
//! either answers 429 `NetworkException` and does not count.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const LIMITS: [(Duration, usize); 2] =
    [(Duration::from_secs(1), 10), (Duration::from_secs(60), 400)];

/// A sliding window of each account's recent placements.
#[derive(Debug, Default)]
pub struct OrderRateLimiter {
    sent: HashMap<String, VecDeque<Instant>>,
}

impl OrderRateLimiter {
    /// Counts a placement by `api_key` at `now`, or refuses it when a limit is reached.
    pub fn try_acquire(&mut self, api_key: &str, now: Instant) -> bool {
        let longest = LIMITS[LIMITS.len() - 1].0;
        let sent = self.sent.entry(api_key.to_owned()).or_default();
        while sent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= longest)
        {
            sent.pop_front();
        }
        let over = LIMITS.iter().any(|(window, max)| {
            sent.iter()
                .rev()
                .take_while(|t| now.saturating_duration_since(**t) < *window)
                .count()
                >= *max
        });
        if !over {
            sent.push_back(now);
        }
        !over
    }

    pub fn clear(&mut self) {
        self.sent.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_a_second_per_account() {
        let mut limiter = OrderRateLimiter::default();
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(
                limiter.try_acquire("a", t0 + Duration::from_millis(i)),
                "{i}"
            );
        }
        assert!(!limiter.try_acquire("a", t0 + Duration::from_millis(500)));
        assert!(limiter.try_acquire("b", t0), "limits are per account");
        assert!(limiter.try_acquire("a", t0 + Duration::from_millis(1000)));
    }

    #[test]
    fn four_hundred_a_minute() {
        let mut limiter = OrderRateLimiter::default();
        let t0 = Instant::now();
        let mut accepted = 0;
        for i in 0..600u64 {
            // Ten a second, spread evenly: never over the per-second limit.
            if limiter.try_acquire("a", t0 + Duration::from_millis(i * 100)) {
                accepted += 1;
            }
        }
        assert_eq!(accepted, 400, "at most 400 in any minute");
        assert!(
            limiter.try_acquire("a", t0 + Duration::from_secs(60)),
            "the first has left the window"
        );
    }
}
