//! Ports and the adapters that implement them.
//!
//! - [`postgres`]: the system of record (connection pool, migrations, health).
//! - [`redis`]: runtime state and locks (connection, key prefixes, health).
//! - [`ports`]: the queue, scheduler, ledger and order-log ports.
//! - [`memory`]: in-memory fakes of the ledger and the order log, held to the same contracts.
//! - [`aws`] (feature `aws`): SQS queue, DynamoDB ledger, EventBridge Scheduler.
//! - [`testing`]: throw-away databases and key prefixes for tests.
//! - [`tls`]: what encrypted connections need (`rediss://`, `sslmode=require`).

#[cfg(feature = "aws-sdk")]
pub mod aws;
#[cfg(test)]
use algo_store as _; // the crate's own tests enable its `aws` feature through this

pub mod memory;
pub mod ports;
pub mod postgres;
pub mod redis;
pub mod testing;
pub mod tls;

/// A store that did not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("postgres is unavailable: {0}")]
    DbDown(String),
    #[error("redis is unavailable: {0}")]
    RedisDown(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// The order queue (SQS) or ledger (DynamoDB) did not answer.
    #[error("queue or ledger is unavailable: {0}")]
    QueueDown(String),
    /// A secret the configuration names could not be read or has the wrong shape.
    #[error("secret unavailable: {0}")]
    Secret(String),
    /// A named unique or check constraint refused the write (e.g. `users_email_key`).
    #[error("constraint {0} violated")]
    Conflict(String),
}

impl StoreError {
    /// Sorts a sqlx error: constraint violations by name, everything else as the store down.
    pub(crate) fn from_sqlx(err: sqlx::Error) -> Self {
        if let Some(db) = err.as_database_error() {
            if let Some(constraint) = db.constraint() {
                return StoreError::Conflict(constraint.to_owned());
            }
        }
        StoreError::DbDown(err.to_string())
    }
}
