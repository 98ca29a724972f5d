//! `strategies`: every query is scoped by the owner's user id.

use algo_core::strategy::{
    windows_overlap, Direction, Exchange, ExitRules, Offset, Product, StrategySpec, Symbol,
};
use algo_core::Price;
use chrono::{DateTime, NaiveTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use async_trait::async_trait;

use crate::ports::StrategyRepo;
pub use crate::ports::{Status, StrategyRow};
use crate::StoreError;

/// What a write found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    Done,
    /// Another strategy of the user on the same symbol overlaps in time.
    Overlap(Uuid),
    /// No such strategy for this user.
    NotFound,
    /// The strategy is running; stop it first.
    Running,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    user_id: Uuid,
    symbol: String,
    exchange: String,
    buy_time: NaiveTime,
    sell_time: NaiveTime,
    stop_loss_paise: i64,
    quantity: i32,
    product: String,
    status: String,
    failure_reason: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    target_paise: Option<i64>,
    target_bp: Option<i32>,
    trailing_paise: Option<i64>,
    trailing_bp: Option<i32>,
    direction: String,
    paper: bool,
}

const COLUMNS: &str =
    "id, user_id, symbol, exchange, buy_time, sell_time, stop_loss_paise, quantity, product, status, failure_reason, created_at, updated_at,
     target_paise, target_bp, trailing_paise, trailing_bp, direction, paper";

/// An offset from its two columns (at most one is set; the table checks it).
fn offset(paise: Option<i64>, bp: Option<i32>) -> Result<Option<Offset>, ()> {
    match (paise, bp) {
        (Some(p), _) => Price::from_paise(p)
            .map(|p| Some(Offset::Points(p)))
            .map_err(|_| ()),
        (None, Some(bp)) => u32::try_from(bp)
            .ok()
            .filter(|bp| (1..=Offset::MAX_BP).contains(bp))
            .map(|bp| Some(Offset::Percent(bp)))
            .ok_or(()),
        (None, None) => Ok(None),
    }
}

/// An offset's two columns, for binding.
fn columns(offset: Option<Offset>) -> (Option<i64>, Option<i32>) {
    match offset {
        Some(Offset::Points(p)) => (Some(p.paise()), None),
        Some(Offset::Percent(bp)) => (None, i32::try_from(bp).ok()),
        None => (None, None),
    }
}

fn from_row(r: Row) -> Result<StrategyRow, StoreError> {
    let id = r.id;
    let corrupt = |what: &str| StoreError::DbDown(format!("strategy {id} has an invalid {what}"));
    let spec = StrategySpec {
        symbol: Symbol::parse(&r.symbol).map_err(|_| corrupt("symbol"))?,
        exchange: Exchange::parse(&r.exchange).ok_or_else(|| corrupt("exchange"))?,
        buy_time: r.buy_time,
        sell_time: r.sell_time,
        stop_loss: Price::from_paise(r.stop_loss_paise).map_err(|_| corrupt("stop_loss"))?,
        quantity: u32::try_from(r.quantity).map_err(|_| corrupt("quantity"))?,
        product: Product::parse(&r.product).ok_or_else(|| corrupt("product"))?,
        exits: ExitRules {
            target: offset(r.target_paise, r.target_bp).map_err(|()| corrupt("target"))?,
            trailing_stop: offset(r.trailing_paise, r.trailing_bp)
                .map_err(|()| corrupt("trailing_stop"))?,
        },
        direction: Direction::parse(&r.direction).ok_or_else(|| corrupt("direction"))?,
        paper: r.paper,
    };
    Ok(StrategyRow {
        id,
        user_id: r.user_id,
        spec,
        status: Status::parse(&r.status)?,
        failure_reason: r.failure_reason,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// Serialises one user's writes, so two concurrent creates cannot both miss each other's overlap.
async fn lock_user(tx: &mut Transaction<'_, Postgres>, user_id: Uuid) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(())
}

async fn find_overlap(
    tx: &mut Transaction<'_, Postgres>,
    user_id: Uuid,
    spec: &StrategySpec,
    except: Option<Uuid>,
) -> Result<Option<Uuid>, StoreError> {
    let rows: Vec<(Uuid, NaiveTime, NaiveTime)> = sqlx::query_as(
        "SELECT id, buy_time, sell_time FROM strategies WHERE user_id = $1 AND symbol = $2",
    )
    .bind(user_id)
    .bind(spec.symbol.as_ref())
    .fetch_all(&mut **tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(rows
        .into_iter()
        .find(|(id, buy, sell)| {
            Some(*id) != except && windows_overlap((*buy, *sell), (spec.buy_time, spec.sell_time))
        })
        .map(|(id, _, _)| id))
}

/// Inserts a strategy unless it overlaps another of the user's.
pub async fn create(
    pool: &PgPool,
    user_id: Uuid,
    id: Uuid,
    spec: &StrategySpec,
) -> Result<WriteOutcome, StoreError> {
    let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
    lock_user(&mut tx, user_id).await?;
    if let Some(other) = find_overlap(&mut tx, user_id, spec, None).await? {
        return Ok(WriteOutcome::Overlap(other));
    }
    sqlx::query(
        "INSERT INTO strategies (id, user_id, symbol, exchange, buy_time, sell_time, stop_loss_paise, quantity, product,
           target_paise, target_bp, trailing_paise, trailing_bp, direction, paper)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(id)
    .bind(user_id)
    .bind(spec.symbol.as_ref())
    .bind(spec.exchange.as_str())
    .bind(spec.buy_time)
    .bind(spec.sell_time)
    .bind(spec.stop_loss.paise())
    .bind(spec.quantity as i32)
    .bind(spec.product.as_str())
    .bind(columns(spec.exits.target).0)
    .bind(columns(spec.exits.target).1)
    .bind(columns(spec.exits.trailing_stop).0)
    .bind(columns(spec.exits.trailing_stop).1)
    .bind(spec.direction.as_str())
    .bind(spec.paper)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    tx.commit().await.map_err(StoreError::from_sqlx)?;
    Ok(WriteOutcome::Done)
}

/// Replaces the definition of a strategy that is not running.
/// Moves the stop-loss of the user's strategy, running or not; `false` when not found.
pub async fn set_stop_loss(
    pool: &PgPool,
    user_id: Uuid,
    id: Uuid,
    stop_loss: Price,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE strategies SET stop_loss_paise = $3, updated_at = now() WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .bind(stop_loss.paise())
    .execute(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected() == 1)
}

pub async fn update(
    pool: &PgPool,
    user_id: Uuid,
    id: Uuid,
    spec: &StrategySpec,
) -> Result<WriteOutcome, StoreError> {
    let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
    lock_user(&mut tx, user_id).await?;
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM strategies WHERE id = $1 AND user_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    match status.as_deref() {
        None => return Ok(WriteOutcome::NotFound),
        Some("running") => return Ok(WriteOutcome::Running),
        Some(_) => {}
    }
    if let Some(other) = find_overlap(&mut tx, user_id, spec, Some(id)).await? {
        return Ok(WriteOutcome::Overlap(other));
    }
    sqlx::query(
        "UPDATE strategies SET symbol = $3, exchange = $4, buy_time = $5, sell_time = $6, stop_loss_paise = $7,
           quantity = $8, product = $9, target_paise = $10, target_bp = $11, trailing_paise = $12,
           trailing_bp = $13, direction = $14, paper = $15, updated_at = now() WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .bind(spec.symbol.as_ref())
    .bind(spec.exchange.as_str())
    .bind(spec.buy_time)
    .bind(spec.sell_time)
    .bind(spec.stop_loss.paise())
    .bind(spec.quantity as i32)
    .bind(spec.product.as_str())
    .bind(columns(spec.exits.target).0)
    .bind(columns(spec.exits.target).1)
    .bind(columns(spec.exits.trailing_stop).0)
    .bind(columns(spec.exits.trailing_stop).1)
    .bind(spec.direction.as_str())
    .bind(spec.paper)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    tx.commit().await.map_err(StoreError::from_sqlx)?;
    Ok(WriteOutcome::Done)
}

/// Deletes a strategy that is not running.
pub async fn delete(pool: &PgPool, user_id: Uuid, id: Uuid) -> Result<WriteOutcome, StoreError> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM strategies WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from_sqlx)?;
    match status.as_deref() {
        None => Ok(WriteOutcome::NotFound),
        Some("running") => Ok(WriteOutcome::Running),
        Some(_) => {
            let done = sqlx::query(
                "DELETE FROM strategies WHERE id = $1 AND user_id = $2 AND status <> 'running'",
            )
            .bind(id)
            .bind(user_id)
            .execute(pool)
            .await
            .map_err(StoreError::from_sqlx)?;
            Ok(if done.rows_affected() == 1 {
                WriteOutcome::Done
            } else {
                WriteOutcome::Running
            })
        }
    }
}

pub async fn get(
    pool: &PgPool,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<StrategyRow>, StoreError> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM strategies WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    row.map(from_row).transpose()
}

/// The user's strategies, newest first.
pub async fn list(pool: &PgPool, user_id: Uuid) -> Result<Vec<StrategyRow>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM strategies WHERE user_id = $1 ORDER BY created_at DESC, id"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    rows.into_iter().map(from_row).collect()
}

/// A strategy by id alone, for the executor, which acts for the system on events it trusts
/// (they come from the timers and the stop-loss watcher, never from a user).
pub async fn get_for_executor(pool: &PgPool, id: Uuid) -> Result<Option<StrategyRow>, StoreError> {
    let row: Option<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM strategies WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from_sqlx)?;
    row.map(from_row).transpose()
}

/// Only the status of a strategy, for the executor's check at the instant; `None` when deleted.
pub async fn status_of(pool: &PgPool, id: Uuid) -> Result<Option<Status>, StoreError> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM strategies WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    status.as_deref().map(Status::parse).transpose()
}

/// Stops a strategy as `failed` with the reason the user will see.
pub async fn fail(pool: &PgPool, id: Uuid, reason: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE strategies SET status = 'failed', failure_reason = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(reason)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Every running strategy of every user: for the timers and recovery at start-up.
pub async fn all_running(pool: &PgPool) -> Result<Vec<StrategyRow>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM strategies WHERE status = 'running'"
    ))
    .fetch_all(pool)
    .await
    .map_err(StoreError::from_sqlx)?;
    rows.into_iter().map(from_row).collect()
}

/// Sets the status (and the failure reason, cleared unless failing); `false` when not found.
pub async fn set_status(
    pool: &PgPool,
    user_id: Uuid,
    id: Uuid,
    status: Status,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE strategies SET status = $3, failure_reason = $4, updated_at = now() WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .bind(status.as_str())
        .bind(reason)
        .execute(pool)
        .await
        .map_err(StoreError::from_sqlx)?;
    Ok(done.rows_affected() == 1)
}

/// The [`StrategyRepo`] port on Postgres.
#[derive(Clone)]
pub struct PgStrategies {
    pool: PgPool,
}

impl PgStrategies {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl StrategyRepo for PgStrategies {
    async fn get(&self, id: Uuid) -> Result<Option<StrategyRow>, StoreError> {
        get_for_executor(&self.pool, id).await
    }

    async fn status_of(&self, id: Uuid) -> Result<Option<Status>, StoreError> {
        status_of(&self.pool, id).await
    }

    async fn fail(&self, id: Uuid, reason: &str) -> Result<(), StoreError> {
        fail(&self.pool, id, reason).await
    }

    async fn all_running(&self) -> Result<Vec<StrategyRow>, StoreError> {
        all_running(&self.pool).await
    }
}
