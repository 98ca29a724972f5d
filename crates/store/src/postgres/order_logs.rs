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
