//! `paper_orders`: the paper broker's book (see [`crate::ports::PaperBook`]), every query scoped
//! by the user.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::ports::{PaperBook, PaperOrder, Side};
use crate::StoreError;

#[derive(sqlx::FromRow)]
struct Row {
    order_id: String,
    user_id: Uuid,
    tag: Option<String>,
    trading_date: NaiveDate,
    tradingsymbol: String,
    exchange: String,
    product: String,
    side: String,
    order_type: String,
    quantity: i32,
    filled_quantity: i32,
    average_price_paise: Option<i64>,
    price_paise: Option<i64>,
    trigger_price_paise: Option<i64>,
    status: String,
    status_message: Option<String>,
    placed_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "order_id, user_id, tag, trading_date, tradingsymbol, exchange, product, side,
    order_type, quantity, filled_quantity, average_price_paise, price_paise, trigger_price_paise,
    status, status_message, placed_at";

fn order(r: Row) -> Result<PaperOrder, StoreError> {
    let side = Side::parse(&r.side).ok_or_else(|| {
        StoreError::DbDown(format!("paper order {} has an invalid side", r.order_id))
    })?;
    Ok(PaperOrder {
        order_id: r.order_id,
        user_id: r.user_id,
        tag: r.tag,
        trading_date: r.trading_date,
        tradingsymbol: r.tradingsymbol,
        exchange: r.exchange,
        product: r.product,
        side,
        order_type: r.order_type,
        quantity: r.quantity,
        filled_quantity: r.filled_quantity,
        average_price_paise: r.average_price_paise,
        price_paise: r.price_paise,
        trigger_price_paise: r.trigger_price_paise,
        status: r.status,
        status_message: r.status_message,
        placed_at: r.placed_at,
    })
}

/// The [`PaperBook`] port on Postgres.
#[derive(Clone)]
pub struct PgPaperBook {
    pool: PgPool,
}

impl PgPaperBook {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The user's one order whose `column` (`order_id` or `tag`, both unique per user) is
    /// `value`.
    async fn one(
        &self,
        user_id: Uuid,
        column: &'static str,
        value: &str,
    ) -> Result<Option<PaperOrder>, StoreError> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM paper_orders WHERE user_id = $1 AND {column} = $2"
        ))
        .bind(user_id)
        .bind(value)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        row.map(order).transpose()
    }
}

#[async_trait]
impl PaperBook for PgPaperBook {
    async fn insert(&self, o: &PaperOrder) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO paper_orders ({COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             ON CONFLICT DO NOTHING"
        ))
        .bind(&o.order_id)
        .bind(o.user_id)
        .bind(&o.tag)
        .bind(o.trading_date)
        .bind(&o.tradingsymbol)
        .bind(&o.exchange)
        .bind(&o.product)
        .bind(o.side.as_str())
        .bind(&o.order_type)
        .bind(o.quantity)
        .bind(o.filled_quantity)
        .bind(o.average_price_paise)
        .bind(o.price_paise)
        .bind(o.trigger_price_paise)
        .bind(&o.status)
        .bind(&o.status_message)
        .bind(o.placed_at)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        Ok(())
    }

    async fn get(&self, user_id: Uuid, order_id: &str) -> Result<Option<PaperOrder>, StoreError> {
        self.one(user_id, "order_id", order_id).await
    }

    async fn by_tag(&self, user_id: Uuid, tag: &str) -> Result<Option<PaperOrder>, StoreError> {
        self.one(user_id, "tag", tag).await
    }

    async fn replace(&self, o: &PaperOrder) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE paper_orders SET order_type = $3, quantity = $4, filled_quantity = $5,
               average_price_paise = $6, price_paise = $7, trigger_price_paise = $8, status = $9,
               status_message = $10, updated_at = now()
             WHERE user_id = $1 AND order_id = $2 AND status IN ('OPEN', 'TRIGGER PENDING')",
        )
        .bind(o.user_id)
        .bind(&o.order_id)
        .bind(&o.order_type)
        .bind(o.quantity)
        .bind(o.filled_quantity)
        .bind(o.average_price_paise)
        .bind(o.price_paise)
        .bind(o.trigger_price_paise)
        .bind(&o.status)
        .bind(&o.status_message)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        Ok(done.rows_affected() == 1)
    }

    async fn of_day(&self, user_id: Uuid, date: NaiveDate) -> Result<Vec<PaperOrder>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM paper_orders WHERE user_id = $1 AND trading_date = $2
             ORDER BY placed_at, order_id"
        ))
        .bind(user_id)
        .bind(date)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        rows.into_iter().map(order).collect()
    }
}
