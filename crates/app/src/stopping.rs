//! Stopping a strategy, and with it, when asked, the exit of today's open position: the API's
//! stop and "square off all", and the daily loss limit ([`crate::risk`]). The position is the
//! order log's (Redis is only a copy); an entry still in flight may yet fill, so its exit is
//! queued too and waits for it. Idempotent: a stopped strategy stays as it is, and the exit goes
//! on the day's EXIT key.

use algo_core::{Clock, OrderEvent, Position, TradingCalendar};
use algo_store::ports::{OrderQueue, Status, StrategyRow};
use algo_store::postgres::{order_logs, strategies, PgPool};
use algo_store::redis::RedisStore;
use algo_store::StoreError;

/// What stopping did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Today's position, as the order log has it.
    pub position: Position,
    pub exit_requested: bool,
}

/// Stops `row` (a running one, with `reason` as its failure reason) and, with `exit`, queues
/// the exit of today's position if one is open or an entry is in flight.
pub async fn stop_strategy(
    pg: &PgPool,
    redis: &RedisStore,
    queue: &dyn OrderQueue,
    clock: &dyn Clock,
    row: &StrategyRow,
    reason: Option<&str>,
    exit: bool,
) -> Result<Stopped, StoreError> {
    if row.status == Status::Running {
        strategies::set_status(pg, row.user_id, row.id, Status::Stopped, reason).await?;
    }
    crate::runtime::unload(redis, row.id, row.spec.symbol.as_ref()).await?;
    let today = TradingCalendar::trading_date(clock.now());
    let day = crate::executor::day_from_logs(&order_logs::day(pg, row.id, today).await?);
    let exit_requested = exit && matches!(day.position, Position::Bought | Position::Buying);
    if exit_requested {
        queue
            .push(&OrderEvent::manual_exit(row.id, today, clock.now()))
            .await?;
    }
    Ok(Stopped {
        position: day.position,
        exit_requested,
    })
}
