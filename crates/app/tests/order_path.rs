//! The order path under ordinary faults (issue #15): a crash at each point, a restart within a
//! claim's lease, stale and late events, a stop at the last second, a stop-loss in the SELL's
//! last minute. Each test checks what reached the exchange: at most one order per leg, and the
//! leg resolved.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::sync::Arc;
use std::time::Duration;

use algo_app::executor::{ExecutorConfig, Handled};
use algo_core::{CalendarKind, EventKind, OffsetClock, OrderEvent, TradingCalendar, IST};
use algo_store::ports::Claim;
use algo_store::postgres::order_logs::{self, NewOrderLog};
use algo_store::postgres::strategies;
use axum::http::{Method, StatusCode};
use chrono::{NaiveTime, TimeZone, Utc};
use serde_json::{json, Value};
use support::system::*;

/// What a worker that died mid-leg left behind: its claim (with `lease` left on it) and the
/// leg's `SENDING` row, and, when `placed`, the order itself at the exchange.
async fn dead_worker(s: &TestSystem, event: &OrderEvent, lease: Duration, placed: bool) {
    let key = event.ledger_key();
    let claim = s
        .system
        .executor
        .ledger
        .claim(&key, "dead-worker", lease)
        .await
        .expect("claim");
    assert!(matches!(claim, Claim::Acquired { .. }), "{claim:?}");
    let row = strategies::get_for_executor(&s.system.state.pg, event.strategy_id)
        .await
        .expect("read")
        .expect("strategy");
    let tag = key.broker_tag();
    order_logs::begin(
        &s.system.state.pg,
        &NewOrderLog {
            strategy_id: row.id,
            user_id: row.user_id,
            event: event.event.as_str(),
            trading_date: event.trading_date,
            ledger_key: key.as_ref(),
            broker_tag: &tag,
            quantity: row.spec.quantity as i32,
            scheduled_for: event.scheduled_for,
            tradingsymbol: row.spec.symbol.as_ref(),
            exchange: "NSE",
            product: "MIS",
            side: algo_store::ports::Side::Buy,
        },
    )
    .await
    .expect("sending row");
    if placed {
        s.place_by_hand(
            row.spec.symbol.as_ref(),
            algo_kite::TransactionType::Buy,
            row.spec.quantity,
            Some(tag),
        )
        .await;
    }
}

/// Polls `cond` until it holds or `deadline` passes; whether it held.
async fn poll_until<F, Fut>(deadline: Duration, cond: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = std::time::Instant::now() + deadline;
    loop {
        if cond().await {
            return true;
        }
        if std::time::Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn order_log(s: &TestSystem, token: &str, id: &str) -> Vec<Value> {
    let (status, log) = s
        .call(
            Method::GET,
            &format!("/strategy/{id}/orders"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    log["orders"].as_array().cloned().unwrap_or_default()
}

// 1. A worker died after writing the SENDING row, before the order went out (during the wait):
// the redelivered event must place it, once.
#[tokio::test]
async fn a_crash_after_the_sending_row_before_the_order_places_it_on_redelivery() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "TCS").await;
    dead_worker(&s, &event, Duration::from_millis(1), false).await;
    let handled = s.system.executor.handle(&event).await;
    assert_eq!(handled, Handled::Done("order COMPLETE".into()));
    let orders = s.sim_orders().await;
    assert_eq!(side(&orders, "BUY"), 1, "{orders:?}");
    let status = s.status(&token, &id).await;
    assert_eq!(status["position"], "bought", "{status}");
    s.system.shutdown().await;
}

// 1. The same crash after the order went out: the redelivery finds it by its tag, places nothing
// more, and follows it to its fill, so the position is held and guarded, not lost.
#[tokio::test]
async fn a_crash_after_the_order_went_out_resolves_the_leg_from_the_broker() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "INFY").await;
    dead_worker(&s, &event, Duration::from_millis(1), true).await;
    let handled = s.system.executor.handle(&event).await;
    assert_eq!(handled, Handled::Done("order COMPLETE".into()));
    assert_eq!(side(&s.sim_orders().await, "BUY"), 1);
    let log = order_log(&s, &token, &id).await;
    assert_eq!(
        (log.len(), log[0]["status"].as_str()),
        (1, Some("COMPLETE")),
        "{log:?}"
    );
    assert_eq!(s.status(&token, &id).await["position"], "bought");
    // The position can be exited: the exit is not refused as "already sent".
    assert_eq!(
        s.sell_now(&event).await,
        Handled::Done("order COMPLETE".into())
    );
    assert_eq!(side(&s.sim_orders().await, "SELL"), 1);
    s.system.shutdown().await;
}

// 6. A restart within the dead worker's lease: the queued event is not acknowledged as "another
// worker holds the leg"; it comes back and is placed once the lease runs out, within seconds.
#[tokio::test]
async fn a_restart_within_the_claim_lease_takes_the_leg_over_within_seconds() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (_, event) = buy_now(&s, &token, "SBIN").await;
    // The dead worker's claim carries the lease a live worker would take.
    let lease = ExecutorConfig::default().lease;
    dead_worker(&s, &event, lease, false).await;
    s.system.queue.push(&event).await.expect("push");
    let orders = s
        .wait_orders(Duration::from_secs(12), |o| side(o, "BUY") >= 1)
        .await;
    assert_eq!(side(&orders, "BUY"), 1, "taken over within the deadline");
    s.system.shutdown().await;
}

// 7. Yesterday's BUY, still queued (or redriven from the dead-letter queue), is not placed today.
#[tokio::test]
async fn an_event_for_another_trading_date_is_dropped_and_recorded() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, today) = buy_now(&s, &token, "TCS").await;
    let yesterday = today.trading_date.pred_opt().expect("date");
    let stale = OrderEvent::new(
        today.strategy_id,
        EventKind::Buy,
        yesterday,
        today.scheduled_for - chrono::Duration::days(1),
    );
    let handled = s.system.executor.handle(&stale).await;
    assert!(
        matches!(&handled, Handled::Done(why) if why.contains("trading date")),
        "{handled:?}"
    );
    assert!(s.sim_orders().await.is_empty(), "nothing placed");
    let log = order_log(&s, &token, &id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["status"], "MISSED", "{log:?}");
    // Today's entry is untouched by it.
    assert_eq!(
        s.system.executor.handle(&today).await,
        Handled::Done("order COMPLETE".into())
    );
    s.system.shutdown().await;
}

// 7. A BUY delivered late, after the sell time, is not placed: it would hold a position that
// nothing exits.
#[tokio::test]
async fn a_buy_after_its_window_is_recorded_as_missed_not_placed() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (buy, sell) = (ist_in(30).await, ist_in(40).await);
    let id = s.running(&token, "TCS", &buy, &sell).await;
    let today = TradingCalendar::trading_date(Utc::now());
    let at = |t: &str| {
        TradingCalendar::instant(
            today,
            algo_core::strategy::parse_time_of_day(t).expect("time"),
        )
    };
    // The BUY due at the buy time reaches the executor five seconds after the sell time.
    let mut late = clone_executor(&s);
    late.clock = Arc::new(OffsetClock::at(at(&sell) + chrono::Duration::seconds(5)));
    let event = OrderEvent::new(id.parse().expect("uuid"), EventKind::Buy, today, at(&buy));
    let handled = late.handle(&event).await;
    assert!(
        matches!(&handled, Handled::Done(why) if why.contains("window")),
        "{handled:?}"
    );
    assert!(s.sim_orders().await.is_empty());
    let log = order_log(&s, &token, &id).await;
    assert_eq!(log[0]["status"], "MISSED", "{log:?}");
    s.system.shutdown().await;
}

// 8. Stopped while its BUY waits for the instant: nothing is bought.
#[tokio::test]
async fn a_stop_during_the_wait_for_the_instant_buys_nothing() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_in(&s, &token, "TCS", Duration::from_secs(3)).await;
    let executor = s.system.executor.clone();
    let key = event.ledger_key();
    let pending = tokio::spawn(async move { executor.handle(&event).await });
    // The executor is waiting for the instant (it has claimed the leg) when the trader stops.
    let ledger = s.system.executor.ledger.clone();
    let claimed = poll_until(Duration::from_secs(2), || {
        let (ledger, key) = (ledger.clone(), key.clone());
        async move { ledger.get(&key).await.ok().flatten().is_some() }
    })
    .await;
    assert!(claimed, "the executor claimed the leg");
    let (status, body) = s
        .call(
            Method::POST,
            "/strategy/stop",
            Some(&token),
            Some(json!({ "strategy_id": id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let handled = pending.await.expect("task");
    assert!(
        matches!(&handled, Handled::Done(why) if why.contains("not running")),
        "{handled:?}"
    );
    assert!(s.sim_orders().await.is_empty(), "bought after the stop");
    s.system.shutdown().await;
}

// 11. The SELL arrives early and waits for its instant; a stop crossed meanwhile must exit now,
// not wait behind it.
#[tokio::test]
async fn a_stop_loss_in_the_sells_last_minute_exits_at_once() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, buy) = buy_now(&s, &token, "INFY").await;
    assert_eq!(
        s.system.executor.handle(&buy).await,
        Handled::Done("order COMPLETE".into())
    );
    let sell_at = Utc::now() + chrono::Duration::seconds(6);
    let sell = OrderEvent::new(buy.strategy_id, EventKind::Sell, buy.trading_date, sell_at);
    let executor = s.system.executor.clone();
    let timed = tokio::spawn(async move { executor.handle(&sell).await });
    // Let the SELL reach its wait (it is delivered early, as EventBridge delivers it).
    let orders = s.wait_orders(Duration::from_millis(500), |_| false).await;
    assert_eq!(side(&orders, "SELL"), 0);
    let stop = OrderEvent::new(
        buy.strategy_id,
        EventKind::StopLoss,
        buy.trading_date,
        Utc::now(),
    );
    let handled = s.system.executor.handle(&stop).await;
    assert_eq!(handled, Handled::Done("order COMPLETE".into()));
    let orders = s.sim_orders().await;
    assert_eq!(
        side(&orders, "SELL"),
        1,
        "the stop sold before the sell time"
    );
    let sold_at = orders
        .iter()
        .find(|o| o["transaction_type"] == "SELL")
        .and_then(|o| o["received_at_us"].as_i64())
        .expect("time");
    assert!(
        sold_at < sell_at.timestamp_micros(),
        "the stop waited for the SELL"
    );
    let _ = timed.await.expect("task");
    assert_eq!(side(&s.sim_orders().await, "SELL"), 1, "one exit only");
    assert_eq!(order_log(&s, &token, &id).await[0]["event"], "STOPLOSS");
    s.system.shutdown().await;
}

// 12. The day trades, but its session is over: a BUY due after the close is not placed.
#[tokio::test]
async fn a_buy_outside_the_session_hours_is_not_placed() {
    let s = start(CalendarKind::Nse, fast()).await;
    let token = s.trader().await;
    let id: uuid::Uuid = s
        .running(&token, "TCS", "09:30:00", "15:10:00")
        .await
        .parse()
        .expect("uuid");
    // A Tuesday that trades, at 15:45 IST: after the 15:30 close.
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let after_close = IST
        .from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(15, 45, 0).expect("time")))
        .single()
        .expect("instant")
        .with_timezone(&Utc);
    let mut executor = clone_executor(&s);
    executor.clock = Arc::new(OffsetClock::at(after_close));
    let event = OrderEvent::new(id, EventKind::Buy, date, after_close);
    let handled = executor.handle(&event).await;
    assert!(
        matches!(&handled, Handled::Done(why) if why.contains("window") || why.contains("session")),
        "{handled:?}"
    );
    assert!(s.sim_orders().await.is_empty());
    s.system.shutdown().await;
}

// 4. Stopped with the position held, edited (another symbol, more shares) and started again the
// same day: the day's exit still sells what the entry bought, on the entry's symbol.
#[tokio::test]
async fn an_edit_between_stop_and_start_does_not_change_what_the_exit_sells() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, buy) = buy_now(&s, &token, "TCS").await;
    assert_eq!(
        s.system.executor.handle(&buy).await,
        Handled::Done("order COMPLETE".into())
    );
    let (status, body) = s
        .call(
            Method::POST,
            "/strategy/stop",
            Some(&token),
            Some(json!({ "strategy_id": id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (buy_time, sell_time) = quiet_times().await;
    let (status, body) = s
        .call(Method::PUT, &format!("/strategy/{id}"), Some(&token), Some(json!({ "symbol": "INFY", "buy_time": buy_time, "sell_time": sell_time, "stop_loss": "1.00", "quantity": 50 })))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s
        .call(
            Method::POST,
            "/strategy/start",
            Some(&token),
            Some(json!({ "strategy_id": id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        s.sell_now(&buy).await,
        Handled::Done("order COMPLETE".into())
    );
    let orders = s.sim_orders().await;
    let sold: Vec<(&str, i64)> = orders
        .iter()
        .filter(|o| o["transaction_type"] == "SELL")
        .map(|o| {
            (
                o["tradingsymbol"].as_str().unwrap_or(""),
                o["quantity"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(sold, vec![("TCS", 5)], "{orders:?}");
    s.system.shutdown().await;
}

// 2. The placement's answer is lost, and the lookups by tag that follow fail (500s): a failed
// lookup never leads to a second order.
#[tokio::test]
async fn a_failed_lookup_after_a_lost_answer_never_places_again() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "TCS").await;
    s.sim_post(
        "/_sim/faults",
        json!({ "kind": "timeout", "count": 1, "delay_ms": 4000 }),
    )
    .await;
    s.sim_post(
        "/_sim/faults",
        json!({ "kind": "orders_http_500", "count": 4 }),
    )
    .await;
    let handled = s.system.executor.handle(&event).await;
    assert_eq!(handled, Handled::Done("order COMPLETE".into()));
    assert_eq!(side(&s.sim_orders().await, "BUY"), 1, "placed once");
    assert_eq!(s.status(&token, &id).await["position"], "bought");
    s.system.shutdown().await;
}

// 2. The same lost answer while the broker's order book lags: an empty book right after the
// send is not a definitive "no such order".
#[tokio::test]
async fn an_order_book_that_lags_is_not_taken_for_no_such_order() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (_, event) = buy_now(&s, &token, "INFY").await;
    s.sim_post("/_sim/behaviour", json!({ "book_lag_ms": 2500 }))
        .await;
    s.sim_post(
        "/_sim/faults",
        json!({ "kind": "timeout", "count": 1, "delay_ms": 4000 }),
    )
    .await;
    let handled = s.system.executor.handle(&event).await;
    assert_eq!(handled, Handled::Done("order COMPLETE".into()));
    assert_eq!(side(&s.sim_orders().await, "BUY"), 1, "placed once");
    s.system.shutdown().await;
}

// 3. A fill slower than the executor follows: the reconciler follows it to the end, and the
// position is held (and exitable), not left `buying` for ever.
#[tokio::test]
async fn a_slow_fill_is_followed_to_the_end_by_the_reconciler() {
    let config = ExecutorConfig {
        fill_timeout: Duration::from_millis(500),
        ..fast()
    };
    let s = start(CalendarKind::AlwaysOpen, config).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "SBIN").await;
    s.sim_post("/_sim/behaviour", json!({ "fill_delay_ms": 2500 }))
        .await;
    let handled = s.system.executor.handle(&event).await;
    assert!(
        matches!(&handled, Handled::Done(why) if why.contains("reconciler")),
        "{handled:?}"
    );
    let status = s
        .wait_status(&token, &id, Duration::from_secs(15), |v| {
            v["position"] == "bought"
        })
        .await;
    assert_eq!(status["position"], "bought", "{status}");
    let log = order_log(&s, &token, &id).await;
    assert_eq!(log[0]["status"], "COMPLETE", "{log:?}");
    s.system.shutdown().await;
}

// 3. A partial fill that ends CANCELLED holds shares: the position shows bought, and the exit
// sells the filled quantity, not the strategy's.
#[tokio::test]
async fn a_partial_fill_then_cancel_holds_the_filled_shares_and_the_exit_sells_them() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "TCS").await;
    s.sim_post(
        "/_sim/faults",
        json!({ "kind": "partial_cancel", "count": 1, "filled_quantity": 2, "delay_ms": 300 }),
    )
    .await;
    let handled = s.system.executor.handle(&event).await;
    assert_eq!(handled, Handled::Done("order CANCELLED".into()));
    assert_eq!(s.status(&token, &id).await["position"], "bought");
    assert_eq!(
        s.sell_now(&event).await,
        Handled::Done("order COMPLETE".into())
    );
    let orders = s.sim_orders().await;
    let sold: Vec<i64> = orders
        .iter()
        .filter(|o| o["transaction_type"] == "SELL")
        .map(|o| o["quantity"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(sold, vec![2], "{orders:?}");
    s.system.shutdown().await;
}

// 10. The trader sold by hand in the Kite app: the timed exit finds the broker flat and sells
// nothing (no short), and says so.
#[tokio::test]
async fn an_exit_after_a_sale_by_hand_sells_nothing() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "TCS").await;
    assert_eq!(
        s.system.executor.handle(&event).await,
        Handled::Done("order COMPLETE".into())
    );
    s.place_by_hand("TCS", algo_kite::TransactionType::Sell, 5, None)
        .await;
    let handled = s.sell_now(&event).await;
    assert!(
        matches!(&handled, Handled::Done(why) if why.contains("closed outside")),
        "{handled:?}"
    );
    assert_eq!(
        side(&s.sim_orders().await, "SELL"),
        1,
        "only the trader's own sale"
    );
    let log = order_log(&s, &token, &id).await;
    assert_eq!(log[0]["status"], "CLOSED_OUTSIDE", "{log:?}");
    assert_ne!(s.status(&token, &id).await["position"], "bought");
    s.system.shutdown().await;
}

// 9. Postgres refuses the final status write while the fill is followed: the leg is not
// reported done with the record stale; the redelivery records it, and the exit still happens.
#[tokio::test]
async fn a_postgres_failure_while_recording_the_fill_is_recovered_on_redelivery() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "TCS").await;
    let pg = s.system.state.pg.clone();
    // A blip that refuses exactly the write of the final status.
    sqlx::query(
        "ALTER TABLE order_logs ADD CONSTRAINT blip CHECK (status <> 'COMPLETE') NOT VALID",
    )
    .execute(&pg)
    .await
    .expect("blip on");
    let first = s.system.executor.handle(&event).await;
    sqlx::query("ALTER TABLE order_logs DROP CONSTRAINT blip")
        .execute(&pg)
        .await
        .expect("blip off");
    if let Handled::Retry(_) = first {
        // The queue would deliver it again.
        assert_eq!(
            s.system.executor.handle(&event).await,
            Handled::Done("order COMPLETE".into())
        );
    }
    assert_eq!(side(&s.sim_orders().await, "BUY"), 1);
    let log = order_log(&s, &token, &id).await;
    assert_eq!(log[0]["status"], "COMPLETE", "{log:?}");
    assert_eq!(
        s.sell_now(&event).await,
        Handled::Done("order COMPLETE".into())
    );
    assert_eq!(side(&s.sim_orders().await, "SELL"), 1);
    s.system.shutdown().await;
}

// The broker's postback of an order nobody follows any more (its worker died after placing
// it) records its fill; a postback with a bad checksum changes nothing.
#[tokio::test]
async fn a_postback_with_its_checksum_records_the_fill_and_a_forged_one_is_refused() {
    let config = ExecutorConfig {
        fill_timeout: Duration::from_secs(120),
        ..fast()
    };
    let s = start(CalendarKind::AlwaysOpen, config.clone()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "TCS").await;
    s.sim_post("/_sim/behaviour", json!({ "fill_delay_ms": 500 }))
        .await;
    let mut dying = clone_executor(&s);
    dying.config = ExecutorConfig {
        crash_after: Some(algo_app::executor::Step::PlacedWritten),
        ..config
    };
    assert!(matches!(dying.handle(&event).await, Handled::Retry(_)));
    let kite = algo_kite::KiteHttp::new(&s.sim.base_url, Duration::from_secs(2)).expect("http");
    let client = kite.client("sim_key", algo_kite::Secret::new("sim_token"));
    let order_id = s.sim_orders().await[0]["order_id"]
        .as_str()
        .expect("order id")
        .to_owned();
    let mut filled = None;
    for _ in 0..50 {
        let history = client.order_history(&order_id).await.expect("history");
        if history.last().is_some_and(|o| o.status == "COMPLETE") {
            filled = history.last().cloned();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let filled = filled.expect("the exchange filled it");
    let stamp = filled.order_timestamp.clone().expect("timestamp");
    assert_eq!(s.status(&token, &id).await["position"], "buying");
    let forged = json!({ "order_id": order_id, "order_timestamp": stamp, "checksum": "0".repeat(64), "status": "COMPLETE" });
    let (status, body) = s
        .call(Method::POST, "/broker/postback", None, Some(forged))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(s.status(&token, &id).await["position"], "buying");
    let stranger = json!({ "order_id": "999", "order_timestamp": stamp, "checksum": "x" });
    let (status, _) = s
        .call(Method::POST, "/broker/postback", None, Some(stranger))
        .await;
    assert_eq!(status, StatusCode::OK, "not ours: acknowledged, ignored");
    let checksum = algo_kite::postback::checksum(&order_id, &stamp, "sim_secret");
    let genuine = json!({ "order_id": order_id, "order_timestamp": stamp, "checksum": checksum, "status": "COMPLETE", "filled_quantity": 5 });
    let (status, body) = s
        .call(Method::POST, "/broker/postback", None, Some(genuine))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(s.status(&token, &id).await["position"], "bought");
    assert_eq!(order_log(&s, &token, &id).await[0]["status"], "COMPLETE");
    s.system.shutdown().await;
}

// 6. A restart of the process takes its dead predecessor's claims over at once, not after
// their leases: here a lease of a minute.
#[tokio::test]
async fn a_restart_takes_the_dead_processs_legs_over_at_once() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (_, event) = buy_now(&s, &token, "TCS").await;
    dead_worker(&s, &event, Duration::from_secs(60), false).await;
    // The dead process also held the strategy's lock.
    let redis = s.system.state.redis.clone();
    let mut conn = redis.conn().await.expect("redis");
    let _: () = redis::cmd("SET")
        .arg(redis.keys().lock(event.strategy_id))
        .arg("dead-process")
        .arg("PX")
        .arg(60_000)
        .query_async(&mut conn)
        .await
        .expect("lock");
    s.system.queue.push(&event).await.expect("push");
    let s = s.restart().await;
    let orders = s
        .wait_orders(Duration::from_secs(15), |o| side(o, "BUY") >= 1)
        .await;
    assert_eq!(
        side(&orders, "BUY"),
        1,
        "placed once, long before the lease ran out"
    );
    s.system.shutdown().await;
}

// 8. Stopped with "exit the position" while the BUY is in flight (its fill is slow): the BUY
// still working at the broker is cancelled, and the day ends with nothing held and nothing
// sold. The exit used to wait for the fill and then sell: two trades, and a position open in
// between, where the trader had asked to be out.
#[tokio::test]
async fn a_stop_with_exit_while_the_buy_is_in_flight_cancels_the_buy() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "INFY").await;
    s.sim_post("/_sim/behaviour", json!({ "fill_delay_ms": 3000 }))
        .await;
    let executor = s.system.executor.clone();
    let buying = tokio::spawn(async move { executor.handle(&event).await });
    let placed = s
        .wait_orders(Duration::from_secs(5), |o| side(o, "BUY") >= 1)
        .await;
    assert_eq!(side(&placed, "BUY"), 1);
    let (status, body) = s
        .call(
            Method::POST,
            "/strategy/stop",
            Some(&token),
            Some(json!({ "strategy_id": id, "exit_position": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["exit_requested"], true, "{body}");
    assert_eq!(
        buying.await.expect("task"),
        Handled::Done("order CANCELLED".into())
    );
    let orders = s
        .wait_orders(Duration::from_secs(10), |o| {
            o.iter()
                .any(|o| o["transaction_type"] == "BUY" && o["status"] == "CANCELLED")
        })
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 0),
        "{orders:?}"
    );
    let status = s
        .wait_status(&token, &id, Duration::from_secs(5), |v| {
            v["position"] != "buying"
        })
        .await;
    assert_ne!(status["position"], "bought", "{status}");
    s.system.shutdown().await;
}

/// A running strategy of `symbol` whose BUY, due now, the system's executor placed and filled.
async fn entered(s: &TestSystem, token: &str, symbol: &str) -> (String, OrderEvent) {
    let (id, event) = buy_now(s, token, symbol).await;
    assert_eq!(
        s.system.executor.handle(&event).await,
        Handled::Done("order COMPLETE".into())
    );
    (id, event)
}

/// A crossed stop's exit for the strategy `buy` entered, due now.
fn stop_now(buy: &OrderEvent) -> OrderEvent {
    OrderEvent::new(
        buy.strategy_id,
        EventKind::StopLoss,
        buy.trading_date,
        Utc::now(),
    )
}

/// The quantities of the simulator's SELL orders, oldest first.
fn sold(orders: &[Value]) -> Vec<i64> {
    orders
        .iter()
        .filter(|o| o["transaction_type"] == "SELL")
        .map(|o| o["quantity"].as_i64().unwrap_or(0))
        .collect()
}

// 17. A crossed stop after the trader sold some by hand: handled by the executor that placed
// the entry (as the watcher of `algo serve` hands it over), it reads the broker's positions
// beside its checks and sells only what is held; with nothing held it sells nothing.
#[tokio::test]
async fn a_crossed_stop_sells_only_what_the_broker_holds() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (_, event) = entered(&s, &token, "TCS").await;
    let bought = net_at(&s.http, &s.sim.base_url, "TCS").await;
    assert!(bought > 2, "bought {bought}");
    s.place_by_hand("TCS", algo_kite::TransactionType::Sell, 2, None)
        .await;
    assert_eq!(
        s.system.executor.handle(&stop_now(&event)).await,
        Handled::Done("order COMPLETE".into())
    );
    assert_eq!(sold(&s.sim_orders().await), vec![2, bought - 2]);
    assert_eq!(net_at(&s.http, &s.sim.base_url, "TCS").await, 0);

    let (id, event) = entered(&s, &token, "INFY").await;
    let bought = net_at(&s.http, &s.sim.base_url, "INFY").await;
    s.place_by_hand(
        "INFY",
        algo_kite::TransactionType::Sell,
        u32::try_from(bought).expect("quantity"),
        None,
    )
    .await;
    let handled = s.system.executor.handle(&stop_now(&event)).await;
    assert!(
        matches!(&handled, Handled::Done(why) if why.contains("closed outside")),
        "{handled:?}"
    );
    let log = order_log(&s, &token, &id).await;
    assert_eq!(log[0]["status"], "CLOSED_OUTSIDE", "{log:?}");
    assert_eq!(
        net_at(&s.http, &s.sim.base_url, "INFY").await,
        0,
        "not short"
    );
    s.system.shutdown().await;
}

// 18. Postgres refuses a crossed stop's row while its order goes: the order is out, once; the
// claim is kept (it is what says an order may be out) and the redelivery, once its lease runs
// out, finds the order by its tag and follows it. One exit, recorded.
#[tokio::test]
async fn a_crossed_stop_whose_row_cannot_be_written_still_exits_once() {
    let s = start(
        CalendarKind::AlwaysOpen,
        ExecutorConfig {
            lease: Duration::from_millis(600),
            ..fast()
        },
    )
    .await;
    let token = s.trader().await;
    let (id, event) = entered(&s, &token, "TCS").await;
    let pg = s.system.state.pg.clone();
    sqlx::query("ALTER TABLE order_logs ADD CONSTRAINT blip CHECK (event <> 'STOPLOSS') NOT VALID")
        .execute(&pg)
        .await
        .expect("blip on");
    let stop = stop_now(&event);
    let first = s.system.executor.handle(&stop).await;
    assert!(matches!(first, Handled::Retry(_)), "{first:?}");
    assert_eq!(
        side(&s.sim_orders().await, "SELL"),
        1,
        "the exit went without waiting for its row"
    );
    sqlx::query("ALTER TABLE order_logs DROP CONSTRAINT blip")
        .execute(&pg)
        .await
        .expect("blip off");
    let until = std::time::Instant::now() + Duration::from_secs(30);
    let handled = loop {
        let handled = s.system.executor.handle(&stop).await;
        if matches!(handled, Handled::Done(_)) || std::time::Instant::now() >= until {
            break handled;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(handled, Handled::Done("order COMPLETE".into()));
    assert_eq!(side(&s.sim_orders().await, "SELL"), 1, "one exit");
    assert_eq!(net_at(&s.http, &s.sim.base_url, "TCS").await, 0);
    let log = order_log(&s, &token, &id).await;
    assert_eq!(
        (log[0]["event"].as_str(), log[0]["status"].as_str()),
        (Some("STOPLOSS"), Some("COMPLETE")),
        "{log:?}"
    );
    s.system.shutdown().await;
}

// 19. The trader logs in again between the entry and the crossed stop (a new token, the old
// one dead): the executor's last client for them, made with the old token, is not what the
// exit goes with. It sells with the new token, and the connection is not marked expired.
#[tokio::test]
async fn a_crossed_stop_after_a_new_login_goes_with_the_new_token() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (_, event) = entered(&s, &token, "TCS").await;
    s.sim_post(
        "/_sim/accounts",
        json!({ "api_key": "sim_key", "api_secret": "sim_secret", "access_token": "sim_token_2" }),
    )
    .await;
    s.sim_post(
        "/_sim/tokens/expire",
        json!({ "access_token": "sim_token" }),
    )
    .await;
    let (code, body) = s
        .call(
            Method::POST,
            "/broker/connect",
            Some(&token),
            Some(json!({ "api_key": "sim_key", "secret_key": "sim_secret", "access_token": "sim_token_2" })),
        )
        .await;
    assert!(code.is_success(), "{code}: {body}");
    assert_eq!(
        s.system.executor.handle(&stop_now(&event)).await,
        Handled::Done("order COMPLETE".into())
    );
    assert_eq!(sold(&s.sim_orders().await), vec![5]);
    let (_, broker) = s
        .call(Method::GET, "/broker/status", Some(&token), None)
        .await;
    assert_eq!(broker["status"], "connected", "{broker}");
    s.system.shutdown().await;
}
