use async_trait::async_trait;
use uuid::Uuid;

use crate::postgres::strategies::StrategyRow;

/// Arms and disarms a running strategy's timers (EventBridge Scheduler in AWS, an in-process
/// timer task when self-hosted).
#[async_trait]
pub trait Scheduler: Send + Sync + 'static {
    /// Arms the buy and sell timers of a strategy that has just started running. Idempotent.
    async fn arm(&self, strategy: &StrategyRow) -> Result<(), String>;
    /// Removes the strategy's timers. Idempotent.
    async fn disarm(&self, strategy_id: Uuid) -> Result<(), String>;
}
