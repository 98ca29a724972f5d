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
