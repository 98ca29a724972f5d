//! The runtime cache as the order path writes it: each strategy's position today and the
//! orders behind it, for the status endpoint and the stop-loss watcher. A cache, never the
//! record: it may vanish at any moment and is rebuilt from the order log.

use algo_core::Position;
use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::StoreError;

/// What the status endpoint shows of a strategy's day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runtime {
    pub position: Position,
    pub trading_date: Option<NaiveDate>,
    pub last_price_paise: Option<i64>,
    pub last_buy_order: Option<String>,
    pub last_sell_order: Option<String>,
}

/// One write of a strategy's runtime: the position always, the rest when known.
#[derive(Debug, Clone, Copy)]
pub struct RuntimeUpdate<'a> {
    pub position: Position,
    pub trading_date: NaiveDate,
    pub buy_order: Option<&'a str>,
    pub sell_order: Option<&'a str>,
    /// The position's own instrument (`tradingsymbol`, `exchange`): the watcher guards it,
    /// whatever the strategy was edited to since.
    pub instrument: Option<(&'a str, &'a str)>,
}

/// The runtime cache. Adapters: Redis (`redis::runtime::RedisRuntime`, which also tells the
/// stop-loss watcher) and the in-memory fake (`memory::MemoryRuntime`), held to one contract
/// suite (`tests/contract/runtime.rs`).
///
/// The contract: a write sets the position and date and keeps every field it does not name
/// (an exit's write keeps the entry's order id); strategies do not share fields; a strategy
/// never written reads as the default (no position).
#[async_trait]
pub trait RuntimeCache: Send + Sync + 'static {
    async fn record(&self, strategy_id: Uuid, update: &RuntimeUpdate<'_>)
        -> Result<(), StoreError>;
    async fn get(&self, strategy_id: Uuid) -> Result<Runtime, StoreError>;
}
