//! Behaviours set by `/_sim/behaviour` (or `Sim::set_behaviour`): a lagging order book, slow
//! fills; and that reset clears them.

use std::time::Duration;

use algo_sim::Behaviour;
use serde_json::json;
use tokio::time::Instant;

use crate::helpers::*;

#[tokio::test]
async fn a_lagging_book_hides_new_orders_for_book_lag_ms() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let set = control(&sim, "/_sim/behaviour", json!({ "book_lag_ms": 500 })).await;
    assert_eq!(set, json!({ "fill_delay_ms": 0, "book_lag_ms": 500 }));
    let placed = Instant::now();
    let id = kite.place_ok(&market("TCS", "BUY", "1")).await;
    // Placed (the control API sees it) but not in the account's order book yet.
    assert_eq!(sim_orders(&sim).await.len(), 1);
    assert_eq!(kite.get("/orders").await.data(), &json!([]));
    let missing = kite.get(&format!("/orders/{id}")).await;
    missing.assert_error(400, "InputException");
    assert_eq!(missing.body["message"], "Couldn't find that `order_id`.");
    let shown = eventually("the order to show up", || async {
        let r = kite.get(&format!("/orders/{id}")).await;
        (r.status == 200).then_some(r)
    })
    .await;
    assert!(
        placed.elapsed() >= Duration::from_millis(500),
        "hidden for book_lag_ms"
    );
    assert_eq!(
        shown
            .data()
            .as_array()
            .and_then(|h| h.last())
            .map(|o| &o["status"]),
        Some(&json!("COMPLETE"))
    );
    assert_eq!(kite.get("/orders").await.data()[0]["order_id"], id.as_str());
}

#[tokio::test]
async fn behaviours_are_set_in_process_read_back_and_cleared_by_reset() {
    let sim = frozen_sim().await;
    sim.sim.set_behaviour(Behaviour {
        fill_delay: Duration::from_millis(250),
        book_lag: Duration::from_millis(100),
    });
    let read = Reply::read(
        reqwest::get(format!("{}/_sim/behaviour", sim.base_url))
            .await
            .expect("GET behaviour"),
    )
    .await;
    assert_eq!(
        read.data(),
        &json!({ "fill_delay_ms": 250, "book_lag_ms": 100 })
    );
    // Setting one leaves the other.
    let set = control(&sim, "/_sim/behaviour", json!({ "book_lag_ms": 0 })).await;
    assert_eq!(set, json!({ "fill_delay_ms": 250, "book_lag_ms": 0 }));
    control_reply(&sim, "/_sim/behaviour", json!({ "book_lag": 1 }))
        .await
        .assert_error(400, "InputException");
    control(&sim, "/_sim/reset", json!({})).await;
    assert_eq!(sim.sim.behaviour(), Behaviour::default());
}

#[tokio::test]
async fn the_kite_client_reads_a_lagging_order_as_definitively_not_found() {
    let sim = frozen_sim().await;
    let client = kite_client(&sim);
    control(&sim, "/_sim/behaviour", json!({ "book_lag_ms": 500 })).await;
    let id = client
        .place_order(&market_request("TCS", algo_kite::TransactionType::Buy, 1))
        .await
        .expect("placed");
    let missing = client.order_history(&id).await.expect_err("hidden yet");
    assert!(missing.is_not_found(), "{missing:?}");
    assert!(client.orders().await.expect("orders").is_empty());
    // A failing lookup is not a "not found".
    control(&sim, "/_sim/faults", json!({ "kind": "orders_http_500" })).await;
    let failed = client.order_history(&id).await.expect_err("500");
    assert!(
        !failed.is_not_found() && failed.is_retryable(),
        "{failed:?}"
    );
    let history = eventually("the order to show up", || async {
        client.order_history(&id).await.ok()
    })
    .await;
    assert_eq!(history.last().map(|o| o.filled_quantity), Some(1));
}

#[tokio::test]
async fn slow_fills_keep_market_orders_open_for_fill_delay_ms() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let mut ws = connect(&sim, "sim_key", "sim_token").await;
    control(&sim, "/_sim/behaviour", json!({ "fill_delay_ms": 500 })).await;
    let placed = Instant::now();
    let id = kite.place_ok(&market("TCS", "BUY", "2")).await;
    let open = kite.order(&id).await;
    assert_eq!(
        (
            open["status"].as_str(),
            open["filled_quantity"].as_u64(),
            open["pending_quantity"].as_u64()
        ),
        (Some("OPEN"), Some(0), Some(2))
    );
    // A price change inside the delay does not fill it; the fill takes the price at the end.
    set_price(&sim, "TCS", json!("3510.5")).await;
    assert_eq!(kite.order(&id).await["status"], "OPEN");
    // LIMIT orders are not slowed.
    let limit = kite
        .place_ok(&order("TCS", "BUY", "LIMIT", "3600", ""))
        .await;
    assert_eq!(kite.order(&limit).await["status"], "COMPLETE");
    // The timer fills it and announces it, with nobody polling the order book.
    order_update(&mut ws, &id, "OPEN").await;
    let done = order_update(&mut ws, &id, "COMPLETE").await;
    assert!(
        placed.elapsed() >= Duration::from_millis(500),
        "open for fill_delay_ms"
    );
    assert_eq!(
        (
            done["filled_quantity"].as_u64(),
            done["average_price"].clone()
        ),
        (Some(2), json!(3510.5))
    );
    assert_eq!(kite.statuses(&id).await[3..], ["OPEN", "COMPLETE"]);
    // Back to immediate fills.
    control(&sim, "/_sim/behaviour", json!({ "fill_delay_ms": 0 })).await;
    let fast = kite.place_ok(&market("TCS", "BUY", "1")).await;
    assert_eq!(kite.order(&fast).await["status"], "COMPLETE");
}

#[tokio::test]
async fn a_slow_fill_that_is_cancelled_never_fills() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    control(&sim, "/_sim/behaviour", json!({ "fill_delay_ms": 200 })).await;
    let id = kite.place_ok(&market("TCS", "BUY", "2")).await;
    kite.delete(&format!("/orders/regular/{id}")).await.data();
    let later = kite.place_ok(&market("TCS", "BUY", "1")).await;
    // Once the later order has filled, the first one's timer has passed too.
    eventually("the later order to fill", || async {
        (kite.order(&later).await["status"] == "COMPLETE").then_some(())
    })
    .await;
    let o = kite.order(&id).await;
    assert_eq!(
        (o["status"].as_str(), o["filled_quantity"].as_u64()),
        (Some("CANCELLED"), Some(0))
    );
}
