//! Order placement, Kite's rules, each order type's life cycle, cancellation, the rate limit.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::helpers::*;

fn with(
    mut form: Vec<(&'static str, &'static str)>,
    extra: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    form.extend_from_slice(extra);
    form
}

#[tokio::test]
async fn a_market_order_fills_at_once_at_the_last_price() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    set_price(&sim, "TCS", json!("3500.05")).await;
    let reply = kite
        .place(&with(market("TCS", "BUY", "2"), &[("tag", "entry1")]))
        .await;
    assert_eq!(reply.body["status"], "success");
    let id = reply.data()["order_id"]
        .as_str()
        .expect("order_id")
        .to_owned();
    assert!(
        id.len() == 15 && id.bytes().all(|b| b.is_ascii_digit()),
        "Kite's 15-digit order id: {id}"
    );
    assert_eq!(
        kite.statuses(&id).await,
        [
            "PUT ORDER REQ RECEIVED",
            "VALIDATION PENDING",
            "OPEN PENDING",
            "OPEN",
            "COMPLETE"
        ]
    );
    let o = kite.order(&id).await;
    assert_eq!(o["status"], "COMPLETE");
    assert_eq!(o["status_message"], Value::Null);
    assert_eq!(
        (o["quantity"].as_u64(), o["filled_quantity"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(o["pending_quantity"], 0);
    assert_eq!(o["tag"], "entry1");
    assert_eq!(o["tags"], json!(["entry1"]));
    assert_eq!(o["market_protection"], -1);
    assert_eq!(
        (o["order_type"].as_str(), o["transaction_type"].as_str()),
        (Some("MARKET"), Some("BUY"))
    );
    assert_eq!(
        (
            o["variety"].as_str(),
            o["product"].as_str(),
            o["validity"].as_str()
        ),
        (Some("regular"), Some("MIS"), Some("DAY"))
    );
    assert_eq!(o["instrument_token"], 2953217);
    assert!(o["exchange_order_id"].is_string());
    // Prices are JSON numbers in rupees, written exactly: whole amounts as integers, as Kite does.
    assert!(o["average_price"].is_number() && o["price"].is_number());
    let listed = kite.get("/orders").await;
    assert!(
        listed.text.contains("\"average_price\":3500.05"),
        "{}",
        listed.text
    );
    assert!(listed.text.contains("\"price\":0,"), "{}", listed.text);
    let orders = listed.data().as_array().expect("list").clone();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["order_id"], id.as_str());
    // Kite's timestamps: IST wall clock without an offset.
    let ts = o["order_timestamp"].as_str().expect("order_timestamp");
    assert!(
        chrono::NaiveDateTime::parse_from_str(ts, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{ts}"
    );
    // The history's first states have not reached the exchange yet.
    let first = &kite.history(&id).await[0];
    assert!(first["exchange_order_id"].is_null() && first["exchange_timestamp"].is_null());
}

#[tokio::test]
async fn limit_orders_fill_when_the_price_crosses() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    // INFY starts at 1500.
    let buy = kite
        .place_ok(&order("INFY", "BUY", "LIMIT", "1490", ""))
        .await;
    let sell = kite
        .place_ok(&order("INFY", "SELL", "LIMIT", "1510.5", ""))
        .await;
    assert_eq!(kite.order(&buy).await["status"], "OPEN");
    assert_eq!(kite.order(&sell).await["status"], "OPEN");
    assert_eq!(kite.order(&buy).await["pending_quantity"], 3);
    set_price(&sim, "INFY", json!(1490.05)).await;
    assert_eq!(kite.order(&buy).await["status"], "OPEN", "not crossed yet");
    set_price(&sim, "NSE:INFY", json!("1489.95")).await;
    let filled = kite.order(&buy).await;
    assert_eq!(filled["status"], "COMPLETE");
    assert_eq!(filled["filled_quantity"], 3);
    assert_eq!(filled["price"], json!(1490));
    assert_eq!(
        filled["average_price"],
        json!(1489.95),
        "filled at the last price"
    );
    assert_eq!(kite.order(&sell).await["status"], "OPEN");
    set_price(&sim, "INFY", json!("1510.50")).await;
    assert_eq!(kite.order(&sell).await["status"], "COMPLETE");
    // A marketable limit fills at once.
    let at_once = kite
        .place_ok(&order("INFY", "BUY", "LIMIT", "1600", ""))
        .await;
    assert_eq!(kite.order(&at_once).await["average_price"], json!(1510.5));
    // IOC: what cannot fill at once is cancelled.
    let ioc = kite
        .place_ok(&with(
            order("INFY", "BUY", "LIMIT", "1000", ""),
            &[("validity", "IOC")],
        ))
        .await;
    assert_eq!(kite.order(&ioc).await["status"], "CANCELLED");
}

#[tokio::test]
async fn stop_orders_wait_in_trigger_pending_then_fill() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    // SBIN starts at 800: a stop-loss sell at market below it.
    let slm = kite
        .place_ok(&with(
            order("SBIN", "SELL", "SL-M", "", "790"),
            &[("market_protection", "-1")],
        ))
        .await;
    assert_eq!(kite.order(&slm).await["status"], "TRIGGER PENDING");
    set_price(&sim, "SBIN", json!(790.05)).await;
    assert_eq!(kite.order(&slm).await["status"], "TRIGGER PENDING");
    set_price(&sim, "SBIN", json!(789.5)).await;
    let done = kite.order(&slm).await;
    assert_eq!(
        (done["status"].as_str(), done["order_type"].as_str()),
        (Some("COMPLETE"), Some("SL-M")),
        "the order keeps its type"
    );
    assert_eq!(done["average_price"], json!(789.5));
    assert_eq!(done["trigger_price"], json!(790));
    assert_eq!(
        kite.statuses(&slm).await[3..],
        ["TRIGGER PENDING", "OPEN", "COMPLETE"]
    );
    // A stop-limit buy: triggers above, fills only within its limit.
    let sl = kite
        .place_ok(&order("SBIN", "BUY", "SL", "801", "800"))
        .await;
    assert_eq!(kite.order(&sl).await["status"], "TRIGGER PENDING");
    set_price(&sim, "SBIN", json!(802)).await;
    assert_eq!(
        kite.order(&sl).await["status"],
        "OPEN",
        "triggered, above its limit"
    );
    set_price(&sim, "SBIN", json!("800.95")).await;
    let done = kite.order(&sl).await;
    assert_eq!(
        (done["status"].as_str(), done["average_price"].clone()),
        (Some("COMPLETE"), json!(800.95))
    );
}

#[tokio::test]
async fn working_orders_can_be_cancelled_and_others_cannot() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let open = kite
        .place_ok(&order("RELIANCE", "BUY", "LIMIT", "1", ""))
        .await;
    let cancelled = kite.delete(&format!("/orders/regular/{open}")).await;
    assert_eq!(cancelled.data()["order_id"], open.as_str());
    let o = kite.order(&open).await;
    assert_eq!(
        (
            o["status"].as_str(),
            o["cancelled_quantity"].as_u64(),
            o["pending_quantity"].as_u64()
        ),
        (Some("CANCELLED"), Some(3), Some(0))
    );
    set_price(&sim, "RELIANCE", json!("0.95")).await;
    assert_eq!(
        kite.order(&open).await["status"],
        "CANCELLED",
        "never fills"
    );
    let stop = kite
        .place_ok(&order("RELIANCE", "SELL", "SL", "0.5", "0.9"))
        .await;
    kite.delete(&format!("/orders/regular/{stop}")).await.data();
    let complete = kite.place_ok(&market("RELIANCE", "BUY", "1")).await;
    kite.delete(&format!("/orders/regular/{complete}"))
        .await
        .assert_error(400, "InputException");
    kite.delete("/orders/regular/999999999999999")
        .await
        .assert_error(400, "InputException");
    kite.get("/orders/999999999999999")
        .await
        .assert_error(400, "InputException");
}

#[tokio::test]
async fn kites_rules_refuse_bad_orders_and_place_nothing() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let no_protection = order("TCS", "BUY", "MARKET", "", "");
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("MARKET without market_protection", no_protection.clone()),
        (
            "MARKET with market_protection 0",
            with(no_protection.clone(), &[("market_protection", "0")]),
        ),
        (
            "SL-M without market_protection",
            order("TCS", "SELL", "SL-M", "", "3400"),
        ),
        (
            "a 21-character tag",
            with(
                market("TCS", "BUY", "1"),
                &[("tag", "abcdefghijklmnopqrstu")],
            ),
        ),
        (
            "a tag with a dash",
            with(market("TCS", "BUY", "1"), &[("tag", "entry-1")]),
        ),
        ("an unknown symbol", market("NOPE", "BUY", "1")),
        ("an index", market("NIFTY 50", "BUY", "1")),
        (
            "a price off the tick",
            order("TCS", "BUY", "LIMIT", "3500.02", ""),
        ),
        (
            "a LIMIT without price",
            order("TCS", "BUY", "LIMIT", "", ""),
        ),
        (
            "an SL without trigger",
            order("TCS", "BUY", "SL", "3500", ""),
        ),
        ("no quantity", market("TCS", "BUY", "0")),
        ("a bad side", market("TCS", "HOLD", "1")),
    ];
    // Refused requests count towards the rate limit too: spread them over two accounts.
    control(
        &sim,
        "/_sim/accounts",
        json!({ "api_key": "k2", "api_secret": "s2", "access_token": "t2" }),
    )
    .await;
    let other = Kite::new(&sim, "k2", "t2");
    for (i, (what, form)) in cases.iter().enumerate() {
        let caller = if i % 2 == 0 { &kite } else { &other };
        let reply = caller.place(form).await;
        assert_eq!(reply.status, 400, "{what}: {}", reply.text);
        reply.assert_error(400, "InputException");
    }
    let amo = other
        .post_form("/orders/amo", &market("TCS", "BUY", "1"))
        .await;
    amo.assert_error(400, "InputException");
    assert!(
        sim_orders(&sim).await.is_empty(),
        "no refused order was placed"
    );
    // The same orders with what was missing are accepted; a 20-character tag is fine.
    let third = Kite::new(&sim, "k3", "t3");
    control(
        &sim,
        "/_sim/accounts",
        json!({ "api_key": "k3", "api_secret": "s3", "access_token": "t3" }),
    )
    .await;
    third
        .place_ok(&with(no_protection, &[("market_protection", "5")]))
        .await;
    third
        .place_ok(&with(
            market("TCS", "BUY", "1"),
            &[("tag", "abcdefghijklmnopqrst")],
        ))
        .await;
}

#[tokio::test]
async fn more_than_ten_orders_a_second_answer_429() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let form = market("ITC", "BUY", "1");
    let replies = futures_util::future::join_all((0..11).map(|_| kite.place(&form))).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        10,
        "{statuses:?}"
    );
    let refused = replies.iter().find(|r| r.status == 429).expect("one 429");
    refused.assert_error(429, "NetworkException");
    assert_eq!(refused.body["message"], "Too many requests");
    assert_eq!(sim_orders(&sim).await.len(), 10, "the 11th was not placed");
    let counted = kite.get("/_sim/rate_limits").await;
    assert_eq!(counted.data()["refused"], 1, "{:?}", counted.body);
    assert_eq!(sim.sim.rate_limited(), 1);
    // Limits are per account.
    control(
        &sim,
        "/_sim/accounts",
        json!({ "api_key": "k2", "api_secret": "s2", "access_token": "t2" }),
    )
    .await;
    Kite::new(&sim, "k2", "t2").place_ok(&form).await;
    // The window slides: within a couple of seconds placing works again.
    eventually("the rate window to slide", || async {
        (kite.place(&form).await.status == 200).then_some(())
    })
    .await;
}

#[tokio::test]
async fn every_order_records_when_it_arrived_to_the_microsecond() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let before = Utc::now();
    let first = kite
        .place_ok(&with(market("TCS", "BUY", "1"), &[("tag", "a1")]))
        .await;
    let second = kite
        .place_ok(&with(market("TCS", "SELL", "1"), &[("tag", "a2")]))
        .await;
    let after = Utc::now();
    let orders = sim_orders(&sim).await;
    assert_eq!(orders.len(), 2);
    let mut previous = 0;
    for (o, id, tag) in [(&orders[0], &first, "a1"), (&orders[1], &second, "a2")] {
        assert_eq!(
            (o["order_id"].as_str(), o["tag"].as_str()),
            (Some(id.as_str()), Some(tag))
        );
        assert_eq!(o["status"], "COMPLETE");
        let text = o["received_at"].as_str().expect("received_at");
        let at: DateTime<Utc> = DateTime::parse_from_rfc3339(text).expect("RFC 3339").into();
        let fraction = text.split('.').nth(1).expect("a fraction of a second");
        assert_eq!(
            fraction.trim_end_matches('Z').len(),
            6,
            "microseconds: {text}"
        );
        let us = o["received_at_us"].as_i64().expect("received_at_us");
        assert_eq!(us, at.timestamp_micros());
        assert!(
            before.timestamp_micros() <= us && us <= after.timestamp_micros(),
            "received while the request was in flight"
        );
        assert!(us > previous, "in arrival order");
        previous = us;
        assert_eq!(o["api_key"], "sim_key");
    }
}
