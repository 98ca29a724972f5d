//! Notifications leave the outbox: the in-app list reads the `notifications` table itself;
//! [`PushWorker`] dispatches each new one to its user's devices and sends it through Expo,
//! with retries, away from the order path (a slow or dead Expo never delays an order).
//!
//! One pass ([`PushWorker::run_once`]): dispatch new notifications into deliveries, send the
//! due ones in batches of [`expo::MAX_BATCH`], then read the receipts that are due. A
//! delivery that fails for a passing reason (network, 429, 5xx) is tried again after
//! 2^attempts seconds (at most 5 minutes), up to [`MAX_ATTEMPTS`]; `DeviceNotRegistered`, in a
//! ticket or a receipt, forgets the token.

pub mod expo;

use std::sync::Arc;
use std::time::Duration;

use algo_core::Clock;
use algo_store::postgres::{push, PgPool};
use algo_store::StoreError;
use tokio_util::sync::CancellationToken;

use expo::{Answer, ExpoPush, Message, PushError};

/// A delivery is given up after this many tries.
pub const MAX_ATTEMPTS: i32 = 8;

/// How the push worker paces itself.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// Between passes.
    pub every: Duration,
    /// A claimed delivery is another sender's again after this (a crashed sender's).
    pub lease: Duration,
    /// Receipts are read this long after the send (Expo: allow up to 30 minutes).
    pub receipt_after: Duration,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            receipt_after: Duration::from_secs(15 * 60),
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub dispatched: u64,
    pub sent: usize,
    pub retried: usize,
    pub dropped: usize,
}

pub struct PushWorker {
    pub pg: PgPool,
    pub expo: ExpoPush,
    pub clock: Arc<dyn Clock>,
    pub config: PushConfig,
}

fn backoff(attempts: i32) -> chrono::Duration {
    let secs = 1_i64 << attempts.clamp(0, 8);
    chrono::Duration::seconds(secs.min(300))
}

impl PushWorker {
    pub async fn run_once(&self) -> Result<Pass, StoreError> {
        let now = self.clock.now();
        let mut pass = Pass {
            dispatched: push::expand(&self.pg, now, 500).await?,
            ..Pass::default()
        };
        let lease = chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::MAX);
        loop {
            let due = push::claim_due(&self.pg, now, lease, expo::MAX_BATCH as i64).await?;
            if due.is_empty() {
                break;
            }
            let messages: Vec<Message> = due
                .iter()
                .map(|d| Message {
                    to: d.target.clone(),
                    title: d.title.clone(),
                    body: d.body.clone(),
                    data: d.data.clone(),
                    sound: "default",
                })
                .collect();
            match self.expo.send(&messages).await {
                Ok(answers) => {
                    for (d, answer) in due.iter().zip(answers) {
                        match answer {
                            Answer::Ok(ticket) => {
                                push::sent(&self.pg, d.id, ticket.as_deref(), self.clock.now())
                                    .await?;
                                pass.sent += 1;
                            }
                            Answer::DeviceNotRegistered(why) => {
                                tracing::info!(event_type = "push_device_dropped", reason = %why, "Expo: DeviceNotRegistered; the token is forgotten");
                                push::drop_device(&self.pg, &d.target, &why).await?;
                                pass.dropped += 1;
                            }
                            Answer::Error(why) => {
                                self.retry(d, &why, &mut pass).await?;
                            }
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(event_type = "push_unavailable", error = %e, count = due.len(), "push not sent; retrying later");
                    for d in &due {
                        self.retry(d, &e.to_string(), &mut pass).await?;
                    }
                    if matches!(e, PushError::Transient(_)) {
                        break;
                    }
                }
            }
        }
        self.read_receipts(now).await?;
        Ok(pass)
    }

    async fn retry(&self, d: &push::Due, why: &str, pass: &mut Pass) -> Result<(), StoreError> {
        let attempts = d.attempts + 1;
        let next = (attempts < MAX_ATTEMPTS).then(|| self.clock.now() + backoff(attempts));
        if next.is_none() {
            tracing::error!(event_type = "push_failed", attempts, reason = %why, "push given up");
        }
        push::retry(&self.pg, d.id, why, next).await?;
        pass.retried += 1;
        Ok(())
    }

    async fn read_receipts(&self, now: chrono::DateTime<chrono::Utc>) -> Result<(), StoreError> {
        let after = chrono::Duration::from_std(self.config.receipt_after).unwrap_or_default();
        let due = push::receipts_due(&self.pg, now - after, expo::MAX_BATCH as i64).await?;
        if due.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = due.iter().map(|(_, ticket, _)| ticket.clone()).collect();
        let receipts = match self.expo.receipts(&ids).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "push receipts unavailable; trying again next pass");
                return Ok(());
            }
        };
        for (id, ticket, token) in due {
            match receipts.get(&ticket) {
                None => {}
                Some(Answer::Ok(_)) => push::receipt_checked(&self.pg, id, None).await?,
                Some(Answer::DeviceNotRegistered(why)) => {
                    tracing::info!(event_type = "push_device_dropped", reason = %why, "Expo receipt: DeviceNotRegistered; the token is forgotten");
                    push::drop_device(&self.pg, &token, why).await?;
                    push::receipt_checked(&self.pg, id, Some(why)).await?;
                }
                Some(Answer::Error(why)) => {
                    tracing::warn!(event_type = "push_receipt_error", reason = %why, "Expo could not deliver a push");
                    push::receipt_checked(&self.pg, id, Some(why)).await?;
                }
            }
        }
        Ok(())
    }

    /// Passes every [`PushConfig::every`] until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.run_once().await {
                tracing::warn!(error = %e, "push pass failed; trying again");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.config.every) => {}
            }
        }
    }
}
