//! Step 1, the gate: whether an event may act at all, and what its leg already is.
//!
//! Dropped, with the reason recorded where the trader sees it: a day that does not trade, an
//! event for another trading date (yesterday's BUY still queued, a dead-letter redrive), a
//! strategy that is not running (a manual exit excepted), a leg already final, a step the day's
//! position refuses, and a BUY outside its entry window (the session closed, or less than a
//! minute before the sell time). An exit while the entry is in flight is handed back until the
//! entry is final. A leg that is in flight (`SENDING` or `PLACED`: an earlier
//! worker died) is never refused as "already sent": it is resumed from the broker.

use algo_core::position::Outcome;
use algo_core::{EventKind, Leg, OrderEvent, TradingCalendar, IST};
use algo_store::ports::{LegRow, NewOrderLog};
use algo_store::ports::{Status, StrategyRow};
use chrono::{DateTime, NaiveDate, Utc};

use super::{day_from_logs, retry, Executor, Handled};

/// A BUY closer than this to the sell time is not placed: there would be no time to exit it.
/// (A strategy whose buy and sell times are closer than twice this, as tests and demos make,
/// uses half its gap instead.)
pub const ENTRY_CUTOFF: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// What the gate let through: the strategy and the day's legs.
#[derive(Debug, Clone)]
pub struct LegContext {
    pub row: StrategyRow,
    /// This event's own leg, when an earlier delivery wrote it and it is not final.
    pub own: Option<LegRow>,
    /// The day's entry leg, whose instrument, product and fill an exit acts on.
    pub entry: Option<LegRow>,
    /// The day's resting stop, if one was begun.
    pub guard: Option<LegRow>,
}

impl Executor {
    pub(super) async fn gate(&self, event: &OrderEvent) -> Result<LegContext, Handled> {
        if event.event == EventKind::Guard {
            return Err(Handled::Done(
                "the resting stop is not a queued event: the executor places it".into(),
            ));
        }
        let manual = event.is_manual_exit();
        if !manual && !self.calendar.is_trading_day(event.trading_date) {
            tracing::info!(
                event_type = "event_dropped",
                reason = "not a trading day",
                "dropped"
            );
            return Err(Handled::Done("not a trading day".into()));
        }
        // The day's legs are read with the strategy: a refusal wastes one query, an exit
        // saves a round trip.
        let (row, legs) = tokio::join!(
            self.strategies.get(event.strategy_id),
            self.orders.day(event.strategy_id, event.trading_date)
        );
        let row = match row {
            Ok(Some(row)) => row,
            Ok(None) => return Err(Handled::Done("strategy deleted".into())),
            Err(e) => return Err(retry(e)),
        };
        self.local.note_owner(&row);
        let today = TradingCalendar::trading_date(self.clock.now());
        if event.trading_date != today {
            let reason = format!(
                "dropped: the event is for trading date {}, and today is {today}",
                event.trading_date
            );
            return Err(self.missed(&row, event, &reason).await);
        }
        if row.status != Status::Running && !manual {
            tracing::info!(
                event_type = "event_dropped",
                reason = "strategy not running",
                "dropped"
            );
            return Err(Handled::Done("strategy not running".into()));
        }
        let legs = legs.map_err(retry)?;
        let key = event.ledger_key();
        let own = legs.iter().find(|l| l.ledger_key == key.as_ref()).cloned();
        match &own {
            Some(leg) if !leg.is_open() => {
                return Err(Handled::Done("leg already done".into()));
            }
            // In flight: resumed from the broker, whatever the day's position says.
            Some(_) => {}
            None => {
                // An exit while the day's entry is still in flight (a crash took its worker, its
                // fill is slow) waits for it: dropped now, it would leave the position open.
                let entry_open = legs.iter().find(|l| l.event == "BUY" && l.is_open());
                if let (Leg::Exit, Some(entry)) = (event.event.leg(), entry_open) {
                    // At the sell time (or a square-off) an entry still resting unfilled is
                    // cancelled: filling later, it would leave a position open past the exit.
                    if event.event == EventKind::Sell && event.scheduled_for <= self.clock.now() {
                        return Err(self.cancel_resting_entry(&row, entry).await);
                    }
                    return Err(Handled::Retry(
                        "the entry is still in flight; the exit waits for it".into(),
                    ));
                }
                if let Err(rejection) = day_from_logs(&legs).step(event.event, Outcome::Placing) {
                    tracing::info!(event_type = "event_dropped", reason = %rejection, "dropped");
                    return Err(Handled::Done(rejection.to_string()));
                }
                if event.event == EventKind::Buy {
                    let instant = self.clock.now().max(event.scheduled_for);
                    if let Err(why) = self.entry_window(&row, event.trading_date, instant) {
                        return Err(self.missed(&row, event, &format!("missed: {why}")).await);
                    }
                }
            }
        }
        let entry = legs.iter().find(|l| l.event == "BUY").cloned();
        let guard = legs.iter().find(|l| l.event == "GUARD").cloned();
        Ok(LegContext {
            row,
            own,
            entry,
            guard,
        })
    }

    /// The exit's time has come and the day's entry `entry` is still working at the broker:
    /// it is cancelled, and the exit is handed back until the broker's answer is recorded
    /// (then it sells what the entry filled, or finds nothing to sell). An entry not at the
    /// broker yet (`SENDING`: its worker is placing it, or died doing so) is waited for.
    async fn cancel_resting_entry(&self, row: &StrategyRow, entry: &LegRow) -> Handled {
        let Some(order_id) = entry.broker_order_id.as_deref() else {
            return Handled::Retry("the entry is being placed; the exit waits for it".into());
        };
        let client = match self.credentials(row.user_id).await {
            Ok(Ok(client)) => self.paper_if(
                crate::broker::paper::is_paper(order_id),
                row.user_id,
                client,
            ),
            Ok(Err(reason)) => {
                return Handled::Retry(format!(
                    "the entry rests unfilled and cannot be cancelled now: {reason}"
                ))
            }
            Err(e) => return retry(e),
        };
        match client.cancel_order(order_id).await {
            Ok(_) => {
                tracing::warn!(event_type = "entry_cancelled", broker_order_id = %order_id, "the entry still rested unfilled at the exit's time; cancelled");
            }
            // Already final (filled or cancelled a moment ago): its history says which.
            Err(e) => {
                tracing::warn!(error = %e, broker_order_id = %order_id, "the resting entry could not be cancelled; its history says why");
            }
        }
        // Recorded at once when the broker says it is final; else by the reconciler.
        let why = "it had not filled by the exit's time";
        if let Err(e) = self.settle_order_because(order_id, Some(why)).await {
            tracing::warn!(error = %e, "the entry's end not recorded yet; the reconciler follows it");
        }
        Handled::Retry("the entry rested unfilled at the exit's time and is cancelled; the exit follows once that is recorded".into())
    }

    /// Whether a BUY may go out at `instant`: inside the day's session, and at least
    /// [`ENTRY_CUTOFF`] before the sell time.
    pub(super) fn entry_window(
        &self,
        row: &StrategyRow,
        date: NaiveDate,
        instant: DateTime<Utc>,
    ) -> Result<(), String> {
        let spec = &row.spec;
        let Some(session) = self.calendar.session_of(date, spec.exchange) else {
            return Err("outside the entry window: the market is shut that day".into());
        };
        let at = instant.with_timezone(&IST).time();
        if !session.contains(at) {
            return Err(format!(
                "outside the entry window: the session ({}–{} IST) is closed at {} IST",
                session.open.format("%H:%M"),
                session.close.format("%H:%M"),
                at.format("%H:%M:%S")
            ));
        }
        // The day's exit: the sell time, or earlier on a day whose session ends sooner.
        let exit_time = self
            .calendar
            .exit_time(date, spec.exchange, spec.product, spec.sell_time)
            .unwrap_or(session.open);
        let sell_at = TradingCalendar::instant(date, exit_time);
        let buy_at = TradingCalendar::instant(date, spec.buy_time);
        let cutoff = ENTRY_CUTOFF.min((sell_at - buy_at) / 2);
        if instant + cutoff > sell_at {
            return Err(format!(
                "outside the entry window: less than a minute before the day's exit at {} IST",
                exit_time.format("%H:%M:%S")
            ));
        }
        Ok(())
    }

    /// Records the event as missed with `reason` (a leg already written is kept) and drops it.
    pub(super) async fn missed(
        &self,
        row: &StrategyRow,
        event: &OrderEvent,
        reason: &str,
    ) -> Handled {
        let key = event.ledger_key();
        let tag = key.broker_tag();
        let log = NewOrderLog {
            strategy_id: row.id,
            user_id: row.user_id,
            event: event.event.as_str(),
            trading_date: event.trading_date,
            ledger_key: key.as_ref(),
            broker_tag: &tag,
            quantity: row.spec.quantity as i32,
            scheduled_for: event.scheduled_for,
            tradingsymbol: row.spec.symbol.as_ref(),
            exchange: row.spec.exchange.as_str(),
            product: row.spec.product.as_str(),
            side: super::leg_side(row.spec.direction, event.event),
        };
        if let Err(e) = self.orders.missed(&log, reason).await {
            return retry(e);
        }
        tracing::warn!(event_type = "event_missed", %reason, "event dropped");
        Handled::Done(reason.to_owned())
    }
}
