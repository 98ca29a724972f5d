//! Strategies as the order path reads them: by id, their status at the instant, failing one
//! loudly, and every running one for the timers and recovery.

use algo_core::strategy::StrategySpec;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::StoreError;

/// `created`, `running`, `stopped` or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Created,
    Running,
    Stopped,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Stopped => "stopped",
            Status::Failed => "failed",
        }
    }

    /// Reads a stored status; an unknown one is an error naming it.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "created" => Status::Created,
            "running" => Status::Running,
            "stopped" => Status::Stopped,
            "failed" => Status::Failed,
            other => {
                return Err(StoreError::DbDown(format!(
                    "unknown strategy status {other:?}"
                )))
            }
        })
    }
}

/// A stored strategy.
#[derive(Debug, Clone)]
pub struct StrategyRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub spec: StrategySpec,
    pub status: Status,
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The order path's view of the strategies. Adapters: Postgres
/// (`postgres::strategies::PgStrategies`) and the in-memory fake (`memory::MemoryStrategies`),
/// held to one contract suite (`tests/contract/strategies.rs`). The API's own queries, each
/// scoped by the caller's user id, stay in `postgres::strategies`.
#[async_trait]
pub trait StrategyRepo: Send + Sync + 'static {
    /// The strategy, whoever owns it (an event names it by id); `None` when deleted.
    async fn get(&self, id: Uuid) -> Result<Option<StrategyRow>, StoreError>;
    /// Only its status: the executor's last look before an order's instant.
    async fn status_of(&self, id: Uuid) -> Result<Option<Status>, StoreError>;
    /// Stops it as `failed` with the reason the trader will see.
    async fn fail(&self, id: Uuid, reason: &str) -> Result<(), StoreError>;
    /// Every running strategy of every user.
    async fn all_running(&self) -> Result<Vec<StrategyRow>, StoreError>;
}
