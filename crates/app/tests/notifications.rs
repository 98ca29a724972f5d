//! Notifications on the self-hosted profile: each final leg tells the trader once, in the
//! same transaction as its final status (the outbox), whether the executor, a redelivery, a
//! crash and the reconciler, or all of them reach it; the in-app list reads and marks them.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::time::Duration;

use algo_app::executor::{ExecutorConfig, Handled, Step};
use algo_core::{CalendarKind, EventKind, OrderEvent, TradingCalendar};
use axum::http::{Method, StatusCode};
use chrono::Utc;
use serde_json::{json, Value};
use support::system::*;

async fn notifications(s: &TestSystem, token: &str, query: &str) -> Value {
    let (status, body) = s
        .call(
            Method::GET,
            &format!("/notifications{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn kinds(list: &Value) -> Vec<String> {
    list["notifications"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn a_buy_and_a_stop_loss_each_tell_the_trader_once_with_the_days_pnl() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, buy) = buy_now(&s, &token, "TCS").await;
    s.system.executor.handle(&buy).await;
    // The same event again, and the reconciler: still one notice.
    s.system.executor.handle(&buy).await;
    s.system.executor.reconcile_once().await.expect("reconcile");
    let list = notifications(&s, &token, "").await;
    assert_eq!(kinds(&list), vec!["entry_filled"], "{list}");
    let bought = &list["notifications"][0];
    assert_eq!(bought["title"], "Bought TCS");
    assert_eq!(bought["body"], "5 TCS at ₹3,500.00.");
    assert_eq!(bought["strategy_id"], id.as_str());
    assert_eq!(list["unread"], 1);

    s.sim_post(
        "/_sim/price",
        json!({ "symbol": "TCS", "price": "3490.50" }),
    )
    .await;
    let today = TradingCalendar::trading_date(Utc::now());
    let stop = OrderEvent::new(
        id.parse().expect("uuid"),
        EventKind::StopLoss,
        today,
        Utc::now(),
    );
    s.system.executor.handle(&stop).await;
    s.system.executor.handle(&stop).await;
    let list = notifications(&s, &token, "").await;
    assert_eq!(
        kinds(&list),
        vec!["stop_loss_hit", "entry_filled"],
        "newest first: {list}"
    );
    let stopped = &list["notifications"][0];
    assert_eq!(stopped["title"], "Stop-loss hit on TCS");
    assert_eq!(
        stopped["body"], "Sold 5 TCS at ₹3,490.50. P&L -₹47.50.",
        "(3490.50 - 3500.00) × 5"
    );
    assert_eq!(stopped["data"]["pnl_paise"], -4750);

    // Another user sees none of them.
    let other = s.user().await;
    assert_eq!(
        kinds(&notifications(&s, &other, "").await),
        Vec::<String>::new()
    );

    // Read one, then all.
    let first = list["notifications"][1]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, marked) = s
        .call(
            Method::POST,
            "/notifications/read",
            Some(&token),
            Some(json!({ "ids": [first] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{marked}");
    assert_eq!(
        (marked["marked"].as_u64(), marked["unread"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        kinds(&notifications(&s, &token, "?unread=true").await),
        vec!["stop_loss_hit"]
    );
    let (_, not_mine) = s
        .call(
            Method::POST,
            "/notifications/read",
            Some(&other),
            Some(json!({ "all": true })),
        )
        .await;
    assert_eq!(not_mine["marked"], 0, "another user's notices stay unread");
    let (_, all) = s
        .call(
            Method::POST,
            "/notifications/read",
            Some(&token),
            Some(json!({ "all": true })),
        )
        .await;
    assert_eq!(
        (all["marked"].as_u64(), all["unread"].as_i64()),
        (Some(1), Some(0))
    );
    s.system.shutdown().await;
}

// A worker dies after the order went out (its fill not recorded), or after the final status
// was written (the ledger not completed): the redelivery writes the final status and its notice
// once, or finds the leg done and writes nothing more.
#[tokio::test]
async fn a_crash_before_or_after_the_record_still_tells_once() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    for (symbol, step) in [("INFY", Step::PlacedWritten), ("TCS", Step::Recorded)] {
        let (_, buy) = buy_now(&s, &token, symbol).await;
        let mut dying = clone_executor(&s);
        dying.config = ExecutorConfig {
            lease: Duration::from_millis(600),
            crash_after: Some(step),
            ..fast()
        };
        dying.handle(&buy).await;
        let mut healthy = clone_executor(&s);
        healthy.config.lease = Duration::from_millis(600);
        let until = std::time::Instant::now() + Duration::from_secs(30);
        while !matches!(healthy.handle(&buy).await, Handled::Done(_)) {
            assert!(std::time::Instant::now() < until, "{step:?}: never done");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        healthy.handle(&buy).await;
        s.system.executor.reconcile_once().await.expect("reconcile");
    }
    let list = notifications(&s, &token, "").await;
    let titles: Vec<&str> = list["notifications"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert_eq!(titles, vec!["Bought TCS", "Bought INFY"], "{list}");
    assert_eq!(side(&s.sim_orders().await, "BUY"), 2);
    s.system.shutdown().await;
}

#[tokio::test]
async fn a_rejected_entry_says_why_and_bad_queries_get_clear_errors() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (_, buy) = buy_now(&s, &token, "TCS").await;
    s.fault("reject", 1).await;
    s.system.executor.handle(&buy).await;
    // The reject comes 4 s after the order id (the fault's delay): the reconciler records it.
    let until = std::time::Instant::now() + Duration::from_secs(15);
    let list = loop {
        s.system.executor.reconcile_once().await.expect("reconcile");
        let list = notifications(&s, &token, "").await;
        if !kinds(&list).is_empty() || std::time::Instant::now() > until {
            break list;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(kinds(&list), vec!["order_rejected"], "{list}");
    let body = list["notifications"][0]["body"].as_str().unwrap_or("");
    assert!(
        body.starts_with("The broker rejected the buy of 5 TCS"),
        "{body}"
    );
    assert!(body.ends_with("Nothing is held."), "{body}");

    for query in ["?limit=0", "?limit=201", "?limit=ten", "?unread=yes"] {
        let (status, body) = s
            .call(
                Method::GET,
                &format!("/notifications{query}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("BAD_REQUEST")),
            "{query}: {body}"
        );
    }
    for bad in [
        json!({}),
        json!({ "ids": [] }),
        json!({ "ids": ["x"] }),
        json!({ "all": false }),
        json!({ "all": true, "ids": [] }),
    ] {
        let (status, body) = s
            .call(
                Method::POST,
                "/notifications/read",
                Some(&token),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, _) = s.call(Method::GET, "/notifications", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    s.system.shutdown().await;
}

// The next morning, yesterday's Kite session is dead: 30 minutes before the day's first buy the
// trader is told to log in, once (passes every few seconds), and not earlier.
#[tokio::test]
async fn a_missing_login_is_reminded_once_before_the_first_buy() {
    let clock = std::sync::Arc::new(algo_core::OffsetClock::at(ist((2026, 12, 7), (9, 0, 0))));
    let s = TestSystem::builder()
        .calendar(CalendarKind::Nse)
        .clock(clock.clone())
        .in_process_broker()
        .env("ALGO_PUSH_INTERVAL_MS", "3600000")
        .start()
        .await;
    let token = s.trader().await;
    s.running(&token, "TCS", "09:40:00", "10:00:00").await;
    s.system.push.run_once().await.expect("pass");
    assert_eq!(
        kinds(&notifications(&s, &token, "").await),
        Vec::<String>::new(),
        "Monday's session is live"
    );

    clock.set(ist((2026, 12, 8), (9, 5, 0)));
    let token = s.refreshed(&token).await;
    s.system.push.run_once().await.expect("pass");
    assert_eq!(
        kinds(&notifications(&s, &token, "").await),
        Vec::<String>::new(),
        "35 minutes before: not yet"
    );

    clock.set(ist((2026, 12, 8), (9, 15, 0)));
    s.system.push.run_once().await.expect("pass");
    s.system.push.run_once().await.expect("pass");
    let list = notifications(&s, &token, "").await;
    assert_eq!(kinds(&list), vec!["login_needed"], "{list}");
    let body = list["notifications"][0]["body"].as_str().unwrap_or("");
    assert!(
        body.starts_with("Today's first buy is at 09:40 IST"),
        "{body}"
    );
    s.shutdown().await;
}

// A protected market exit rests unfilled (a fast move): 30 s after its instant the reconciler
// tells the trader, once, and keeps following it.
#[tokio::test]
async fn an_exit_still_open_after_30_s_is_told_once() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    let (id, buy) = buy_now(&s, &token, "TCS").await;
    s.system.executor.handle(&buy).await;
    s.sim_post("/_sim/behaviour", json!({ "fill_delay_ms": 120_000 }))
        .await;
    let mut quick = clone_executor(&s);
    quick.config.fill_timeout = Duration::from_millis(300);
    let stop = OrderEvent::new(
        id.parse().expect("uuid"),
        EventKind::StopLoss,
        TradingCalendar::trading_date(Utc::now()),
        Utc::now(),
    );
    quick.handle(&stop).await;
    // Half a minute on: the reconciler finds the exit still open at the broker.
    let mut later = clone_executor(&s);
    later.clock = std::sync::Arc::new(algo_core::OffsetClock::at(
        Utc::now() + chrono::Duration::seconds(40),
    ));
    later.reconcile_once().await.expect("reconcile");
    later.reconcile_once().await.expect("reconcile again");
    let list = notifications(&s, &token, "").await;
    assert_eq!(
        kinds(&list),
        vec!["exit_unfilled", "entry_filled"],
        "{list}"
    );
    let body = list["notifications"][0]["body"].as_str().unwrap_or("");
    assert!(
        body.starts_with("The sale of 5 TCS has not filled"),
        "{body}"
    );
    s.system.shutdown().await;
}

// After the close, one summary per trader who traded: each strategy's realised P&L and the total.
#[tokio::test]
async fn the_day_ends_with_one_summary() {
    let clock = std::sync::Arc::new(algo_core::OffsetClock::at(ist((2026, 12, 7), (10, 0, 0))));
    let s = TestSystem::builder()
        .calendar(CalendarKind::Nse)
        .clock(clock.clone())
        .in_process_broker()
        .env("ALGO_PUSH_INTERVAL_MS", "3600000")
        .start()
        .await;
    let token = s.trader().await;
    let id = s.running(&token, "TCS", "10:00:03", "10:00:08").await;
    let bought = s
        .wait_status(&token, &id, Duration::from_secs(10), |v| {
            v["position"] == "bought"
        })
        .await;
    assert_eq!(bought["position"], "bought", "{bought}");
    s.sim_post(
        "/_sim/price",
        json!({ "symbol": "TCS", "price": "3510.00" }),
    )
    .await;
    let sold = s
        .wait_status(&token, &id, Duration::from_secs(10), |v| {
            v["position"] == "sold"
        })
        .await;
    assert_eq!(sold["position"], "sold", "{sold}");
    s.system.push.run_once().await.expect("pass");
    assert!(
        !kinds(&notifications(&s, &token, "").await).contains(&"daily_summary".to_owned()),
        "not before the close"
    );

    clock.set(ist((2026, 12, 7), (15, 50, 0)));
    let calendar = s.system.executor.calendar.clone();
    let pg = &s.system.state.pg;
    let first = algo_app::notify::reminders::daily_summary(pg, &calendar, clock.as_ref()).await;
    let again = algo_app::notify::reminders::daily_summary(pg, &calendar, clock.as_ref()).await;
    assert_eq!(
        (first.ok(), again.ok()),
        (Some(1), Some(0)),
        "one summary; the next pass finds no work"
    );
    s.system.push.run_once().await.expect("pass");
    let token = s.refreshed(&token).await;
    let list = notifications(&s, &token, "").await;
    let summaries: Vec<&Value> = list["notifications"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|n| n["kind"] == "daily_summary")
        .collect();
    assert_eq!(summaries.len(), 1, "{list}");
    assert_eq!(
        summaries[0]["body"], "Realised P&L today: +₹50.00 (+₹50.00 on TCS).",
        "(3510.00 − 3500.00) × 5"
    );
    s.shutdown().await;
}
