//! Step 2, the claim: one owner per leg, on a short lease renewed while it works.
//!
//! The ledger key is claimed for [`ExecutorConfig::lease`](super::ExecutorConfig::lease) (5 s by
//! default) and renewed every third of it, together with the strategy's lock ([`StrategyLocks`]), so a worker
//! that dies (SIGKILL, OOM, a Lambda timeout) leaves a claim that another takes over within
//! seconds. A claim that could not be renewed in time is *fenced*: its worker sends nothing more
//! to the broker and hands the event back, since another may own the leg by now.
//!
//! A live claim held by someone else is not a reason to drop the event: it is handed back
//! ([`Handled::Retry`]) and comes again, so a restart within the lease loses nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use algo_core::LedgerKey;
use algo_store::ports::{Claim, Ledger, StrategyLocks};
use algo_store::StoreError;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{retry, Executor, Handled};

/// Renewals keep out of this window around a leg's instant (at most a tenth of the lease each
/// side): the lease outlasts two renewal periods plus the window, so skipping one renewal never
/// lets it run out.
const QUIET_BEFORE: Duration = Duration::from_millis(300);
const QUIET_AFTER: Duration = Duration::from_millis(500);

/// How long a claim waits for another worker to let the strategy's lock go.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// A claimed leg: its ledger key, the owner name this handling uses, the strategy lock, and the
/// task that renews both. Dropping it stops the renewals (the lease then runs out by itself).
pub struct Held {
    pub key: LedgerKey,
    pub owner: String,
    /// Taken over from an owner whose lease ran out: it may have reached the broker.
    pub resumed: bool,
    strategy_id: Uuid,
    lock_token: String,
    fenced: Arc<AtomicBool>,
    stop: CancellationToken,
}

impl Held {
    /// Whether the claim may have been lost: nothing more may be sent to the broker.
    pub fn is_fenced(&self) -> bool {
        self.fenced.load(Ordering::Acquire)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Executor {
    /// Claims the event's leg and the strategy's lock, and starts renewing both.
    /// Renewals skip the moments around `instant` (when a burst of orders goes out), so they
    /// do not compete with the orders for the cores and the database.
    pub(super) async fn claim(
        &self,
        key: &LedgerKey,
        strategy_id: Uuid,
        instant: chrono::DateTime<chrono::Utc>,
    ) -> Result<Held, Handled> {
        // One owner name per handling: two deliveries of one event in the same process are
        // two claimants, and only one of them wins.
        let owner = format!("{}/{}", self.owner, Uuid::new_v4().simple());
        let lease = self.config.lease;
        // The ledger's claim and a first try at the strategy's lock go together; a lock held
        // by another is then waited for as before, and a refused claim gives the lock back.
        let (claimed, tried) = tokio::join!(
            self.ledger.claim(key, &owner, lease),
            self.locks.try_lock(strategy_id, lease)
        );
        let resumed = match claimed {
            Ok(Claim::Acquired { resumed }) => resumed,
            refused => {
                if let Ok(Some(token)) = &tried {
                    let _ = self.locks.unlock(strategy_id, token).await;
                }
                return Err(match refused {
                    Ok(Claim::Completed(_)) => Handled::Done("leg already done".into()),
                    Ok(_) => Handled::Retry(
                        "another worker holds the leg; it is taken over if its lease runs out"
                            .into(),
                    ),
                    Err(e) => retry(e),
                });
            }
        };
        let locked = match tried {
            Ok(Some(token)) => Ok(Some(token)),
            _ => lock(self.locks.as_ref(), strategy_id, lease).await,
        };
        let lock_token = match locked {
            Ok(Some(token)) => token,
            Ok(None) => {
                let _ = self.ledger.release(key, &owner).await;
                return Err(Handled::Retry("strategy locked".into()));
            }
            Err(e) => {
                let _ = self.ledger.release(key, &owner).await;
                return Err(retry(e));
            }
        };
        let held = Held {
            key: key.clone(),
            owner,
            resumed,
            strategy_id,
            lock_token,
            fenced: Arc::new(AtomicBool::new(false)),
            stop: CancellationToken::new(),
        };
        let until_instant = (instant - self.clock.now()).to_std().unwrap_or_default();
        let quiet = Instant::now() + until_instant;
        tokio::spawn(renew(
            quiet,
            self.ledger.clone(),
            self.locks.clone(),
            held.key.clone(),
            held.owner.clone(),
            strategy_id,
            held.lock_token.clone(),
            lease,
            held.fenced.clone(),
            held.stop.clone(),
        ));
        Ok(held)
    }

    /// Gives the leg up: nothing of it reached the broker, so a later delivery may try.
    pub(super) async fn release(&self, held: &Held) {
        held.stop.cancel();
        if let Err(e) = self.ledger.release(&held.key, &held.owner).await {
            tracing::warn!(error = %e, "claim not released; its lease runs out by itself");
        }
        self.unlock(held).await;
    }

    /// Marks the leg done in the ledger with what it did, and lets the strategy go.
    pub(super) async fn complete(&self, held: &Held, result: &serde_json::Value) {
        held.stop.cancel();
        match self.ledger.complete(&held.key, &held.owner, result).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!("the leg's claim was taken over before it completed"),
            Err(e) => tracing::warn!(error = %e, "ledger not completed; the order log has the leg"),
        }
        self.unlock(held).await;
    }

    async fn unlock(&self, held: &Held) {
        if let Err(e) = self.locks.unlock(held.strategy_id, &held.lock_token).await {
            tracing::warn!(error = %e, "lock release failed; it expires by itself");
        }
    }
}

#[allow(clippy::too_many_arguments)] // one task's whole state, passed once
async fn renew(
    instant: Instant,
    ledger: Arc<dyn Ledger>,
    locks: Arc<dyn StrategyLocks>,
    key: LedgerKey,
    owner: String,
    strategy_id: Uuid,
    lock_token: String,
    lease: Duration,
    fenced: Arc<AtomicBool>,
    stop: CancellationToken,
) {
    let every = lease / 3;
    let (before, after) = (QUIET_BEFORE.min(lease / 10), QUIET_AFTER.min(lease / 10));
    let (quiet_from, quiet_to) = (
        instant.checked_sub(before).unwrap_or(instant),
        instant + after,
    );
    let mut renewed = Instant::now();
    loop {
        let mut next = Instant::now() + every;
        if next >= quiet_from && next < quiet_to {
            next = quiet_to;
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep_until(next.into()) => {}
        }
        match ledger.renew(&key, &owner, lease).await {
            Ok(true) => renewed = Instant::now(),
            Ok(false) => {
                tracing::error!(ledger_key = %key.as_ref(), "the leg's claim was lost; sending nothing more");
                fenced.store(true, Ordering::Release);
                return;
            }
            Err(e) => tracing::warn!(error = %e, "claim not renewed; trying again"),
        }
        match locks.extend(strategy_id, &lock_token, lease).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                "strategy lock lost (it ran out); the ledger's claim still holds the leg"
            ),
            Err(e) => tracing::warn!(error = %e, "strategy lock not renewed"),
        }
        // Unable to renew for most of a lease: another worker may take the leg over at any
        // moment, so this one must not send.
        if renewed.elapsed() > every * 2 + before + after {
            fenced.store(true, Ordering::Release);
        }
    }
}

/// Takes the strategy's lock, waiting up to [`LOCK_WAIT`] for another worker to let it go.
async fn lock(
    locks: &dyn StrategyLocks,
    id: Uuid,
    hold: Duration,
) -> Result<Option<String>, StoreError> {
    let until = Instant::now() + LOCK_WAIT;
    loop {
        if let Some(token) = locks.try_lock(id, hold).await? {
            return Ok(Some(token));
        }
        if Instant::now() >= until {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
