//! Notifications: the outbox rows written with the events that cause them, read by the in-app
//! list (`GET /notifications`). Every query is scoped by the caller's user id.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::PgPool;
use crate::ports::{NewNotification, StoredNotice};
use crate::StoreError;

/// Writes `notice` in the caller's transaction; a second one for the same source and kind is
/// ignored.
pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    notice: &NewNotification<'_>,
) -> Result<(), StoreError> {
    write(&mut **tx, notice).await.map(|_| ())
}

/// Writes `notice` on its own (a notice no order-log write causes: a login reminder); a second
/// one for the same source and kind is ignored. Whether it was new.
pub async fn insert_one(pool: &PgPool, notice: &NewNotification<'_>) -> Result<bool, StoreError> {
    write(pool, notice).await
}

/// The one INSERT behind both: whether the row is new.
async fn write<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    notice: &NewNotification<'_>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO notifications (id, user_id, strategy_id, kind, source_key, title, body, data, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (source_key, kind) DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(notice.user_id)
    .bind(notice.strategy_id)
    .bind(notice.kind)
    .bind(notice.source_key)
    .bind(notice.title)
    .bind(notice.body)
    .bind(notice.data)
    .bind(notice.at)
    .execute(executor)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected() == 1)
}

/// One notification as the trader sees it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: Uuid,
    pub strategy_id: Option<Uuid>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// The user's notifications, newest first: at most `limit`, only unread ones when asked.
pub async fn list(
    pool: &PgPool,
    user_id: Uuid,
    unread_only: bool,
    limit: i64,
) -> Result<Vec<NotificationRow>, StoreError> {
    sqlx::query_as(
        "SELECT id, strategy_id, kind, title, body, data, created_at, read_at FROM notifications
         WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL)
         ORDER BY created_at DESC, id LIMIT $3",
    )
    .bind(user_id)
    .bind(unread_only)
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)
}

/// How many of the user's notifications are unread.
pub async fn unread(pool: &PgPool, user_id: Uuid) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(pool)
        .await
        .map_err(StoreError::from_sqlx)
}

/// Marks the user's notifications `ids` (every unread one when `None`) read at `now`; how many
/// changed. Another user's ids change nothing.
pub async fn mark_read(
    pool: &PgPool,
    user_id: Uuid,
    ids: Option<&[Uuid]>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = $3
         WHERE user_id = $1 AND read_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2))",
    )
    .bind(user_id)
    .bind(ids)
    .bind(now)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected())
}

/// The notices written for `user_id`, oldest first (the outbox, as the senders read it).
pub async fn written(pool: &PgPool, user_id: Uuid) -> Result<Vec<StoredNotice>, StoreError> {
    type Row = (
        Uuid,
        Option<Uuid>,
        String,
        String,
        String,
        String,
        serde_json::Value,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT user_id, strategy_id, kind, source_key, title, body, data FROM notifications
         WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(rows
        .into_iter()
        .map(|r| StoredNotice {
            user_id: r.0,
            strategy_id: r.1,
            kind: r.2,
            source_key: r.3,
            title: r.4,
            body: r.5,
            data: r.6,
        })
        .collect())
}
