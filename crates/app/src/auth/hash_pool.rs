//! A per-process bound on password hashing: argon2id costs 19 MiB and tens of milliseconds of
//! CPU, so a flood of logins could exhaust a 256 MB Lambda or the self-hosted server. At most
//! [`MAX_HASHES_IN_FLIGHT`] run at once; a request that finds them all busy is answered at once
//! (429 `TOO_MANY_LOGINS`) instead of queueing behind them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::password;

/// How many password hashes one process runs at once (about 76 MiB of argon2 memory).
pub const MAX_HASHES_IN_FLIGHT: usize = 4;

/// The semaphore, and a count of the hashes that actually ran (so tests assert how much
/// argon2 work a flood caused instead of assuming it).
#[derive(Debug)]
pub struct HashPool {
    permits: Arc<Semaphore>,
    ran: Arc<AtomicU64>,
}

impl Default for HashPool {
    fn default() -> Self {
        Self::new(MAX_HASHES_IN_FLIGHT)
    }
}

impl HashPool {
    /// A pool that runs at most `max_in_flight` hashes at once.
    pub fn new(max_in_flight: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_in_flight)),
            ran: Arc::default(),
        }
    }

    /// A slot for one hash, or `None` at once when every slot is busy. Never waits.
    pub fn try_start(&self) -> Option<HashPermit> {
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        Some(HashPermit {
            permit,
            ran: self.ran.clone(),
        })
    }

    /// How many hashes (and verifications) have run since the pool was made.
    pub fn ran(&self) -> u64 {
        self.ran.load(Ordering::SeqCst)
    }
}

/// One slot of the pool. The slot moves into the blocking task with the hash, so it stays
/// taken until the work ends even if the request that asked for it is dropped (a timeout, a
/// closed connection): the bound is on the CPU work, not on the requests.
#[derive(Debug)]
pub struct HashPermit {
    permit: OwnedSemaphorePermit,
    ran: Arc<AtomicU64>,
}

impl HashPermit {
    /// The PHC string of `password` (argon2id, random salt).
    pub async fn hash(self, password: String) -> Result<String, String> {
        self.run(move || password::hash_blocking(&password))
            .await
            .and_then(|r| r)
    }

    /// Whether `password` matches `hash`; `None` (an unknown email) does the same work and
    /// answers `false`, so a wrong email and a wrong password take the same time.
    pub async fn verify(self, password: String, hash: Option<String>) -> bool {
        self.run(move || password::verify_blocking(&password, hash.as_deref()))
            .await
            .unwrap_or(false)
    }

    async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        let Self { permit, ran } = self;
        tokio::task::spawn_blocking(move || {
            ran.fetch_add(1, Ordering::SeqCst);
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_pool_refuses_at_once_and_frees_its_slot_after_the_work() {
        let pool = HashPool::new(1);
        let held = pool.try_start().expect("a free slot");
        assert!(pool.try_start().is_none(), "the only slot is taken");
        let hash = held.hash("correct horse".into()).await.expect("hash");
        assert_eq!(pool.ran(), 1);
        let slot = pool.try_start().expect("the slot came back after the hash");
        assert!(slot.verify("correct horse".into(), Some(hash)).await);
        let slot = pool.try_start().expect("free again");
        assert!(!slot.verify("correct horse".into(), None).await);
        assert_eq!(pool.ran(), 3);
    }
}
