//! Steps 4 and 5: follow the order to a final status, then record it.
//!
//! The executor follows its order for
//! [`ExecutorConfig::fill_timeout`](super::ExecutorConfig::fill_timeout); an order still working
//! after that stays `PLACED` and the reconciler ([`super::reconcile`]) follows it until it is
//! final, with no give-up deadline. Recording writes the order log first (the record), then the
//! Redis copy; a record that cannot be written hands the event back without completing the
//! ledger, so the redelivery resumes the leg by its order id and records it then.

use std::time::{Duration, Instant};

use algo_core::notify::{leg_notice, LegOutcome};
use algo_core::position::{Day, Outcome};
use algo_core::{EventKind, Leg, Position};
use algo_kite::types::{Order, OrderState};
use algo_kite::Broker;
use algo_store::ports::{EntryFill, Final, NewNotification, OrderLog, RuntimeCache};
use algo_store::ports::{StrategyRepo, StrategyRow};
use algo_store::StoreError;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::claim::Held;
use super::{day_from_logs, Executor, Guarded, Handled};

/// Tries at writing a final status before the event is handed back.
const RECORD_TRIES: u32 = 5;

/// A final status, recorded.
pub struct Recorded {
    pub status: &'static str,
    pub raw: serde_json::Value,
}

impl Executor {
    pub(super) async fn follow(
        &self,
        client: &dyn Broker,
        row: &StrategyRow,
        kind: EventKind,
        date: NaiveDate,
        held: &Held,
        order_id: &str,
    ) -> Handled {
        let deadline = Instant::now() + self.config.fill_timeout;
        let mut to_market = kind.leg() == Leg::Exit;
        let began = Instant::now();
        let mut chased: Option<Instant> = None;
        let last = loop {
            match client.order_history(order_id).await {
                Ok(history) => {
                    if let Some(order) = history.last() {
                        if order.state() != OrderState::Pending {
                            break Some(order.clone());
                        }
                        // The resting stop this exit took over: it sells at the market now.
                        if to_market && super::guard::still_resting(order) {
                            self.to_market(client, held.key.as_ref(), &order.order_id, None)
                                .await;
                            to_market = false;
                        }
                        // An exit resting unfilled in a fast move goes after the market.
                        let due = chased
                            .map_or(began.elapsed() >= super::chase::CHASE_AFTER, |at| {
                                at.elapsed() >= super::chase::CHASE_EVERY
                            });
                        if kind.leg() == Leg::Exit && due && super::chase::rests_unfilled(order) {
                            self.chase(client, row, date, held.key.as_ref(), order)
                                .await;
                            chased = Some(Instant::now());
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "order history unavailable"),
            }
            if Instant::now() >= deadline {
                break None;
            }
            tokio::time::sleep(self.config.poll_interval).await;
        };
        let Some(order) = last else {
            tracing::info!(broker_order_id = %order_id, "order still working; the reconciler follows it");
            self.complete(held, &json!({ "order_id": order_id, "status": "PLACED" }))
                .await;
            return Handled::Done("placed; the reconciler follows it to its final status".into());
        };
        let mut pause = self.config.backoff;
        for attempt in 1..=RECORD_TRIES {
            match self
                .record_final(row, kind, date, held.key.as_ref(), &order)
                .await
            {
                Ok(_) if self.crash_after_recording() => {
                    return super::crashed(super::Step::Recorded);
                }
                Ok(recorded) => {
                    self.complete(held, &recorded.raw).await;
                    if kind == EventKind::Buy {
                        self.guard_after_entry(row, date).await;
                    }
                    return Handled::Done(format!("order {}", recorded.status));
                }
                Err(e) => {
                    tracing::warn!(attempt, error = %e, "the order's final status not recorded yet");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
            }
        }
        // Nothing is completed: the redelivery finds the leg open and resumes it by order id.
        self.release(held).await;
        Handled::Retry("the order's final status could not be recorded".into())
    }

    /// Puts the resting stop under a filled entry; what cannot be done now, the reconciler's
    /// next pass does.
    pub(super) async fn guard_after_entry(&self, row: &StrategyRow, date: NaiveDate) {
        match self.ensure_guard(row, date).await {
            Ok(Guarded::Later(why)) => {
                tracing::info!(reason = %why, "the resting stop waits for the reconciler")
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the resting stop waits for the reconciler")
            }
        }
    }

    fn crash_after_recording(&self) -> bool {
        self.config.crash_after == Some(super::Step::Recorded)
    }

    /// Records `order`'s final status on the leg `ledger_key` (see [`record_final`]).
    pub async fn record_final(
        &self,
        row: &StrategyRow,
        kind: EventKind,
        date: NaiveDate,
        ledger_key: &str,
        order: &Order,
    ) -> Result<Recorded, StoreError> {
        record_final(
            self.strategies.as_ref(),
            self.orders.as_ref(),
            self.runtime.as_ref(),
            self.clock.now(),
            row,
            kind,
            date,
            ledger_key,
            order,
        )
        .await
    }
}

/// Records `order`'s final status on the leg `ledger_key`: the order log, then the Redis
/// copy of the runtime; a refused exit fails the strategy, loudly. A leg already final is
/// left as it is (the reconciler and the executor may both reach here).
#[allow(clippy::too_many_arguments)] // the leg's identity, spelled out
pub async fn record_final(
    strategies: &dyn StrategyRepo,
    orders: &dyn OrderLog,
    runtime: &dyn RuntimeCache,
    now: DateTime<Utc>,
    row: &StrategyRow,
    kind: EventKind,
    date: NaiveDate,
    ledger_key: &str,
    order: &Order,
) -> Result<Recorded, StoreError> {
    let status = match order.state() {
        OrderState::Complete => "COMPLETE",
        OrderState::Cancelled => "CANCELLED",
        _ => "REJECTED",
    };
    let filled = i32::try_from(order.filled_quantity).unwrap_or(i32::MAX);
    // A resting stop that sold is the day's stop-loss exit: its row becomes the EXIT leg (a
    // day whose EXIT leg exists already keeps it as the guard's; the day counts it either way).
    let exit_key;
    let (kind, ledger_key) = if kind == EventKind::Guard && filled > 0 {
        exit_key = algo_core::LedgerKey::new(row.id, date, Leg::Exit);
        if orders
            .adopt_guard(
                ledger_key,
                exit_key.as_ref(),
                EventKind::StopLoss.as_str(),
                now,
            )
            .await?
        {
            (EventKind::StopLoss, exit_key.as_ref())
        } else {
            (kind, ledger_key)
        }
    } else {
        (kind, ledger_key)
    };
    let avg = order.average_price.paise().filter(|p| *p > 0);
    let raw = json!({ "order_id": order.order_id, "status": order.status, "status_message": order.status_message,
        "filled_quantity": order.filled_quantity, "average_price": order.average_price.as_str() });
    // The notice is written with the final status, in one transaction, only by the write that
    // makes the leg final: the executor and the reconciler reaching here both tell it once.
    let legs = orders.day(row.id, date).await?;
    let asked = legs
        .iter()
        .find(|l| l.ledger_key == ledger_key)
        .map_or(i64::from(filled), |l| i64::from(l.quantity));
    let entry = legs.iter().find(|l| l.event == "BUY");
    let entry_average = entry.and_then(|l| l.average_price_paise);
    let mut words = leg_notice(&LegOutcome {
        event: kind,
        status,
        symbol: &order.tradingsymbol,
        quantity: asked,
        filled: i64::from(filled),
        average_paise: avg,
        entry_average_paise: entry_average,
        message: order.status_message.as_deref(),
        direction: entry.map_or(row.spec.direction, |e| e.direction()),
    });
    let paper = crate::broker::paper::is_paper(&order.order_id);
    if let (true, Some(w)) = (paper, words.as_mut()) {
        // A paper fill is never mistaken for a real one.
        w.title = format!("Paper: {}", w.title);
        w.body = format!("{} (Simulated; nothing was sent to the broker.)", w.body);
    }
    let data = json!({ "strategy_id": row.id, "event": kind.as_str(), "status": status, "paper": paper,
        "trading_date": date, "broker_order_id": order.order_id,
        "pnl_paise": words.as_ref().and_then(|w| w.pnl_paise) });
    let notice = words.as_ref().map(|w| NewNotification {
        user_id: row.user_id,
        strategy_id: Some(row.id),
        kind: w.kind.as_str(),
        source_key: ledger_key,
        title: &w.title,
        body: &w.body,
        data: &data,
        at: now,
    });
    orders
        .finish(
            ledger_key,
            &Final {
                status,
                average_price_paise: avg,
                filled_quantity: Some(filled),
                message: order.status_message.as_deref(),
                raw_response: Some(&raw),
                notice: notice.as_ref(),
            },
        )
        .await?;
    let outcome = leg_outcome(kind, status, filled);
    let day = match orders.day(row.id, date).await {
        Ok(rows) => day_from_logs(&rows),
        Err(_) => Day::default()
            .step(kind, Outcome::Placing)
            .and_then(|d| d.step(kind, outcome))
            .unwrap_or_default(),
    };
    let (buy, sell) = if kind.leg() == Leg::Entry {
        (Some(order.order_id.as_str()), None)
    } else {
        (None, Some(order.order_id.as_str()))
    };
    let entry = (kind.leg() == Leg::Entry).then_some(EntryFill {
        tradingsymbol: order.tradingsymbol.as_str(),
        exchange: order.exchange.as_str(),
        average_paise: avg,
    });
    super::write_runtime(runtime, row, date, day.position, buy, sell, entry).await;
    let order_id = &order.order_id;
    if status == "COMPLETE" {
        tracing::info!(event_type = "order_filled", user_id = %row.user_id, broker_order_id = %order_id, "order filled");
    } else {
        let why = order
            .status_message
            .clone()
            .unwrap_or_else(|| format!("the broker {}", status.to_lowercase()));
        tracing::warn!(event_type = "order_rejected", user_id = %row.user_id, broker_order_id = %order_id,
            filled_quantity = filled, reason = %why, "order not filled");
        if kind.leg() == Leg::Exit {
            let reason = format!("ORDER_FAILED: the exit was {} by the broker ({why}); the position may still be open", status.to_lowercase());
            strategies.fail(row.id, &reason).await?;
        } else if day.position == Position::Bought {
            tracing::warn!(
                event_type = "entry_partly_filled",
                filled_quantity = filled,
                "the entry filled in part; the exit sells what was filled"
            );
        }
    }
    Ok(Recorded { status, raw })
}

/// What a final status means for the day: an entry that filled even in part holds shares.
pub fn leg_outcome(kind: EventKind, status: &str, filled: i32) -> Outcome {
    match status {
        "COMPLETE" => Outcome::Filled,
        "FAILED" => Outcome::Failed,
        _ if kind.leg() == Leg::Entry && filled > 0 => Outcome::Filled,
        _ => Outcome::Rejected,
    }
}
