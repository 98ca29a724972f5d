use std::time::Duration;

use algo_core::LedgerKey;
use async_trait::async_trait;

use crate::StoreError;

/// Where a ledger key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerState {
    InProgress,
    Completed,
}

/// A stored ledger record.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRecord {
    pub state: LedgerState,
    pub owner: String,
    pub result: Option<serde_json::Value>,
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The caller owns the key now. `resumed` is true when it took over an in-progress claim
    /// whose lease ran out: the previous owner may have reached the broker, so look the order
    /// up by its tag before placing it.
    Acquired { resumed: bool },
    /// Another owner holds a live lease: leave the event alone (it will come back if that owner dies).
    Busy,
    /// The leg is done; here is what it did.
    Completed(Option<serde_json::Value>),
}

/// The idempotency ledger: at most one owner per key at a time, and once `Completed`, forever
/// (until the record's TTL, days after the trading day).
#[async_trait]
pub trait Ledger: Send + Sync + 'static {
    /// Claims `key` for `owner` for `lease`.
    async fn claim(
        &self,
        key: &LedgerKey,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim, StoreError>;
    /// Marks the key completed with `result`; only the current owner may. `false` when the
    /// caller no longer owns it.
    async fn complete(
        &self,
        key: &LedgerKey,
        owner: &str,
        result: &serde_json::Value,
    ) -> Result<bool, StoreError>;
    /// Extends the caller's in-progress claim to `lease` from now. `false` when the caller no
    /// longer owns it (its lease ran out and another owner took the key over, or it completed):
    /// the caller must then stop before it reaches the broker.
    async fn renew(
        &self,
        key: &LedgerKey,
        owner: &str,
        lease: Duration,
    ) -> Result<bool, StoreError>;
    /// Ends the leases of every in-progress claim whose owner does not start with `live`, so
    /// they can be taken over at once; returns how many. Only for a deployment with a single
    /// executor process (self-hosted), which calls it at start-up: every other owner is a dead
    /// predecessor. A claimant that is somehow still alive loses its next renewal and sends
    /// nothing more, and the taker-over looks its order up by tag before placing. Adapters of
    /// deployments with concurrent executors (Lambda) keep the default, which fences nothing.
    async fn fence_others(&self, live: &str) -> Result<u64, StoreError> {
        let _ = live;
        Ok(0)
    }
    /// Gives up an in-progress claim (nothing reached the broker), so a later delivery may try.
    async fn release(&self, key: &LedgerKey, owner: &str) -> Result<(), StoreError>;
    async fn get(&self, key: &LedgerKey) -> Result<Option<LedgerRecord>, StoreError>;
}
