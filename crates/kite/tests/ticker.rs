//! The codec against Kite's own published packets and the ticks the official clients decode
//! from them (`../shared/fixtures/kite/ticker_*`).
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::path::PathBuf;

use algo_kite::ticker::{decode_frame, Frame, Mode, Tick};
use base64::Engine;
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/kite")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the repository must sit beside shared/)",
            path.display()
        )
    })
}

/// One packet wrapped in a frame: count 1, its length, the packet.
fn frame_of(packet_b64: &str) -> Vec<u8> {
    let packet = base64::engine::general_purpose::STANDARD
        .decode(packet_b64.trim())
        .expect("base64");
    let mut frame = vec![0, 1];
    frame.extend_from_slice(&(packet.len() as u16).to_be_bytes());
    frame.extend_from_slice(&packet);
    frame
}

/// Rupees in the JSON → paise, through the number's decimal text (no float arithmetic).
fn paise(v: &Value) -> i64 {
    algo_kite::types::Decimal::from_text(v.to_string())
        .paise()
        .unwrap_or_else(|| panic!("not a paise amount: {v}"))
}

fn ist_seconds(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("time"))
        .expect("rfc3339")
        .timestamp()
}

fn decode_one(packet: &str) -> Tick {
    match decode_frame(&frame_of(&fixture(packet))) {
        Ok(Frame::Ticks(mut ticks)) if ticks.len() == 1 => ticks.remove(0),
        other => panic!("{other:?}"),
    }
}

fn assert_quote_fields(tick: &Tick, json: &Value) {
    assert_eq!(
        tick.instrument_token,
        json["instrument_token"].as_u64().expect("token") as u32
    );
    assert_eq!(tick.tradable, json["tradable"].as_bool().expect("tradable"));
    assert_eq!(tick.last_price, paise(&json["last_price"]));
    assert_eq!(tick.last_price_paise(), Some(paise(&json["last_price"])));
    assert_eq!(
        tick.last_traded_quantity,
        json["last_quantity"].as_u64().map(|v| v as u32)
    );
    assert_eq!(
        tick.average_traded_price,
        Some(paise(&json["average_price"]))
    );
    assert_eq!(
        tick.volume_traded,
        json["volume"].as_u64().map(|v| v as u32)
    );
    assert_eq!(
        tick.total_buy_quantity,
        json["buy_quantity"].as_u64().map(|v| v as u32)
    );
    assert_eq!(
        tick.total_sell_quantity,
        json["sell_quantity"].as_u64().map(|v| v as u32)
    );
    let ohlc = tick.ohlc.expect("ohlc");
    assert_eq!(
        (ohlc.open, ohlc.high, ohlc.low, ohlc.close),
        (
            paise(&json["ohlc"]["open"]),
            paise(&json["ohlc"]["high"]),
            paise(&json["ohlc"]["low"]),
            paise(&json["ohlc"]["close"])
        )
    );
}

#[test]
fn the_quote_packet_decodes_to_what_the_official_client_shows() {
    let json: Value = serde_json::from_str(&fixture("ticker_quote.json")).expect("json");
    let tick = decode_one("ticker_quote.packet");
    assert_eq!(tick.mode, Mode::Quote);
    assert_quote_fields(&tick, &json);
    // `change` is not in the packet: clients derive it, and this fixture's value (5.9) was
    // derived from the full packet's last price (1573.70), not this one's (1573.15).
}

#[test]
fn the_full_packet_decodes_to_what_the_official_client_shows() {
    let json: Value = serde_json::from_str(&fixture("ticker_full.json")).expect("json");
    let tick = decode_one("ticker_full.packet");
    assert_eq!(tick.mode, Mode::Full);
    assert_quote_fields(&tick, &json);
    assert_eq!(
        tick.last_trade_time,
        Some(ist_seconds(&json["last_trade_time"]))
    );
    assert_eq!(
        tick.exchange_timestamp,
        Some(ist_seconds(&json["timestamp"]))
    );
    assert_eq!(tick.oi, json["oi"].as_u64().map(|v| v as u32));
    assert_eq!(
        tick.oi_day_high,
        json["oi_day_high"].as_u64().map(|v| v as u32)
    );
    assert_eq!(
        tick.oi_day_low,
        json["oi_day_low"].as_u64().map(|v| v as u32)
    );
    let depth = tick.depth.expect("depth");
    for (side, levels) in [("buy", depth.buy), ("sell", depth.sell)] {
        for (i, level) in levels.iter().enumerate() {
            let j = &json["depth"][side][i];
            assert_eq!(i64::from(level.price), paise(&j["price"]), "{side}[{i}]");
            assert_eq!(
                level.quantity,
                j["quantity"].as_u64().expect("qty") as u32,
                "{side}[{i}]"
            );
            assert_eq!(
                level.orders,
                j["orders"].as_u64().expect("orders") as u16,
                "{side}[{i}]"
            );
        }
    }
}

#[test]
fn the_ltp_view_is_the_first_eight_bytes() {
    let json: Value = serde_json::from_str(&fixture("ticker_ltp.json")).expect("json");
    let packet = base64::engine::general_purpose::STANDARD
        .decode(fixture("ticker_quote.packet").trim())
        .expect("base64");
    let mut frame = vec![0, 1, 0, 8];
    frame.extend_from_slice(&packet[..8]);
    let Ok(Frame::Ticks(ticks)) = decode_frame(&frame) else {
        panic!("ltp frame")
    };
    assert_eq!(ticks[0].mode, Mode::Ltp);
    assert_eq!(
        ticks[0].instrument_token,
        json["instrument_token"].as_u64().expect("token") as u32
    );
    assert_eq!(ticks[0].last_price, paise(&json["last_price"]));
}

#[test]
fn re_encoding_the_published_packets_gives_the_same_bytes() {
    for name in ["ticker_quote.packet", "ticker_full.packet"] {
        let frame = frame_of(&fixture(name));
        let Ok(Frame::Ticks(ticks)) = decode_frame(&frame) else {
            panic!("{name}")
        };
        assert_eq!(algo_kite::ticker::encode_frame(&ticks), frame, "{name}");
    }
}
