//! A user's broker credentials, sealed (AES-256-GCM) before they reach a store, and whether the
//! broker still takes them.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::StoreError;

/// A user's sealed keys and connection state. The ciphertext opens only with the app's key.
#[derive(Debug, Clone)]
pub struct BrokerKeysRow {
    pub user_id: Uuid,
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
    pub broker_user_id: Option<String>,
    pub user_name: Option<String>,
    /// `connected`, `expired`, or `not_connected` (keys saved, no login yet).
    pub status: String,
    pub status_reason: Option<String>,
    /// The IST trading date the access token was issued for (Kite kills it at 06:00 IST the
    /// next morning); `None` when there is no token.
    pub token_date: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

/// The sealed credentials, one set per user. Adapters: Postgres
/// (`postgres::broker_keys::PgBrokerKeys`) and the in-memory fake (`memory::MemoryBrokerKeys`),
/// held to one contract suite (`tests/contract/broker_keys.rs`). Every call is scoped by the
/// user id: no call reads or changes another user's keys.
#[async_trait]
pub trait BrokerKeys: Send + Sync + 'static {
    async fn get(&self, user_id: Uuid) -> Result<Option<BrokerKeysRow>, StoreError>;
    /// Saves (or replaces) the user's keys.
    async fn save(&self, row: &BrokerKeysRow) -> Result<(), StoreError>;
    /// Marks the connection expired with the broker's reason (a `TokenException`).
    async fn mark_expired(&self, user_id: Uuid, reason: &str) -> Result<(), StoreError>;
}
