//! Injected faults: each kind, counts, and reset.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::*;

async fn fault(sim: &algo_sim::RunningSim, kind: &str, count: u32) {
    let queued = control(sim, "/_sim/faults", json!({ "kind": kind, "count": count })).await;
    assert_eq!(queued["count"], count);
}

#[tokio::test]
async fn http_faults_answer_in_kites_envelope_and_place_nothing() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let form = market("TCS", "BUY", "1");
    fault(&sim, "http_429", 2).await;
    for _ in 0..2 {
        let r = kite.place(&form).await;
        r.assert_error(429, "NetworkException");
        assert_eq!(r.body["message"], "Too many requests");
    }
    fault(&sim, "http_500", 1).await;
    kite.place(&form)
        .await
        .assert_error(500, "GeneralException");
    fault(&sim, "token_exception", 1).await;
    kite.place(&form).await.assert_error(403, "TokenException");
    assert!(
        sim_orders(&sim).await.is_empty(),
        "none of them placed anything"
    );
    // Faults are used up: the token still works and the next order goes through.
    kite.get("/user/profile").await.data();
    kite.place_ok(&form).await;
    assert_eq!(sim_orders(&sim).await.len(), 1);
    control_reply(&sim, "/_sim/faults", json!({ "kind": "meteor" }))
        .await
        .assert_error(400, "InputException");
}

#[tokio::test]
async fn a_timeout_places_the_order_and_holds_the_answer() {
    let sim = frozen_sim().await;
    let queued = control(
        &sim,
        "/_sim/faults",
        json!({ "kind": "timeout", "count": 2, "delay_ms": 1500 }),
    )
    .await;
    assert_eq!(queued["delay_ms"], 1500);
    // A client that gives up after 300 ms sees no answer...
    let impatient = Kite {
        http: reqwest::Client::builder()
            .timeout(Duration::from_millis(300))
            .build()
            .expect("client"),
        ..Kite::default_account(&sim)
    };
    let gave_up = impatient
        .http
        .post(format!("{}/orders/regular", sim.base_url))
        .header("Authorization", "token sim_key:sim_token")
        .header("X-Kite-Version", "3")
        .form(&with_tag("amb1"))
        .send()
        .await;
    assert!(gave_up.is_err_and(|e| e.is_timeout()), "no answer in time");
    // ...but the order was placed, and the client finds it by its tag.
    let kite = Kite::default_account(&sim);
    let found = kite
        .get("/orders")
        .await
        .data()
        .as_array()
        .expect("list")
        .iter()
        .find(|o| o["tag"] == "amb1")
        .cloned()
        .expect("the order is there, with its tag");
    assert_eq!(found["status"], "COMPLETE");
    // A patient client gets the answer after the delay.
    let started = Instant::now();
    let id = kite.place_ok(&with_tag("amb2")).await;
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "held for delay_ms"
    );
    assert_eq!(kite.order(&id).await["tag"], "amb2");
}

fn with_tag(tag: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut form = market("TCS", "BUY", "1");
    form.push(("tag", tag));
    form
}

#[tokio::test]
async fn a_reject_gives_an_order_id_then_rejected() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    fault(&sim, "reject", 1).await;
    let id = kite.place_ok(&with_tag("rej1")).await;
    let o = kite.order(&id).await;
    assert_eq!(o["status"], "REJECTED");
    assert!(
        o["status_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("RMS:")),
        "a risk-check message: {o}"
    );
    assert_eq!(
        (o["filled_quantity"].as_u64(), o["tag"].as_str()),
        (Some(0), Some("rej1"))
    );
    assert_eq!(
        kite.statuses(&id).await,
        ["PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "REJECTED"]
    );
    // Only one was queued.
    let next = kite.place_ok(&with_tag("ok1")).await;
    assert_eq!(kite.order(&next).await["status"], "COMPLETE");
}

#[tokio::test]
async fn reset_clears_orders_faults_tokens_and_prices() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    kite.place_ok(&market("TCS", "BUY", "1")).await;
    set_price(&sim, "TCS", json!(3600)).await;
    fault(&sim, "http_500", 5).await;
    fault(&sim, "orders_http_500", 5).await;
    control(&sim, "/_sim/reset", json!({})).await;
    assert!(sim_orders(&sim).await.is_empty());
    kite.get("/orders").await.data();
    let ltp = kite.get("/quote/ltp?i=NSE:TCS").await;
    assert_eq!(ltp.data()["NSE:TCS"]["last_price"], json!(3500));
    kite.place_ok(&market("TCS", "BUY", "1")).await;
}

#[tokio::test]
async fn lookup_faults_fail_the_order_book_and_leave_placements_alone() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    fault(&sim, "orders_http_500", 1).await;
    fault(&sim, "orders_http_429", 1).await;
    // Placements do not consume lookup faults.
    let id = kite.place_ok(&with_tag("look1")).await;
    let r = kite.get("/orders").await;
    r.assert_error(500, "GeneralException");
    let r = kite.get(&format!("/orders/{id}")).await;
    r.assert_error(429, "NetworkException");
    assert_eq!(kite.order(&id).await["status"], "COMPLETE", "used up");
    assert_eq!(
        kite.get("/orders").await.data().as_array().map(Vec::len),
        Some(1)
    );
    // Placement faults do not fail lookups.
    fault(&sim, "http_500", 1).await;
    kite.get("/orders").await.data();
    kite.place(&with_tag("look2"))
        .await
        .assert_error(500, "GeneralException");
}

#[tokio::test]
async fn an_instruments_fault_refuses_the_next_dumps_and_nothing_else() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    fault(&sim, "instruments_token_exception", 2).await;
    // Other requests do not consume it.
    kite.get("/orders").await.data();
    kite.get("/instruments/NSE")
        .await
        .assert_error(403, "TokenException");
    kite.get("/instruments")
        .await
        .assert_error(403, "TokenException");
    let dump = kite.get("/instruments/NSE").await;
    assert_eq!(dump.status, 200, "used up: {}", dump.text);
    assert!(dump.text.contains(",TCS,"), "the dump again");
}

#[tokio::test]
async fn an_orders_timeout_holds_the_lookup_answer() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let id = kite.place_ok(&with_tag("slow1")).await;
    let queued = control(
        &sim,
        "/_sim/faults",
        json!({ "kind": "orders_timeout", "count": 2, "delay_ms": 400 }),
    )
    .await;
    assert_eq!(queued["delay_ms"], 400);
    let impatient = Kite {
        http: reqwest::Client::builder()
            .timeout(Duration::from_millis(100))
            .build()
            .expect("client"),
        ..Kite::default_account(&sim)
    };
    let gave_up = impatient
        .request(reqwest::Method::GET, &format!("/orders/{id}"))
        .send()
        .await;
    assert!(gave_up.is_err_and(|e| e.is_timeout()), "no answer in time");
    let started = Instant::now();
    let orders = kite.get("/orders").await;
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "held for delay_ms"
    );
    assert_eq!(orders.data()[0]["order_id"], id.as_str());
    // Both used up: the next lookup answers at once.
    kite.get("/orders").await.data();
}

#[tokio::test]
async fn a_partial_cancel_fills_part_then_the_exchange_cancels_the_rest() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let mut ws = connect(&sim, "sim_key", "sim_token").await;
    let queued = control(
        &sim,
        "/_sim/faults",
        json!({ "kind": "partial_cancel", "filled_quantity": 2, "delay_ms": 300 }),
    )
    .await;
    assert_eq!(
        (
            queued["filled_quantity"].clone(),
            queued["delay_ms"].clone()
        ),
        (json!(2), json!(300))
    );
    let placed = Instant::now();
    let id = kite.place_ok(&market("TCS", "BUY", "5")).await;
    let part = kite.order(&id).await;
    assert_eq!(
        (
            part["status"].as_str(),
            part["filled_quantity"].as_u64(),
            part["pending_quantity"].as_u64(),
            part["average_price"].clone()
        ),
        (Some("OPEN"), Some(2), Some(3), json!(3500))
    );
    // It fills no further, even when the price moves.
    set_price(&sim, "TCS", json!(3490)).await;
    assert_eq!(kite.order(&id).await["filled_quantity"], 2);
    // Updates: OPEN, OPEN with the partial fill, CANCELLED with the fill kept.
    assert_eq!(
        order_update(&mut ws, &id, "OPEN").await["filled_quantity"],
        0
    );
    assert_eq!(
        order_update(&mut ws, &id, "OPEN").await["filled_quantity"],
        2
    );
    let cancelled = order_update(&mut ws, &id, "CANCELLED").await;
    assert!(
        placed.elapsed() >= Duration::from_millis(300),
        "cancelled after delay_ms"
    );
    assert_eq!(
        (
            cancelled["filled_quantity"].as_u64(),
            cancelled["cancelled_quantity"].as_u64(),
            cancelled["pending_quantity"].as_u64(),
            cancelled["average_price"].clone()
        ),
        (Some(2), Some(3), Some(0), json!(3500))
    );
    assert!(
        cancelled["status_message"]
            .as_str()
            .is_some_and(|m| m.contains("exchange")),
        "{cancelled}"
    );
    assert_eq!(kite.statuses(&id).await[3..], ["OPEN", "OPEN", "CANCELLED"]);
    // The partial fill is in the position.
    let positions = kite.get("/portfolio/positions").await;
    assert_eq!(positions.data()["net"][0]["quantity"], 2);
    // Only one was queued; a default partial fills half.
    let next = kite.place_ok(&market("TCS", "BUY", "1")).await;
    assert_eq!(kite.order(&next).await["status"], "COMPLETE");
    control(&sim, "/_sim/faults", json!({ "kind": "partial_cancel" })).await;
    let half = kite.place_ok(&market("TCS", "SELL", "4")).await;
    let o = eventually("the default partial_cancel to cancel at once", || async {
        let o = kite.order(&half).await;
        (o["status"] == "CANCELLED").then_some(o)
    })
    .await;
    assert_eq!(o["filled_quantity"], 2);
}

#[tokio::test]
async fn a_delayed_reject_waits_in_validation_then_rejects() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let mut ws = connect(&sim, "sim_key", "sim_token").await;
    control(
        &sim,
        "/_sim/faults",
        json!({ "kind": "reject", "delay_ms": 300 }),
    )
    .await;
    let placed = Instant::now();
    let id = kite.place_ok(&with_tag("late1")).await;
    let waiting = kite.order(&id).await;
    assert_eq!(
        (
            waiting["status"].as_str(),
            waiting["pending_quantity"].as_u64()
        ),
        (Some("VALIDATION PENDING"), Some(1))
    );
    let rejected = order_update(&mut ws, &id, "REJECTED").await;
    assert!(
        placed.elapsed() >= Duration::from_millis(300),
        "rejected after delay_ms"
    );
    assert!(
        rejected["status_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("RMS:")),
        "{rejected}"
    );
    assert_eq!(
        kite.statuses(&id).await,
        ["PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "REJECTED"]
    );
    assert_eq!(kite.order(&id).await["filled_quantity"], 0);
}

#[tokio::test]
async fn a_market_order_in_a_fast_move_rests_as_a_limit_until_it_is_moved() {
    let sim = frozen_sim().await;
    let client = kite_client(&sim);
    let buy = market_request("TCS", algo_kite::TransactionType::Buy, 2);
    let bought = client.place_order(&buy).await.expect("bought");
    let last = sim.sim.last_price("TCS").expect("a price");
    let filled = eventually("the buy to fill", || async {
        let h = client.order_history(&bought).await.ok()?;
        h.last().filter(|o| o.status == "COMPLETE").cloned()
    })
    .await;
    assert_eq!(filled.filled_quantity, 2);
    fault(&sim, "market_rests", 1).await;
    let sell = market_request("TCS", algo_kite::TransactionType::Sell, 2);
    let id = client.place_order(&sell).await.expect("accepted");
    let resting = eventually("the sell to rest", || async {
        let h = client.order_history(&id).await.ok()?;
        h.last().filter(|o| o.status == "OPEN").cloned()
    })
    .await;
    let band = (last / 100 + 4) / 5 * 5;
    assert_eq!(
        (resting.order_type.as_str(), resting.price.paise()),
        ("LIMIT", Some(last + band)),
        "a limit at the protection price of a price left behind"
    );
    assert_eq!(resting.filled_quantity, 0);
    // Moved to the market, it fills.
    let change = algo_kite::types::ModifyRequest {
        price_paise: Some(last),
        ..Default::default()
    };
    client.modify_order(&id, &change).await.expect("moved");
    let sold = eventually("the sell to fill", || async {
        let h = client.order_history(&id).await.ok()?;
        h.last().filter(|o| o.status == "COMPLETE").cloned()
    })
    .await;
    assert_eq!(sold.filled_quantity, 2);
}
