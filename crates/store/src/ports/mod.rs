//! The ports: small traits the use cases call, one adapter per deployment profile.
//!
//! - [`OrderQueue`]: order events waiting for the executor (Redis list | SQS FIFO).
//! - [`Scheduler`]: a running strategy's timers (in-process | EventBridge Scheduler).
//! - [`Ledger`]: the idempotency ledger, one record per ledger key (Postgres | DynamoDB).
//! - [`StrategyLocks`]: one worker per strategy at a time, on a renewed lease (Redis).
//! - [`StrategyRepo`]: strategies as the order path reads them (Postgres).
//! - [`RuntimeCache`]: each strategy's position today, a cache rebuilt from the order log
//!   (Redis).
//! - [`BrokerKeys`]: each user's sealed broker credentials (Postgres).
//! - [`OrderLog`]: the record of every leg, what was asked and what the broker answered
//!   (Postgres).
//!
//! - [`PaperBook`]: the orders of strategies in paper mode, filled by the paper broker
//!   (Postgres).
//!
//! Each has an in-memory fake in [`crate::memory`], held to the same contract suite.

mod broker_keys;
mod ledger;
mod locks;
mod order_log;
mod paper;
mod queue;
mod runtime;
mod scheduler;
mod strategies;

pub use broker_keys::{BrokerKeys, BrokerKeysRow};
pub use ledger::{Claim, Ledger, LedgerRecord, LedgerState};
pub use locks::StrategyLocks;
pub use order_log::{
    Direction, Final, LegRow, NewNotification, NewOrderLog, OrderLog, Side, StoredNotice,
};
pub use paper::{PaperBook, PaperOrder, PAPER_ORDER_PREFIX};
pub use queue::{Delivery, OrderQueue};
pub use runtime::{EntryFill, Runtime, RuntimeCache, RuntimeUpdate};
pub use scheduler::Scheduler;
pub use strategies::{Status, StrategyRepo, StrategyRow};
