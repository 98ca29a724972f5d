//! `GET /portfolio/positions`: computed from the account's fills, whoever placed them.

use algo_kite::TransactionType::Buy;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn positions_sum_the_accounts_fills_including_a_sale_by_hand() {
    let sim = frozen_sim().await;
    let client = kite_client(&sim);
    let empty = client.positions().await.expect("positions");
    assert!(empty.net.is_empty() && empty.day.is_empty());
    client
        .place_order(&market_request("TCS", Buy, 3))
        .await
        .expect("buy 3 at 3500");
    set_price(&sim, "TCS", json!("3510")).await;
    client
        .place_order(&market_request("TCS", Buy, 1))
        .await
        .expect("buy 1 at 3510");
    // The trader sells 2 by hand, on the same account, at 3520.
    set_price(&sim, "TCS", json!("3520")).await;
    let kite = Kite::default_account(&sim);
    kite.place_ok(&market("TCS", "SELL", "2")).await;
    // Neither a working order, another product nor another account counts here.
    kite.place_ok(&order("TCS", "BUY", "LIMIT", "3000", ""))
        .await;
    let mut short = order("INFY", "SELL", "MARKET", "", "");
    short.push(("market_protection", "-1"));
    kite.place_ok(&short).await;
    control(
        &sim,
        "/_sim/accounts",
        json!({ "api_key": "other", "api_secret": "s", "access_token": "t" }),
    )
    .await;
    Kite::new(&sim, "other", "t")
        .place_ok(&market("TCS", "BUY", "7"))
        .await;

    let p = client.positions().await.expect("positions");
    assert_eq!(p.net.len(), 2, "{p:?}");
    let tcs = &p.net[0];
    assert_eq!(
        (
            tcs.tradingsymbol.as_str(),
            tcs.exchange.as_str(),
            tcs.product.as_str()
        ),
        ("TCS", "NSE", "MIS")
    );
    assert_eq!(
        (tcs.quantity, tcs.buy_quantity, tcs.sell_quantity),
        (2, 4, 2)
    );
    // (3 × 3500 + 3510) / 4 = 3502.50; a long position's average is its buy average.
    assert_eq!(
        (
            tcs.buy_price.paise(),
            tcs.sell_price.paise(),
            tcs.average_price.paise()
        ),
        (Some(350_250), Some(352_000), Some(350_250))
    );
    // value = 7040 − 14010 = −6970; pnl = value + 2 × 3520 = 70.
    assert_eq!(
        (tcs.last_price.paise(), tcs.pnl.paise()),
        (Some(352_000), Some(7_000))
    );
    let infy = &p.net[1];
    assert_eq!(
        (
            infy.tradingsymbol.as_str(),
            infy.product.as_str(),
            infy.quantity
        ),
        ("INFY", "CNC", -3)
    );
    assert_eq!(
        infy.average_price.paise(),
        infy.sell_price.paise(),
        "short: sell average"
    );
    assert_eq!(p.day.len(), 2, "every fill is today's");
    // The raw body is Kite's shape, with exact rupees.
    let raw = kite.get("/portfolio/positions").await;
    let tcs = &raw.data()["net"][0];
    assert_eq!(tcs["average_price"], json!(3502.5));
    assert_eq!(tcs["value"], json!(-6970));
    assert_eq!(
        (tcs["multiplier"].clone(), tcs["overnight_quantity"].clone()),
        (json!(1), json!(0))
    );
}
