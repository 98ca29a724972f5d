//! `GET /portfolio/positions` as Kite publishes it (`positions.json` from Kite's mock
//! responses, copied beside this test) reads into [`Positions`] with Kite's values.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use algo_kite::types::Envelope;
use algo_kite::Positions;

fn fixture() -> Positions {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/positions.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str::<Envelope<Positions>>(&text)
        .expect("Kite's positions parse")
        .data
}

#[test]
fn kites_positions_parse_with_kites_values() {
    let p = fixture();
    assert_eq!((p.net.len(), p.day.len()), (3, 3));
    let lead = &p.net[0];
    assert_eq!(
        (
            lead.tradingsymbol.as_str(),
            lead.exchange.as_str(),
            lead.product.as_str()
        ),
        ("LEADMINI17DECFUT", "MCX", "NRML")
    );
    assert_eq!(
        (lead.quantity, lead.buy_quantity, lead.sell_quantity),
        (1, 1, 0)
    );
    assert_eq!(lead.average_price.paise(), Some(16_105));
    assert_eq!(lead.multiplier.paise(), Some(100_000), "multiplier 1000");
    assert_eq!(lead.instrument_token, Some(53_496_327));
    // A short day position: quantity is negative, its average the sell average.
    let gold = &p.day[0];
    assert_eq!(gold.tradingsymbol, "GOLDGUINEA17DECFUT");
    assert_eq!(
        (gold.quantity, gold.buy_quantity, gold.sell_quantity),
        (-3, 1, 4)
    );
    assert_eq!(
        (
            gold.average_price.paise(),
            gold.sell_price.paise(),
            gold.pnl.paise()
        ),
        (Some(2_334_000), Some(2_334_000), Some(-9_300))
    );
    // Flat overnight: net quantity 0, carried 3.
    let net_gold = &p.net[1];
    assert_eq!((net_gold.quantity, net_gold.overnight_quantity), (0, 3));
    assert_eq!(net_gold.buy_price.paise(), Some(2_313_975));
}
