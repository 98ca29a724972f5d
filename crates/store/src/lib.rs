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
