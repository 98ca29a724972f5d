//! P&L from the broker's fills, end to end on the simulator: a hand-computed day with a partial
//! fill, per strategy and per day, scoped to its user.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use algo_core::{CalendarKind, EventKind, OrderEvent, TradingCalendar};
use axum::http::{Method, StatusCode};
use chrono::Utc;
use serde_json::json;
use support::system::*;

async fn exit_now(s: &TestSystem, id: &str) {
    let stop = OrderEvent::new(
        id.parse().expect("uuid"),
        EventKind::StopLoss,
        TradingCalendar::trading_date(Utc::now()),
        Utc::now(),
    );
    s.system.executor.handle(&stop).await;
}

#[tokio::test]
async fn a_hand_computed_day_with_a_partial_fill() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;

    // TCS: 3 of 5 fill at 3,500.05 and the exchange cancels the rest; the exit sells the 3 at
    // 3,512.35: (3512.35 − 3500.05) × 3 = +36.90.
    s.sim_post(
        "/_sim/price",
        json!({ "symbol": "TCS", "price": "3500.05" }),
    )
    .await;
    s.sim_post(
        "/_sim/faults",
        json!({ "kind": "partial_cancel", "count": 1, "delay_ms": 0, "filled_quantity": 3 }),
    )
    .await;
    let (tcs, buy) = buy_now(&s, &token, "TCS").await;
    s.system.executor.handle(&buy).await;
    s.sim_post(
        "/_sim/price",
        json!({ "symbol": "TCS", "price": "3512.35" }),
    )
    .await;
    exit_now(&s, &tcs).await;

    // INFY: 5 at 1,500.00, sold at 1,490.50: (1490.50 − 1500.00) × 5 = −47.50.
    s.sim_post(
        "/_sim/price",
        json!({ "symbol": "INFY", "price": "1500.00" }),
    )
    .await;
    let (infy, buy) = buy_now(&s, &token, "INFY").await;
    s.system.executor.handle(&buy).await;
    s.sim_post(
        "/_sim/price",
        json!({ "symbol": "INFY", "price": "1490.50" }),
    )
    .await;
    exit_now(&s, &infy).await;

    let (status, days) = s
        .call(
            Method::GET,
            &format!("/strategy/{tcs}/days"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{days}");
    let day = &days["days"][0];
    assert_eq!(
        (
            day["bought_quantity"].as_i64(),
            day["buy_average_price"].as_str(),
            day["sold_quantity"].as_i64(),
            day["sell_average_price"].as_str(),
            day["realised_pnl_paise"].as_i64(),
            day["realised_pnl"].as_str(),
            day["open_quantity"].as_i64(),
        ),
        (
            Some(3),
            Some("3500.05"),
            Some(3),
            Some("3512.35"),
            Some(3690),
            Some("+36.90"),
            Some(0)
        ),
        "{days}"
    );

    let today = TradingCalendar::trading_date(Utc::now());
    let (status, pnl) = s
        .call(
            Method::GET,
            &format!("/pnl?from={today}&to={today}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{pnl}");
    assert_eq!(pnl["days"][0]["pnl_paise"], -1060, "36.90 − 47.50: {pnl}");
    assert_eq!(pnl["days"][0]["pnl"], "-10.60");
    assert_eq!(pnl["days"][0]["strategies"], 2);
    assert_eq!(pnl["total_pnl"], "-10.60");

    // Another user sees neither the days nor the strategy.
    let other = s.user().await;
    let (_, theirs) = s.call(Method::GET, "/pnl", Some(&other), None).await;
    assert_eq!(theirs["days"], json!([]), "{theirs}");
    let (status, _) = s
        .call(
            Method::GET,
            &format!("/strategy/{tcs}/days"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for query in [
        "?from=2026-13-01",
        "?from=2026-12-10&to=2026-12-01",
        "?from=2024-01-01&to=2026-12-01",
    ] {
        let (status, body) = s
            .call(Method::GET, &format!("/pnl{query}"), Some(&token), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
    }
    s.system.shutdown().await;
}
