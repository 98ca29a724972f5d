//! Paper trading's book: the orders of strategies in paper mode, which never reach the broker.
//! The paper broker (`algo_app::broker::paper`) fills them at the live last price and keeps
//! them here, so a paper day survives a restart exactly as a real one does: its orders are
//! found by tag and by id, followed to a final state, and summed into positions.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::order_log::Side;
use crate::StoreError;

/// Every paper order id starts with this, so a leg's order id says it was paper.
pub const PAPER_ORDER_PREFIX: &str = "PAPER-";

/// One paper order as the paper broker keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperOrder {
    pub order_id: String,
    pub user_id: Uuid,
    pub tag: Option<String>,
    pub trading_date: NaiveDate,
    pub tradingsymbol: String,
    pub exchange: String,
    pub product: String,
    pub side: Side,
    /// `MARKET`, `LIMIT`, `SL` or `SL-M`.
    pub order_type: String,
    pub quantity: i32,
    pub filled_quantity: i32,
    pub average_price_paise: Option<i64>,
    pub price_paise: Option<i64>,
    pub trigger_price_paise: Option<i64>,
    /// Kite's words: `COMPLETE`, `REJECTED`, `CANCELLED`, `OPEN`, `TRIGGER PENDING`.
    pub status: String,
    pub status_message: Option<String>,
    pub placed_at: DateTime<Utc>,
}

impl PaperOrder {
    /// Still working: a modify or a cancel may change it.
    pub fn is_pending(&self) -> bool {
        matches!(self.status.as_str(), "OPEN" | "TRIGGER PENDING")
    }
}

/// The paper orders of every user. Adapters: Postgres (`postgres::paper::PgPaperBook`) and the
/// in-memory fake (`memory::MemoryPaperBook`), held to one contract suite
/// (`tests/contract/paper.rs`).
///
/// The contract: an order id is written once (a second insert of it changes nothing); reads
/// are scoped by the user; only a pending order is replaced; a day's orders come oldest first.
#[async_trait]
pub trait PaperBook: Send + Sync + 'static {
    async fn insert(&self, order: &PaperOrder) -> Result<(), StoreError>;
    async fn get(&self, user_id: Uuid, order_id: &str) -> Result<Option<PaperOrder>, StoreError>;
    /// The user's order carrying `tag` (tags are unique per leg and day).
    async fn by_tag(&self, user_id: Uuid, tag: &str) -> Result<Option<PaperOrder>, StoreError>;
    /// Writes `order` over the stored one if that is still pending; whether it did.
    async fn replace(&self, order: &PaperOrder) -> Result<bool, StoreError>;
    /// The user's orders of `date`, oldest first.
    async fn of_day(&self, user_id: Uuid, date: NaiveDate) -> Result<Vec<PaperOrder>, StoreError>;
}
