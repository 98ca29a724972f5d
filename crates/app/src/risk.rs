//! The daily loss limit: a trader sets how much they may lose in a day; when the day's realised
//! plus open P&L falls to minus that, every position is squared off, every strategy stopped,
//! and the trader told, once that trading day.
//!
//! The P&L is the order log's fills (the broker's prices; realised as [`algo_core::pnl`]
//! computes it) plus what is still held, at the last price the watcher saw
//! (`runtime:{id}.last_price`; a position whose price is not known counts nothing open). The
//! check runs every second in the self-hosted process and in the AWS feed worker, and in each
//! AWS sweep. Acting on it is idempotent and comes before the mark: stopping a stopped strategy
//! changes nothing, an exit goes on the day's EXIT key (so one exit however often it is
//! queued), and the notice is written once; only then is the day marked, so a crash midway is
//! finished by the next pass.

use std::sync::Arc;
use std::time::Duration;

use algo_core::notify::{rupees, signed_rupees, NoticeKind};
use algo_core::{Clock, TradingCalendar};
use algo_store::ports::{NewNotification, OrderQueue, Scheduler};
use algo_store::postgres::{notifications, order_logs, strategies, users, PgPool};
use algo_store::redis::RedisStore;
use algo_store::StoreError;
use chrono::NaiveDate;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How often the self-hosted process and the feed worker check.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// A user's P&L of one trading day, in paise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayLoss {
    pub realised_paise: i64,
    /// What is still held, at the last prices known.
    pub open_paise: i64,
}

impl DayLoss {
    pub fn total_paise(self) -> i64 {
        self.realised_paise + self.open_paise
    }
}

/// `user`'s P&L on `date`: realised from the fills, open at the last prices known.
pub async fn day_loss(
    pg: &PgPool,
    redis: &RedisStore,
    user: Uuid,
    date: NaiveDate,
) -> Result<DayLoss, StoreError> {
    let fills = order_logs::fills(pg, user, None, date, date).await?;
    // The limit is about real money: paper days are left out.
    let paper = crate::http::pnl::paper_days(&fills);
    let mut days = crate::http::pnl::days(&fills);
    days.retain(|key, _| !paper.contains(key));
    // One pipelined read of the strategies' runtimes for their last prices.
    let ids: Vec<Uuid> = days.keys().map(|(_, id)| *id).collect();
    let runtimes = crate::runtime::get_many(redis, &ids).await?;
    let mut loss = DayLoss::default();
    for (day, runtime) in days.into_values().zip(runtimes) {
        loss.realised_paise += day.realised_paise;
        if let Some(last) = runtime.last_price_paise {
            loss.open_paise += day.open_paise(last);
        }
    }
    Ok(loss)
}

/// What the watch needs.
#[derive(Clone)]
pub struct LossWatch {
    pub pg: PgPool,
    pub redis: RedisStore,
    pub queue: Arc<dyn OrderQueue>,
    pub clock: Arc<dyn Clock>,
    /// The strategies' timers, disarmed as each is stopped (as `POST /strategy/stop` does).
    /// `None` where the watch cannot reach them (the AWS feed worker and sweep): a stopped
    /// strategy's timers then still fire, and the executor drops what they queue.
    pub scheduler: Option<Arc<dyn Scheduler>>,
}

impl LossWatch {
    /// One pass over the users with a limit not hit today; the users it squared off.
    pub async fn check_once(&self) -> Result<Vec<Uuid>, StoreError> {
        let today = TradingCalendar::trading_date(self.clock.now());
        let mut hit = Vec::new();
        for limit in users::loss_limits_to_watch(&self.pg, today).await? {
            let Some(limit_paise) = limit.limit_paise else {
                continue;
            };
            let loss = day_loss(&self.pg, &self.redis, limit.user_id, today).await?;
            if loss.total_paise() > -limit_paise {
                continue;
            }
            self.halt(limit.user_id, today, limit_paise, loss).await?;
            if users::mark_loss_limit_hit(&self.pg, limit.user_id, today).await? {
                hit.push(limit.user_id);
            }
        }
        Ok(hit)
    }

    /// Squares `user` off: every strategy stopped, every position open (or an entry in flight)
    /// exited, and the trader told.
    async fn halt(
        &self,
        user: Uuid,
        today: NaiveDate,
        limit_paise: i64,
        loss: DayLoss,
    ) -> Result<(), StoreError> {
        let reason = format!(
            "DAILY_LOSS_LIMIT: the day's P&L reached {} (limit {})",
            signed_rupees(loss.total_paise()),
            rupees(limit_paise)
        );
        tracing::warn!(event_type = "loss_limit_hit", user_id = %user, pnl_paise = loss.total_paise(), limit_paise, "the daily loss limit is hit; squaring off");
        let mut exits = 0;
        for row in strategies::list(&self.pg, user).await? {
            if let Some(scheduler) = &self.scheduler {
                if let Err(e) = scheduler.disarm(row.id).await {
                    tracing::warn!(strategy_id = %row.id, error = %e, "timers not disarmed; what they queue is dropped, the strategy being stopped");
                }
            }
            let stopped = crate::stopping::stop_strategy(
                &self.pg,
                &self.redis,
                self.queue.as_ref(),
                self.clock.as_ref(),
                &row,
                Some(&reason),
                true,
            )
            .await?;
            exits += usize::from(stopped.exit_requested);
        }
        let title = "Daily loss limit hit".to_owned();
        let body = format!(
            "Today's P&L reached {} against your limit of {}. Every position is being squared off ({exits} exits) and every strategy is stopped; start them again on the next trading day.",
            signed_rupees(loss.total_paise()),
            rupees(limit_paise)
        );
        let data = json!({ "trading_date": today, "pnl_paise": loss.total_paise(),
            "limit_paise": limit_paise, "exits": exits });
        let source = format!("{user}:{today}:loss_limit");
        notifications::insert_one(
            &self.pg,
            &NewNotification {
                user_id: user,
                strategy_id: None,
                kind: NoticeKind::LossLimitHit.as_str(),
                source_key: &source,
                title: &title,
                body: &body,
                data: &data,
                at: self.clock.now(),
            },
        )
        .await?;
        Ok(())
    }

    /// [`LossWatch::check_once`] every `every` until `shutdown`.
    pub async fn run(self, every: Duration, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.check_once().await {
                tracing::warn!(error = %e, "loss limit check failed; trying again");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
        }
    }
}
