//! When an order may go: Kite's per-user order limit, kept in this process or shared.
//!
//! Kite counts orders (placements, modifications, cancellations) per user, whoever sends them:
//! 10 a second and 400 a minute ([`ORDER_LIMITS`]). [`KiteHttp`](crate::KiteHttp) asks an
//! [`OrderPacer`] before each order. The default, [`LocalPacer`], is one
//! [`RateLimiter`] per api_key in this process: right while one process sends a user's orders.
//! Where several do (executor Lambda instances), give `KiteHttp` a pacer they share
//! ([`KiteHttp::with_order_pacer`](crate::KiteHttp::with_order_pacer)): the app's Redis one.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::rate_limit::RateLimiter;

/// Kite's order limits per user, as (window, most orders in any such window).
pub const ORDER_LIMITS: [(Duration, u32); 2] =
    [(Duration::from_secs(1), 10), (Duration::from_secs(60), 400)];

/// Decides when each order of a user may go.
#[async_trait]
pub trait OrderPacer: Send + Sync + fmt::Debug + 'static {
    /// Waits until an order of `api_key` may go, and counts it; how long it waited.
    ///
    /// Never fails and never drops the order: a pacer that cannot reach what it shares paces
    /// in this process instead.
    async fn acquire(&self, api_key: &str) -> Duration;
}

/// One [`RateLimiter::orders`] per api_key, in this process (10 a second).
#[derive(Debug, Default)]
pub struct LocalPacer {
    limiters: Mutex<HashMap<String, Arc<RateLimiter>>>,
}

impl LocalPacer {
    fn limiter(&self, api_key: &str) -> Arc<RateLimiter> {
        let mut map = self
            .limiters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(limiter) = map.get(api_key) {
            return limiter.clone();
        }
        let limiter = Arc::new(RateLimiter::orders());
        map.insert(api_key.to_owned(), limiter.clone());
        limiter
    }
}

#[async_trait]
impl OrderPacer for LocalPacer {
    async fn acquire(&self, api_key: &str) -> Duration {
        let limiter = self.limiter(api_key);
        limiter.acquire().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn each_api_key_has_its_own_window() {
        let pacer = LocalPacer::default();
        let start = tokio::time::Instant::now();
        for _ in 0..10 {
            pacer.acquire("a").await;
        }
        for _ in 0..10 {
            pacer.acquire("b").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "ten of each go at once");
        pacer.acquire("a").await;
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(1),
            "the eleventh of one key waits for its window"
        );
    }
}
