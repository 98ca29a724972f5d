//! A strategy's lock: at most one worker acts on a strategy at a time, on a lease its holder
//! renews, so a dead holder's lock frees itself.

use std::time::Duration;

use async_trait::async_trait;
use uuid::Uuid;

use crate::StoreError;

/// Strategy locks. Adapters: Redis (`redis::locks::RedisLocks`) and the in-memory fake
/// (`memory::MemoryLocks`), held to one contract suite (`tests/contract/locks.rs`).
///
/// The contract: one holder per strategy at a time; a lock is held by the token
/// [`StrategyLocks::try_lock`] returned, and only that token extends or releases it; a lock
/// not extended frees itself when its hold runs out.
#[async_trait]
pub trait StrategyLocks: Send + Sync + 'static {
    /// Takes the strategy's lock for `hold` if it is free: its token, or `None` when held.
    async fn try_lock(
        &self,
        strategy_id: Uuid,
        hold: Duration,
    ) -> Result<Option<String>, StoreError>;
    /// Extends the lock to `hold` from now if `token` still holds it; `false` when it does not.
    async fn extend(
        &self,
        strategy_id: Uuid,
        token: &str,
        hold: Duration,
    ) -> Result<bool, StoreError>;
    /// Releases the lock if `token` still holds it.
    async fn unlock(&self, strategy_id: Uuid, token: &str) -> Result<(), StoreError>;
    /// Releases every lock; how many there were. Only for a deployment with one executor
    /// process, at start-up: every holder is a dead predecessor.
    async fn clear_all(&self) -> Result<usize, StoreError>;
}
