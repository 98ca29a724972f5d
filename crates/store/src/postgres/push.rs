//! The push side of the notification outbox: devices, each user's choices, and deliveries.
//!
//! [`expand`] turns notifications not yet dispatched into one `pending` delivery per device of
//! their user (when the user wants push and that kind), in one transaction with marking them
//! dispatched; [`claim_due`] leases due deliveries to one sender; the sender records what
//! Expo answered ([`sent`], [`retry`], [`drop_device`]). A crash between a send and its record
//! sends that one again after the lease: at least once, never lost.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::PgPool;
use crate::StoreError;

/// Registers (or moves to `user_id`) an Expo push token.
pub async fn register_device(
    pool: &PgPool,
    user_id: Uuid,
    token: &str,
    platform: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO devices (expo_push_token, user_id, platform, created_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (expo_push_token) DO UPDATE SET user_id = $2, platform = $3, last_seen_at = $4",
    )
    .bind(token)
    .bind(user_id)
    .bind(platform)
    .bind(now)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Forgets the user's token (sign-out on that phone); whether it was theirs.
pub async fn remove_device(pool: &PgPool, user_id: Uuid, token: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM devices WHERE user_id = $1 AND expo_push_token = $2")
        .bind(user_id)
        .bind(token)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected() == 1)
}

/// The user's device tokens.
pub async fn devices(pool: &PgPool, user_id: Uuid) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar("SELECT expo_push_token FROM devices WHERE user_id = $1 ORDER BY created_at")
        .bind(user_id)
        .fetch_all(pool)
        .await
        .map_err(StoreError::from_sqlx)
}

/// A user's choices: push on or off, and the kinds they muted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefs {
    pub push: bool,
    pub telegram: bool,
    pub muted_kinds: Vec<String>,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            push: true,
            telegram: true,
            muted_kinds: Vec::new(),
        }
    }
}

pub async fn prefs(pool: &PgPool, user_id: Uuid) -> Result<Prefs, StoreError> {
    let row: Option<(bool, bool, Vec<String>)> = sqlx::query_as(
        "SELECT push, telegram, muted_kinds FROM notification_prefs WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(row
        .map(|(push, telegram, muted_kinds)| Prefs {
            push,
            telegram,
            muted_kinds,
        })
        .unwrap_or_default())
}

pub async fn set_prefs(pool: &PgPool, user_id: Uuid, prefs: &Prefs) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notification_prefs (user_id, push, telegram, muted_kinds) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET push = $2, telegram = $3, muted_kinds = $4",
    )
    .bind(user_id)
    .bind(prefs.push)
    .bind(prefs.telegram)
    .bind(&prefs.muted_kinds)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Dispatches up to `limit` notifications: a `pending` push delivery per device of a user who
/// wants that kind pushed, and the notification marked dispatched, in one transaction. How
/// many notifications it dispatched.
pub async fn expand(pool: &PgPool, now: DateTime<Utc>, limit: i64) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM notifications WHERE dispatched_at IS NULL
         ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    if ids.is_empty() {
        return Ok(0);
    }
    sqlx::query(
        "INSERT INTO deliveries (id, notification_id, channel, target, status, next_attempt_at)
         SELECT gen_random_uuid(), n.id, 'push', d.expo_push_token, 'pending', $2
         FROM notifications n
         JOIN devices d ON d.user_id = n.user_id
         LEFT JOIN notification_prefs p ON p.user_id = n.user_id
         WHERE n.id = ANY($1)
           AND COALESCE(p.push, true)
           AND NOT (n.kind = ANY(COALESCE(p.muted_kinds, '{}')))
         ON CONFLICT (notification_id, channel, target) DO NOTHING",
    )
    .bind(&ids)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    sqlx::query(
        "INSERT INTO deliveries (id, notification_id, channel, target, status, next_attempt_at)
         SELECT gen_random_uuid(), n.id, 'telegram', t.chat_id::text, 'pending', $2
         FROM notifications n
         JOIN telegram_links t ON t.user_id = n.user_id
         LEFT JOIN notification_prefs p ON p.user_id = n.user_id
         WHERE n.id = ANY($1)
           AND COALESCE(p.telegram, true)
           AND NOT (n.kind = ANY(COALESCE(p.muted_kinds, '{}')))
         ON CONFLICT (notification_id, channel, target) DO NOTHING",
    )
    .bind(&ids)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    sqlx::query("UPDATE notifications SET dispatched_at = $2 WHERE id = ANY($1)")
        .bind(&ids)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
    tx.commit().await.map_err(StoreError::from_sqlx)?;
    Ok(ids.len() as u64)
}

/// A delivery leased to one sender.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub id: Uuid,
    pub target: String,
    pub attempts: i32,
    pub title: String,
    pub body: String,
    pub data: serde_json::Value,
}

/// Up to `limit` due push deliveries, leased for `lease` (another sender skips them, and a
/// crashed sender's come due again when the lease ends).
pub async fn claim_due(
    pool: &PgPool,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Due>, StoreError> {
    claim_due_on(pool, "push", now, lease, limit).await
}

/// [`claim_due`] for one channel (`push` or `telegram`).
pub async fn claim_due_on(
    pool: &PgPool,
    channel: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Due>, StoreError> {
    type Row = (Uuid, String, i32, String, String, serde_json::Value);
    let rows: Vec<Row> = sqlx::query_as(
        "WITH due AS (
             SELECT id FROM deliveries
             WHERE status = 'pending' AND channel = $4 AND next_attempt_at <= $1
             ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         UPDATE deliveries d SET next_attempt_at = $2
         FROM due, notifications n
         WHERE d.id = due.id AND n.id = d.notification_id
         RETURNING d.id, d.target, d.attempts, n.title, n.body, n.data",
    )
    .bind(now)
    .bind(now + lease)
    .bind(limit)
    .bind(channel)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(rows
        .into_iter()
        .map(|r| Due {
            id: r.0,
            target: r.1,
            attempts: r.2,
            title: r.3,
            body: r.4,
            data: r.5,
        })
        .collect())
}

/// Expo took it: its ticket id, for the receipt.
pub async fn sent(
    pool: &PgPool,
    id: Uuid,
    ticket_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET status = 'sent', ticket_id = $2, sent_at = $3, attempts = attempts + 1,
                receipt_checked = ($2 IS NULL)
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(ticket_id)
    .bind(now)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// A failure that may pass: tried again at `next`, or `failed` for good when `next` is `None`.
pub async fn retry(
    pool: &PgPool,
    id: Uuid,
    error: &str,
    next: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET attempts = attempts + 1, last_error = $2,
                status = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at = COALESCE($3, next_attempt_at)
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(error)
    .bind(next)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Expo says the device is gone (`DeviceNotRegistered`): the token is forgotten, and every
/// delivery still waiting for it is dropped.
pub async fn drop_device(pool: &PgPool, token: &str, error: &str) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
    sqlx::query("DELETE FROM devices WHERE expo_push_token = $1")
        .bind(token)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
    sqlx::query(
        "UPDATE deliveries SET status = 'dropped', last_error = $2
         WHERE target = $1 AND channel = 'push' AND status = 'pending'",
    )
    .bind(token)
    .bind(error)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    tx.commit().await.map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Sent deliveries whose receipt is due (sent before `before`): (delivery id, ticket id,
/// device token).
pub async fn receipts_due(
    pool: &PgPool,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(Uuid, String, String)>, StoreError> {
    sqlx::query_as(
        "SELECT id, ticket_id, target FROM deliveries
         WHERE status = 'sent' AND NOT receipt_checked AND ticket_id IS NOT NULL AND sent_at <= $1
         ORDER BY sent_at LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)
}

/// The receipt was read; `error` when Expo reported one.
pub async fn receipt_checked(
    pool: &PgPool,
    id: Uuid,
    error: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET receipt_checked = true, last_error = COALESCE($2, last_error)
         WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// What happened to a user's notification on push, for the tests and the operator: (device
/// token, status, attempts) per delivery of notification `id`.
pub async fn deliveries_of(
    pool: &PgPool,
    notification_id: Uuid,
) -> Result<Vec<(String, String, i32)>, StoreError> {
    sqlx::query_as(
        "SELECT target, status, attempts FROM deliveries WHERE notification_id = $1 ORDER BY target",
    )
    .bind(notification_id)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)
}

/// A one-time code that links the chat which sends it to the bot (`/start <code>`) to
/// `user_id`, valid until `expires_at`.
pub async fn telegram_code(
    pool: &PgPool,
    user_id: Uuid,
    code: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM telegram_codes WHERE user_id = $1 OR expires_at < now()")
        .bind(user_id)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    sqlx::query("INSERT INTO telegram_codes (code, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(code)
        .bind(user_id)
        .bind(expires_at)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Spends `code` (once, before it expires) and links `chat_id` to its user; the user.
pub async fn link_telegram(
    pool: &PgPool,
    code: &str,
    chat_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
    let user: Option<Uuid> = sqlx::query_scalar(
        "DELETE FROM telegram_codes WHERE code = $1 AND expires_at > $2 RETURNING user_id",
    )
    .bind(code)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    if let Some(user) = user {
        sqlx::query(
            "INSERT INTO telegram_links (user_id, chat_id, linked_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET chat_id = $2, linked_at = $3",
        )
        .bind(user)
        .bind(chat_id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
    }
    tx.commit().await.map_err(StoreError::from_sqlx)?;
    Ok(user)
}

/// The user's linked chat.
pub async fn telegram_chat(pool: &PgPool, user_id: Uuid) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar("SELECT chat_id FROM telegram_links WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await
        .map_err(StoreError::from_sqlx)
}

/// Unlinks the user's chat (or, with `chat_id`, whoever has that chat: the bot was blocked);
/// its waiting deliveries are dropped.
pub async fn unlink_telegram(
    pool: &PgPool,
    user_id: Option<Uuid>,
    chat_id: Option<i64>,
    why: &str,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
    let chats: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM telegram_links WHERE ($1::uuid IS NOT NULL AND user_id = $1)
            OR ($2::bigint IS NOT NULL AND chat_id = $2) RETURNING chat_id",
    )
    .bind(user_id)
    .bind(chat_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    let targets: Vec<String> = chats.iter().map(i64::to_string).collect();
    sqlx::query(
        "UPDATE deliveries SET status = 'dropped', last_error = $2
         WHERE channel = 'telegram' AND status = 'pending' AND target = ANY($1)",
    )
    .bind(&targets)
    .bind(why)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    tx.commit().await.map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// The next getUpdates offset (0 before the first).
pub async fn telegram_offset(pool: &PgPool) -> Result<i64, StoreError> {
    let v: Option<i64> = sqlx::query_scalar("SELECT next_update FROM telegram_offset")
        .fetch_optional(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(v.unwrap_or(0))
}

pub async fn set_telegram_offset(pool: &PgPool, next: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO telegram_offset (id, next_update) VALUES (true, $1)
         ON CONFLICT (id) DO UPDATE SET next_update = GREATEST(telegram_offset.next_update, $1)",
    )
    .bind(next)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}
