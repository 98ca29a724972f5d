//! `users`.

use sqlx::PgPool;
use uuid::Uuid;

use crate::StoreError;

/// A user with the hash to check a password against.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
}

/// Inserts a user; `Conflict("users_email_key")` when the email is taken.
pub async fn insert(
    pool: &PgPool,
    id: Uuid,
    email: &str,
    password_hash: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO users (id, email, password_hash) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(email)
        .bind(password_hash)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(())
}

pub async fn by_email(pool: &PgPool, email: &str) -> Result<Option<UserRow>, StoreError> {
    let row: Option<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, email, password_hash FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from_sqlx)?;
    Ok(row.map(|(id, email, password_hash)| UserRow {
        id,
        email,
        password_hash,
    }))
}

pub async fn by_id(pool: &PgPool, id: Uuid) -> Result<Option<UserRow>, StoreError> {
    let row: Option<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, email, password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from_sqlx)?;
    Ok(row.map(|(id, email, password_hash)| UserRow {
        id,
        email,
        password_hash,
    }))
}

/// A user's daily loss limit (paise), and the trading date it was last hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LossLimit {
    pub user_id: Uuid,
    pub limit_paise: Option<i64>,
    pub hit_on: Option<chrono::NaiveDate>,
}

/// The user's daily loss limit.
pub async fn loss_limit(pool: &PgPool, user_id: Uuid) -> Result<LossLimit, StoreError> {
    let row: Option<(Option<i64>, Option<chrono::NaiveDate>)> =
        sqlx::query_as("SELECT daily_loss_limit_paise, loss_limit_hit_on FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from_sqlx)?;
    let (limit_paise, hit_on) = row.unwrap_or((None, None));
    Ok(LossLimit {
        user_id,
        limit_paise,
        hit_on,
    })
}

/// Sets (or, with `None`, removes) the user's daily loss limit.
pub async fn set_loss_limit(
    pool: &PgPool,
    user_id: Uuid,
    limit_paise: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET daily_loss_limit_paise = $2 WHERE id = $1")
        .bind(user_id)
        .bind(limit_paise)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// The users with a daily loss limit not hit on `date`: the ones the watch checks.
pub async fn loss_limits_to_watch(
    pool: &PgPool,
    date: chrono::NaiveDate,
) -> Result<Vec<LossLimit>, StoreError> {
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT id, daily_loss_limit_paise FROM users
         WHERE daily_loss_limit_paise IS NOT NULL AND loss_limit_hit_on IS DISTINCT FROM $1",
    )
    .bind(date)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, limit)| LossLimit {
            user_id,
            limit_paise: Some(limit),
            hit_on: None,
        })
        .collect())
}

/// Marks the limit hit on `date`; whether this call did (only one caller acts on it).
pub async fn mark_loss_limit_hit(
    pool: &PgPool,
    user_id: Uuid,
    date: chrono::NaiveDate,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE users SET loss_limit_hit_on = $2
         WHERE id = $1 AND loss_limit_hit_on IS DISTINCT FROM $2",
    )
    .bind(user_id)
    .bind(date)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected() == 1)
}
