//! Instruments, LTP, setting prices, the random walk, and the in-process API.

use std::time::Duration;

use algo_sim::{Sim, SimConfig, SimError};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_instrument_dump_is_kites_csv() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let header = "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange";
    for path in ["/instruments/NSE", "/instruments"] {
        let r = kite
            .http
            .get(format!("{}{path}", sim.base_url))
            .send()
            .await
            .expect("instruments");
        assert_eq!(r.status().as_u16(), 200, "public, as Kite's is");
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(content_type.contains("csv"), "{content_type}");
        let body = r.text().await.expect("body");
        assert_eq!(body.lines().next(), Some(header));
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
        assert!(rows.len() >= 300, "a few hundred instruments");
        for (symbol, token, segment) in [
            ("TCS", "2953217", "NSE"),
            ("INFY", "408065", "NSE"),
            ("RELIANCE", "738561", "NSE"),
            ("SBIN", "779521", "NSE"),
            ("HDFCBANK", "341249", "NSE"),
            ("NIFTY 50", "256265", "INDICES"),
        ] {
            let row = rows
                .iter()
                .find(|r| r.get(2) == Some(symbol))
                .unwrap_or_else(|| panic!("{symbol} is listed"));
            assert_eq!(
                (row.get(0), row.get(10), row.get(11)),
                (Some(token), Some(segment), Some("NSE"))
            );
        }
    }
    let bse = kite.get("/instruments/BSE").await;
    assert_eq!(
        bse.text.lines().count(),
        1,
        "no BSE instruments: the header only"
    );
}

#[tokio::test]
async fn ltp_answers_exact_rupees_for_what_was_asked() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    set_price(&sim, "TCS", json!("3500.05")).await;
    set_price(&sim, "INFY", json!(1512.1)).await;
    let reply = kite
        .get("/quote/ltp?i=NSE:TCS&i=NSE%3AINFY&i=738561&i=NSE:NOPE")
        .await;
    let data = reply.data();
    assert_eq!(
        data["NSE:TCS"],
        json!({ "instrument_token": 2953217, "last_price": 3500.05 })
    );
    assert_eq!(data["NSE:INFY"]["last_price"], json!(1512.1));
    assert_eq!(
        data["738561"]["last_price"],
        json!(1300),
        "by instrument token"
    );
    assert!(
        data.get("NSE:NOPE").is_none(),
        "unknown instruments are left out"
    );
    assert!(
        reply.text.contains("\"last_price\":3500.05"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("\"last_price\":1300}"),
        "{}",
        reply.text
    );
    Kite::new(&sim, "sim_key", "bad")
        .get("/quote/ltp?i=NSE:TCS")
        .await
        .assert_error(403, "TokenException");
}

#[tokio::test]
async fn prices_are_set_exactly_or_refused() {
    let sim = frozen_sim().await;
    let set = control(
        &sim,
        "/_sim/price",
        json!({ "symbol": "NSE:SBIN", "price": 812.35 }),
    )
    .await;
    assert_eq!(set["price"], json!(812.35));
    assert_eq!(set["instrument_token"], 779521);
    assert!(set["broadcast_at_us"].is_i64());
    assert_eq!(sim.sim.last_price("SBIN"), Some(81_235));
    for bad in [
        json!(812.355),
        json!(-1),
        json!(0),
        json!("abc"),
        json!(null),
        json!("1e3"),
    ] {
        control_reply(
            &sim,
            "/_sim/price",
            json!({ "symbol": "SBIN", "price": bad }),
        )
        .await
        .assert_error(400, "InputException");
    }
    control_reply(&sim, "/_sim/price", json!({ "symbol": "NOPE", "price": 1 }))
        .await
        .assert_error(400, "InputException");
    assert_eq!(
        sim.sim.last_price("SBIN"),
        Some(81_235),
        "refusals change nothing"
    );
}

#[tokio::test]
async fn the_walk_moves_prices_by_whole_ticks() {
    let sim = algo_sim::spawn(SimConfig {
        walk_interval: Some(Duration::from_millis(20)),
        ..frozen()
    })
    .await;
    let kite = Kite::default_account(&sim);
    let moved = eventually("TCS to move", || async {
        let r = kite.get("/quote/ltp?i=NSE:TCS").await;
        let price = r.data()["NSE:TCS"]["last_price"].clone();
        (price != json!(3500)).then_some(price)
    })
    .await;
    let paise = algo_sim::money::parse_paise(&moved.to_string()).expect("an exact price");
    assert_eq!(paise % 5, 0, "a whole number of 5-paise ticks: {moved}");
}

#[tokio::test]
async fn the_in_process_api_drives_the_same_exchange() {
    let config = SimConfig {
        seed: 7,
        walk_interval: None,
        ..Default::default()
    };
    let (a, b) = (Sim::new(config.clone()), Sim::new(config));
    for _ in 0..5 {
        a.walk_once();
        b.walk_once();
    }
    assert_eq!(
        a.last_price("TCS"),
        b.last_price("TCS"),
        "one seed, one walk"
    );
    assert_ne!(a.last_price("TCS"), Some(350_000));
    assert_eq!(
        a.set_price("NOPE", 100),
        Err(SimError::UnknownSymbol("NOPE".into()))
    );
    assert_eq!(a.set_price("TCS", 0), Err(SimError::InvalidPrice(0)));
    a.set_price("NSE:TCS", 351_005).expect("set");
    assert_eq!(a.last_price("TCS"), Some(351_005));
    assert!(a.orders().is_empty());

    // Orders placed over HTTP show up in `orders()` of the running simulator.
    let sim = frozen_sim().await;
    Kite::default_account(&sim)
        .place_ok(&market("TCS", "BUY", "4"))
        .await;
    let orders = sim.sim.orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(
        (
            orders[0].status,
            orders[0].filled_quantity,
            orders[0].average_price
        ),
        (algo_sim::Status::Complete, 4, 350_000)
    );
}
