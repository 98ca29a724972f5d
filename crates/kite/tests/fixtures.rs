//! Every response Kite publishes in its mock repository parses, and the typed ones carry the
//! values Kite wrote.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::path::PathBuf;

use algo_kite::types::{Envelope, Ltp, OrderId, OrderState};
use algo_kite::{Instruments, Order, Profile, Session};

/// Kite's reference responses, copied into the crate (sources in `tests/fixtures/README.md`).
fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_json_fixture_parses() {
    let mut count = 0;
    for entry in std::fs::read_dir(fixtures()).expect("fixtures dir") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let value: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Some(status) = value.get("status").and_then(|s| s.as_str()) {
            if value.get("data").is_some() {
                assert_eq!(status, "success", "{}", path.display());
                serde_json::from_str::<Envelope<serde_json::Value>>(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
        count += 1;
    }
    assert!(count >= 55, "only {count} fixtures found");
}

#[test]
fn profile_and_session() {
    let p: Envelope<Profile> = serde_json::from_str(&read("profile.json")).expect("profile");
    assert_eq!(p.data.user_id, "AB1234");
    assert_eq!(p.data.user_name, "AxAx Bxx");
    assert!(p.data.exchanges.iter().any(|e| e == "NSE"));
    let full: Envelope<Profile> =
        serde_json::from_str(&read("full_profile.json")).expect("full profile");
    assert!(!full.data.user_id.is_empty());
    let s: Envelope<Session> =
        serde_json::from_str(&read("generate_session.json")).expect("session");
    assert_eq!(s.data.user_id, "XX0000");
    assert_eq!(s.data.access_token, "XXXXXX");
    assert!(
        !format!("{:?}", s.data).contains("XXXXXX"),
        "Debug must not show the token"
    );
}

#[test]
fn orders_and_history() {
    let orders: Envelope<Vec<Order>> = serde_json::from_str(&read("orders.json")).expect("orders");
    assert!(!orders.data.is_empty());
    let first = &orders.data[0];
    assert_eq!(first.order_id, "100000000000000");
    assert_eq!(first.state(), OrderState::Cancelled);
    assert_eq!(first.price.paise(), Some(7200));
    assert_eq!(
        first.placed_at().map(|t| t.to_rfc3339()).as_deref(),
        Some("2021-05-31T03:48:57+00:00")
    );
    for o in &orders.data {
        assert!(!o.status.is_empty() && o.quantity > 0, "{o:?}");
    }
    let history: Envelope<Vec<Order>> =
        serde_json::from_str(&read("order_info.json")).expect("history");
    assert_eq!(
        history.data[0].state(),
        OrderState::Pending,
        "PUT ORDER REQ RECEIVED is still pending"
    );
    let placed: Envelope<OrderId> =
        serde_json::from_str(&read("order_response.json")).expect("placed");
    assert_eq!(placed.data.order_id, "151220000000000");
    let cancelled: Envelope<OrderId> =
        serde_json::from_str(&read("order_cancel.json")).expect("cancelled");
    assert_eq!(cancelled.data.order_id, "151220000000000");
}

#[test]
fn postback_is_an_order_with_an_exact_average_price() {
    let order: Order = serde_json::from_str(&read("postback.json")).expect("postback");
    assert_eq!(order.order_id, "220303000308932");
    assert_eq!(order.state(), OrderState::Complete);
    assert_eq!(order.average_price.paise(), Some(47_000));
    assert_eq!(order.filled_quantity, 1);
}

#[test]
fn ltp_prices_are_exact() {
    let ltp: Envelope<std::collections::HashMap<String, Ltp>> =
        serde_json::from_str(&read("ltp.json")).expect("ltp");
    let infy = &ltp.data["NSE:INFY"];
    assert_eq!(infy.instrument_token, 408065);
    assert_eq!(infy.last_price.paise(), Some(107_435));
}

#[test]
fn instrument_dumps_parse_both_ways() {
    for name in ["instruments_nse.csv", "instruments_all.csv"] {
        let dump = Instruments::from_csv(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(dump.len(), 99, "{name}");
        for row in dump.iter() {
            assert!(dump.by_token(row.instrument_token).is_some());
        }
    }
    let nse = Instruments::from_csv(&read("instruments_nse.csv")).expect("nse");
    let central = nse.get("NSE", "CENTRALBK-BE").expect("CENTRALBK-BE");
    assert_eq!(central.instrument_token, 3813889);
    assert_eq!(central.tick_size.paise(), Some(5));
    assert!(nse.get("NSE", "NOPE").is_none());
    assert!(Instruments::from_csv("instrument_token,exchange_token\nx,1\n").is_err());
}

fn symbols(found: &[&algo_kite::Instrument]) -> Vec<String> {
    found.iter().map(|i| i.tradingsymbol.clone()).collect()
}

// Over Kite's own NSE dump: symbol-prefix matches first (shortest first), then instruments
// whose name has a word starting with the query, each instrument once.
#[test]
fn equity_search_ranks_symbol_prefixes_before_names() {
    let nse = Instruments::from_csv(&read("instruments_nse.csv")).expect("nse");
    assert_eq!(
        symbols(&nse.search_equities("NSE", " bank ", 20)),
        ["BANKBEES", "BANKBARODA-BE", "CENTRALBK-BE", "IDBI-BL"],
        "BANKBEES is also a BANK name: listed once, with the symbols"
    );
    assert_eq!(
        symbols(&nse.search_equities("NSE", "essar", 20)),
        ["ESSARSHPNG", "ESSARPORTS-BE", "ESSARSHPNG-BE"]
    );
    // Names starting with the query (INDRAPRASTHA GAS) come before names with it as a later
    // word (BALKRISHNA IND., BATA INDIA DEP RS, …), each group by name.
    assert_eq!(
        symbols(&nse.search_equities("NSE", "ind", 3)),
        ["IGL", "BALKRISIND-BL", "BATAINDIA-BE"]
    );
    assert_eq!(
        symbols(&nse.search_equities("NSE", "HINDUSTAN", 20)),
        ["HINDCOPPER-BE", "HINDZINC-BL"]
    );
    assert_eq!(
        symbols(&nse.search_equities("NSE", "india", 20)),
        [
            "BATAINDIA-BE",
            "CENTRALBK-BE",
            "CHROMATIC-BE",
            "ENGINERSIN",
            "JALAN-SM"
        ]
    );
    assert_eq!(
        symbols(&nse.search_equities("NSE", "india", 2)),
        ["BATAINDIA-BE", "CENTRALBK-BE"]
    );
    assert!(
        nse.search_equities("BSE", "bank", 20).is_empty(),
        "NSE rows only"
    );
    assert!(nse.search_equities("NSE", "  ", 20).is_empty());
    assert!(nse.search_equities("NSE", "ZZZZ", 20).is_empty());
}
