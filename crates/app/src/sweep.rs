//! The AWS profile's sweep: one pass of what the self-hosted process keeps doing with its
//! long-running tasks, for a deployment whose executor only lives while a batch runs. A
//! schedule invokes it every minute, and the executor runs it at its cold start:
//!
//! 1. the runtime cache is rebuilt from Postgres when it is gone (a flush, a replaced node);
//! 2. every order the broker took that is not final is followed once more (the reconciler);
//! 3. missed triggers are queued: a BUY whose window is open with no entry today, an open
//!    position past the day's exit (a short day's cut-off included, which no timer fires);
//! 4. the daily loss limits are checked ([`crate::risk`]; the feed worker checks every second);
//! 5. the notification outbox is sent (Expo push, Telegram) with the login and summary reminders.
//!
//! Each step runs even when an earlier one failed; the report says what each did.

use std::sync::Arc;

use algo_core::TradingCalendar;
use algo_store::ports::OrderQueue;
use algo_store::postgres::PgPool;
use algo_store::redis::RedisStore;
use serde::Serialize;

use crate::executor::{self, Executor};
use crate::notify::PushWorker;

/// An instant this recent is left to its own timer: its event may still be on the queue.
pub const GRACE: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Strategies loaded into a cache that was gone (0 when it was there).
    pub cache_rebuilt: usize,
    /// Orders the broker had not yet told us final, recorded final now.
    pub reconciled: usize,
    /// Event ids queued for missed triggers.
    pub queued: Vec<String>,
    /// Notices handed to Expo or Telegram.
    pub sent: usize,
    /// Users whose daily loss limit this pass hit: squared off and stopped.
    pub loss_limits_hit: usize,
    /// `step: error` for each step that failed (the next pass tries again).
    pub failed: Vec<String>,
}

/// The parts a pass works on.
pub struct Sweeper {
    pub executor: Arc<Executor>,
    pub pg: PgPool,
    pub redis: RedisStore,
    pub queue: Arc<dyn OrderQueue>,
    /// The notification sender; `None` sends nothing (the outbox waits).
    pub push: Option<Arc<PushWorker>>,
}

impl Sweeper {
    /// One pass of the four steps (see the module doc).
    pub async fn run_once(&self) -> SweepReport {
        let mut report = SweepReport::default();
        let clock = self.executor.clock.as_ref();
        let today = TradingCalendar::trading_date(clock.now());
        match crate::runtime::ensure(&self.pg, &self.redis, today).await {
            Ok(n) => report.cache_rebuilt = n,
            Err(e) => report.failed.push(format!("cache: {e}")),
        }
        match self.executor.reconcile_once().await {
            Ok(n) => report.reconciled = n,
            Err(e) => report.failed.push(format!("reconcile: {e}")),
        }
        match executor::sweep_missed(
            &self.pg,
            &self.executor.calendar,
            clock,
            self.queue.as_ref(),
            GRACE,
        )
        .await
        {
            Ok(events) => report.queued = events.into_iter().map(|e| e.event_id).collect(),
            Err(e) => report.failed.push(format!("missed triggers: {e}")),
        }
        let losses = crate::risk::LossWatch {
            pg: self.pg.clone(),
            redis: self.redis.clone(),
            queue: self.queue.clone(),
            clock: self.executor.clock.clone(),
            scheduler: None,
        };
        match losses.check_once().await {
            Ok(hit) => report.loss_limits_hit = hit.len(),
            Err(e) => report.failed.push(format!("loss limits: {e}")),
        }
        if let Some(push) = &self.push {
            match push.run_once().await {
                Ok(pass) => report.sent = pass.sent,
                Err(e) => report.failed.push(format!("notifications: {e}")),
            }
        }
        if report.failed.is_empty() {
            tracing::info!(
                event_type = "sweep",
                cache_rebuilt = report.cache_rebuilt,
                reconciled = report.reconciled,
                queued = report.queued.len(),
                sent = report.sent,
                "sweep done"
            );
        } else {
            tracing::warn!(event_type = "sweep", failed = ?report.failed, "sweep done with failures; the next pass tries again");
        }
        report
    }
}
