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
//!
//! An exit watched by the stop-loss book of this same process is *prepared*: its EXIT key is
//! claimed as soon as its stop is armed ([`Executor::keep_exits_prepared`]), on a longer lease
//! renewed in the background, so a crossed stop finds the durable claim written already and
//! only takes the strategy's lock. Every exit of the day (the crossing, the SELL, a manual
//! exit or square-off, the queued copy) claims through [`Executor::claim`], which hands the
//! prepared claim over: one owner still, the ledger's. A prepared claim is given back when its
//! stop is disarmed; a dead process's is fenced when the next one starts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use algo_core::{LedgerKey, Leg, TradingCalendar};
use algo_store::ports::{Claim, Ledger, StrategyLocks};
use algo_store::StoreError;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{lock as guard, retry, Executor, Handled};

/// Renewals keep out of this window around a leg's instant (at most a tenth of the lease each
/// side): the lease outlasts two renewal periods plus the window, so skipping one renewal never
/// lets it run out.
const QUIET_BEFORE: Duration = Duration::from_millis(300);
const QUIET_AFTER: Duration = Duration::from_millis(500);

/// How long a claim waits for another worker to let the strategy's lock go.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// A prepared exit's claim lasts this many leases unless renewed (every third of it): few
/// writes for a book of armed stops, and no wait after a restart, which fences its dead
/// predecessor's claims at once.
const PREPARED_LEASES: u32 = 6;

/// How long a preparation the ledger refused (the day's exit done, another owner holding it)
/// is not tried again.
const PREPARE_AGAIN_AFTER: Duration = Duration::from_secs(10);

/// A day's exit claimed before its stop is crossed. Dropping it stops its renewals.
#[derive(Debug)]
pub(super) struct Prepared {
    key: LedgerKey,
    owner: String,
    resumed: bool,
    fenced: Arc<AtomicBool>,
    stop: CancellationToken,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A strategy's entry in [`Local`](super::Local)'s prepared exits.
#[derive(Debug)]
pub(super) enum Slot {
    /// Its claim is being taken by the owner named; a claimant waits for the answer.
    Claiming(LedgerKey, String, watch::Receiver<()>),
    Ready(Prepared),
    /// The ledger refused it at that instant.
    Refused(LedgerKey, Instant),
}

impl Slot {
    fn key(&self) -> &LedgerKey {
        match self {
            Slot::Claiming(key, ..) | Slot::Refused(key, _) => key,
            Slot::Ready(prepared) => &prepared.key,
        }
    }
}

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
    /// Keeps the day's exit of exactly these strategies prepared (their stops are armed in
    /// this process's book): a claim is begun for each that has none, and the claims of
    /// strategies no longer listed are given back. Returns at once; the claims are written in
    /// the background.
    pub fn keep_exits_prepared(self: &Arc<Self>, strategies: &[Uuid]) {
        let date = TradingCalendar::trading_date(self.clock.now());
        let mut to_claim = Vec::new();
        let mut to_release = Vec::new();
        {
            let mut slots = guard(&self.local.prepared);
            let wanted: std::collections::HashSet<&Uuid> = strategies.iter().collect();
            let gone: Vec<Uuid> = slots
                .keys()
                .filter(|id| !wanted.contains(id))
                .copied()
                .collect();
            for id in gone {
                if let Some(Slot::Ready(prepared)) = slots.remove(&id) {
                    to_release.push(prepared);
                }
            }
            for &id in strategies {
                let key = LedgerKey::new(id, date, Leg::Exit);
                let stale = match slots.get(&id) {
                    None => true,
                    Some(slot) if *slot.key() != key => true,
                    Some(Slot::Refused(_, at)) => at.elapsed() >= PREPARE_AGAIN_AFTER,
                    Some(_) => false,
                };
                if !stale {
                    continue;
                }
                if let Some(Slot::Ready(prepared)) = slots.remove(&id) {
                    to_release.push(prepared);
                }
                let owner = format!("{}/{}", self.owner, Uuid::new_v4().simple());
                let (done, waiting) = watch::channel(());
                slots.insert(id, Slot::Claiming(key.clone(), owner.clone(), waiting));
                to_claim.push((id, key, owner, done));
            }
        }
        // One a dead owner may have sent under is left to run out (see `release`).
        for prepared in to_release.into_iter().filter(|p| !p.resumed) {
            let ledger = self.ledger.clone();
            tokio::spawn(async move {
                if let Err(e) = ledger.release(&prepared.key, &prepared.owner).await {
                    tracing::warn!(error = %e, "a prepared exit's claim not given back; its lease runs out by itself");
                }
            });
        }
        for (id, key, owner, done) in to_claim {
            let me = self.clone();
            tokio::spawn(async move {
                me.prepare(id, key, owner).await;
                drop(done);
            });
        }
    }

    /// Claims `key` for a prepared exit and files the claim, unless its slot was given up
    /// meanwhile (then the claim is given back).
    async fn prepare(&self, strategy: Uuid, key: LedgerKey, owner: String) {
        let lease = self.config.lease * PREPARED_LEASES;
        let resumed = match self.ledger.claim(&key, &owner, lease).await {
            Ok(Claim::Acquired { resumed }) => resumed,
            refused => {
                if let Err(e) = &refused {
                    tracing::warn!(error = %e, "an exit not prepared; a crossing claims it then");
                }
                let mut slots = guard(&self.local.prepared);
                if matches!(slots.get(&strategy), Some(Slot::Claiming(_, o, _)) if *o == owner) {
                    slots.insert(strategy, Slot::Refused(key, Instant::now()));
                }
                return;
            }
        };
        let prepared = Prepared {
            key: key.clone(),
            owner: owner.clone(),
            resumed,
            fenced: Arc::new(AtomicBool::new(false)),
            stop: CancellationToken::new(),
        };
        tokio::spawn(renew(
            Instant::now(),
            self.ledger.clone(),
            None,
            key.clone(),
            owner.clone(),
            lease,
            true,
            prepared.fenced.clone(),
            prepared.stop.clone(),
        ));
        // A dead run's claim (a restart fenced it): whether that run sent an exit under it is
        // looked up now, not when the stop is crossed.
        let mut prepared = prepared;
        if resumed && self.sent_nothing(strategy, &key).await {
            prepared.resumed = false;
        }
        let unwanted = {
            let mut slots = guard(&self.local.prepared);
            if matches!(slots.get(&strategy), Some(Slot::Claiming(_, o, _)) if *o == owner) {
                slots.insert(strategy, Slot::Ready(prepared));
                None
            } else {
                Some(prepared)
            }
        };
        // Given up meanwhile. A claim under which an order may be out is kept until its lease
        // runs out, so its next owner looks that order up too.
        if let Some(prepared) = unwanted.filter(|p| !p.resumed) {
            let _ = self.ledger.release(&prepared.key, &prepared.owner).await;
        }
    }

    /// Whether the broker's book shows no order of `key`'s tag: the claim's dead owner sent
    /// nothing under it. `false` when that cannot be told.
    async fn sent_nothing(&self, strategy: Uuid, key: &LedgerKey) -> bool {
        let Ok(Some(row)) = self.strategies.get(strategy).await else {
            return false;
        };
        let Ok(Ok(client)) = self.session_for(&row).await else {
            return false;
        };
        matches!(
            self.look_up(&*client, &key.broker_tag(), Instant::now())
                .await,
            super::place::Lookup::Absent
        )
    }

    /// How many exits are prepared, and how many of them a dead owner may have sent (their
    /// crossing looks the order up first).
    pub fn prepared_exits(&self) -> (usize, usize) {
        let slots = guard(&self.local.prepared);
        slots
            .values()
            .fold((0, 0), |(ready, unsure), slot| match slot {
                Slot::Ready(p) => (ready + 1, unsure + usize::from(p.resumed)),
                _ => (ready, unsure),
            })
    }

    /// The prepared claim of `key`, taken out of its slot (waiting for one being written).
    async fn prepared(&self, key: &LedgerKey, strategy_id: Uuid) -> Option<Prepared> {
        for _ in 0..2 {
            let mut waiting = {
                let mut slots = guard(&self.local.prepared);
                match slots.get(&strategy_id) {
                    Some(Slot::Ready(p)) if p.key == *key => {
                        let Some(Slot::Ready(prepared)) = slots.remove(&strategy_id) else {
                            return None;
                        };
                        // Possibly lost: the ledger decides, as for any claim.
                        return (!prepared.fenced.load(Ordering::Acquire)).then_some(prepared);
                    }
                    Some(Slot::Claiming(k, _, waiting)) if k == key => waiting.clone(),
                    _ => return None,
                }
            };
            let _ = waiting.changed().await;
        }
        None
    }

    /// Claims the event's leg and the strategy's lock, and starts renewing both.
    /// Renewals skip the moments around `instant` (when a burst of orders goes out), so they
    /// do not compete with the orders for the cores and the database.
    pub(super) async fn claim(
        &self,
        key: &LedgerKey,
        strategy_id: Uuid,
        instant: chrono::DateTime<chrono::Utc>,
    ) -> Result<Held, Handled> {
        if let Some(prepared) = self.prepared(key, strategy_id).await {
            return self.hand_over(prepared, strategy_id, instant).await;
        }
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
        let refused = match locked {
            Ok(Some(token)) => {
                return Ok(self.hold(key.clone(), owner, resumed, strategy_id, token, instant))
            }
            Ok(None) => Handled::Retry("strategy locked".into()),
            Err(e) => retry(e),
        };
        // A claim taken over from a dead owner, who may have sent, is left to run out: given
        // back, its next owner would not know to look the order up first.
        if !resumed {
            let _ = self.ledger.release(key, &owner).await;
        }
        Err(refused)
    }

    /// A prepared claim becomes a leg's: only the strategy's lock is taken now. Refused the
    /// lock, the claim stays prepared.
    async fn hand_over(
        &self,
        prepared: Prepared,
        strategy_id: Uuid,
        instant: chrono::DateTime<chrono::Utc>,
    ) -> Result<Held, Handled> {
        let refused = match lock(self.locks.as_ref(), strategy_id, self.config.lease).await {
            Ok(Some(token)) => {
                let held = self.hold(
                    prepared.key.clone(),
                    prepared.owner.clone(),
                    prepared.resumed,
                    strategy_id,
                    token,
                    instant,
                );
                // Its own renewals stop; the leg's take over. Once the leg's moment is past,
                // its lease is brought back to a leg's, whatever became of the leg's task: one
                // that died holding it leaves a claim another takes over within a lease.
                drop(prepared);
                let (ledger, key, owner, lease) = (
                    self.ledger.clone(),
                    held.key.clone(),
                    held.owner.clone(),
                    self.config.lease,
                );
                tokio::spawn(async move {
                    tokio::time::sleep(QUIET_AFTER.min(lease / 10)).await;
                    let _ = ledger.renew(&key, &owner, lease).await;
                });
                return Ok(held);
            }
            Ok(None) => Handled::Retry("strategy locked".into()),
            Err(e) => retry(e),
        };
        // Still prepared for the next claimant, unless the book has moved on (then given back,
        // or, if a dead owner may have sent under it, left to run out).
        let moved_on = {
            let mut slots = guard(&self.local.prepared);
            match slots.entry(strategy_id) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(Slot::Ready(prepared));
                    None
                }
                std::collections::hash_map::Entry::Occupied(_) => Some(prepared),
            }
        };
        if let Some(prepared) = moved_on.filter(|p| !p.resumed) {
            let _ = self.ledger.release(&prepared.key, &prepared.owner).await;
        }
        Err(refused)
    }

    /// The claim of `key` by `owner` and the strategy's lock, renewed from now on.
    fn hold(
        &self,
        key: LedgerKey,
        owner: String,
        resumed: bool,
        strategy_id: Uuid,
        lock_token: String,
        instant: chrono::DateTime<chrono::Utc>,
    ) -> Held {
        let held = Held {
            key,
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
            Some((self.locks.clone(), strategy_id, held.lock_token.clone())),
            held.key.clone(),
            held.owner.clone(),
            self.config.lease,
            false,
            held.fenced.clone(),
            held.stop.clone(),
        ));
        held
    }

    /// Gives the leg up: nothing of it reached the broker, so a later delivery may try. A claim
    /// taken over from a dead owner, who may have sent, is left to run out instead: given back,
    /// its next owner would not know to look the order up before placing one.
    pub(super) async fn release(&self, held: &Held) {
        held.stop.cancel();
        if !held.resumed {
            if let Err(e) = self.ledger.release(&held.key, &held.owner).await {
                tracing::warn!(error = %e, "claim not released; its lease runs out by itself");
            }
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
    lock: Option<(Arc<dyn StrategyLocks>, Uuid, String)>,
    key: LedgerKey,
    owner: String,
    lease: Duration,
    spread: bool,
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
    // A book's prepared claims, begun together, renew spread over the period: a burst of
    // writes would hold up the crossing that coincides with it.
    let mut first = spread.then(|| every.mul_f64(f64::from(rand::random::<u16>()) / 65536.0));
    loop {
        let mut next = Instant::now() + first.take().unwrap_or(every);
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
        if let Some((locks, strategy_id, token)) = &lock {
            match locks.extend(*strategy_id, token, lease).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    "strategy lock lost (it ran out); the ledger's claim still holds the leg"
                ),
                Err(e) => tracing::warn!(error = %e, "strategy lock not renewed"),
            }
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
