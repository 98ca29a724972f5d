//! The self-hosted executor worker: pops events from the queue and runs them concurrently.
//!
//! When a store is down the worker stops taking events (they stay queued), reports unhealthy,
//! and resumes by itself when the store is back. On shutdown it stops popping and waits for the
//! events in flight.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use algo_store::ports::OrderQueue;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::executor::{Executor, Handled};

/// Whether the worker can reach its queue.
#[derive(Debug, Default)]
pub struct WorkerHealth {
    healthy: AtomicBool,
}

impl WorkerHealth {
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }
}

/// Most events handled at once: enough for a burst of a thousand strategies waiting for the
/// same instant (waiting is cheap), bounded all the same.
pub const MAX_IN_FLIGHT: usize = 4096;

/// Runs until `shutdown` is cancelled, then waits up to `drain` for events in flight.
pub async fn run(
    queue: Arc<dyn OrderQueue>,
    executor: Arc<Executor>,
    health: Arc<WorkerHealth>,
    shutdown: CancellationToken,
    drain: Duration,
) {
    match queue.recover().await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            requeued = n,
            "requeued events a previous run took and never finished"
        ),
        Err(e) => {
            tracing::error!(error = %e, "could not recover unfinished events; they return at the next start")
        }
    }
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut backoff = Duration::from_millis(100);
    loop {
        let popped = tokio::select! {
            _ = shutdown.cancelled() => break,
            popped = queue.pop(256, Duration::from_secs(1)) => popped,
        };
        let deliveries = match popped {
            Ok(d) => {
                if !health.healthy.swap(true, Ordering::Relaxed) {
                    tracing::info!("order queue reachable; executor taking events");
                }
                backoff = Duration::from_millis(100);
                d
            }
            Err(e) => {
                if health.healthy.swap(false, Ordering::Relaxed) {
                    tracing::error!(alert = "EXECUTOR_STORE_DOWN", error = %e, "order queue unreachable; events stay queued until it is back");
                }
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        for delivery in deliveries {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let (queue, executor) = (queue.clone(), executor.clone());
            tokio::spawn(async move {
                match executor.handle(&delivery.event).await {
                    Handled::Done(_) => {
                        if let Err(e) = queue.ack(&delivery).await {
                            // Redelivered later; the ledger makes that a no-op.
                            tracing::warn!(error = %e, "ack failed");
                        }
                    }
                    Handled::Retry(why) => {
                        tracing::warn!(reason = %why, event_id = %delivery.event.event_id, "event handed back for another try");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        if let Err(e) = queue.nack(&delivery).await {
                            tracing::warn!(error = %e, "nack failed; the event returns at the next start");
                        }
                    }
                }
                drop(permit);
            });
        }
    }
    // Wait for the events in flight to finish (or the deadline).
    let all = u32::try_from(MAX_IN_FLIGHT).unwrap_or(u32::MAX);
    if tokio::time::timeout(drain, permits.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("shutdown deadline passed with events in flight; they are redelivered at the next start");
    }
}
