//! Chasing an exit that does not fill. A protected market order is a limit at its protection
//! price, and when the market runs past that price Kite leaves the unfilled part open. An exit
//! still open [`CHASE_AFTER`] after it went out is modified towards the market every
//! [`CHASE_EVERY`] until it fills: a sale's limit goes [`CHASE_BP`] under the last price the
//! watcher saw (under its own price when none is known), at least a tick lower each time; a
//! short's buy-back the same distance over it, at least a tick higher each time; within Kite's
//! modifications per order. The executor chases while it follows the order, the
//! reconciler after that; the trader is told once.

use std::time::Duration;

use algo_core::notify::NoticeKind;
use algo_core::strategy::Side;
use algo_kite::types::{ModifyRequest, Order};
use algo_kite::Broker;
use algo_store::ports::{NewNotification, StrategyRow};
use chrono::NaiveDate;
use serde_json::json;

use super::guard::MODIFICATIONS_PER_ORDER;
use super::Executor;

/// An exit still open this long after it went out is chased.
pub const CHASE_AFTER: Duration = Duration::from_secs(3);

/// Between two moves of a chased exit.
pub const CHASE_EVERY: Duration = Duration::from_secs(1);

/// How far under the last price a chased sale's limit goes, in basis points.
pub const CHASE_BP: i64 = 50;

/// The smallest price step the chase moves by (NSE's tick for most equities).
const TICK: i64 = 5;

/// The limit a chased exit on `side` resting at `current` moves to. A sale: [`CHASE_BP`] under
/// the last price (or under `current` when none is known), on the tick, and at least a tick
/// under `current`. A buy-back: as far over it, rounded up, and at least a tick over `current`.
pub fn chased_price(side: Side, current: i64, last: Option<i64>) -> i64 {
    let base = last.unwrap_or(current);
    match side {
        Side::Sell => {
            let target = (base - base * CHASE_BP / 10_000) / TICK * TICK;
            target.min(current - TICK).max(TICK)
        }
        Side::Buy => {
            let over = base + base * CHASE_BP / 10_000;
            let target = (over + TICK - 1) / TICK * TICK;
            target.max(current + TICK)
        }
    }
}

/// Whether an exit's `order` rests unfilled as a limit (not a stop waiting for its trigger,
/// which is the resting guard's business).
pub(super) fn rests_unfilled(order: &Order) -> bool {
    order.status == "OPEN" && order.order_type == "LIMIT"
}

impl Executor {
    /// Moves the exit `ledger_key`'s resting limit towards the market, once; tells the trader
    /// the first time. Nothing when its modifications are spent (the reconciler keeps
    /// following it, and the 30-second notice still goes).
    pub(super) async fn chase(
        &self,
        client: &dyn Broker,
        row: &StrategyRow,
        date: NaiveDate,
        ledger_key: &str,
        order: &Order,
    ) {
        let Some(current) = order.price.paise() else {
            return;
        };
        let leg = match self.orders.day(row.id, date).await {
            Ok(legs) => legs.into_iter().find(|l| l.ledger_key == ledger_key),
            Err(e) => {
                tracing::warn!(error = %e, "the exit's modifications unknown; not chasing now");
                return;
            }
        };
        let Some(leg) = leg else {
            tracing::warn!(broker_order_id = %order.order_id, "the exit's row is not in its day; not chasing it");
            return;
        };
        if leg.modifications >= MODIFICATIONS_PER_ORDER {
            tracing::warn!(event_type = "chase_spent", broker_order_id = %order.order_id, "the exit's modifications are spent; it rests where it is");
            return;
        }
        let last = self
            .runtime
            .get(row.id)
            .await
            .ok()
            .and_then(|r| r.last_price_paise);
        let side = if order.transaction_type == "BUY" {
            Side::Buy
        } else {
            Side::Sell
        };
        let price = chased_price(side, current, last);
        // Two passes seeing the same resting exit move it once.
        if !self.take_modification(&leg).await {
            return;
        }
        let change = ModifyRequest {
            price_paise: Some(price),
            ..ModifyRequest::default()
        };
        let done = client.modify_order(&order.order_id, &change).await;
        self.refused_modification(ledger_key, &done).await;
        if let Err(e) = done {
            tracing::warn!(error = %e, broker_order_id = %order.order_id, "the exit could not be moved; trying again");
            return;
        }
        tracing::warn!(event_type = "exit_chased", broker_order_id = %order.order_id, from_paise = current, to_paise = price, "an exit resting unfilled was moved towards the market");
        self.tell_chased(row, ledger_key, order, side, current, price)
            .await;
    }

    async fn tell_chased(
        &self,
        row: &StrategyRow,
        ledger_key: &str,
        order: &Order,
        side: Side,
        from: i64,
        to: i64,
    ) {
        let rupees = |p: i64| algo_core::notify::rupees(p);
        let title = format!("Exit of {} not filled yet", order.tradingsymbol);
        let body = format!(
            "The {} of {} {} rested unfilled at {} as the price ran past it. The app is moving it towards the market ({} now) until it fills.",
            match side {
                Side::Sell => "sale",
                Side::Buy => "buy-back",
            },
            order.pending_quantity,
            order.tradingsymbol,
            rupees(from),
            rupees(to)
        );
        let data = json!({ "strategy_id": row.id, "broker_order_id": order.order_id,
            "from_paise": from, "to_paise": to });
        let notice = NewNotification {
            user_id: row.user_id,
            strategy_id: Some(row.id),
            kind: NoticeKind::ExitUnfilled.as_str(),
            source_key: ledger_key,
            title: &title,
            body: &body,
            data: &data,
            at: self.clock.now(),
        };
        if let Err(e) = self.orders.note(&notice).await {
            tracing::warn!(error = %e, "the trader is not told of the chase");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chased_sale_goes_under_the_market_and_always_lower() {
        let sell = Side::Sell;
        // Resting at 3535 with the market at 3500: to 3482.50.
        assert_eq!(chased_price(sell, 353_500, Some(350_000)), 348_250);
        // No price known: under its own price.
        assert_eq!(chased_price(sell, 353_500, None), 351_730);
        // The market came back above it: still a tick lower.
        assert_eq!(chased_price(sell, 350_000, Some(360_000)), 349_995);
        assert_eq!(chased_price(sell, 5, None), 5, "never below a tick");
    }

    #[test]
    fn a_chased_buy_back_goes_over_the_market_and_always_higher() {
        let buy = Side::Buy;
        // Resting at 3465 with the market at 3500: 0.5% over is 3517.50.
        assert_eq!(chased_price(buy, 346_500, Some(350_000)), 351_750);
        // 0.5% over 3,465.05 is 3,482.37, rounded up to the tick.
        assert_eq!(chased_price(buy, 346_505, None), 348_240);
        // The market came back under it: still a tick higher.
        assert_eq!(chased_price(buy, 350_000, Some(340_000)), 350_005);
    }

    proptest::proptest! {
        /// Each move is on the tick, a sale's lower and a buy-back's higher, so a resting exit
        /// reaches any market in time.
        #[test]
        fn each_chase_moves_down_on_the_tick(current in 10i64..10_000_000, last in proptest::option::of(5i64..10_000_000)) {
            let current = current / TICK * TICK;
            let next = chased_price(Side::Sell, current, last);
            proptest::prop_assert!(next < current);
            proptest::prop_assert_eq!(next % TICK, 0);
            let up = chased_price(Side::Buy, current, last);
            proptest::prop_assert!(up > current);
            proptest::prop_assert_eq!(up % TICK, 0);
        }
    }
}
