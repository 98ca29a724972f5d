//! The order log as the order path uses it: one row per leg per trading day, keyed by the
//! ledger key, recording what was asked of the broker and what it answered.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::StoreError;
pub use algo_core::strategy::{Direction, Side};

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
    /// The instrument and product the order is for (an exit's are its entry's).
    pub tradingsymbol: &'a str,
    pub exchange: &'a str,
    pub product: &'a str,
    /// The order's side: a long's entry buys and its exits sell, a short's the other way.
    pub side: Side,
}

/// A notification for the trader, written with the event that causes it (the outbox): in the
/// same transaction, and at most once per `source_key` and `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewNotification<'a> {
    pub user_id: Uuid,
    pub strategy_id: Option<Uuid>,
    /// `entry_filled`, `exit_filled`, `stop_loss_hit`, `order_rejected`, …
    pub kind: &'a str,
    /// What caused it, e.g. the leg's ledger key.
    pub source_key: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub data: &'a serde_json::Value,
    pub at: DateTime<Utc>,
}

/// A notice as written, for the senders and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    pub user_id: Uuid,
    pub strategy_id: Option<Uuid>,
    pub kind: String,
    pub source_key: String,
    pub title: String,
    pub body: String,
    pub data: serde_json::Value,
}

/// What the broker finally did with a leg's order.
#[derive(Debug, Clone, Copy)]
pub struct Final<'a> {
    /// `COMPLETE`, `REJECTED`, `CANCELLED` or `FAILED`.
    pub status: &'a str,
    pub average_price_paise: Option<i64>,
    /// What the broker filled; `None` when nothing reached it.
    pub filled_quantity: Option<i32>,
    pub message: Option<&'a str>,
    pub raw_response: Option<&'a serde_json::Value>,
    /// Written with the final status, only when this write is the one that makes it final.
    pub notice: Option<&'a NewNotification<'a>>,
}

/// One leg of a strategy-day, as the executor and the reconciler read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegRow {
    pub strategy_id: Uuid,
    pub user_id: Uuid,
    pub event: String,
    pub trading_date: NaiveDate,
    pub ledger_key: String,
    pub broker_tag: String,
    pub broker_order_id: Option<String>,
    pub status: String,
    pub quantity: i32,
    pub filled_quantity: Option<i32>,
    /// The broker's average fill price, once final.
    pub average_price_paise: Option<i64>,
    pub tradingsymbol: Option<String>,
    pub exchange: Option<String>,
    pub product: Option<String>,
    pub scheduled_for: DateTime<Utc>,
    /// How many modifications its order took (Kite takes 25 per order).
    pub modifications: i32,
    /// The side its order took.
    pub side: Side,
}

impl LegRow {
    /// `SENDING` or `PLACED`: the broker may still act on it.
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "SENDING" | "PLACED")
    }

    /// The direction of the position an entry leg opened (its side says it, whatever the
    /// strategy says now).
    pub fn direction(&self) -> Direction {
        Direction::of_entry(self.side)
    }
}

/// The record of every leg. Adapters: Postgres (`postgres::order_logs::PgOrderLog`) and the
/// in-memory fake (`memory::MemoryOrderLog`), held to one contract suite
/// (`tests/contract/order_log.rs`).
///
/// The contract: a leg's first row wins (a second `begin` or `missed` for its ledger key
/// changes nothing); only a leg that is not final (`SENDING`, `PLACED`) moves on, so a late
/// second writer cannot overwrite a final status; `day` lists a strategy-day's legs entry
/// first, then in the order they were begun; a final status's notice is written once, with it.
#[async_trait]
pub trait OrderLog: Send + Sync + 'static {
    /// Writes the leg's row as `SENDING`, before the broker is called.
    async fn begin(&self, log: &NewOrderLog<'_>) -> Result<(), StoreError>;
    /// Records an event dropped before it reached the broker, as `MISSED` with the reason.
    async fn missed(&self, log: &NewOrderLog<'_>, reason: &str) -> Result<(), StoreError>;
    /// The broker took the order: `PLACED` with its id.
    async fn placed(
        &self,
        ledger_key: &str,
        broker_order_id: &str,
        placed_at: DateTime<Utc>,
        latency_ms: i32,
    ) -> Result<(), StoreError>;
    /// The leg's final state; a leg already final is left as it is. The notice, if any, is
    /// written in the same transaction when (and only when) this call makes the leg final.
    async fn finish(&self, ledger_key: &str, last: &Final<'_>) -> Result<(), StoreError>;
    /// The legs of one strategy-day, entry first.
    async fn day(
        &self,
        strategy_id: Uuid,
        trading_date: NaiveDate,
    ) -> Result<Vec<LegRow>, StoreError>;
    /// The leg whose order the broker numbered `broker_order_id`, if it is one of ours.
    async fn by_broker_order(&self, broker_order_id: &str) -> Result<Option<LegRow>, StoreError>;
    /// Writes a notice no final status causes (an exit still unfilled); once per source and
    /// kind. Whether it was new.
    async fn note(&self, notice: &NewNotification<'_>) -> Result<bool, StoreError>;
    /// The notices written for `user_id`, oldest first.
    async fn notices(&self, user_id: Uuid) -> Result<Vec<StoredNotice>, StoreError>;
    /// Every leg up to `up_to` that the broker took and that is not final: the reconciler's
    /// work list, oldest first (at most 500).
    async fn placed_not_final(&self, up_to: NaiveDate) -> Result<Vec<LegRow>, StoreError>;
    /// An exit takes over the resting stop: the `PLACED` leg `guard_key` becomes the leg
    /// `exit_key` of `event`, due at `scheduled_for`, with the same broker order. One row, so
    /// the day never counts the order twice. Whether it did (a guard already final or taken
    /// over, or a day whose EXIT leg exists already, is left as it is).
    async fn adopt_guard(
        &self,
        guard_key: &str,
        exit_key: &str,
        event: &str,
        scheduled_for: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// The entries of `trading_date` that filled (in full or in part) and whose day has no
    /// exit and no resting stop placed yet (none, or one still `SENDING`): the positions the
    /// reconciler puts a resting stop under.
    async fn unguarded(&self, trading_date: NaiveDate) -> Result<Vec<LegRow>, StoreError>;
    /// Counts a modification the broker took of the leg's order.
    async fn modified(&self, ledger_key: &str) -> Result<(), StoreError>;
    /// Takes one of the leg's order modifications before asking the broker for it, if its
    /// count is still `seen`: false when another pass or process took it first (that one
    /// makes the change). Two reconciler passes seeing the same resting stop behind the
    /// trail thus move it once, and Kite's 25 per order are never spent twice on one move.
    async fn take_modification(&self, ledger_key: &str, seen: i32) -> Result<bool, StoreError>;
    /// Gives back a modification taken for a change the broker refused outright (one it may
    /// have made, after a timeout, stays counted).
    async fn give_back_modification(&self, ledger_key: &str) -> Result<(), StoreError>;
}
