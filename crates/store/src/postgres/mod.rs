//! Postgres: the system of record.
//!
//! One file per table: [`users`], [`refresh_tokens`], [`broker_keys`], [`strategies`]. Every
//! query on user data takes the caller's user id, so no query can reach another user's rows.

pub mod broker_keys;
pub mod broker_logins;
pub mod ledger;
pub mod notifications;
pub mod order_logs;
pub mod paper;
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
    pool_sized(url, timeout, 20)
}

/// The same with at most `max_connections` (`ALGO_DATABASE_POOL_SIZE`): a Lambda instance runs
/// one request or batch at a time and needs one or two, or the instances together exhaust RDS.
pub fn pool_sized(
    url: &str,
    timeout: Duration,
    max_connections: u32,
) -> Result<PgPool, StoreError> {
    pool_with(url, timeout, max_connections, PING_AFTER_IDLE)
}

/// A pooled connection idle this long is asked whether it is still there before a query uses
/// it (an RDS failover, a NAT that forgot it, a restarted server); one in use more recently
/// goes straight to its query. sqlx's default asks every time: a second round trip in front
/// of every query, a stop-loss's checks and claim included.
pub const PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// [`pool_sized`] whose connections idle for `ping_after_idle` are checked before use.
pub fn pool_with(
    url: &str,
    timeout: Duration,
    max_connections: u32,
    ping_after_idle: Duration,
) -> Result<PgPool, StoreError> {
    crate::tls::install_crypto_provider();
    let options: PgConnectOptions = url
        .parse()
        .map_err(|e: sqlx::Error| StoreError::DbDown(e.to_string()))?;
    let options = options.log_statements(tracing::log::LevelFilter::Debug);
    Ok(PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(timeout)
        .test_before_acquire(false)
        // A connection that fails its check is dropped and the pool opens another.
        .before_acquire(move |conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= ping_after_idle {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_lazy_with(options))
}

/// The versions of this build's migrations that the database has not applied (empty when it
/// is current). The AWS profile migrates once per deploy, and refuses to work on a schema
/// older than its code.
pub async fn pending_migrations(pool: &PgPool) -> Result<Vec<i64>, StoreError> {
    let table: Option<String> = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
        .fetch_one(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    let applied: Vec<i64> = if table.is_some() {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await
            .map_err(StoreError::from_sqlx)?
    } else {
        Vec::new()
    };
    Ok(MIGRATOR
        .iter()
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect())
}

/// Fails, naming the versions, when the database is behind this build.
pub async fn ensure_current(pool: &PgPool) -> Result<(), StoreError> {
    let pending = pending_migrations(pool).await?;
    if pending.is_empty() {
        return Ok(());
    }
    Err(StoreError::Migration(format!(
        "the database lacks migrations {pending:?} of this build: run them first (scripts/deploy invokes the executor with {{\"migrate\": {{}}}})"
    )))
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
    let Some((name, admin)) = admin_of(url, timeout).await? else {
        return Ok(());
    };
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

/// The database `url` names and one connection to the server's `postgres` database, to create
/// or drop it by; `None` when the URL names no database.
async fn admin_of(url: &str, timeout: Duration) -> Result<Option<(String, PgPool)>, StoreError> {
    let options: PgConnectOptions = url
        .parse()
        .map_err(|e: sqlx::Error| StoreError::DbDown(e.to_string()))?;
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(None);
    };
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(timeout)
        .connect_with(options.database("postgres"))
        .await
        .map_err(|e| StoreError::DbDown(e.to_string()))?;
    Ok(Some((name, admin)))
}

/// `Ok` when Postgres answers a query.
pub async fn ping(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(pool)
        .await
        .map(|_| ())
        .map_err(|e| StoreError::DbDown(e.to_string()))
}
