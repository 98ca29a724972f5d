//! A client-side limiter that keeps requests within Kite's published limits.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// At most `max` acquisitions in any window of `window`. Waits (never fails) for a free slot,
/// so a burst of orders is spread just enough to stay under the limit instead of earning 429s.
#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            max: max.max(1),
            window,
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Kite's order limit: 10 per second per user.
    pub fn orders() -> Self {
        Self::new(10, Duration::from_secs(1))
    }

    /// Kite's limit for other endpoints: 10 per second.
    pub fn other() -> Self {
        Self::new(10, Duration::from_secs(1))
    }

    /// Waits until a request may go, and records it. Returns how long it waited.
    pub async fn acquire(&self) -> Duration {
        let started = Instant::now();
        let slot = {
            let mut sent = self.sent.lock().await;
            let now = Instant::now();
            while sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                sent.pop_front();
            }
            // The slot is when the oldest of the last `max` leaves the window; reserving it under
            // the lock keeps concurrent callers from taking the same slot.
            let slot = if sent.len() >= self.max {
                sent[sent.len() - self.max] + self.window
            } else {
                now
            };
            sent.push_back(slot.max(now));
            slot
        };
        tokio::time::sleep_until(slot).await;
        started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn allows_a_burst_then_spaces_requests() {
        let limiter = RateLimiter::new(10, Duration::from_secs(1));
        let start = Instant::now();
        for _ in 0..10 {
            limiter.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "ten in a burst go at once");
        limiter.acquire().await;
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(1),
            "the eleventh waits for the window"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_max_in_any_window() {
        let limiter = std::sync::Arc::new(RateLimiter::new(10, Duration::from_secs(1)));
        let start = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..35 {
            let l = limiter.clone();
            handles.push(tokio::spawn(async move {
                l.acquire().await;
                Instant::now().duration_since(start)
            }));
        }
        let mut times = Vec::new();
        for h in handles {
            times.push(h.await.expect("task"));
        }
        times.sort();
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 10,
                "{in_window} requests within a second starting at {t:?}"
            );
        }
        assert_eq!(times.last().copied(), Some(Duration::from_secs(3)));
    }
}
