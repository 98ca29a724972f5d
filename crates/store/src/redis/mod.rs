//! Redis: runtime state, locks, order send slots and (self-hosted) the order queue.
//!
//! Every key goes through [`Keys`], which puts the configured prefix in front, so tests (and
//! several deployments on one server) never see each other's keys.

pub mod locks;
pub mod order_slots;
pub mod queue;
pub mod runtime;

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use crate::StoreError;

/// The key names of the design, under a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `strategy:{id}` hash: the strategy's definition while it runs.
    pub fn strategy(&self, id: impl std::fmt::Display) -> String {
        format!("{}strategy:{id}", self.prefix)
    }

    /// `runtime:{id}` hash: position, last orders, last price, trading date.
    pub fn runtime(&self, id: impl std::fmt::Display) -> String {
        format!("{}runtime:{id}", self.prefix)
    }

    /// `runtime:{id}:lock`: the executor's lock on one strategy.
    pub fn lock(&self, id: impl std::fmt::Display) -> String {
        format!("{}runtime:{id}:lock", self.prefix)
    }

    /// `symbol:{symbol}:strategies` set: running strategies on a symbol.
    pub fn symbol_strategies(&self, symbol: &str) -> String {
        format!("{}symbol:{symbol}:strategies", self.prefix)
    }

    /// Pub/sub channel on which the executor announces position changes (strategy id).
    pub fn position_channel(&self) -> String {
        format!("{}positions", self.prefix)
    }

    /// Set once the cache has been built from Postgres; its absence (a flush, a new node)
    /// means the cache must be rebuilt.
    pub fn cache_built(&self) -> String {
        format!("{}cache:built", self.prefix)
    }

    /// `ratelimit:orders:{api_key}` list: the user's reserved order send slots
    /// ([`order_slots`]).
    pub fn order_slots(&self, api_key: &str) -> String {
        format!("{}ratelimit:orders:{api_key}", self.prefix)
    }

    /// `queue:orders` list (self-hosted profile).
    pub fn order_queue(&self) -> String {
        format!("{}queue:orders", self.prefix)
    }
}

/// A Redis handle that connects on first use and reconnects by itself afterwards, so a process
/// starts (and reports `REDIS_DOWN`) while Redis is away instead of crashing.
#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    conn: Arc<OnceCell<ConnectionManager>>,
    keys: Keys,
    timeout: Duration,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: print only the prefix.
        f.debug_struct("RedisStore")
            .field("prefix", &self.keys.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store for `url` (`redis://`, or `rediss://` for TLS) with every key under `prefix`;
    /// each call gives up after `timeout`.
    pub fn new(
        url: &str,
        prefix: impl Into<String>,
        timeout: Duration,
    ) -> Result<Self, StoreError> {
        crate::tls::install_crypto_provider();
        let client = redis::Client::open(url).map_err(|e| StoreError::RedisDown(e.to_string()))?;
        Ok(Self {
            client,
            conn: Arc::new(OnceCell::new()),
            keys: Keys::new(prefix),
            timeout,
        })
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// A connection (cheap to clone), connecting on first use.
    /// Every key matching `pattern` (a `SCAN MATCH` glob, prefix included), without blocking
    /// the server as `KEYS` would.
    pub async fn scan_keys(&self, pattern: &str) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn().await?;
        let mut found = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .map_err(|e| StoreError::RedisDown(e.to_string()))?;
            found.extend(keys);
            if next == 0 {
                return Ok(found);
            }
            cursor = next;
        }
    }

    pub async fn conn(&self) -> Result<ConnectionManager, StoreError> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(self.timeout)
                    .set_response_timeout(self.timeout)
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config).await
            })
            .await
            .map_err(|e| StoreError::RedisDown(e.to_string()))?;
        Ok(conn.clone())
    }

    /// The underlying client, for pub/sub connections.
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// The longest one call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A connection of its own for blocking commands (`BLMOVE`): on the shared multiplexed
    /// connection they would hold up every other caller. Its response timeout is `response_timeout`.
    pub async fn dedicated_conn(
        &self,
        response_timeout: Duration,
    ) -> Result<redis::aio::MultiplexedConnection, StoreError> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(response_timeout);
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| StoreError::RedisDown(e.to_string()))
    }

    /// `Ok` when Redis answers `PING` within the timeout.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let reply = tokio::time::timeout(
            self.timeout,
            redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await
        .map_err(|_| StoreError::RedisDown("PING timed out".into()))?;
        reply
            .map(|_| ())
            .map_err(|e| StoreError::RedisDown(e.to_string()))
    }
}
