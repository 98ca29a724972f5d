//! `broker_keys`: one sealed (encrypted) set of broker credentials per user.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use async_trait::async_trait;

use crate::ports::BrokerKeys;
pub use crate::ports::BrokerKeysRow;
use crate::StoreError;

/// Saves (or replaces) the user's keys, with the row's status and token date.
pub async fn upsert(pool: &PgPool, row: &BrokerKeysRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO broker_keys (user_id, ciphertext, nonce, key_id, broker_user_id, user_name, status, status_reason, token_date, connected_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), now())
         ON CONFLICT (user_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, nonce = EXCLUDED.nonce,
           key_id = EXCLUDED.key_id, broker_user_id = EXCLUDED.broker_user_id, user_name = EXCLUDED.user_name,
           status = EXCLUDED.status, status_reason = EXCLUDED.status_reason, token_date = EXCLUDED.token_date,
           connected_at = now(), updated_at = now()",
    )
    .bind(row.user_id)
    .bind(&row.ciphertext)
    .bind(&row.nonce)
    .bind(&row.key_id)
    .bind(&row.broker_user_id)
    .bind(&row.user_name)
    .bind(&row.status)
    .bind(&row.status_reason)
    .bind(row.token_date)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

type Row = (
    Uuid,
    Vec<u8>,
    Vec<u8>,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<NaiveDate>,
    DateTime<Utc>,
);

pub async fn get(pool: &PgPool, user_id: Uuid) -> Result<Option<BrokerKeysRow>, StoreError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT user_id, ciphertext, nonce, key_id, broker_user_id, user_name, status, status_reason, token_date, updated_at
         FROM broker_keys WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(row.map(from_row))
}

fn from_row(r: Row) -> BrokerKeysRow {
    let (
        user_id,
        ciphertext,
        nonce,
        key_id,
        broker_user_id,
        user_name,
        status,
        status_reason,
        token_date,
        updated_at,
    ) = r;
    BrokerKeysRow {
        user_id,
        ciphertext,
        nonce,
        key_id,
        broker_user_id,
        user_name,
        status,
        status_reason,
        token_date,
        updated_at,
    }
}

/// Every `connected` row, the most recently connected first (the watcher's token source).
pub async fn connected(pool: &PgPool) -> Result<Vec<BrokerKeysRow>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT user_id, ciphertext, nonce, key_id, broker_user_id, user_name, status, status_reason, token_date, updated_at
         FROM broker_keys WHERE status = 'connected' ORDER BY connected_at DESC LIMIT 20",
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Marks the connection expired (the broker answered `TokenException`).
pub async fn mark_expired(pool: &PgPool, user_id: Uuid, reason: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE broker_keys SET status = 'expired', status_reason = $2, updated_at = now() WHERE user_id = $1")
        .bind(user_id)
        .bind(reason)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Removes the keys; `true` when there were any.
pub async fn delete(pool: &PgPool, user_id: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM broker_keys WHERE user_id = $1")
        .bind(user_id)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected() > 0)
}

/// The [`BrokerKeys`] port on Postgres.
#[derive(Clone)]
pub struct PgBrokerKeys {
    pool: PgPool,
}

impl PgBrokerKeys {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl BrokerKeys for PgBrokerKeys {
    async fn get(&self, user_id: Uuid) -> Result<Option<BrokerKeysRow>, StoreError> {
        get(&self.pool, user_id).await
    }

    async fn save(&self, row: &BrokerKeysRow) -> Result<(), StoreError> {
        upsert(&self.pool, row).await
    }

    async fn mark_expired(&self, user_id: Uuid, reason: &str) -> Result<(), StoreError> {
        mark_expired(&self.pool, user_id, reason).await
    }
}
