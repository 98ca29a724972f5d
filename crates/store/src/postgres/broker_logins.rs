//! `broker_logins`: each Kite login started by a user, so its callback is accepted once, for
//! that user, before it expires.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::StoreError;

/// Records a login's nonce for `user_id`, good until `expires_at`.
pub async fn begin(
    pool: &PgPool,
    nonce: Uuid,
    user_id: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO broker_logins (nonce, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(nonce)
        .bind(user_id)
        .bind(expires_at)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Uses the login up, atomically: `true` once, for its own user, before it expires; `false`
/// for a replay, another user's nonce, an expired or an unknown one.
pub async fn consume(
    pool: &PgPool,
    nonce: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE broker_logins SET used_at = $3
         WHERE nonce = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(nonce)
    .bind(user_id)
    .bind(now)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected() == 1)
}
