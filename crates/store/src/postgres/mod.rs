//! Postgres: the system of record.
//!
//! One file per table: [`users`], [`refresh_tokens`], [`broker_keys`], [`strategies`]. Every
//! query on user data takes the caller's user id, so no query can reach another user's rows.

pub mod broker_keys;
pub mod broker_logins;
pub mod ledger;
pub mod notifications;
pub mod order_logs;
pub mod push;
pub mod refresh_tokens;
pub mod strategies;
pub mod users;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::ConnectOptions;
pub use sqlx::PgPool;

use crate::StoreError;

/// The migrations in the repository's `migrations/` folder, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A pool whose every call gives up after `timeout` rather than hang a request.
/// Connects lazily, so a process can start while Postgres is still coming up. TLS follows the
/// URL's `sslmode` (`require` encrypts; `verify-full` with `sslrootcert` also checks the server).
pub fn pool(url: &str, timeout: Duration) -> Result<PgPool, StoreError> {
    crate::tls::install_crypto_provider();
    let options: PgConnectOptions = url
        .parse()
        .map_err(|e: sqlx::Error| StoreError::DbDown(e.to_string()))?;
    let options = options.log_statements(tracing::log::LevelFilter::Debug);
    Ok(PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(timeout)
        .connect_lazy_with(options))
}

/// Applies every migration not yet applied.
pub async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| StoreError::Migration(e.to_string()))
}

/// Creates the database named in `url` when it does not exist, through the server's `postgres`
/// database. Lets `algo dev` start on a fresh server.
pub async fn ensure_database(url: &str, timeout: Duration) -> Result<(), StoreError> {
    let options: PgConnectOptions = url
        .parse()
        .map_err(|e: sqlx::Error| StoreError::DbDown(e.to_string()))?;
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(timeout)
        .connect_with(options.database("postgres"))
        .await
        .map_err(|e| StoreError::DbDown(e.to_string()))?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&admin)
            .await
            .map_err(|e| StoreError::DbDown(e.to_string()))?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        match sqlx::query(&format!("CREATE DATABASE {quoted}"))
            .execute(&admin)
            .await
        {
            Ok(_) => {}
            // Another process created it between our check and our create.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(StoreError::DbDown(e.to_string())),
        }
    }
    admin.close().await;
    Ok(())
}

/// `Ok` when Postgres answers a query.
pub async fn ping(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(pool)
        .await
        .map(|_| ())
        .map_err(|e| StoreError::DbDown(e.to_string()))
}
