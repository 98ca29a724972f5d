//! The ports: small traits the use cases call, one adapter per deployment profile.
//!
//! - [`OrderQueue`]: order events waiting for the executor (Redis list | SQS FIFO).
//! - [`Scheduler`]: a running strategy's timers (in-process | EventBridge Scheduler).
//! - [`Ledger`]: the idempotency ledger, one record per ledger key (Postgres | DynamoDB).

mod ledger;
mod queue;
mod scheduler;

pub use ledger::{Claim, Ledger, LedgerRecord, LedgerState};
pub use queue::{Delivery, OrderQueue};
pub use scheduler::Scheduler;
