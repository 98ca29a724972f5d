//! `order_logs`: one row per leg per trading day (the ledger key is unique).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use async_trait::async_trait;

use crate::ports::OrderLog;
use crate::ports::Side;
pub use crate::ports::{Final, LegRow, NewOrderLog};
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

/// Writes the leg's row as `SENDING`; a row already there (an earlier owner crashed) is kept.
pub async fn begin(pool: &PgPool, log: &NewOrderLog<'_>) -> Result<(), StoreError> {
    insert(pool, log, "SENDING", None).await
}

/// Records an event that was dropped, with the reason (another trading date, outside the entry
/// window): the trader sees why nothing was placed. A row already there is kept.
pub async fn missed(pool: &PgPool, log: &NewOrderLog<'_>, reason: &str) -> Result<(), StoreError> {
    insert(pool, log, "MISSED", Some(reason)).await
}

async fn insert(
    pool: &PgPool,
    log: &NewOrderLog<'_>,
    status: &str,
    message: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO order_logs (id, strategy_id, user_id, event, trading_date, ledger_key, broker_tag, status, quantity,
                                 scheduled_for, tradingsymbol, exchange, product, message, side)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $10, $8, $9, $11, $12, $13, $14, $15)
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
    .bind(status)
    .bind(log.tradingsymbol)
    .bind(log.exchange)
    .bind(log.product)
    .bind(message)
    .bind(log.side.as_str())
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

/// The leg's final state. Only a leg not yet final changes: a late, second writer (the
/// reconciler and the executor following the same order) cannot overwrite the first. The
/// notice goes in the same transaction, only with the write that makes the leg final.
pub async fn finish(pool: &PgPool, ledger_key: &str, last: &Final<'_>) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
    let changed = sqlx::query(
        "UPDATE order_logs SET status = $2, average_price_paise = COALESCE($3, average_price_paise), message = $4,
                raw_response = COALESCE($5, raw_response), filled_quantity = $6, updated_at = now()
         WHERE ledger_key = $1 AND status IN ('SENDING', 'PLACED')",
    )
    .bind(ledger_key)
    .bind(last.status)
    .bind(last.average_price_paise)
    .bind(last.message)
    .bind(last.raw_response)
    .bind(last.filled_quantity)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?
    .rows_affected();
    if let (1, Some(notice)) = (changed, last.notice) {
        super::notifications::insert(&mut tx, notice).await?;
    }
    tx.commit().await.map_err(StoreError::from_sqlx)?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LegTuple {
    strategy_id: Uuid,
    user_id: Uuid,
    event: String,
    trading_date: NaiveDate,
    ledger_key: String,
    broker_tag: String,
    broker_order_id: Option<String>,
    status: String,
    quantity: i32,
    filled_quantity: Option<i32>,
    average_price_paise: Option<i64>,
    tradingsymbol: Option<String>,
    exchange: Option<String>,
    product: Option<String>,
    scheduled_for: DateTime<Utc>,
    modifications: i32,
    side: String,
}

const LEG_COLUMNS: &str =
    "strategy_id, user_id, event, trading_date, ledger_key, broker_tag, broker_order_id, status,
    quantity, filled_quantity, average_price_paise, tradingsymbol, exchange, product, scheduled_for,
    modifications, side";

/// A side the table's check allows (`BUY` or `SELL`); any other is read as the event implies.
fn side(text: &str, event: &str) -> Side {
    Side::parse(text).unwrap_or(if event == "BUY" {
        Side::Buy
    } else {
        Side::Sell
    })
}

fn leg(r: LegTuple) -> LegRow {
    LegRow {
        side: side(&r.side, &r.event),
        strategy_id: r.strategy_id,
        user_id: r.user_id,
        event: r.event,
        trading_date: r.trading_date,
        ledger_key: r.ledger_key,
        broker_tag: r.broker_tag,
        broker_order_id: r.broker_order_id,
        status: r.status,
        quantity: r.quantity,
        filled_quantity: r.filled_quantity,
        average_price_paise: r.average_price_paise,
        tradingsymbol: r.tradingsymbol,
        exchange: r.exchange,
        product: r.product,
        scheduled_for: r.scheduled_for,
        modifications: r.modifications,
    }
}

/// The legs of one strategy-day, entry first.
pub async fn day(
    pool: &PgPool,
    strategy_id: Uuid,
    trading_date: NaiveDate,
) -> Result<Vec<LegRow>, StoreError> {
    let rows: Vec<LegTuple> = sqlx::query_as(&format!(
        "SELECT {LEG_COLUMNS} FROM order_logs WHERE strategy_id = $1 AND trading_date = $2
         ORDER BY (event = 'BUY') DESC, created_at"
    ))
    .bind(strategy_id)
    .bind(trading_date)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(rows.into_iter().map(leg).collect())
}

/// The leg whose order the broker numbered `broker_order_id`, if it is one of ours.
pub async fn by_broker_order(
    pool: &PgPool,
    broker_order_id: &str,
) -> Result<Option<LegRow>, StoreError> {
    let row: Option<LegTuple> = sqlx::query_as(&format!(
        "SELECT {LEG_COLUMNS} FROM order_logs WHERE broker_order_id = $1 LIMIT 1"
    ))
    .bind(broker_order_id)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(row.map(leg))
}

/// Every leg of `trading_date` (or earlier) the broker took but that is not final yet: the
/// reconciler's work list, oldest first.
pub async fn placed_not_final(pool: &PgPool, up_to: NaiveDate) -> Result<Vec<LegRow>, StoreError> {
    let rows: Vec<LegTuple> = sqlx::query_as(&format!(
        "SELECT {LEG_COLUMNS} FROM order_logs
         WHERE status = 'PLACED' AND broker_order_id IS NOT NULL AND trading_date <= $1
         ORDER BY created_at LIMIT 500"
    ))
    .bind(up_to)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(rows.into_iter().map(leg).collect())
}

/// See [`OrderLog::adopt_guard`].
pub async fn adopt_guard(
    pool: &PgPool,
    guard_key: &str,
    exit_key: &str,
    event: &str,
    scheduled_for: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE order_logs SET ledger_key = $2, event = $3, scheduled_for = $4, updated_at = now()
         WHERE ledger_key = $1 AND status = 'PLACED' AND event = 'GUARD'
           AND NOT EXISTS (SELECT 1 FROM order_logs WHERE ledger_key = $2)",
    )
    .bind(guard_key)
    .bind(exit_key)
    .bind(event)
    .bind(scheduled_for)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected() == 1)
}

/// See [`OrderLog::unguarded`].
pub async fn unguarded(pool: &PgPool, trading_date: NaiveDate) -> Result<Vec<LegRow>, StoreError> {
    let rows: Vec<LegTuple> = sqlx::query_as(&format!(
        "SELECT {LEG_COLUMNS} FROM order_logs e
         WHERE e.trading_date = $1 AND e.event = 'BUY' AND e.filled_quantity > 0
           AND e.status IN ('COMPLETE', 'CANCELLED', 'REJECTED')
           AND NOT EXISTS (SELECT 1 FROM order_logs o
                WHERE o.strategy_id = e.strategy_id AND o.trading_date = e.trading_date
                  AND o.event <> 'BUY' AND NOT (o.event = 'GUARD' AND o.status = 'SENDING'))
         ORDER BY e.created_at LIMIT 500"
    ))
    .bind(trading_date)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(rows.into_iter().map(leg).collect())
}

/// See [`OrderLog::modified`].
pub async fn modified(pool: &PgPool, ledger_key: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE order_logs SET modifications = modifications + 1, updated_at = now() WHERE ledger_key = $1",
    )
    .bind(ledger_key)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// See [`OrderLog::take_modification`].
pub async fn take_modification(
    pool: &PgPool,
    ledger_key: &str,
    seen: i32,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE order_logs SET modifications = modifications + 1, updated_at = now()
         WHERE ledger_key = $1 AND modifications = $2",
    )
    .bind(ledger_key)
    .bind(seen)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected() == 1)
}

/// See [`OrderLog::give_back_modification`].
pub async fn give_back_modification(pool: &PgPool, ledger_key: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE order_logs SET modifications = modifications - 1, updated_at = now()
         WHERE ledger_key = $1 AND modifications > 0",
    )
    .bind(ledger_key)
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// The [`OrderLog`] port on Postgres: the system of record.
#[derive(Clone)]
pub struct PgOrderLog {
    pool: PgPool,
}

impl PgOrderLog {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl OrderLog for PgOrderLog {
    async fn begin(&self, log: &NewOrderLog<'_>) -> Result<(), StoreError> {
        begin(&self.pool, log).await
    }

    async fn missed(&self, log: &NewOrderLog<'_>, reason: &str) -> Result<(), StoreError> {
        missed(&self.pool, log, reason).await
    }

    async fn placed(
        &self,
        ledger_key: &str,
        broker_order_id: &str,
        placed_at: DateTime<Utc>,
        latency_ms: i32,
    ) -> Result<(), StoreError> {
        placed(
            &self.pool,
            ledger_key,
            broker_order_id,
            placed_at,
            latency_ms,
        )
        .await
    }

    async fn finish(&self, ledger_key: &str, last: &Final<'_>) -> Result<(), StoreError> {
        finish(&self.pool, ledger_key, last).await
    }

    async fn note(&self, notice: &crate::ports::NewNotification<'_>) -> Result<bool, StoreError> {
        super::notifications::insert_one(&self.pool, notice).await
    }

    async fn notices(&self, user_id: Uuid) -> Result<Vec<crate::ports::StoredNotice>, StoreError> {
        super::notifications::written(&self.pool, user_id).await
    }

    async fn day(
        &self,
        strategy_id: Uuid,
        trading_date: NaiveDate,
    ) -> Result<Vec<LegRow>, StoreError> {
        day(&self.pool, strategy_id, trading_date).await
    }

    async fn by_broker_order(&self, broker_order_id: &str) -> Result<Option<LegRow>, StoreError> {
        by_broker_order(&self.pool, broker_order_id).await
    }

    async fn placed_not_final(&self, up_to: NaiveDate) -> Result<Vec<LegRow>, StoreError> {
        placed_not_final(&self.pool, up_to).await
    }

    async fn adopt_guard(
        &self,
        guard_key: &str,
        exit_key: &str,
        event: &str,
        scheduled_for: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        adopt_guard(&self.pool, guard_key, exit_key, event, scheduled_for).await
    }

    async fn unguarded(&self, trading_date: NaiveDate) -> Result<Vec<LegRow>, StoreError> {
        unguarded(&self.pool, trading_date).await
    }

    async fn modified(&self, ledger_key: &str) -> Result<(), StoreError> {
        modified(&self.pool, ledger_key).await
    }

    async fn take_modification(&self, ledger_key: &str, seen: i32) -> Result<bool, StoreError> {
        take_modification(&self.pool, ledger_key, seen).await
    }

    async fn give_back_modification(&self, ledger_key: &str) -> Result<(), StoreError> {
        give_back_modification(&self.pool, ledger_key).await
    }
}

/// One leg's fill, for P&L: what the broker filled, at what average price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillRow {
    pub strategy_id: Uuid,
    pub trading_date: NaiveDate,
    /// `BUY` (the entry), `SELL`, `STOPLOSS`, `TARGET` or `GUARD`.
    pub event: String,
    pub filled_quantity: i32,
    pub average_price_paise: i64,
    /// The side the order took.
    pub side: Side,
    /// A paper order's fill (simulated; nothing reached the broker).
    pub paper: bool,
}

/// The user's legs that filled (in full or in part) from `from` to `to`, one strategy or all,
/// by date, entry first.
pub async fn fills(
    pool: &PgPool,
    user_id: Uuid,
    strategy_id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<FillRow>, StoreError> {
    let rows: Vec<(Uuid, NaiveDate, String, i32, i64, String, bool)> = sqlx::query_as(
        "SELECT strategy_id, trading_date, event, filled_quantity, average_price_paise, side,
                COALESCE(broker_order_id LIKE 'PAPER-%', false) FROM order_logs
         WHERE user_id = $1 AND ($2::uuid IS NULL OR strategy_id = $2)
           AND trading_date BETWEEN $3 AND $4
           AND status IN ('COMPLETE', 'CANCELLED', 'REJECTED')
           AND filled_quantity > 0 AND average_price_paise IS NOT NULL
         ORDER BY trading_date, strategy_id, (event = 'BUY') DESC, created_at",
    )
    .bind(user_id)
    .bind(strategy_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(rows
        .into_iter()
        .map(|r| FillRow {
            side: side(&r.5, &r.2),
            paper: r.6,
            strategy_id: r.0,
            trading_date: r.1,
            event: r.2,
            filled_quantity: r.3,
            average_price_paise: r.4,
        })
        .collect())
}

/// The users with a fill on `date` whose daily summary (source `summary:<user>:<date>`) is not
/// written yet: after the close each sender pass asks, and only the first one finds work.
pub async fn users_to_summarise(pool: &PgPool, date: NaiveDate) -> Result<Vec<Uuid>, StoreError> {
    sqlx::query_scalar(
        "SELECT DISTINCT o.user_id FROM order_logs o
         WHERE o.trading_date = $1 AND o.filled_quantity > 0 AND o.average_price_paise IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.kind = 'daily_summary'
                           AND n.source_key = 'summary:' || o.user_id::text || ':' || $1::text)",
    )
    .bind(date)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)
}
