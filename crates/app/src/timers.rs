//! The self-hosted scheduler: one timer task per running strategy.
//!
//! Each task computes the next trading-day instants of the strategy's buy and sell times from
//! the calendar, sleeps until shortly before the earlier one, and pushes that event onto the
//! order queue with `scheduled_for` = the exact instant; the executor waits out the rest, so the
//! queue's latency never makes an order late. Re-armed from Postgres at start-up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use algo_core::{Clock, EventKind, OrderEvent, TradingCalendar};
use algo_store::ports::{OrderQueue, Scheduler};
use algo_store::postgres::strategies::StrategyRow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// How early a timer puts its event on the queue.
pub const LEAD: Duration = Duration::from_secs(2);

/// In-process timers.
pub struct LocalScheduler {
    queue: Arc<dyn OrderQueue>,
    calendar: Arc<TradingCalendar>,
    clock: Arc<dyn Clock>,
    tasks: Mutex<HashMap<Uuid, JoinHandle<()>>>,
}

impl LocalScheduler {
    pub fn new(
        queue: Arc<dyn OrderQueue>,
        calendar: Arc<TradingCalendar>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            queue,
            calendar,
            clock,
            tasks: Mutex::new(HashMap::new()),
        }
    }

    /// How many strategies have live timers.
    pub fn armed(&self) -> usize {
        self.tasks.lock().map(|t| t.len()).unwrap_or(0)
    }

    /// Stops every timer (shutdown).
    pub fn disarm_all(&self) {
        if let Ok(mut tasks) = self.tasks.lock() {
            for (_, task) in tasks.drain() {
                task.abort();
            }
        }
    }
}

/// The next of a strategy's two timed events at or after `now`.
pub fn next_timed_event(
    calendar: &TradingCalendar,
    row: &StrategyRow,
    now: DateTime<Utc>,
) -> Option<OrderEvent> {
    let spec = &row.spec;
    let candidates = [
        (
            EventKind::Buy,
            calendar.next_entry_instant(spec.exchange, spec.buy_time, now),
        ),
        // The day's exit: the sell time, or the cut-off of a day whose session ends sooner.
        (
            EventKind::Sell,
            calendar.next_exit_instant(spec.exchange, spec.product, spec.sell_time, now),
        ),
    ];
    candidates
        .into_iter()
        .filter_map(|(kind, at)| {
            let at = at?;
            Some(OrderEvent::new(
                row.id,
                kind,
                TradingCalendar::trading_date(at),
                at,
            ))
        })
        .min_by_key(|e| e.scheduled_for)
}

async fn run(
    row: StrategyRow,
    queue: Arc<dyn OrderQueue>,
    calendar: Arc<TradingCalendar>,
    clock: Arc<dyn Clock>,
) {
    // Start from "now + lead" so an instant already being served is not pushed twice.
    let mut from = clock.now();
    loop {
        let Some(event) = next_timed_event(&calendar, &row, from) else {
            tracing::warn!(strategy_id = %row.id, "no trading day ahead in the calendar; timer stops");
            return;
        };
        let push_at = event.scheduled_for - chrono::Duration::from_std(LEAD).unwrap_or_default();
        let wait = (push_at - clock.now()).to_std().unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait).await;
        // The push must not be lost: retry until the queue takes it or the moment is long gone.
        let mut delay = Duration::from_millis(50);
        loop {
            match queue.push(&event).await {
                Ok(()) => {
                    tracing::debug!(strategy_id = %row.id, event = %event.event, scheduled_for = %event.scheduled_for, "timer fired");
                    break;
                }
                Err(e) if clock.now() - event.scheduled_for < chrono::Duration::minutes(5) => {
                    tracing::error!(strategy_id = %row.id, error = %e, "timer could not queue its event; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
                Err(e) => {
                    tracing::error!(strategy_id = %row.id, error = %e, "timer gave up on an event more than 5 minutes late");
                    break;
                }
            }
        }
        from = event.scheduled_for + chrono::Duration::seconds(1);
    }
}

#[async_trait]
impl Scheduler for LocalScheduler {
    async fn arm(&self, strategy: &StrategyRow) -> Result<(), String> {
        let task = tokio::spawn(run(
            strategy.clone(),
            self.queue.clone(),
            self.calendar.clone(),
            self.clock.clone(),
        ));
        let mut tasks = self.tasks.lock().map_err(|e| e.to_string())?;
        if let Some(old) = tasks.insert(strategy.id, task) {
            old.abort();
        }
        Ok(())
    }

    async fn disarm(&self, strategy_id: Uuid) -> Result<(), String> {
        if let Some(task) = self
            .tasks
            .lock()
            .map_err(|e| e.to_string())?
            .remove(&strategy_id)
        {
            task.abort();
        }
        Ok(())
    }
}
