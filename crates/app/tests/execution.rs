//! Order execution end to end on the self-hosted profile: HTTP API, timers, the Redis queue, the
//! executor, Postgres, Redis and the simulated exchange over real HTTP. Every fault test checks
//! what reached the exchange: exactly one entry and at most one exit.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::sync::Arc;
use std::time::Duration;

use algo_app::executor::{ExecutorConfig, Handled};
use algo_core::{CalendarKind, EventKind, OffsetClock, OrderEvent, TradingCalendar};
use axum::http::{Method, StatusCode};
use chrono::Utc;
use serde_json::{json, Value};
use support::system::*;

#[tokio::test]
async fn a_strategy_buys_once_and_sells_once_at_its_times() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (buy, sell) = (ist_in(3).await, ist_in(6).await);
    let id = s.running(&token, "TCS", &buy, &sell).await;
    let orders = s
        .wait_orders(Duration::from_secs(15), |o| side(o, "SELL") >= 1)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 1),
        "{orders:?}"
    );
    // Never early: the exchange received each order at or after its second.
    let today = TradingCalendar::trading_date(Utc::now());
    let buy_at = TradingCalendar::instant(
        today,
        algo_core::strategy::parse_time_of_day(&buy).expect("time"),
    );
    let received_buy = orders
        .iter()
        .find(|o| o["transaction_type"] == "BUY")
        .and_then(|o| o["received_at_us"].as_i64())
        .expect("receive time");
    assert!(
        received_buy >= buy_at.timestamp_micros(),
        "the buy reached the exchange early"
    );
    let status = s
        .wait_status(&token, &id, Duration::from_secs(5), |v| {
            v["position"] == "sold"
        })
        .await;
    assert_eq!(status["position"], "sold", "{status}");
    let (_, log) = s
        .call(
            Method::GET,
            &format!("/strategy/{id}/orders"),
            Some(&token),
            None,
        )
        .await;
    let events: Vec<&str> = log["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter_map(|o| o["event"].as_str())
        .collect();
    assert_eq!(events, vec!["SELL", "BUY"], "newest first");
    assert!(log["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .all(|o| o["status"] == "COMPLETE"));
    s.system.shutdown().await;
}

#[tokio::test]
async fn a_holiday_places_nothing() {
    let s = start(CalendarKind::Nse, fast()).await;
    let token = s.trader().await;
    let id: uuid::Uuid = s
        .running(&token, "TCS", "09:30:00", "15:10:00")
        .await
        .parse()
        .expect("uuid");
    let holiday = chrono::NaiveDate::from_ymd_opt(2026, 12, 25).expect("date");
    let event = OrderEvent::new(id, EventKind::Buy, holiday, Utc::now());
    assert_eq!(
        s.system.executor.handle(&event).await,
        Handled::Done("not a trading day".into())
    );
    let saturday = OrderEvent::new(
        id,
        EventKind::Buy,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
        Utc::now(),
    );
    assert_eq!(
        s.system.executor.handle(&saturday).await,
        Handled::Done("not a trading day".into())
    );
    assert!(s.sim_orders().await.is_empty());
    s.system.shutdown().await;
}

#[tokio::test]
async fn the_stop_loss_exit_wins_and_the_later_sell_is_a_no_op() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (buy, sell) = (ist_in(3).await, ist_in(8).await);
    let id = s.running(&token, "INFY", &buy, &sell).await;
    let bought = s
        .wait_status(&token, &id, Duration::from_secs(10), |v| {
            v["position"] == "bought"
        })
        .await;
    assert_eq!(bought["position"], "bought", "{bought}");
    // What the feed worker pushes when the price crosses the stop.
    let today = TradingCalendar::trading_date(Utc::now());
    let stop = OrderEvent::new(
        id.parse().expect("uuid"),
        EventKind::StopLoss,
        today,
        Utc::now(),
    );
    s.system.queue.push(&stop).await.expect("push");
    let after_stop = s
        .wait_orders(Duration::from_secs(10), |o| side(o, "SELL") >= 1)
        .await;
    assert_eq!(side(&after_stop, "SELL"), 1);
    // The timed sell comes and goes.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let orders = s.sim_orders().await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 1),
        "{orders:?}"
    );
    let (_, log) = s
        .call(
            Method::GET,
            &format!("/strategy/{id}/orders"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(log["orders"][0]["event"], "STOPLOSS");
    s.system.shutdown().await;
}

#[tokio::test]
async fn an_armed_order_meets_broker_failures_like_any_other() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    // Early enough to be armed: the first try goes out on its own connection.
    let (id, event) = buy_in(&s, &token, "SBIN", Duration::from_millis(1500)).await;
    s.fault("http_429", 1).await;
    s.fault("timeout", 1).await;
    assert_eq!(
        s.system.executor.handle(&event).await,
        Handled::Done("order COMPLETE".into())
    );
    let orders = s.wait_orders(Duration::from_secs(5), |o| o.len() > 1).await;
    assert_eq!(
        orders.len(),
        1,
        "429, then a lost answer found by its tag: {orders:?}"
    );
    assert!(
        received_at_us(&orders)
            .iter()
            .all(|&us| us >= event.scheduled_for.timestamp_micros()),
        "never before the instant"
    );
    assert_eq!(s.status(&token, &id).await["position"], "bought");
    s.system.shutdown().await;
}

#[tokio::test]
async fn an_armed_connection_lost_before_the_instant_is_placed_through_the_pool_once() {
    // A lead longer than the wait: the order is armed as soon as its event is ready.
    let mut s = start(
        CalendarKind::AlwaysOpen,
        ExecutorConfig {
            arm_lead: Duration::from_secs(10),
            ..fast()
        },
    )
    .await;
    let token = s.trader().await;
    let (id, event) = buy_in(&s, &token, "TCS", Duration::from_secs(3)).await;
    let executor = s.system.executor.clone();
    let handling = {
        let event = event.clone();
        tokio::spawn(async move { executor.handle(&event).await })
    };
    // The broker's front end drops every connection, the armed one with them.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    s.sim.restart().await;
    assert_eq!(
        handling.await.expect("task"),
        Handled::Done("order COMPLETE".into())
    );
    let orders = s.sim_orders().await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert!(received_at_us(&orders)[0] >= event.scheduled_for.timestamp_micros());
    assert_eq!(s.status(&token, &id).await["position"], "bought");
    s.system.shutdown().await;
}

#[tokio::test]
async fn the_same_event_delivered_100_times_concurrently_places_one_order() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (_, event) = buy_now(&s, &token, "RELIANCE").await;
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (executor, event) = (s.system.executor.clone(), event.clone());
        tasks.push(tokio::spawn(async move { executor.handle(&event).await }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let orders = s.wait_orders(Duration::from_secs(2), |o| o.len() > 1).await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    s.system.shutdown().await;
}

#[tokio::test]
async fn transient_broker_failures_are_retried_into_exactly_one_order() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "SBIN").await;
    s.fault("http_429", 1).await;
    s.fault("http_500", 1).await;
    assert_eq!(
        s.system.executor.handle(&event).await,
        Handled::Done("order COMPLETE".into())
    );
    let orders = s.sim_orders().await;
    assert_eq!(side(&orders, "BUY"), 1, "{orders:?}");
    assert_eq!(s.status(&token, &id).await["position"], "bought");
    s.system.shutdown().await;
}

#[tokio::test]
async fn a_timeout_after_the_order_was_placed_does_not_place_it_again() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (_, event) = buy_now(&s, &token, "HDFCBANK").await;
    s.fault("timeout", 1).await;
    let handled = s.system.executor.handle(&event).await;
    assert_eq!(handled, Handled::Done("order COMPLETE".into()));
    let orders = s.wait_orders(Duration::from_secs(6), |o| o.len() > 1).await;
    assert_eq!(
        orders.len(),
        1,
        "the order found by its tag was not placed again: {orders:?}"
    );
    s.system.shutdown().await;
}

#[tokio::test]
async fn a_broker_failing_every_try_fails_the_strategy_with_the_reason() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "TCS").await;
    s.fault("http_429", 10).await;
    s.system.executor.handle(&event).await;
    assert!(s.sim_orders().await.is_empty());
    let status = s.status(&token, &id).await;
    assert_eq!(status["status"], "failed", "{status}");
    assert!(
        status["failure_reason"]
            .as_str()
            .unwrap_or("")
            .starts_with("ORDER_FAILED"),
        "{status}"
    );
    // Redelivery of the same event does nothing more.
    s.system.executor.handle(&event).await;
    assert!(s.sim_orders().await.is_empty());
    s.system.shutdown().await;
}

// Kite ends the session in the middle of the day (the trader logged out of Kite elsewhere): the
// BUY's request is refused with 403 TokenException. The broker shows `expired` at once, the
// strategy keeps running and waits for a login, nothing more is sent with the dead token (a
// redelivery, the reconciler), and the next login sends the BUY at once, once.
#[tokio::test]
async fn a_token_refused_mid_day_waits_for_the_login_and_then_enters_once() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "INFY").await;
    s.sim_post(
        "/_sim/tokens/expire",
        json!({ "access_token": "sim_token" }),
    )
    .await;
    let handled = s.system.executor.handle(&event).await;
    assert!(
        matches!(&handled, Handled::Done(why) if why.contains("waiting for login")),
        "{handled:?}"
    );
    let refused = s.sim_refused_tokens().await;
    assert!(refused >= 1, "the broker refused the token");
    let (_, broker) = s
        .call(Method::GET, "/broker/status", Some(&token), None)
        .await;
    assert_eq!(broker["status"], "expired", "{broker}");
    let status = s.status(&token, &id).await;
    assert_eq!(
        (status["status"].as_str(), status["waiting_for"].as_str()),
        (Some("running"), Some("login")),
        "{status}"
    );
    // The same event again, and a reconciler pass: no request with the dead token.
    s.system.executor.handle(&event).await;
    s.system.executor.reconcile_once().await.expect("reconcile");
    assert_eq!(
        s.sim_refused_tokens().await,
        refused,
        "no retry on a dead token"
    );
    assert!(s.sim_orders().await.is_empty(), "nothing placed");

    // The trader logs in again: the BUY goes out at once, once.
    s.sim_post(
        "/_sim/accounts",
        json!({ "api_key": "sim_key", "api_secret": "sim_secret", "access_token": "sim_token" }),
    )
    .await;
    let (code, body) = s
        .call(Method::POST, "/broker/connect", Some(&token), Some(json!({ "api_key": "sim_key", "secret_key": "sim_secret", "access_token": "sim_token" })))
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let orders = s
        .wait_orders(Duration::from_secs(10), |o| side(o, "BUY") >= 1)
        .await;
    assert_eq!(side(&orders, "BUY"), 1, "{orders:?}");
    let bought = s
        .wait_status(&token, &id, Duration::from_secs(5), |v| {
            v["position"] == "bought"
        })
        .await;
    assert_eq!(bought["position"], "bought", "{bought}");
    s.system.executor.handle(&event).await;
    assert_eq!(side(&s.sim_orders().await, "BUY"), 1, "still one entry");
    s.system.shutdown().await;
}

#[tokio::test]
async fn a_crash_after_the_broker_call_then_redelivery_places_nothing_more() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (_, event) = buy_now(&s, &token, "TCS").await;
    // A worker claimed the leg, placed the order, and died before recording anything.
    let key = event.ledger_key();
    let claim = s
        .system
        .executor
        .ledger
        .claim(&key, "dead-worker", Duration::from_millis(1))
        .await
        .expect("claim");
    assert!(matches!(claim, algo_store::ports::Claim::Acquired { .. }));
    s.place_by_hand(
        "TCS",
        algo_kite::TransactionType::Buy,
        5,
        Some(key.broker_tag()),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Redelivery: the lease has run out, the new owner finds the order by its tag.
    assert_eq!(
        s.system.executor.handle(&event).await,
        Handled::Done("order COMPLETE".into())
    );
    assert_eq!(s.sim_orders().await.len(), 1);
    s.system.shutdown().await;
}

#[tokio::test]
async fn with_redis_down_the_event_is_handed_back_and_placed_once_it_is_up() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (_, event) = buy_now(&s, &token, "SBIN").await;
    let mut broken = algo_app::executor::Executor {
        ..clone_executor(&s)
    };
    let dead =
        algo_store::redis::RedisStore::new("redis://127.0.0.1:1", "x:", Duration::from_millis(200))
            .expect("client");
    broken.locks = Arc::new(algo_store::redis::locks::RedisLocks::new(dead.clone()));
    broken.runtime = Arc::new(algo_store::redis::runtime::RedisRuntime::new(dead));
    assert!(matches!(broken.handle(&event).await, Handled::Retry(_)));
    assert!(
        s.sim_orders().await.is_empty(),
        "nothing placed while Redis was down"
    );
    assert_eq!(
        s.system.executor.handle(&event).await,
        Handled::Done("order COMPLETE".into())
    );
    assert_eq!(s.sim_orders().await.len(), 1);
    s.system.shutdown().await;
}

#[tokio::test]
async fn stopping_with_exit_sells_the_open_position_through_the_same_path() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, event) = buy_now(&s, &token, "TCS").await;
    assert_eq!(
        s.system.executor.handle(&event).await,
        Handled::Done("order COMPLETE".into())
    );
    let (code, body) = s
        .call(
            Method::POST,
            "/strategy/stop",
            Some(&token),
            Some(json!({ "strategy_id": id, "exit_position": true })),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["exit_requested"].as_bool()),
        (Some("stopped"), Some(true))
    );
    let orders = s
        .wait_orders(Duration::from_secs(10), |o| side(o, "SELL") >= 1)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 1),
        "{orders:?}"
    );
    let status = s
        .wait_status(&token, &id, Duration::from_secs(5), |v| {
            v["position"] == "sold"
        })
        .await;
    assert_eq!(
        (status["status"].as_str(), status["position"].as_str()),
        (Some("stopped"), Some("sold"))
    );
    // Stopping again asks for nothing more.
    let (_, again) = s
        .call(
            Method::POST,
            "/strategy/stop",
            Some(&token),
            Some(json!({ "strategy_id": id, "exit_position": true })),
        )
        .await;
    assert_eq!(again["exit_requested"], false);
    s.system.shutdown().await;
}

#[tokio::test]
async fn after_a_restart_mid_position_the_sell_still_happens_on_time() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (buy, sell) = (ist_in(3).await, ist_in(10).await);
    let id = s.running(&token, "TCS", &buy, &sell).await;
    let bought = s
        .wait_status(&token, &id, Duration::from_secs(10), |v| {
            v["position"] == "bought"
        })
        .await;
    assert_eq!(bought["position"], "bought");
    let s = s.restart().await;
    let orders = s
        .wait_orders(Duration::from_secs(15), |o| side(o, "SELL") >= 1)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 1),
        "{orders:?}"
    );
    let today = TradingCalendar::trading_date(Utc::now());
    let sell_at = TradingCalendar::instant(
        today,
        algo_core::strategy::parse_time_of_day(&sell).expect("time"),
    );
    let received = orders
        .iter()
        .find(|o| o["transaction_type"] == "SELL")
        .and_then(|o| o["received_at_us"].as_i64())
        .expect("time");
    assert!(
        received >= sell_at.timestamp_micros(),
        "the re-armed timer sold at its time, not before"
    );
    let status = s
        .wait_status(&token, &id, Duration::from_secs(5), |v| {
            v["position"] == "sold"
        })
        .await;
    assert_eq!(status["position"], "sold");
    s.system.shutdown().await;
}

#[tokio::test]
async fn a_sell_time_that_passed_while_down_exits_at_once_on_restart() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (buy, sell) = (ist_in(3).await, ist_in(6).await);
    let id = s.running(&token, "INFY", &buy, &sell).await;
    s.wait_status(&token, &id, Duration::from_secs(10), |v| {
        v["position"] == "bought"
    })
    .await;
    // Down before the sell time, back after it.
    let down = s.stopped().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let while_down: Value = down
        .http
        .get(format!("{}/_sim/orders", down.sim.base_url))
        .send()
        .await
        .expect("sim")
        .json()
        .await
        .expect("json");
    let while_down = while_down["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(side(&while_down, "SELL"), 0, "nothing sold while down");
    let s = down.start().await;
    let orders = s
        .wait_orders(Duration::from_secs(10), |o| side(o, "SELL") >= 1)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 1),
        "{orders:?}"
    );
    assert_eq!(
        s.wait_status(&token, &id, Duration::from_secs(5), |v| v["position"]
            == "sold")
            .await["position"],
        "sold"
    );
    s.system.shutdown().await;
}

// The second day, on the NSE calendar and one injected clock (API, timers, executor, the
// simulator's own "now"), with the executor on the simulator in process: Monday's BUY and SELL
// go out once each; the process restarts overnight; on Tuesday the same strategy buys and sells
// once more (after the trader connects again: Monday's session died at 06:00), under Tuesday's
// ledger keys, and the day's status is Tuesday's.
#[tokio::test]
async fn the_second_day_trades_again_once_each() {
    let clock = Arc::new(OffsetClock::at(ist((2026, 12, 7), (9, 29, 54))));
    let s = TestSystem::builder()
        .calendar(CalendarKind::Nse)
        .clock(clock.clone())
        .in_process_broker()
        .start()
        .await;
    let token = s.trader().await;
    let id = s.running(&token, "TCS", "09:30:00", "09:30:06").await;
    let orders = s
        .wait_orders(Duration::from_secs(20), |o| side(o, "SELL") >= 1)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 1),
        "{orders:?}"
    );
    let monday = s
        .wait_status(&token, &id, Duration::from_secs(5), |v| {
            v["position"] == "sold"
        })
        .await;
    assert_eq!(monday["position"], "sold", "{monday}");
    assert!(
        monday["next_action"]["at"]
            .as_str()
            .is_some_and(|at| at.starts_with("2026-12-08T04:00:00")),
        "Tuesday's BUY is next: {monday}"
    );

    let down = s.stopped().await;
    clock.set(ist((2026, 12, 8), (9, 29, 54)));
    let s = down.start().await;
    // The app's access token (15 minutes) is yesterday's: it refreshes, as the app does.
    let token = s.refreshed(&token).await;
    let fresh = s.status(&token, &id).await;
    assert_eq!(fresh["position"], "none", "a new day starts flat: {fresh}");
    // Monday's Kite session died at 06:00: nothing goes out until the trader connects again.
    assert_eq!(fresh["waiting_for"], "login", "{fresh}");
    let (_, broker) = s
        .call(Method::GET, "/broker/status", Some(&token), None)
        .await;
    assert_eq!(broker["status"], "expired", "{broker}");
    let (status, body) = s
        .call(Method::POST, "/broker/connect", Some(&token), Some(json!({ "api_key": "sim_key", "secret_key": "sim_secret", "access_token": "sim_token" })))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(s.status(&token, &id).await["waiting_for"], Value::Null);
    let orders = s
        .wait_orders(Duration::from_secs(20), |o| side(o, "SELL") >= 2)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (2, 2),
        "{orders:?}"
    );
    let tuesday = s
        .wait_status(&token, &id, Duration::from_secs(5), |v| {
            v["position"] == "sold"
        })
        .await;
    assert_eq!(tuesday["position"], "sold", "{tuesday}");
    let (_, log) = s
        .call(
            Method::GET,
            &format!("/strategy/{id}/orders"),
            Some(&token),
            None,
        )
        .await;
    let days: Vec<(&str, &str)> = log["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| {
            let day = o["scheduled_for"].as_str().and_then(|at| at.get(..10));
            (day.unwrap_or(""), o["event"].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        days,
        vec![
            ("2026-12-08", "SELL"),
            ("2026-12-08", "BUY"),
            ("2026-12-07", "SELL"),
            ("2026-12-07", "BUY")
        ],
        "{log}"
    );
    s.shutdown().await;
}

// A short day: the Muhurat session of 2025-10-21 (13:45-14:45 IST, MIS cut-off 14:35 by the
// data's rule). A 14:34:50 BUY with a 15:15 sell time is exited at the day's cut-off, 14:35,
// not left to the broker's square-off (the 15:15 timer never comes inside that session).
#[tokio::test]
async fn a_short_day_exits_at_its_cut_off_not_at_the_sell_time() {
    let clock = Arc::new(OffsetClock::at(ist((2025, 10, 21), (14, 34, 44))));
    let s = TestSystem::builder()
        .calendar(CalendarKind::Nse)
        .clock(clock.clone())
        .in_process_broker()
        .start()
        .await;
    let token = s.trader().await;
    let id = s.running(&token, "TCS", "14:34:50", "15:15:00").await;
    let status = s.status(&token, &id).await;
    assert!(
        status["next_action"]["at"]
            .as_str()
            .is_some_and(|at| at.starts_with("2025-10-21T09:04:50")),
        "the BUY is next, today: {status}"
    );
    let bought = s
        .wait_status(&token, &id, Duration::from_secs(15), |v| {
            v["position"] == "bought"
        })
        .await;
    assert_eq!(bought["next_action"]["event"], "SELL", "{bought}");
    assert!(
        bought["next_action"]["at"]
            .as_str()
            .is_some_and(|at| at.starts_with("2025-10-21T09:05:00")),
        "the exit is at the day's cut-off, 14:35 IST: {bought}"
    );
    let orders = s
        .wait_orders(Duration::from_secs(20), |o| side(o, "SELL") >= 1)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 1),
        "{orders:?}"
    );
    let sold = s
        .wait_status(&token, &id, Duration::from_secs(5), |v| {
            v["position"] == "sold"
        })
        .await;
    assert_eq!(sold["position"], "sold", "{sold}");
    s.shutdown().await;
}

// Issue #18: "square off all" stops every strategy of the caller and exits each open position
// once, through the same exit path; another user's position is not touched; a second call
// finds nothing to exit.
#[tokio::test]
async fn square_off_all_exits_every_open_position_of_the_caller_only() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let (token, other) = (s.trader().await, s.trader().await);
    let mut open = Vec::new();
    for symbol in ["TCS", "INFY"] {
        let (id, event) = buy_now(&s, &token, symbol).await;
        assert_eq!(
            s.system.executor.handle(&event).await,
            Handled::Done("order COMPLETE".into())
        );
        open.push(id);
    }
    let (buy, sell) = quiet_times().await;
    let idle = s.running(&token, "SBIN", &buy, &sell).await;
    let (theirs, event) = buy_now(&s, &other, "RELIANCE").await;
    assert_eq!(
        s.system.executor.handle(&event).await,
        Handled::Done("order COMPLETE".into())
    );

    let (code, body) = s
        .call(Method::POST, "/strategies/square-off", Some(&token), None)
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body["exits_requested"], 2, "{body}");
    let results = body["strategies"].as_array().expect("strategies");
    assert_eq!(results.len(), 3, "every strategy of the caller: {body}");
    assert!(results.iter().all(|r| r["status"] == "stopped"), "{body}");
    let orders = s
        .wait_orders(Duration::from_secs(10), |o| side(o, "SELL") >= 2)
        .await;
    let sells = |symbol: &str| {
        orders
            .iter()
            .filter(|o| o["transaction_type"] == "SELL" && o["tradingsymbol"] == symbol)
            .count()
    };
    assert_eq!(
        (
            sells("TCS"),
            sells("INFY"),
            sells("SBIN"),
            sells("RELIANCE")
        ),
        (1, 1, 0, 0),
        "{orders:?}"
    );
    for id in &open {
        let status = s
            .wait_status(&token, id, Duration::from_secs(5), |v| {
                v["position"] == "sold"
            })
            .await;
        assert_eq!(
            (status["status"].as_str(), status["position"].as_str()),
            (Some("stopped"), Some("sold"))
        );
    }
    let (_, idle_status) = s
        .call(
            Method::GET,
            &format!("/strategy/status/{idle}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(idle_status["status"], "stopped");
    let (_, their_status) = s
        .call(
            Method::GET,
            &format!("/strategy/status/{theirs}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(
        (
            their_status["status"].as_str(),
            their_status["position"].as_str()
        ),
        (Some("running"), Some("bought")),
        "another user's position is theirs"
    );

    let (code, again) = s
        .call(Method::POST, "/strategies/square-off", Some(&token), None)
        .await;
    assert_eq!(
        (code, again["exits_requested"].as_i64()),
        (StatusCode::OK, Some(0))
    );
    s.system.shutdown().await;
}

// Issue #18: a protected market exit that rests unfilled in a fast move (a limit at its
// protection price, left behind by the market) is chased to a fill, and the trader is told.
// Before the chase it rested until the executor handed it to the reconciler, unfilled.
#[tokio::test]
async fn an_exit_resting_unfilled_is_chased_to_a_fill() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, buy) = buy_now(&s, &token, "TCS").await;
    assert_eq!(
        s.system.executor.handle(&buy).await,
        Handled::Done("order COMPLETE".into())
    );
    s.fault("market_rests", 1).await;
    assert_eq!(
        s.sell_now(&buy).await,
        Handled::Done("order COMPLETE".into()),
        "followed to its fill"
    );
    let orders = s.sim_orders().await;
    let sells: Vec<&Value> = orders
        .iter()
        .filter(|o| o["transaction_type"] == "SELL")
        .collect();
    assert_eq!(sells.len(), 1, "one order, moved: {sells:?}");
    let sold = sells[0];
    assert_eq!(
        (sold["status"].as_str(), sold["order_type"].as_str()),
        (Some("COMPLETE"), Some("LIMIT")),
        "{sold}"
    );
    assert!(sold["modifications"].as_u64() >= Some(1), "{sold}");
    assert_eq!(s.status(&token, &id).await["position"], "sold");
    let (_, notices) = s
        .call(Method::GET, "/notifications", Some(&token), None)
        .await;
    let kinds: Vec<&str> = notices["notifications"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"exit_unfilled"), "told: {notices}");
    s.system.shutdown().await;
}

// An entry still resting unfilled at the sell time (a protected market order the market ran
// away from) is cancelled then, and what filled of it is sold: the day ends flat at its sell
// time. The exit used to wait for the entry to end, and an entry filling later left a position
// open past the sell time, up to the broker's own square-off.
#[tokio::test]
async fn an_entry_resting_at_the_sell_time_is_cancelled_and_the_day_ends_flat() {
    let s = start(
        CalendarKind::AlwaysOpen,
        ExecutorConfig {
            fill_timeout: Duration::from_millis(500),
            ..fast()
        },
    )
    .await;
    let token = s.trader().await;
    let (id, buy) = buy_now(&s, &token, "TCS").await;
    s.fault("market_rests", 1).await;
    let entered = s.system.executor.handle(&buy).await;
    assert!(
        !matches!(&entered, Handled::Done(why) if why == "order COMPLETE"),
        "the entry rests: {entered:?}"
    );
    let until = std::time::Instant::now() + Duration::from_secs(10);
    let sold = loop {
        match s.sell_now(&buy).await {
            Handled::Retry(_) => {}
            done => break done,
        }
        assert!(std::time::Instant::now() < until, "the exit never ended");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(matches!(sold, Handled::Done(_)), "{sold:?}");
    let orders = s.sim_orders().await;
    let statuses: Vec<(&str, &str)> = orders
        .iter()
        .filter_map(|o| Some((o["transaction_type"].as_str()?, o["status"].as_str()?)))
        .collect();
    assert_eq!(
        statuses,
        [("BUY", "CANCELLED")],
        "the entry cancelled, nothing to sell: {orders:?}"
    );
    let status = s.status(&token, &id).await;
    assert!(
        status["position"] != "bought" && status["position"] != "buying",
        "nothing held: {status}"
    );
    let (_, notices) = s
        .call(Method::GET, "/notifications", Some(&token), None)
        .await;
    let told: Vec<(&str, &str, &str)> = notices["notifications"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| {
            Some((
                n["kind"].as_str()?,
                n["title"].as_str()?,
                n["body"].as_str()?,
            ))
        })
        .collect();
    assert_eq!(
        told,
        [(
            "order_rejected",
            "Buy of TCS not filled",
            "The broker cancelled the buy of 5 TCS: it had not filled by the exit's time. Nothing is held."
        )],
        "told once, and why: {notices}"
    );
    s.system.shutdown().await;
}

// Issue #18: a short's buy-back resting unfilled (its protection price under a market that ran
// up) is chased upwards to a fill, and the day ends flat.
#[tokio::test]
async fn a_shorts_buy_back_resting_unfilled_is_chased_up_to_a_fill() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (buy, sell) = support::system::quiet_times().await;
    let id = s
        .running_with(
            &token,
            json!({ "symbol": "TCS", "buy_time": buy, "sell_time": sell,
            "stop_loss": "99999.00", "quantity": 5, "direction": "SHORT" }),
        )
        .await;
    let entry = OrderEvent::new(
        id.parse().expect("uuid"),
        EventKind::Buy,
        TradingCalendar::trading_date(Utc::now()),
        Utc::now(),
    );
    assert_eq!(
        s.system.executor.handle(&entry).await,
        Handled::Done("order COMPLETE".into())
    );
    s.fault("market_rests", 1).await;
    assert_eq!(
        s.sell_now(&entry).await,
        Handled::Done("order COMPLETE".into()),
        "followed to its fill"
    );
    let orders = s.sim_orders().await;
    let buys: Vec<&Value> = orders
        .iter()
        .filter(|o| o["transaction_type"] == "BUY")
        .collect();
    assert_eq!(buys.len(), 1, "one buy-back, moved: {buys:?}");
    assert_eq!(
        (buys[0]["status"].as_str(), buys[0]["order_type"].as_str()),
        (Some("COMPLETE"), Some("LIMIT")),
        "{}",
        buys[0]
    );
    assert!(buys[0]["modifications"].as_u64() >= Some(1), "{}", buys[0]);
    assert_eq!(
        support::system::net_at(&s.http, &s.sim.base_url, "TCS").await,
        0,
        "flat"
    );
    assert_eq!(s.status(&token, &id).await["position"], "sold");
    s.system.shutdown().await;
}
