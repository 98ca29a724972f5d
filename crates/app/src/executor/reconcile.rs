//! The reconciler: every order the broker took that is not final yet is followed until it is
//! (`COMPLETE`, `REJECTED` or `CANCELLED`), with no give-up deadline. It runs at start-up and
//! then all day, and records what it finds through the same step the executor uses
//! ([`Executor::record_final`]), so a slow fill, a partial fill that ends cancelled, or a final
//! status the executor could not write (a Postgres blip) still reaches the order log, the
//! runtime and the stop-loss watcher.
//!
//! It polls the broker's order history, one order at a time, well inside Kite's limit of 10
//! requests a second for a deployment of one trader.

use std::sync::Arc;
use std::time::Duration;

use algo_core::{EventKind, TradingCalendar};
use algo_kite::types::OrderState;
use algo_store::postgres::{order_logs, strategies};
use algo_store::StoreError;
use tokio_util::sync::CancellationToken;

use super::Executor;

/// A leg this young may still be followed by its executor; the reconciler leaves it alone.
const GRACE: Duration = Duration::from_secs(1);

/// Pause between two broker requests of one pass.
const PACE: Duration = Duration::from_millis(150);

impl Executor {
    /// One pass over the legs placed and not final; returns how many became final.
    pub async fn reconcile_once(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let today = TradingCalendar::trading_date(now);
        let young = chrono::Duration::from_std(self.config.fill_timeout + GRACE)
            .unwrap_or(chrono::Duration::MAX);
        let mut settled = 0;
        for leg in order_logs::placed_not_final(&self.pg, today).await? {
            let (Some(order_id), Some(kind)) = (&leg.broker_order_id, EventKind::parse(&leg.event))
            else {
                continue;
            };
            if now - leg.scheduled_for < young {
                continue;
            }
            let client = match self.credentials(leg.user_id).await? {
                Ok(client) => client,
                Err(reason) => {
                    tracing::debug!(%reason, broker_order_id = %order_id, "cannot follow the order now");
                    continue;
                }
            };
            let history = match client.order_history(order_id).await {
                Ok(history) => history,
                Err(e) => {
                    tracing::warn!(error = %e, broker_order_id = %order_id, "order history unavailable; trying again next pass");
                    continue;
                }
            };
            tokio::time::sleep(PACE).await;
            let Some(last) = history.last().filter(|o| o.state() != OrderState::Pending) else {
                continue;
            };
            let Some(row) = strategies::get_for_executor(&self.pg, leg.strategy_id).await? else {
                continue;
            };
            let recorded = self
                .record_final(&row, kind, leg.trading_date, &leg.ledger_key, last)
                .await?;
            tracing::info!(event_type = "order_reconciled", broker_order_id = %order_id, status = recorded.status, "followed to its final status");
            settled += 1;
        }
        Ok(settled)
    }
}

/// Runs [`Executor::reconcile_once`] every `every` until `shutdown`.
pub async fn run(executor: Arc<Executor>, every: Duration, shutdown: CancellationToken) {
    loop {
        if let Err(e) = executor.reconcile_once().await {
            tracing::warn!(error = %e, "reconciler pass failed; trying again");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
