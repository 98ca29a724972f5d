//! `refresh_tokens`: single-use refresh tokens, stored as hashes, in families (one per sign-in;
//! each rotation adds the successor to its family).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::StoreError;

/// Stores the first token of a new family (a sign-in); returns the family's id.
pub async fn insert(
    pool: &PgPool,
    user_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $1, $3, $4)",
    )
    .bind(id)
    .bind(user_id)
    .bind(token_hash)
    .bind(expires_at)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(id)
}

/// What presenting a refresh token for rotation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotated {
    /// Valid and now spent; its successor is stored: issue the pair for this user as of now.
    New { user: Uuid },
    /// Spent at `at`, within the grace window, and its successor is still unused: a retry of
    /// a rotation whose answer was lost. Issue the same pair as at `at`; nothing changed.
    Retry { user: Uuid, at: DateTime<Utc> },
    /// Spent before the grace window, or its successor already in use: a replay. The token's
    /// family (this sign-in's tokens, no other) has been revoked.
    Reused,
    /// Unknown, revoked or expired.
    Invalid,
}

/// Spends the token hashed `presented` and stores `successor` (its replacement, derived by the
/// caller) in the same family until `expires_at`, all or nothing. Of two concurrent rotations
/// of one token, one spends it and the other waits for that commit and finds a retry.
pub async fn rotate(
    pool: &PgPool,
    presented: &[u8],
    successor: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    grace: Duration,
) -> Result<Rotated, StoreError> {
    let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
    let spent: Option<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE refresh_tokens SET used_at = $3, replaced_by = $2 \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $3 RETURNING user_id, family_id",
    )
    .bind(presented)
    .bind(successor)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    if let Some((user, family)) = spent {
        sqlx::query(
            "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(Uuid::new_v4())
        .bind(user)
        .bind(family)
        .bind(successor)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        return Ok(Rotated::New { user });
    }
    tx.commit().await.map_err(StoreError::from_sqlx)?;
    // Not spendable: read it (a concurrent rotation's commit is visible to this new statement).
    let found: Option<Spent> = sqlx::query_as(
        "SELECT t.user_id, t.family_id, t.used_at, t.replaced_by, s.used_at IS NULL \
             FROM refresh_tokens t LEFT JOIN refresh_tokens s ON s.token_hash = t.replaced_by \
             WHERE t.token_hash = $1",
    )
    .bind(presented)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    let Some((user, family, Some(used_at), replaced_by, successor_unused)) = found else {
        return Ok(Rotated::Invalid);
    };
    let retry = now - used_at <= grace
        && replaced_by.as_deref() == Some(successor)
        && successor_unused == Some(true);
    if retry {
        return Ok(Rotated::Retry { user, at: used_at });
    }
    revoke_family(pool, family).await?;
    Ok(Rotated::Reused)
}

/// A presented token as found: user, family, when it was spent, its successor's hash, and
/// whether that successor is still unused.
type Spent = (
    Uuid,
    Uuid,
    Option<DateTime<Utc>>,
    Option<Vec<u8>>,
    Option<bool>,
);

async fn revoke_family(pool: &PgPool, family: Uuid) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM refresh_tokens WHERE family_id = $1")
        .bind(family)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Revokes the family of the token hashed `token_hash` (a sign-out of that session); whether
/// there was one.
pub async fn revoke_family_of(pool: &PgPool, token_hash: &[u8]) -> Result<bool, StoreError> {
    let deleted = sqlx::query(
        "DELETE FROM refresh_tokens WHERE family_id = \
         (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)",
    )
    .bind(token_hash)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(deleted.rows_affected() > 0)
}

/// Revokes every refresh token of `user` (signing out everywhere); how many families ended.
pub async fn revoke_user(pool: &PgPool, user: Uuid) -> Result<u64, StoreError> {
    let families: i64 = sqlx::query_scalar(
        "WITH gone AS (DELETE FROM refresh_tokens WHERE user_id = $1 RETURNING family_id) \
         SELECT count(DISTINCT family_id) FROM gone",
    )
    .bind(user)
    .fetch_one(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(families.unsigned_abs())
}
