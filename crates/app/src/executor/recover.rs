//! Missed triggers after a restart or an outage.

use algo_core::{Clock, EventKind, OrderEvent, Position, TradingCalendar};
use algo_store::ports::OrderQueue;
use algo_store::postgres::{order_logs, strategies, PgPool};
use algo_store::StoreError;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::day_from_logs;

/// Missed triggers after a restart or an outage: a BUY whose window is still open and has no
/// entry today enters now; an open position whose sell time has passed exits now. Nothing else
/// is replayed. Returns the events queued.
pub async fn recover_missed(
    pg: &PgPool,
    calendar: &TradingCalendar,
    clock: &dyn Clock,
    queue: &dyn OrderQueue,
) -> Result<Vec<OrderEvent>, StoreError> {
    recover(pg, calendar, clock, queue, None, None).await
}

/// The AWS sweep's pass over the same rules, run every minute while timers also fire: an
/// instant that passed less than `grace` ago is left to its own timer (its event may still be on
/// the queue), and a BUY is recovered only for a strategy already running at its buy instant
/// (one started later waits for the next day, as its timers do). An exit the timers do not fire
/// (a short day's cut-off before the sell time) goes at once.
pub async fn sweep_missed(
    pg: &PgPool,
    calendar: &TradingCalendar,
    clock: &dyn Clock,
    queue: &dyn OrderQueue,
    grace: chrono::Duration,
) -> Result<Vec<OrderEvent>, StoreError> {
    recover(pg, calendar, clock, queue, None, Some(grace)).await
}

/// The same for one user whose broker session just started (a Kite login): legs that waited
/// for it go now, a BUY whose window is still open enters and an open position past its sell
/// time exits.
pub async fn after_login(
    pg: &PgPool,
    calendar: &TradingCalendar,
    clock: &dyn Clock,
    queue: &dyn OrderQueue,
    user_id: Uuid,
) -> Result<Vec<OrderEvent>, StoreError> {
    recover(pg, calendar, clock, queue, Some(user_id), None).await
}

async fn recover(
    pg: &PgPool,
    calendar: &TradingCalendar,
    clock: &dyn Clock,
    queue: &dyn OrderQueue,
    only: Option<Uuid>,
    grace: Option<chrono::Duration>,
) -> Result<Vec<OrderEvent>, StoreError> {
    let now: DateTime<Utc> = clock.now();
    let today = TradingCalendar::trading_date(now);
    if !calendar.is_trading_day(today) {
        return Ok(Vec::new());
    }
    let time_now = now.with_timezone(&algo_core::IST).time();
    let mut queued = Vec::new();
    let rows = strategies::all_running(pg).await?;
    for row in rows
        .into_iter()
        .filter(|r| only.is_none_or(|u| r.user_id == u))
    {
        let spec = &row.spec;
        let Some(session) = calendar.session_of(today, spec.exchange) else {
            continue;
        };
        // The day's exit: the sell time, or the cut-off of a day whose session ends sooner.
        let exit_time = calendar
            .exit_time(today, spec.exchange, spec.product, spec.sell_time)
            .unwrap_or(session.open);
        let legs = order_logs::day(pg, row.id, today).await?;
        // After a login: a leg a refused session left open (nothing reached the broker, or
        // the lookup will say so) is resumed first.
        let waiting = only
            .and_then(|_| {
                legs.iter()
                    .find(|l| l.is_open() && l.broker_order_id.is_none())
            })
            .and_then(|l| EventKind::parse(&l.event));
        let day = day_from_logs(&legs);
        // The sweep's extra conditions (see `sweep_missed`); none at start-up or a login.
        let (entry_due, exit_due) = match grace {
            None => (true, true),
            Some(grace) => {
                let buy_instant = TradingCalendar::instant(today, spec.buy_time);
                (
                    time_now.signed_duration_since(spec.buy_time) >= grace
                        && row.updated_at <= buy_instant,
                    exit_time < spec.sell_time
                        || time_now.signed_duration_since(exit_time) >= grace,
                )
            }
        };
        let event = if waiting.is_some() {
            waiting
        } else if !day.entry_sent
            && entry_due
            && spec.buy_time <= time_now
            && time_now < exit_time
            && session.contains(time_now)
        {
            Some(EventKind::Buy)
        } else if day.position == Position::Bought && time_now >= exit_time && exit_due {
            Some(EventKind::Sell)
        } else {
            None
        };
        if let Some(kind) = event {
            let mut e = OrderEvent::new(row.id, kind, today, now);
            if only.is_some() {
                // The event the timer pushed at the instant, which waited for this login, has
                // this one's id: a queue would drop this one as its duplicate.
                e.event_id = format!("{}:after-login:{}", e.event_id, now.timestamp_millis());
            }
            queue.push(&e).await?;
            tracing::info!(event_type = "missed_trigger_recovered", strategy_id = %row.id, event = %kind, "queued a missed event");
            queued.push(e);
        }
    }
    Ok(queued)
}
