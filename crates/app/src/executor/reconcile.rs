//! The reconciler: every order the broker took that is not final yet is followed until it is
//! (`COMPLETE`, `REJECTED` or `CANCELLED`), with no give-up deadline. It runs at start-up and
//! then all day, and records what it finds through the same step the executor uses
//! ([`Executor::record_final`]), so a slow fill, a partial fill that ends cancelled, or a final
//! status the executor could not write (a Postgres blip) still reaches the order log, the
//! runtime and the stop-loss watcher.
//!
//! It polls the broker's order history, one order at a time, well inside Kite's limit of 10
//! requests a second for a deployment of one trader; an order update on the ticker (or a
//! postback) makes it follow that order at once instead of at the next poll.

use std::sync::Arc;
use std::time::Duration;

use algo_core::{EventKind, TradingCalendar};
use algo_kite::types::OrderState;
use algo_store::ports::LegRow;
use algo_store::StoreError;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::guard::PassPositions;
use super::Executor;

/// A leg this young may still be followed by its executor; the reconciler leaves it alone.
const GRACE: Duration = Duration::from_secs(1);

/// An exit still open this long after its instant: the trader is told (once).
pub const EXIT_UNFILLED_AFTER: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// Pause between two broker requests of one pass.
const PACE: Duration = Duration::from_millis(150);

/// What following one leg came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// The broker's final status is recorded now.
    Recorded,
    /// Not final at the broker yet, or not ours, or already recorded.
    Nothing,
    /// The broker could not be asked (no session, a failed request): the next pass tries.
    Unavailable,
}

impl Executor {
    /// One pass over the legs placed and not final; returns how many became final.
    pub async fn reconcile_once(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let today = TradingCalendar::trading_date(now);
        let young = chrono::Duration::from_std(self.config.fill_timeout + GRACE)
            .unwrap_or(chrono::Duration::MAX);
        let mut settled = 0;
        let mut positions = PassPositions::default();
        if self.config.resting_stop {
            // Filled entries left without their resting stop (a crash between the fill and the
            // guard, a session that was down): put it under them now.
            for entry in self.orders.unguarded(today).await? {
                if let Some(row) = self.strategies.get(entry.strategy_id).await? {
                    self.guard_after_entry(&row, entry.trading_date).await;
                }
            }
        }
        for leg in self.orders.placed_not_final(today).await? {
            // An executor may still be following a young leg; no executor follows a resting
            // stop, which is watched (and moved) from its first pass.
            if now - leg.scheduled_for < young && leg.event != "GUARD" {
                continue;
            }
            match self.settle(&leg, &mut positions).await? {
                Settled::Recorded => settled += 1,
                Settled::Nothing => self.tell_unfilled(&leg, now).await?,
                Settled::Unavailable => continue,
            }
            tokio::time::sleep(PACE).await;
        }
        Ok(settled)
    }

    /// An exit the broker has not filled [`EXIT_UNFILLED_AFTER`] after its instant (a protected
    /// market order resting in a fast move): the trader is told, once per leg; the reconciler
    /// keeps following it.
    async fn tell_unfilled(
        &self,
        leg: &LegRow,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        if EventKind::parse(&leg.event).map(|k| k.leg()) != Some(algo_core::Leg::Exit)
            || now - leg.scheduled_for < EXIT_UNFILLED_AFTER
        {
            return Ok(());
        }
        let symbol = leg.tradingsymbol.as_deref().unwrap_or("the position");
        let title = format!("Exit of {symbol} not filled yet");
        let body = format!(
            "The sale of {} {symbol} has not filled {} s after it was sent. The app keeps following it; if the market is moving fast, check the order in Kite.",
            leg.quantity,
            (now - leg.scheduled_for).num_seconds()
        );
        let data = serde_json::json!({ "strategy_id": leg.strategy_id, "event": leg.event,
            "trading_date": leg.trading_date, "broker_order_id": leg.broker_order_id });
        let notice = algo_store::ports::NewNotification {
            user_id: leg.user_id,
            strategy_id: Some(leg.strategy_id),
            kind: algo_core::notify::NoticeKind::ExitUnfilled.as_str(),
            source_key: &leg.ledger_key,
            title: &title,
            body: &body,
            data: &data,
            at: now,
        };
        if self.orders.note(&notice).await? {
            tracing::warn!(event_type = "exit_unfilled", strategy_id = %leg.strategy_id, broker_order_id = ?leg.broker_order_id, "an exit is still open; the trader is told");
        }
        Ok(())
    }

    /// Follows the leg of the broker's order `order_id` now (the ticker said it is final):
    /// asks the broker for its history and records what it says. An order that is not ours, or
    /// whose leg is already final, changes nothing.
    pub async fn settle_order(&self, order_id: &str) -> Result<Settled, StoreError> {
        self.settle_order_because(order_id, None).await
    }

    /// [`Executor::settle_order`] for an order this executor cancelled itself: `why` is
    /// recorded (and told) as the reason when the broker's cancellation gives none.
    pub(super) async fn settle_order_because(
        &self,
        order_id: &str,
        why: Option<&str>,
    ) -> Result<Settled, StoreError> {
        match self.orders.by_broker_order(order_id).await? {
            Some(leg) if leg.is_open() => {
                self.settle_with(&leg, &mut PassPositions::default(), why)
                    .await
            }
            _ => Ok(Settled::Nothing),
        }
    }

    /// Asks the broker where the leg's order stands and records it if it is final, through the
    /// same step as the executor ([`Executor::record_final`]).
    async fn settle(
        &self,
        leg: &LegRow,
        positions: &mut PassPositions,
    ) -> Result<Settled, StoreError> {
        self.settle_with(leg, positions, None).await
    }

    async fn settle_with(
        &self,
        leg: &LegRow,
        positions: &mut PassPositions,
        why: Option<&str>,
    ) -> Result<Settled, StoreError> {
        let (Some(order_id), Some(kind)) = (&leg.broker_order_id, EventKind::parse(&leg.event))
        else {
            return Ok(Settled::Nothing);
        };
        let client = match self.credentials(leg.user_id).await? {
            // A paper leg's order is the paper broker's, whatever the strategy says now.
            Ok(client) => self.paper_if(
                crate::broker::paper::is_paper(order_id),
                leg.user_id,
                client,
            ),
            Err(reason) => {
                tracing::debug!(%reason, broker_order_id = %order_id, "cannot follow the order now");
                return Ok(Settled::Unavailable);
            }
        };
        let history = match client.order_history(order_id).await {
            Ok(history) => history,
            Err(e) => {
                tracing::warn!(error = %e, broker_order_id = %order_id, "order history unavailable; trying again next pass");
                return Ok(Settled::Unavailable);
            }
        };
        let Some(last) = history.last() else {
            return Ok(Settled::Nothing);
        };
        let Some(row) = self.strategies.get(leg.strategy_id).await? else {
            return Ok(Settled::Nothing);
        };
        if last.state() == OrderState::Pending {
            if kind == EventKind::Guard && super::guard::still_resting(last) {
                self.keep_guard(&*client, &row, leg, last, positions).await;
            } else if kind.leg() == algo_core::Leg::Exit && super::guard::still_resting(last) {
                // An exit took the resting stop over and died before turning it into a market
                // order: it sells now.
                self.to_market(&*client, &leg.ledger_key, &last.order_id, None)
                    .await;
            } else if kind.leg() == algo_core::Leg::Exit
                && super::chase::rests_unfilled(last)
                && (self.clock.now() - leg.scheduled_for)
                    .to_std()
                    .unwrap_or_default()
                    >= super::chase::CHASE_AFTER
            {
                self.chase(&*client, &row, leg.trading_date, &leg.ledger_key, last)
                    .await;
            }
            return Ok(Settled::Nothing);
        }
        // Our reason explains a cancellation only: an order that filled before it came keeps
        // the broker's own record.
        let mut last = last.clone();
        if last.status_message.is_none() && last.state() == OrderState::Cancelled {
            last.status_message = why.map(str::to_owned);
        }
        let recorded = self
            .record_final(&row, kind, leg.trading_date, &leg.ledger_key, &last)
            .await?;
        if kind == EventKind::Buy {
            self.guard_after_entry(&row, leg.trading_date).await;
        }
        tracing::info!(event_type = "order_reconciled", broker_order_id = %order_id, status = recorded.status, "followed to its final status");
        Ok(Settled::Recorded)
    }
}

/// Runs [`Executor::reconcile_once`] every `every`, and [`Executor::settle_order`] for each
/// order id `updates` brings (the ticker's order updates), until `shutdown`.
pub async fn run(
    executor: Arc<Executor>,
    every: Duration,
    mut updates: mpsc::Receiver<String>,
    shutdown: CancellationToken,
) {
    let mut next_pass = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            Some(order_id) = updates.recv() => {
                if let Err(e) = executor.settle_order(&order_id).await {
                    tracing::warn!(error = %e, broker_order_id = %order_id, "order update not recorded; the poll follows it");
                }
            }
            _ = tokio::time::sleep_until(next_pass) => {
                if let Err(e) = executor.reconcile_once().await {
                    tracing::warn!(error = %e, "reconciler pass failed; trying again");
                }
                next_pass = tokio::time::Instant::now() + every;
            }
        }
    }
}
