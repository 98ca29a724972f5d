//! `refresh_tokens`: single-use refresh tokens, stored as hashes.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::StoreError;

pub async fn insert(
    pool: &PgPool,
    user_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO refresh_tokens (id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(Uuid::new_v4())
    .bind(user_id)
    .bind(token_hash)
    .bind(expires_at)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// Valid and now spent: issue a new pair for this user.
    User(Uuid),
    /// Already spent: someone replayed it. Every token of the user has been revoked.
    Replayed,
    /// Unknown or expired.
    Invalid,
}

/// Spends a refresh token atomically: of two concurrent redemptions only one gets the user.
pub async fn redeem(
    pool: &PgPool,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Redeemed, StoreError> {
    let spent: Option<Uuid> = sqlx::query_scalar(
        "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    if let Some(user) = spent {
        return Ok(Redeemed::User(user));
    }
    let replayed: Option<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NOT NULL",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    match replayed {
        Some(user) => {
            sqlx::query("DELETE FROM refresh_tokens WHERE user_id = $1")
                .bind(user)
                .execute(pool)
                .await
                .map_err(StoreError::from_sqlx)?;
            Ok(Redeemed::Replayed)
        }
        None => Ok(Redeemed::Invalid),
    }
}
