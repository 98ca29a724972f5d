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
    /// The entry's average fill price: what a target is measured from.
    pub entry_price_paise: Option<i64>,
    /// Where the stop-loss watcher's trailing stop stands now (written by the watcher beside
    /// the last price; the Redis adapter reads it, the fake never has one).
    pub trail_stop_paise: Option<i64>,
}

/// The entry's fill, written once it is final: the instrument the watcher guards, whatever the
/// strategy was edited to since, and the price its target and trailing stop start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryFill<'a> {
    pub tradingsymbol: &'a str,
    pub exchange: &'a str,
    pub average_paise: Option<i64>,
}

/// One write of a strategy's runtime: the position always, the rest when known.
#[derive(Debug, Clone, Copy)]
pub struct RuntimeUpdate<'a> {
    pub position: Position,
    pub trading_date: NaiveDate,
    pub buy_order: Option<&'a str>,
    pub sell_order: Option<&'a str>,
    /// The entry's fill, on the entry's own write.
    pub entry: Option<EntryFill<'a>>,
}

/// The runtime cache. Adapters: Redis (`redis::runtime::RedisRuntime`, which also tells the
/// stop-loss watcher) and the in-memory fake (`memory::MemoryRuntime`), held to one contract
/// suite (`tests/contract/runtime.rs`).
///
/// The contract: a write sets the position and date and keeps every field it does not name
/// (an exit's write keeps the entry's order id), except that an entry in flight (`Buying`)
/// forgets the last entry's price, so a new day never measures its target from yesterday's; strategies do not share fields; a strategy
/// never written reads as the default (no position).
#[async_trait]
pub trait RuntimeCache: Send + Sync + 'static {
    async fn record(&self, strategy_id: Uuid, update: &RuntimeUpdate<'_>)
        -> Result<(), StoreError>;
    async fn get(&self, strategy_id: Uuid) -> Result<Runtime, StoreError>;
}
