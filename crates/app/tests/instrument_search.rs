//! `GET /instruments/search` through the Router, over the simulator's instrument list and
//! quotes over real HTTP: symbol prefixes before names, the last price of each match in paise,
//! a search without prices when the quote cannot be had, and clear codes for bad input and for
//! a deployment nobody has logged in to Kite on.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::system::*;

async fn search(s: &TestSystem, token: &str, query: &str) -> (StatusCode, Value) {
    s.call(
        Method::GET,
        &format!("/instruments/search?{query}"),
        Some(token),
        None,
    )
    .await
}

/// The matches' symbols and last prices, in order.
fn found(body: &Value) -> Vec<(String, Option<i64>)> {
    body["instruments"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {body}"))
        .iter()
        .map(|i| {
            (
                i["tradingsymbol"].as_str().expect("symbol").to_owned(),
                i["last_price_paise"].as_i64(),
            )
        })
        .collect()
}

// "tat" finds the TATA symbols first (shortest first), then TCS by its name (TATA CONSULTANCY
// SERV), but not SBIN (STATE BANK OF INDIA: no word starts with it), each with the simulator's
// last price, moved prices included.
#[tokio::test]
async fn a_trader_finds_symbols_then_names_with_their_last_prices() {
    let s = TestSystem::builder().start().await;
    let token = s.trader().await;
    s.sim_post(
        "/_sim/price",
        json!({ "symbol": "TCS", "price": "3612.35" }),
    )
    .await;
    s.sim_post(
        "/_sim/price",
        json!({ "symbol": "TATASTEEL", "price": 151.05 }),
    )
    .await;

    let (status, body) = search(&s, &token, "q=tat&exchange=NSE").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        found(&body),
        [
            ("TATASTEEL".to_owned(), Some(15_105)),
            ("TATACONSUM".to_owned(), Some(110_000)),
            ("TATAMOTORS".to_owned(), Some(70_000)),
            ("TCS".to_owned(), Some(361_235)),
        ]
    );
    assert_eq!(
        body["instruments"][3],
        json!({ "exchange": "NSE", "tradingsymbol": "TCS", "name": "TATA CONSULTANCY SERV",
                "instrument_token": 2953217, "last_price_paise": 361_235 })
    );

    // The exchange defaults to NSE; spaces and case do not matter.
    let (status, body) = search(&s, &token, "q=%20%20infy%20").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(found(&body), [("INFY".to_owned(), Some(150_000))]);

    // Indices are not tradable: NIFTY 50 and NIFTY BANK are in the list but never offered.
    let (status, body) = search(&s, &token, "q=nifty").await;
    assert_eq!((status, found(&body)), (StatusCode::OK, vec![]), "{body}");

    // The simulator lists no BSE equities: an empty page, not an error.
    let (status, body) = search(&s, &token, "q=TCS&exchange=bse").await;
    assert_eq!((status, found(&body)), (StatusCode::OK, vec![]), "{body}");
    s.shutdown().await;
}

// A page holds at most 20 matches, all priced by one quote call.
#[tokio::test]
async fn a_page_holds_twenty_matches() {
    let s = TestSystem::builder().start().await;
    let token = s.trader().await;
    let (status, body) = search(&s, &token, "q=SIM").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = found(&body);
    assert_eq!(page.len(), 20, "{body}");
    assert!(page
        .iter()
        .all(|(symbol, price)| symbol.starts_with("SIM") && price.is_some()));
    s.shutdown().await;
}

// Kite killed the session after the day's list was fetched: the search still answers from the
// list, with no prices, and does not send the dead token again for the next search.
#[tokio::test]
async fn without_a_quote_the_search_answers_with_no_prices() {
    let s = TestSystem::builder().start().await;
    let token = s.trader().await;
    let (_, body) = search(&s, &token, "q=TCS").await;
    assert_eq!(found(&body), [("TCS".to_owned(), Some(350_000))], "{body}");

    s.sim_post("/_sim/tokens/expire", json!({ "api_key": "sim_key" }))
        .await;
    let refused = s.sim_refused_tokens().await;
    let (status, body) = search(&s, &token, "q=TCS").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(found(&body), [("TCS".to_owned(), None)]);
    assert_eq!(body["instruments"][0]["last_price_paise"], Value::Null);
    assert_eq!(
        s.sim_refused_tokens().await,
        refused + 1,
        "Kite refused the quote"
    );

    let (status, body) = search(&s, &token, "q=INFY").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(found(&body), [("INFY".to_owned(), None)]);
    assert_eq!(
        s.sim_refused_tokens().await,
        refused + 1,
        "the refused token is not sent again"
    );
    s.shutdown().await;
}

// Nobody has logged in to Kite on this deployment today: the list cannot be read, and the
// search says to log in, as strategy create does.
#[tokio::test]
async fn with_no_kite_login_the_search_says_to_log_in() {
    let s = TestSystem::builder().start().await;
    let token = s.user().await;
    let (status, body) = search(&s, &token, "q=TCS").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("BROKER_NOT_CONNECTED")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("log in to Kite"), "{body}");
    s.shutdown().await;
}

// Bad input answers 400 with the field at fault, before the broker is asked; odd but readable
// input is simply not found; no token is 401.
#[tokio::test]
async fn bad_queries_are_refused_and_odd_ones_find_nothing() {
    let s = TestSystem::builder().start().await;
    let token = s.trader().await;
    let long = "A".repeat(41);
    for (query, field) in [
        ("".to_owned(), "q"),
        ("q=".to_owned(), "q"),
        ("q=%20%20".to_owned(), "q"),
        (format!("q={long}"), "q"),
        ("q=TCS&exchange=NFO".to_owned(), "exchange"),
        ("q=TCS&exchange=".to_owned(), "exchange"),
    ] {
        let (status, body) = search(&s, &token, &query).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("BAD_REQUEST")),
            "{query}: {body}"
        );
        assert_eq!(
            body["error"]["fields"][0]["field"], field,
            "{query}: {body}"
        );
    }
    let forty = "A".repeat(40);
    for query in [
        format!("q={forty}"),
        "q=%E0%A4%9F%E0%A5%80%E0%A4%B8%E0%A5%80%E0%A4%8F%E0%A4%B8".to_owned(),
        "q=%00%0A".to_owned(),
        // Not UTF-8: read with replacement characters, which no symbol or name has.
        "q=%FF%FE".to_owned(),
        "q=%25%26%3D".to_owned(),
        "q=TCS&q=INFY&exchange=NSE&other=1".to_owned(),
    ] {
        let (status, body) = search(&s, &token, &query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert!(found(&body).len() <= 1, "{query}: {body}");
    }

    let (status, body) = s
        .call(Method::GET, "/instruments/search?q=TCS", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    s.shutdown().await;
}
