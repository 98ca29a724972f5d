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
