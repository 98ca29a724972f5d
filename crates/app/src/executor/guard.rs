//! The resting stop: once an entry fills, an `SL-M` sell (with market protection) for the
//! filled quantity rests at the exchange at the stop in force, so the position stays guarded
//! while the feed worker, the network or the whole deployment is down.
//!
//! - **Placed once a day**, on a leg of its own (`{strategy}:{date}:GUARD`, with its own tag),
//!   after the entry's fill is recorded: by the executor that followed the entry, or by the
//!   reconciler ([`OrderLog::unguarded`](algo_store::ports::OrderLog::unguarded)) after a crash
//!   at any point. A guard left `SENDING` is looked up by its tag before anything is placed, as
//!   every leg is; it never sells more than the broker says is held.
//! - **Followed** by the reconciler like every order that is not final. Its fill is the day's
//!   stop-loss exit (the `GUARD` row ends `COMPLETE`), and the timed SELL then finds the
//!   position sold.
//! - **Moved** when the stop in force moves (the trader's edit, a rising trailing stop): each
//!   reconciler pass compares its trigger with the stop and modifies it. Kite takes 25
//!   modifications per order, so a trailing stop moves it only in steps of at least
//!   [`TRAIL_STEP_BP`], and never into the last [`KEPT_FOR_THE_EXIT`]: the exit's turn into a
//!   market order and a trader's edit always have theirs. Past that the guard stays where it
//!   is (still a net under the position) and the bot's own trailing stop does the rest.
//! - **Taken over by the first exit**: the bot's stop, the target, the sell time or a square-off
//!   re-keys the guard's row into the day's EXIT leg and modifies its order into a `MARKET`
//!   order, never a second order. If the exchange triggered it first, the modify is refused
//!   and the order's history says it sold: one exit either way.

use std::sync::Arc;
use std::time::Instant;

use algo_core::notify::{leg_notice, LegOutcome};
use algo_core::strategy::Direction;
use algo_core::{EventKind, LedgerKey, Leg, OrderEvent, Position};
use algo_kite::types::{ModifyRequest, Order, OrderState, Positions};
use algo_kite::{Broker, KiteError, OrderRequest, OrderType};
use algo_store::ports::{Final, LegRow, NewNotification, NewOrderLog, StrategyRow};
use algo_store::StoreError;
use chrono::NaiveDate;
use serde_json::json;

use super::claim::Held;
use super::gate::LegContext;
use super::place::{Lookup, Placement};
use super::{day_from_logs, held_at_broker, held_in, Executor, Handled, NoSession, OrderSpec};

/// Kite's limit of modifications per order (Zerodha on the Kite Connect forum: "A maximum of
/// 25 modification requests can be sent per order").
pub const MODIFICATIONS_PER_ORDER: i32 = 25;

/// Modifications a trailing stop leaves untouched: one for a trader's edit of the stop, one
/// for the exit that turns the guard into a market order.
pub const KEPT_FOR_THE_EXIT: i32 = 2;

/// The least rise (in basis points of the trigger) a trailing stop moves the guard by.
pub const TRAIL_STEP_BP: i64 = 10;

/// What [`Executor::ensure_guard`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guarded {
    /// The resting stop is at the broker now (placed, or found there by its tag).
    Placed(String),
    /// Nothing to do: resting stops are off, nothing is held, or the day already has its
    /// guard or its exit.
    Nothing,
    /// The broker refused it (the reason is in the order log and told to the trader); the
    /// app's own stop still watches.
    Refused(String),
    /// Not now (no session, another worker, the book unreadable): the next reconciler pass
    /// tries again.
    Later(String),
}

/// Whether the day's legs already settle what guards the position: an exit, or a guard that
/// reached the broker (a `SENDING` one may not have, and is resumed).
fn covered(legs: &[LegRow]) -> bool {
    legs.iter()
        .any(|l| l.event != "BUY" && !(l.event == "GUARD" && l.status == "SENDING"))
}

/// The stop in force of a position in `direction`: the fixed stop, or the trailing stop where
/// it is tighter (risen above a long's, fallen under a short's).
pub fn stop_in_force(row: &StrategyRow, direction: Direction, trail: Option<i64>) -> i64 {
    direction.stop_in_force(row.spec.stop_loss.paise(), trail)
}

impl Executor {
    /// Puts the resting stop under `row`'s position of `date` if it has none yet; idempotent,
    /// and safe to call from the executor and the reconciler at once (the GUARD leg's claim
    /// and the strategy lock serialise them).
    pub async fn ensure_guard(
        &self,
        row: &StrategyRow,
        date: NaiveDate,
    ) -> Result<Guarded, StoreError> {
        // A paper strategy has nothing at the broker to guard: the bot's own stop watches it.
        if !self.config.resting_stop || row.spec.paper {
            return Ok(Guarded::Nothing);
        }
        let legs = self.orders.day(row.id, date).await?;
        if day_from_logs(&legs).position != Position::Bought || covered(&legs) {
            return Ok(Guarded::Nothing);
        }
        let key = LedgerKey::new(row.id, date, Leg::Guard);
        let held = match self.claim(&key, row.id, self.clock.now()).await {
            Ok(held) => held,
            Err(Handled::Done(why) | Handled::Retry(why)) => return Ok(Guarded::Later(why)),
        };
        let outcome = self.guard_held(row, date, &held).await;
        match &outcome {
            Ok(Guarded::Placed(_) | Guarded::Refused(_) | Guarded::Nothing) => {
                self.complete(&held, &json!({ "guard": format!("{outcome:?}") }))
                    .await;
            }
            _ => self.release(&held).await,
        }
        outcome
    }

    async fn guard_held(
        &self,
        row: &StrategyRow,
        date: NaiveDate,
        held: &Held,
    ) -> Result<Guarded, StoreError> {
        // Read again under the lock: an exit may have taken the day meanwhile.
        let legs = self.orders.day(row.id, date).await?;
        if day_from_logs(&legs).position != Position::Bought || covered(&legs) {
            return Ok(Guarded::Nothing);
        }
        let Some(entry) = legs.iter().find(|l| l.event == "BUY") else {
            return Ok(Guarded::Nothing);
        };
        let client = match self.credentials(row.user_id).await? {
            Ok(client) => client,
            Err(NoSession::WaitingForLogin(why) | NoSession::Unreadable(why)) => {
                return Ok(Guarded::Later(why))
            }
        };
        let tag = held.key.broker_tag();
        let begun = legs.iter().any(|l| l.ledger_key == held.key.as_ref());
        if begun || held.resumed {
            // A worker died placing it: the book says whether it got there.
            match self.look_up(&*client, &tag, Instant::now()).await {
                Lookup::Found(order_id) => {
                    if !begun {
                        self.orders
                            .begin(&self.guard_log(row, entry, held, &tag, 0))
                            .await?;
                    }
                    self.orders
                        .placed(held.key.as_ref(), &order_id, self.clock.now(), 0)
                        .await?;
                    return Ok(Guarded::Placed(order_id));
                }
                Lookup::Absent => {}
                Lookup::AuthFailed(why) | Lookup::Unknown(why) => return Ok(Guarded::Later(why)),
            }
        }
        let mut spec = OrderSpec {
            tradingsymbol: entry.tradingsymbol.clone().unwrap_or_default(),
            exchange: entry.exchange.clone().unwrap_or_default(),
            product: entry.product.clone().unwrap_or_default(),
            quantity: u32::try_from(entry.filled_quantity.unwrap_or(0)).unwrap_or(0),
            side: entry.side.opposite(),
        };
        // Never more than the broker holds: the trader may have sold some in the Kite app.
        if let Some(net) = held_at_broker(
            client.clone(),
            spec.clone(),
            self.config.tries,
            self.config.backoff,
        )
        .await
        {
            spec.quantity = spec.quantity.min(net);
        }
        let log = self.guard_log(row, entry, held, &tag, spec.quantity);
        self.orders.begin(&log).await?;
        // A long's guard is a stop sell under the price, a short's a stop buy over it.
        if spec.quantity == 0 {
            self.orders
                .finish(
                    held.key.as_ref(),
                    &unsent("CLOSED_OUTSIDE", "the broker shows no open position"),
                )
                .await?;
            return Ok(Guarded::Nothing);
        }
        let trail = self
            .runtime
            .get(row.id)
            .await
            .ok()
            .and_then(|r| r.trail_stop_paise);
        let request = OrderRequest {
            tradingsymbol: spec.tradingsymbol.clone(),
            exchange: spec.exchange.clone(),
            transaction_type: super::transaction_type(spec.side),
            order_type: OrderType::SlM,
            quantity: spec.quantity,
            product: spec.product.clone(),
            validity: "DAY".into(),
            price_paise: None,
            trigger_price_paise: Some(stop_in_force(row, entry.direction(), trail)),
            tag: Some(tag.clone()),
            market_protection: self.config.market_protection,
            algo_id: self.config.algo_id.clone(),
        };
        match self.place(&*client, &request, &tag, None, held).await {
            Placement::Placed(order_id) => {
                tracing::info!(event_type = "guard_placed", strategy_id = %row.id, broker_order_id = %order_id,
                    trigger_paise = request.trigger_price_paise, quantity = spec.quantity, "resting stop placed");
                self.orders
                    .placed(held.key.as_ref(), &order_id, self.clock.now(), 0)
                    .await?;
                Ok(Guarded::Placed(order_id))
            }
            Placement::Failed(why) => {
                tracing::warn!(event_type = "guard_refused", strategy_id = %row.id, reason = %why, "the resting stop was refused; the app's own stop still watches");
                self.refused_guard(row, date, held, spec.quantity, &why)
                    .await?;
                Ok(Guarded::Refused(why))
            }
            Placement::AuthFailed(why) => {
                self.keys.mark_expired(row.user_id, &why).await?;
                Ok(Guarded::Later(why))
            }
            Placement::Unknown(why) => Ok(Guarded::Later(why)),
        }
    }

    fn guard_log<'a>(
        &self,
        row: &StrategyRow,
        entry: &'a LegRow,
        held: &'a Held,
        tag: &'a str,
        quantity: u32,
    ) -> NewOrderLog<'a> {
        NewOrderLog {
            strategy_id: row.id,
            user_id: row.user_id,
            event: EventKind::Guard.as_str(),
            trading_date: entry.trading_date,
            ledger_key: held.key.as_ref(),
            broker_tag: tag,
            quantity: i32::try_from(quantity).unwrap_or(i32::MAX),
            scheduled_for: self.clock.now(),
            tradingsymbol: entry.tradingsymbol.as_deref().unwrap_or_default(),
            exchange: entry.exchange.as_deref().unwrap_or_default(),
            product: entry.product.as_deref().unwrap_or_default(),
            side: entry.side.opposite(),
        }
    }

    async fn refused_guard(
        &self,
        row: &StrategyRow,
        date: NaiveDate,
        held: &Held,
        quantity: u32,
        why: &str,
    ) -> Result<(), StoreError> {
        let words = leg_notice(&LegOutcome {
            event: EventKind::Guard,
            status: "REJECTED",
            symbol: row.spec.symbol.as_ref(),
            quantity: i64::from(quantity),
            filled: 0,
            average_paise: None,
            entry_average_paise: None,
            message: Some(why),
            direction: row.spec.direction,
        });
        let data = json!({ "strategy_id": row.id, "event": "GUARD", "status": "REJECTED",
            "trading_date": date });
        let notice = words.as_ref().map(|w| NewNotification {
            user_id: row.user_id,
            strategy_id: Some(row.id),
            kind: w.kind.as_str(),
            source_key: held.key.as_ref(),
            title: &w.title,
            body: &w.body,
            data: &data,
            at: self.clock.now(),
        });
        self.orders
            .finish(
                held.key.as_ref(),
                &Final {
                    notice: notice.as_ref(),
                    filled_quantity: Some(0),
                    ..unsent("REJECTED", why)
                },
            )
            .await
    }

    /// An exit's first step when the day's stop rests at the exchange: the guard's order
    /// becomes this exit's (its row re-keyed, the order then modified into `MARKET` by
    /// [`Executor::follow`]). `None` when there is no guard to take over and the exit places
    /// its own order.
    pub(super) async fn take_over_guard(
        &self,
        broker: Arc<dyn Broker>,
        ctx: &LegContext,
        event: &OrderEvent,
        held: &Held,
        positions: Option<&Positions>,
    ) -> Option<Handled> {
        let client = &*broker;
        let guard = ctx.guard.as_ref().filter(|g| g.is_open())?;
        let order_id = match &guard.broker_order_id {
            Some(id) => id.clone(),
            // Begun and never marked placed: the book says whether it got there. Its placer
            // is not working (this exit holds the strategy's lock).
            None => match self
                .look_up(client, &guard.broker_tag, Instant::now())
                .await
            {
                Lookup::Found(id) => {
                    if let Err(e) = self
                        .orders
                        .placed(&guard.ledger_key, &id, self.clock.now(), 0)
                        .await
                    {
                        self.release(held).await;
                        return Some(super::retry(e));
                    }
                    id
                }
                Lookup::Absent => {
                    let never = unsent(
                        "MISSED",
                        "the exit came first; the resting stop was never placed",
                    );
                    if let Err(e) = self.orders.finish(&guard.ledger_key, &never).await {
                        self.release(held).await;
                        return Some(super::retry(e));
                    }
                    return None;
                }
                Lookup::AuthFailed(why) => {
                    return Some(self.auth_failed(ctx, event, held, &why).await)
                }
                Lookup::Unknown(why) => {
                    self.release(held).await;
                    return Some(Handled::Retry(why));
                }
            },
        };
        // Never more than the broker holds (the trader may have sold some in the Kite app):
        // with nothing held the guard is cancelled and the exit records the position closed.
        let holding = match positions {
            // Read beside a crossed stop's checks.
            Some(read) => Some(held_in(read, &spec_of(guard))),
            None => {
                held_at_broker(
                    broker.clone(),
                    spec_of(guard),
                    self.config.tries,
                    self.config.backoff,
                )
                .await
            }
        };
        if holding == Some(0) {
            if let Err(e) = client.cancel_order(&order_id).await {
                tracing::warn!(error = %e, broker_order_id = %order_id, "the resting stop could not be cancelled; its history says why");
            }
            return self
                .guard_if_final(client, ctx, event, held, guard, &order_id)
                .await
                .flatten();
        }
        let quantity = holding.filter(|h| i64::from(*h) < i64::from(guard.quantity));
        // The exit's instant: the order goes to the market first, the bookkeeping after. A
        // refusal means it is final already (triggered and sold, or cancelled in Kite): that is
        // recorded as the guard's, and the exit finds the day sold or places its own order.
        let sent = self
            .to_market(client, &guard.ledger_key, &order_id, quantity)
            .await;
        if !sent {
            if let Some(done) = self
                .guard_if_final(client, ctx, event, held, guard, &order_id)
                .await
            {
                return done;
            }
        }
        let adopted = self
            .orders
            .adopt_guard(
                &guard.ledger_key,
                held.key.as_ref(),
                event.event.as_str(),
                event.scheduled_for,
            )
            .await;
        match adopted {
            Ok(true) => {}
            // It went final meanwhile (the reconciler recorded it).
            Ok(false) => return self.after_guard_final(ctx, event, held, None).await,
            Err(e) => {
                self.release(held).await;
                return Some(super::retry(e));
            }
        }
        tracing::info!(event_type = "guard_taken_over", broker_order_id = %order_id, "the exit takes over the resting stop");
        if self.crashes_after(super::Step::PlacedWritten) {
            return Some(super::crashed(super::Step::PlacedWritten));
        }
        Some(
            self.follow(
                client,
                &ctx.row,
                event.event,
                event.trading_date,
                held,
                &order_id,
            )
            .await,
        )
    }

    /// When the guard's order is final at the broker: recorded as the guard's, and then what
    /// [`Self::after_guard_final`] says. `None` while it is still working (or unreadable).
    async fn guard_if_final(
        &self,
        client: &dyn Broker,
        ctx: &LegContext,
        event: &OrderEvent,
        held: &Held,
        guard: &LegRow,
        order_id: &str,
    ) -> Option<Option<Handled>> {
        let history = client.order_history(order_id).await.ok()?;
        let last = history
            .last()
            .filter(|o| o.state() != OrderState::Pending)?;
        let recorded = self
            .record_final(
                &ctx.row,
                EventKind::Guard,
                event.trading_date,
                &guard.ledger_key,
                last,
            )
            .await;
        Some(
            self.after_guard_final(ctx, event, held, recorded.err())
                .await,
        )
    }

    /// The exit's step once the guard it meant to take over is final: the day sold (nothing
    /// more to do) or still held (`None`: the exit places its own order).
    async fn after_guard_final(
        &self,
        ctx: &LegContext,
        event: &OrderEvent,
        held: &Held,
        failed: Option<StoreError>,
    ) -> Option<Handled> {
        if let Some(e) = failed {
            self.release(held).await;
            return Some(super::retry(e));
        }
        match self.orders.day(ctx.row.id, event.trading_date).await {
            Ok(legs) if day_from_logs(&legs).position != Position::Bought => {
                self.complete(held, &json!({ "status": "SOLD_BY_RESTING_STOP" }))
                    .await;
                Some(Handled::Done("the resting stop had already sold".into()))
            }
            Ok(_) => None,
            Err(e) => {
                self.release(held).await;
                Some(super::retry(e))
            }
        }
    }

    /// Turns an exit's order still resting as a stop into a `MARKET` order (with market
    /// protection). A refusal is only logged: the order's history says what became of it.
    /// Whether the broker took the change.
    pub(super) async fn to_market(
        &self,
        client: &dyn Broker,
        ledger_key: &str,
        order_id: &str,
        quantity: Option<u32>,
    ) -> bool {
        let change = ModifyRequest {
            order_type: Some(OrderType::Market),
            market_protection: Some(self.config.market_protection),
            quantity,
            ..ModifyRequest::default()
        };
        match client.modify_order(order_id, &change).await {
            Ok(_) => {
                tracing::info!(event_type = "guard_to_market", broker_order_id = %order_id, "the resting stop is now the exit's market order");
                self.count_modification(ledger_key).await;
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, broker_order_id = %order_id, "the resting stop could not be turned into a market order; its history says why");
                false
            }
        }
    }

    /// The reconciler's look at a resting stop still waiting for its trigger: moved to the
    /// stop in force when that moved (the trader's edit, a rising trail).
    pub(super) async fn keep_guard(
        &self,
        client: &dyn Broker,
        row: &StrategyRow,
        leg: &LegRow,
        order: &Order,
        positions: &mut PassPositions,
    ) {
        // Never more than the broker holds: a sale by hand in the Kite app shrinks it, and
        // with nothing held it is cancelled (it would sell short when triggered).
        if let Some(holding) = positions
            .of(client, leg.user_id)
            .await
            .map(|p| super::held_in(p, &spec_of(leg)))
        {
            if holding < order.pending_quantity {
                let done = if holding == 0 {
                    client.cancel_order(&order.order_id).await
                } else {
                    if !self.take_modification(leg).await {
                        return;
                    }
                    let change = ModifyRequest {
                        quantity: Some(order.filled_quantity + holding),
                        ..ModifyRequest::default()
                    };
                    let done = client.modify_order(&order.order_id, &change).await;
                    self.refused_modification(&leg.ledger_key, &done).await;
                    done
                };
                match done {
                    Ok(_) => {
                        tracing::warn!(event_type = "guard_reduced", broker_order_id = %order.order_id, held = holding, "the broker holds less than the resting stop sells; it now sells what is held");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, broker_order_id = %order.order_id, "the resting stop could not be reduced; trying again next pass");
                    }
                }
                return;
            }
        }
        let trail = self
            .runtime
            .get(row.id)
            .await
            .ok()
            .and_then(|r| r.trail_stop_paise);
        // The guard's side says which position it guards.
        let direction = Direction::closed_by(leg.side);
        let stop = stop_in_force(row, direction, trail);
        let Some(trigger) = order.trigger_price.paise() else {
            return;
        };
        if !moves_to(
            direction,
            trigger,
            stop,
            row.spec.stop_loss.paise(),
            leg.modifications,
        ) {
            return;
        }
        if !self.take_modification(leg).await {
            return;
        }
        let change = ModifyRequest {
            trigger_price_paise: Some(stop),
            ..ModifyRequest::default()
        };
        let done = client.modify_order(&order.order_id, &change).await;
        self.refused_modification(&leg.ledger_key, &done).await;
        match done {
            Ok(_) => {
                tracing::info!(event_type = "guard_moved", broker_order_id = %order.order_id, trigger_paise = stop, "the resting stop moved with the stop");
            }
            Err(e) => {
                tracing::warn!(error = %e, broker_order_id = %order.order_id, "the resting stop could not be moved; trying again next pass");
            }
        }
    }
}

impl Executor {
    async fn count_modification(&self, ledger_key: &str) {
        if let Err(e) = self.orders.modified(ledger_key).await {
            tracing::warn!(error = %e, "a modification not counted; Kite's own count still holds");
        }
    }

    /// Takes the modification of `leg`'s order this pass is about to ask for, counted as the
    /// pass read it: false when another pass or process took it (that one makes the change),
    /// or when the count cannot be written (the next pass tries again).
    pub(super) async fn take_modification(&self, leg: &LegRow) -> bool {
        match self
            .orders
            .take_modification(&leg.ledger_key, leg.modifications)
            .await
        {
            Ok(taken) => taken,
            Err(e) => {
                tracing::warn!(error = %e, "a modification could not be counted; not changing the order this pass");
                false
            }
        }
    }

    /// Gives back the modification taken for a change the broker refused outright.
    pub(super) async fn refused_modification<T>(
        &self,
        ledger_key: &str,
        done: &Result<T, KiteError>,
    ) {
        let Err(e) = done else { return };
        if e.is_ambiguous() {
            return;
        }
        if let Err(e) = self.orders.give_back_modification(ledger_key).await {
            tracing::warn!(error = %e, "a refused modification still counted; Kite's own count still holds");
        }
    }
}

/// Whether the guard of a position in `direction` resting at `trigger` moves to the stop in
/// force `stop` (the fixed stop is `fixed`), its order having taken `modifications` already:
/// a trader's edit of the stop (anything but a trailing move) while one modification is left
/// beside the exit's; a trailing move (up for a long, down for a short) of at least
/// [`TRAIL_STEP_BP`] while the exit's and an edit's are left.
pub fn moves_to(
    direction: Direction,
    trigger: i64,
    stop: i64,
    fixed: i64,
    modifications: i32,
) -> bool {
    let left = MODIFICATIONS_PER_ORDER - modifications;
    if stop == trigger {
        return false;
    }
    let s = direction.sign();
    let trailing = stop * s > fixed * s && stop * s > trigger * s;
    if !trailing {
        return left > 1;
    }
    let step = (trigger * TRAIL_STEP_BP / 10_000).max(5);
    left > KEPT_FOR_THE_EXIT && (stop - trigger) * s >= step
}

/// Each user's positions, read at most once in one reconciler pass however many guards the
/// user has (`None`: they could not be read; the guards are left as they are until the next).
#[derive(Default)]
pub(super) struct PassPositions(std::collections::HashMap<uuid::Uuid, Option<Positions>>);

impl PassPositions {
    async fn of(&mut self, client: &dyn Broker, user: uuid::Uuid) -> Option<&Positions> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.0.entry(user) {
            let read = client.positions().await;
            if let Err(e) = &read {
                tracing::warn!(error = %e, "positions unavailable; the resting stops wait for the next pass");
            }
            slot.insert(read.ok());
        }
        self.0.get(&user).and_then(Option::as_ref)
    }
}

/// The instrument, product and quantity of a leg's order.
fn spec_of(leg: &LegRow) -> OrderSpec {
    OrderSpec {
        tradingsymbol: leg.tradingsymbol.clone().unwrap_or_default(),
        exchange: leg.exchange.clone().unwrap_or_default(),
        product: leg.product.clone().unwrap_or_default(),
        quantity: u32::try_from(leg.quantity).unwrap_or(0),
        side: leg.side,
    }
}

/// The final write of a leg that sold nothing.
fn unsent<'a>(status: &'a str, message: &'a str) -> Final<'a> {
    Final {
        status,
        average_price_paise: None,
        filled_quantity: None,
        message: Some(message),
        raw_response: None,
        notice: None,
    }
}

/// Whether an exit's order is still a stop waiting for its trigger (the resting stop it took
/// over, not yet turned into a market order).
pub(super) fn still_resting(order: &Order) -> bool {
    order.status == "TRIGGER PENDING"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trader_edit_moves_the_guard_while_the_exit_keeps_its_modification() {
        let long = Direction::Long;
        // The fixed stop edited up (340000 → 345000), or down: moved.
        assert!(moves_to(long, 340_000, 345_000, 345_000, 0));
        assert!(moves_to(long, 345_000, 340_000, 340_000, 23));
        // The last modification is the exit's.
        assert!(!moves_to(long, 345_000, 340_000, 340_000, 24));
        assert!(
            !moves_to(long, 340_000, 340_000, 340_000, 0),
            "already there"
        );
    }

    #[test]
    fn a_trailing_stop_moves_the_guard_in_steps_and_keeps_two_modifications() {
        let long = Direction::Long;
        // 0.1% of 340000 is 340 paise.
        assert!(
            !moves_to(long, 340_000, 340_335, 339_000, 0),
            "less than a step"
        );
        assert!(moves_to(long, 340_000, 340_340, 339_000, 0));
        assert!(moves_to(long, 340_000, 341_000, 339_000, 22));
        assert!(
            !moves_to(long, 340_000, 341_000, 339_000, 23),
            "an edit's and the exit's are kept"
        );
    }

    #[test]
    fn a_short_guard_trails_down_in_steps() {
        let short = Direction::Short;
        // A short's trail falls under its fixed stop 341000: moved in steps of 0.1%.
        assert!(
            !moves_to(short, 340_000, 339_665, 341_000, 0),
            "less than a step"
        );
        assert!(moves_to(short, 340_000, 339_660, 341_000, 0));
        assert!(
            !moves_to(short, 340_000, 339_000, 341_000, 23),
            "the last two are kept"
        );
        // The trader's edit of the stop, either way, while one beside the exit's is left.
        assert!(moves_to(short, 340_000, 345_000, 345_000, 23));
        assert!(!moves_to(short, 340_000, 345_000, 345_000, 24));
    }

    proptest::proptest! {
        /// However a trailing stop rises, tick by tick, the guard's order never takes more
        /// than Kite's 25 modifications, the exit's turn into a market order among them, and
        /// it never rests below the fixed stop nor above the stop in force.
        #[test]
        fn the_guard_never_exhausts_kites_modifications(
            rises in proptest::collection::vec(5i64..2_000, 1..400),
            fixed in 100_000i64..500_000,
        ) {
            let (mut trigger, mut stop, mut taken) = (fixed, fixed, 0);
            for rise in rises {
                stop += rise;
                if moves_to(Direction::Long, trigger, stop, fixed, taken) {
                    trigger = stop;
                    taken += 1;
                }
                proptest::prop_assert!(trigger >= fixed && trigger <= stop);
            }
            // The exit's modification and an edit's are still there.
            proptest::prop_assert!(taken <= MODIFICATIONS_PER_ORDER - KEPT_FOR_THE_EXIT);
        }
    }
}
