//! The self-hosted order queue: a Redis list with a processing list (reliable queue pattern).
//!
//! `push` LPUSHes onto `queue:orders`; `pop` LMOVEs the oldest element onto
//! `queue:orders:processing`, where it stays until `ack` removes it. If the process dies between
//! pop and ack, `recover` (at start-up) moves everything in processing back onto the queue.

use std::time::Duration;

use algo_core::OrderEvent;
use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use redis::AsyncCommands;
use std::sync::Arc;
use tokio::sync::Mutex;

use super::RedisStore;
use crate::ports::{Delivery, OrderQueue};
use crate::StoreError;

/// How long a pushed `event_id` is remembered to drop duplicates (SQS FIFO: 5 minutes).
const DEDUP_SECS: u64 = 300;

/// The longest a single blocking pop waits; longer waits loop.
const MAX_BLOCK: Duration = Duration::from_secs(5);

/// The Redis list queue.
#[derive(Clone)]
pub struct RedisQueue {
    store: RedisStore,
    /// The blocking connection, made on first pop and dropped after an error.
    blocking: Arc<Mutex<Option<MultiplexedConnection>>>,
}

impl std::fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl RedisQueue {
    pub fn new(store: RedisStore) -> Self {
        Self {
            store,
            blocking: Arc::new(Mutex::new(None)),
        }
    }

    /// `BLMOVE` on the queue's own connection, waiting at most `wait`.
    async fn blocking_move(&self, wait: Duration) -> Result<Option<String>, StoreError> {
        let wait = wait.min(MAX_BLOCK);
        let mut guard = self.blocking.lock().await;
        if guard.is_none() {
            *guard = Some(
                self.store
                    .dedicated_conn(MAX_BLOCK + self.store.timeout())
                    .await?,
            );
        }
        let conn = guard.as_mut().expect("set just above");
        let result: Result<Option<String>, _> = conn
            .blmove(
                self.store.keys().order_queue(),
                self.processing(),
                redis::Direction::Right,
                redis::Direction::Left,
                wait.as_secs_f64().max(0.01),
            )
            .await;
        result.map_err(|e| {
            *guard = None;
            rd(e)
        })
    }

    fn processing(&self) -> String {
        format!("{}:processing", self.store.keys().order_queue())
    }
}

fn rd(e: redis::RedisError) -> StoreError {
    StoreError::RedisDown(e.to_string())
}

#[async_trait]
impl OrderQueue for RedisQueue {
    async fn push(&self, event: &OrderEvent) -> Result<(), StoreError> {
        let payload =
            serde_json::to_string(event).map_err(|e| StoreError::RedisDown(e.to_string()))?;
        let dedup = format!(
            "{}:dedup:{}",
            self.store.keys().order_queue(),
            event.event_id
        );
        let mut conn = self.store.conn().await?;
        // One script: the dedup mark and the push happen together or not at all.
        let script = redis::Script::new(
            r"if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
                  redis.call('LPUSH', KEYS[2], ARGV[1])
                  return 1
              end
              return 0",
        );
        let _: i32 = script
            .key(dedup)
            .key(self.store.keys().order_queue())
            .arg(payload)
            .arg(DEDUP_SECS)
            .invoke_async(&mut conn)
            .await
            .map_err(rd)?;
        Ok(())
    }

    async fn pop(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, StoreError> {
        let queue = self.store.keys().order_queue();
        let processing = self.processing();
        let mut out = Vec::new();
        // Block for the first element only; take the rest if they are already there.
        let Some(first) = self.blocking_move(wait).await? else {
            return Ok(out);
        };
        let mut conn = self.store.conn().await?;
        let mut raw = vec![first];
        while raw.len() < max {
            let next: Option<String> = conn
                .lmove(
                    &queue,
                    &processing,
                    redis::Direction::Right,
                    redis::Direction::Left,
                )
                .await
                .map_err(rd)?;
            match next {
                Some(n) => raw.push(n),
                None => break,
            }
        }
        for element in raw {
            match serde_json::from_str::<OrderEvent>(&element) {
                Ok(event) => out.push(Delivery {
                    event,
                    receipt: element,
                }),
                Err(e) => {
                    // A malformed element can never be processed: drop it loudly rather than loop.
                    tracing::error!(error = %e, "dropping an unreadable order queue element");
                    let _: i64 = conn.lrem(&processing, 1, &element).await.map_err(rd)?;
                }
            }
        }
        Ok(out)
    }

    async fn ack(&self, delivery: &Delivery) -> Result<(), StoreError> {
        let mut conn = self.store.conn().await?;
        let _: i64 = conn
            .lrem(self.processing(), 1, &delivery.receipt)
            .await
            .map_err(rd)?;
        Ok(())
    }

    async fn nack(&self, delivery: &Delivery) -> Result<(), StoreError> {
        let mut conn = self.store.conn().await?;
        redis::pipe()
            .atomic()
            .lrem(self.processing(), 1, &delivery.receipt)
            .ignore()
            .rpush(self.store.keys().order_queue(), &delivery.receipt)
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(rd)
    }

    async fn recover(&self) -> Result<usize, StoreError> {
        let queue = self.store.keys().order_queue();
        let processing = self.processing();
        let mut conn = self.store.conn().await?;
        let mut moved = 0;
        loop {
            // Oldest in-flight first, back onto the consuming end of the queue.
            let item: Option<String> = conn
                .lmove(
                    &processing,
                    &queue,
                    redis::Direction::Right,
                    redis::Direction::Right,
                )
                .await
                .map_err(rd)?;
            if item.is_none() {
                return Ok(moved);
            }
            moved += 1;
        }
    }
}
