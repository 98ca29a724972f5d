//! One user's orders paced across processes: Kite's order limit kept in Redis.
//!
//! Executor Lambda instances (and any other process placing a user's orders) each reserve every
//! order's send slot in Redis ([`OrderSlots`]) and wait for it, so together they stay within
//! Kite's 10 orders a second and 400 a minute per user instead of each allowing that much.
//!
//! The order comes first: when Redis does not answer within [`REDIS_BUDGET`] (down, slow, a
//! failover), the order is paced by this process's own limiter ([`LocalPacer`]) and goes, and
//! the first such fall-back is logged at warn (its recovery at info). Across processes the limit
//! may then be exceeded and some orders earn a 429, which the executor retries; no order is
//! held up for the cache.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use algo_kite::pacer::ORDER_LIMITS;
use algo_kite::{LocalPacer, OrderPacer};
use algo_store::redis::order_slots::OrderSlots;
use algo_store::redis::RedisStore;
use async_trait::async_trait;
use tokio::time::Instant;

/// The longest an order waits for Redis to reserve its slot before it is paced locally.
pub const REDIS_BUDGET: Duration = Duration::from_millis(50);

/// Added to each of Kite's windows. Kite counts orders when they *arrive*; processes send at
/// their slots, but one's send can lag its slot more than another's (a connection still
/// opening, a busy core, a different network path), and a window of exactly one second would
/// then hold an eleventh arrival. 25 orders still go within about 2.2 s.
pub const ARRIVAL_JITTER: Duration = Duration::from_millis(100);

/// Kite's order limits, widened by [`ARRIVAL_JITTER`].
pub fn kite_limits() -> [(Duration, u32); 2] {
    ORDER_LIMITS.map(|(window, max)| (window + ARRIVAL_JITTER, max))
}

/// Paces orders by slots reserved in Redis, or locally when Redis does not answer in time.
#[derive(Debug)]
pub struct SharedOrderPacer {
    slots: OrderSlots,
    fallback: LocalPacer,
    budget: Duration,
    /// Whether the last reservation failed (the warning is logged once per outage).
    degraded: AtomicBool,
    fallbacks: AtomicU64,
}

impl SharedOrderPacer {
    /// Kite's limits ([`kite_limits`]) on `redis`, with [`REDIS_BUDGET`].
    pub fn new(redis: RedisStore) -> Self {
        Self::with_slots(OrderSlots::new(redis, &kite_limits()), REDIS_BUDGET)
    }

    /// Any slots and budget (tests).
    pub fn with_slots(slots: OrderSlots, budget: Duration) -> Self {
        Self {
            slots,
            fallback: LocalPacer::default(),
            budget,
            degraded: AtomicBool::new(false),
            fallbacks: AtomicU64::new(0),
        }
    }

    /// How many orders were paced locally because Redis did not answer.
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl OrderPacer for SharedOrderPacer {
    async fn acquire(&self, api_key: &str) -> Duration {
        let started = Instant::now();
        let reserved = tokio::time::timeout(self.budget, self.slots.reserve(api_key)).await;
        match reserved {
            Ok(Ok(slot)) => {
                if self.degraded.swap(false, Ordering::Relaxed) {
                    tracing::info!("order slots reserved in Redis again");
                }
                let wait = slot.wait();
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
            }
            failed => {
                self.fallbacks.fetch_add(1, Ordering::Relaxed);
                if !self.degraded.swap(true, Ordering::Relaxed) {
                    let error = match failed {
                        Ok(Err(e)) => e.to_string(),
                        _ => format!("no answer within {} ms", self.budget.as_millis()),
                    };
                    tracing::warn!(%error, "order slots unavailable in Redis; pacing orders in this process only");
                }
                self.fallback.acquire(api_key).await;
            }
        }
        started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pacer on Redis at `url`, whose calls would otherwise wait up to 30 s.
    fn pacer_on(url: &str) -> SharedOrderPacer {
        let redis = RedisStore::new(url, "test:pacer:", Duration::from_secs(30)).expect("client");
        SharedOrderPacer::new(redis)
    }

    /// Fails (rather than hangs) when the order is held up for Redis: far longer than the
    /// budget, far shorter than the store's own timeout.
    const HELD_UP: Duration = Duration::from_secs(5);

    // Redis refusing connections: every order is paced in this process, at once.
    #[tokio::test]
    async fn orders_are_paced_locally_while_redis_is_down() {
        let pacer = pacer_on("redis://127.0.0.1:1");
        for _ in 0..10 {
            tokio::time::timeout(HELD_UP, pacer.acquire("user_a"))
                .await
                .expect("the order was held up for Redis");
        }
        assert_eq!(pacer.fallbacks(), 10);
    }

    // Redis accepting connections and never answering: the order waits the budget only.
    #[tokio::test]
    async fn a_redis_that_never_answers_holds_an_order_up_for_the_budget_only() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((conn, _)) = listener.accept().await {
                held.push(conn);
            }
        });
        let pacer = pacer_on(&format!("redis://{addr}"));
        for _ in 0..3 {
            tokio::time::timeout(HELD_UP, pacer.acquire("user_a"))
                .await
                .expect("the order was held up for Redis");
        }
        assert_eq!(pacer.fallbacks(), 3);
        silent.abort();
    }

    // With Redis there, nothing falls back, and a burst of ten is not held back.
    #[tokio::test]
    async fn orders_are_paced_in_redis_when_it_answers() {
        let pacer = SharedOrderPacer::new(algo_store::testing::fresh_redis().expect("redis"));
        for _ in 0..10 {
            pacer.acquire("user_a").await;
        }
        assert_eq!(pacer.fallbacks(), 0);
    }
}
