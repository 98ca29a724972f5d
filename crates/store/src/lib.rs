//! Ports and the adapters that implement them.
//!
//! - [`postgres`]: the system of record (connection pool, migrations, health).
//! - [`redis`]: runtime state and locks (connection, key prefixes, health).
//! - [`testing`]: throw-away databases and key prefixes for tests.

pub mod postgres;
pub mod redis;
pub mod testing;

/// A store that did not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("postgres is unavailable: {0}")]
    DbDown(String),
    #[error("redis is unavailable: {0}")]
    RedisDown(String),
    #[error("migration failed: {0}")]
    Migration(String),
}
