//! `order_logs`: one row per leg per trading day (the ledger key is unique).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::StoreError;

/// One order of a strategy, as the user sees it in the log.
#[derive(Debug, Clone)]
pub struct OrderLogRow {
    pub id: Uuid,
    pub strategy_id: Uuid,
    pub event: String,
    pub trading_date: NaiveDate,
    pub broker_order_id: Option<String>,
    pub status: String,
    pub quantity: i32,
    pub average_price_paise: Option<i64>,
    pub message: Option<String>,
    pub scheduled_for: DateTime<Utc>,
    pub placed_at: Option<DateTime<Utc>>,
    pub latency_ms: Option<i32>,
    pub created_at: DateTime<Utc>,
}

type Row = (
    Uuid,
    Uuid,
    String,
    NaiveDate,
    Option<String>,
    String,
    i32,
    Option<i64>,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<i32>,
    DateTime<Utc>,
);

/// The strategy's orders, newest first; only the owner's.
pub async fn list(
    pool: &PgPool,
    user_id: Uuid,
    strategy_id: Uuid,
) -> Result<Vec<OrderLogRow>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, strategy_id, event, trading_date, broker_order_id, status, quantity, average_price_paise, message,
                scheduled_for, placed_at, latency_ms, created_at
         FROM order_logs WHERE user_id = $1 AND strategy_id = $2 ORDER BY created_at DESC, id LIMIT 500",
    )
    .bind(user_id)
    .bind(strategy_id)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(rows
        .into_iter()
        .map(|r| OrderLogRow {
            id: r.0,
            strategy_id: r.1,
            event: r.2,
            trading_date: r.3,
            broker_order_id: r.4,
            status: r.5,
            quantity: r.6,
            average_price_paise: r.7,
            message: r.8,
            scheduled_for: r.9,
            placed_at: r.10,
            latency_ms: r.11,
            created_at: r.12,
        })
        .collect())
}

/// The first write of a leg, before the broker is called.
#[derive(Debug, Clone)]
pub struct NewOrderLog<'a> {
    pub strategy_id: Uuid,
    pub user_id: Uuid,
    pub event: &'a str,
    pub trading_date: NaiveDate,
    pub ledger_key: &'a str,
    pub broker_tag: &'a str,
    pub quantity: i32,
    pub scheduled_for: DateTime<Utc>,
}

/// Writes the leg's row as `SENDING`; a row already there (an earlier owner crashed) is kept.
pub async fn begin(pool: &PgPool, log: &NewOrderLog<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO order_logs (id, strategy_id, user_id, event, trading_date, ledger_key, broker_tag, status, quantity, scheduled_for)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'SENDING', $8, $9)
         ON CONFLICT (ledger_key) DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(log.strategy_id)
    .bind(log.user_id)
    .bind(log.event)
    .bind(log.trading_date)
    .bind(log.ledger_key)
    .bind(log.broker_tag)
    .bind(log.quantity)
    .bind(log.scheduled_for)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// The broker took the order.
pub async fn placed(
    pool: &PgPool,
    ledger_key: &str,
    broker_order_id: &str,
    placed_at: DateTime<Utc>,
    latency_ms: i32,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE order_logs SET status = 'PLACED', broker_order_id = $2, placed_at = $3, latency_ms = $4, updated_at = now()
         WHERE ledger_key = $1 AND status IN ('SENDING', 'PLACED')",
    )
    .bind(ledger_key)
    .bind(broker_order_id)
    .bind(placed_at)
    .bind(latency_ms)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// The leg's final state: `COMPLETE`, `REJECTED`, `CANCELLED` or `FAILED`.
pub async fn finish(
    pool: &PgPool,
    ledger_key: &str,
    status: &str,
    average_price_paise: Option<i64>,
    message: Option<&str>,
    raw_response: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE order_logs SET status = $2, average_price_paise = COALESCE($3, average_price_paise), message = $4,
                raw_response = COALESCE($5, raw_response), updated_at = now()
         WHERE ledger_key = $1",
    )
    .bind(ledger_key)
    .bind(status)
    .bind(average_price_paise)
    .bind(message)
    .bind(raw_response)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// The legs of one strategy-day: `(event, status)`, entry first.
pub async fn day(
    pool: &PgPool,
    strategy_id: Uuid,
    trading_date: NaiveDate,
) -> Result<Vec<(String, String)>, StoreError> {
    sqlx::query_as(
        "SELECT event, status FROM order_logs WHERE strategy_id = $1 AND trading_date = $2
         ORDER BY (event = 'BUY') DESC, created_at",
    )
    .bind(strategy_id)
    .bind(trading_date)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)
}
