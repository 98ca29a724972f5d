//! The ticker codec and messages against Kite's own published packets (and the ticks the
//! official clients decode from them, in `tests/fixtures/ticker_*`), round trips for
//! arbitrary ticks, and hostile input.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::path::PathBuf;

use algo_kite::ticker::message::MessageError;
use algo_kite::ticker::{
    decode_frame, decode_frame_into, encode_frame, ClientRequest, DecodeError, Depth, DepthLevel,
    Frame, Mode, Ohlc, OrderUpdate, Segment, ServerMessage, Tick, HEARTBEAT,
};
use base64::Engine;
use proptest::prelude::*;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {} unreadable: {e}", path.display()))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A `.packet` fixture: base64 of one packet, without the frame header.
fn fixture_packet(name: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(fixture(name).trim())
        .unwrap_or_else(|e| panic!("{name} is not base64: {e}"))
}

/// Packets wrapped in a frame: the count, then each packet after its length.
fn frame_of(packets: &[&[u8]]) -> Vec<u8> {
    let mut frame = u16::try_from(packets.len())
        .expect("count")
        .to_be_bytes()
        .to_vec();
    for packet in packets {
        frame.extend_from_slice(&u16::try_from(packet.len()).expect("length").to_be_bytes());
        frame.extend_from_slice(packet);
    }
    frame
}

fn decode_one(packet: &[u8]) -> Tick {
    match decode_frame(&frame_of(&[packet])) {
        Ok(Frame::Ticks(ticks)) if ticks.len() == 1 => ticks.into_iter().next().expect("one"),
        other => panic!("expected one tick, got {other:?}"),
    }
}

/// Rupees (a JSON number) in hundredths, from the number's decimal text with integer
/// arithmetic only: "1573.7" is 157370, "1575" is 157500. Panics on more than 2 decimals.
fn hundredths(v: &Value) -> i64 {
    let text = match v {
        Value::Number(n) => n.to_string(),
        other => panic!("not a number: {other}"),
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    assert!(frac.len() <= 2, "{text} has more than 2 decimals");
    let whole: i64 = whole.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
    let frac: i64 = format!("{frac:0<2}")
        .parse()
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    let value = whole * 100 + frac;
    if negative {
        -value
    } else {
        value
    }
}

fn json_u32(v: &Value) -> u32 {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or_else(|| panic!("not a u32: {v}"))
}

/// An RFC 3339 time (the fixtures' IST, `+05:30`) as Unix seconds.
fn unix_seconds(v: &Value) -> i64 {
    let text = v.as_str().unwrap_or_else(|| panic!("not a time: {v}"));
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .timestamp()
}

fn assert_quote_fields(tick: &Tick, json: &Value) {
    assert_eq!(tick.instrument_token, json_u32(&json["instrument_token"]));
    assert_eq!(tick.tradable, json["tradable"].as_bool().expect("tradable"));
    assert_eq!(tick.segment(), Segment::NseCm);
    assert_eq!(tick.last_price, hundredths(&json["last_price"]));
    assert_eq!(tick.last_price_paise(), Some(tick.last_price));
    assert_eq!(
        tick.last_traded_quantity,
        Some(json_u32(&json["last_quantity"]))
    );
    assert_eq!(
        tick.average_traded_price,
        Some(hundredths(&json["average_price"]))
    );
    assert_eq!(tick.volume_traded, Some(json_u32(&json["volume"])));
    assert_eq!(
        tick.total_buy_quantity,
        Some(json_u32(&json["buy_quantity"]))
    );
    assert_eq!(
        tick.total_sell_quantity,
        Some(json_u32(&json["sell_quantity"]))
    );
    let ohlc = &json["ohlc"];
    assert_eq!(
        tick.ohlc,
        Some(Ohlc {
            open: hundredths(&ohlc["open"]),
            high: hundredths(&ohlc["high"]),
            low: hundredths(&ohlc["low"]),
            close: hundredths(&ohlc["close"]),
        })
    );
    // Only index packets carry a net change. The fixtures' `change` is not in the packet: the
    // clients derive it (and the quote fixture's 5.9 was derived from the full packet's price).
    assert_eq!(tick.net_change, None);
}

#[test]
fn the_quote_packet_decodes_to_what_the_official_client_shows() {
    let json = fixture_json("ticker_quote.json");
    let packet = fixture_packet("ticker_quote.packet");
    assert_eq!(packet.len(), 44);
    let tick = decode_one(&packet);
    assert_eq!(tick.mode, Mode::Quote);
    assert_eq!(json["mode"], "quote");
    assert_quote_fields(&tick, &json);
    assert_eq!(
        (
            tick.last_trade_time,
            tick.exchange_timestamp,
            tick.oi,
            tick.depth
        ),
        (None, None, None, None),
        "a quote packet has no full-mode fields"
    );
}

#[test]
fn the_full_packet_decodes_to_what_the_official_client_shows() {
    let json = fixture_json("ticker_full.json");
    let packet = fixture_packet("ticker_full.packet");
    assert_eq!(packet.len(), 184);
    let tick = decode_one(&packet);
    assert_eq!(tick.mode, Mode::Full);
    assert_eq!(json["mode"], "full");
    assert_quote_fields(&tick, &json);
    assert_eq!(
        tick.last_trade_time,
        Some(unix_seconds(&json["last_trade_time"]))
    );
    assert_eq!(
        tick.exchange_timestamp,
        Some(unix_seconds(&json["timestamp"]))
    );
    assert_eq!(tick.oi, Some(json_u32(&json["oi"])));
    assert_eq!(tick.oi_day_high, Some(json_u32(&json["oi_day_high"])));
    assert_eq!(tick.oi_day_low, Some(json_u32(&json["oi_day_low"])));
    let depth = tick.depth.expect("a full tick has depth");
    for (side, levels) in [("buy", depth.buy()), ("sell", depth.sell())] {
        let expected = json["depth"][side].as_array().expect("depth side");
        assert_eq!(expected.len(), levels.len(), "{side}");
        for (i, (level, want)) in levels.iter().zip(expected).enumerate() {
            assert_eq!(
                i64::from(level.price),
                hundredths(&want["price"]),
                "{side}[{i}]"
            );
            assert_eq!(level.quantity, json_u32(&want["quantity"]), "{side}[{i}]");
            assert_eq!(
                u32::from(level.orders),
                json_u32(&want["orders"]),
                "{side}[{i}]"
            );
        }
    }
}

#[test]
fn the_ltp_packet_is_the_quote_packets_first_eight_bytes() {
    let json = fixture_json("ticker_ltp.json");
    let packet = fixture_packet("ticker_quote.packet");
    let tick = decode_one(&packet[..8]);
    assert_eq!(json["mode"], "ltp");
    assert_eq!(tick.mode, Mode::Ltp);
    assert_eq!(tick.instrument_token, json_u32(&json["instrument_token"]));
    assert_eq!(tick.tradable, json["tradable"].as_bool().expect("tradable"));
    assert_eq!(tick.last_price, hundredths(&json["last_price"]));
    assert_eq!(tick, Tick::ltp(408065, 157_315));
}

#[test]
fn the_published_packets_re_encode_byte_for_byte() {
    let quote = fixture_packet("ticker_quote.packet");
    let full = fixture_packet("ticker_full.packet");
    let frame = frame_of(&[&quote, &full, &quote[..8]]);
    let Ok(Frame::Ticks(ticks)) = decode_frame(&frame) else {
        panic!("the fixture frame did not decode")
    };
    assert_eq!(ticks.len(), 3);
    assert_eq!(encode_frame(&ticks), frame);
}

/// kiteconnect 5.2.2 divides by 10^7 for segment 3 (cds), by 10^4 for 6 (bcd) and 12 (nco),
/// and by 100 otherwise; indices (9) are not tradable.
#[test]
fn segments_and_price_divisors_follow_the_official_client() {
    let cases = [
        (1, Segment::NseCm, 100),
        (2, Segment::NseFo, 100),
        (3, Segment::NseCd, 10_000_000),
        (6, Segment::BseCd, 10_000),
        (7, Segment::McxFo, 100),
        (9, Segment::Indices, 100),
        (12, Segment::NseCo, 10_000),
        (200, Segment::Unknown(200), 100),
    ];
    for (low_byte, segment, divisor) in cases {
        let token = (4321 << 8) | low_byte;
        assert_eq!(Segment::of_token(token), segment, "{low_byte}");
        assert_eq!(segment.price_divisor(), divisor, "{segment:?}");
        let tick = decode_one(&[&token.to_be_bytes()[..], &12_345i32.to_be_bytes()].concat());
        assert_eq!(tick.tradable, segment != Segment::Indices, "{segment:?}");
        assert_eq!(
            tick.last_price_paise(),
            (divisor == 100).then_some(12_345),
            "{segment:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Round trip

fn any_token() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        any::<u32>().prop_map(|t| (t & !0xff) | 9), // an index
        Just(408065u32),                            // INFY, NSE
        Just(256265u32),                            // NIFTY 50
    ]
}

fn any_mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Ltp), Just(Mode::Quote), Just(Mode::Full)]
}

fn wide(prices: [i32; 4]) -> Ohlc {
    Ohlc {
        open: prices[0].into(),
        high: prices[1].into(),
        low: prices[2].into(),
        close: prices[3].into(),
    }
}

/// Any tick the wire can carry: the fields its mode and segment carry, with `i32` prices,
/// `u32` quantities and times, and `u32` depth prices.
fn any_tick() -> impl Strategy<Value = Tick> {
    (
        (any_token(), any_mode(), any::<i32>()),
        (any::<[i32; 4]>(), any::<i32>(), any::<i32>()),
        any::<[u32; 5]>(),
        any::<[u32; 2]>(),
        any::<[u32; 3]>(),
        any::<[(u32, u32, u16); 10]>(),
    )
        .prop_map(
            |((token, mode, ltp), (ohlc, net_change, avg), q, times, oi, levels)| {
                let mut tick = Tick {
                    mode,
                    ..Tick::ltp(token, ltp.into())
                };
                if mode == Mode::Ltp {
                    return tick;
                }
                tick.ohlc = Some(wide(ohlc));
                if tick.segment() == Segment::Indices {
                    tick.net_change = Some(net_change.into());
                    if mode == Mode::Full {
                        tick.exchange_timestamp = Some(times[1].into());
                    }
                    return tick;
                }
                tick.average_traded_price = Some(avg.into());
                tick.last_traded_quantity = Some(q[0]);
                tick.volume_traded = Some(q[1]);
                tick.total_buy_quantity = Some(q[2]);
                tick.total_sell_quantity = Some(q[3]);
                if mode == Mode::Full {
                    tick.last_trade_time = Some(times[0].into());
                    tick.exchange_timestamp = Some(times[1].into());
                    tick.oi = Some(oi[0]);
                    tick.oi_day_high = Some(oi[1]);
                    tick.oi_day_low = Some(oi[2]);
                    let level = |(quantity, price, orders)| DepthLevel {
                        quantity,
                        price,
                        orders,
                    };
                    tick.depth = Some(Depth::new(
                        std::array::from_fn(|i| level(levels[i])),
                        std::array::from_fn(|i| level(levels[5 + i])),
                    ));
                }
                tick
            },
        )
}

/// A valid frame of 1 to 8 ticks.
fn any_frame() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any_tick(), 1..8).prop_map(|ticks| encode_frame(&ticks))
}

/// Checks what any decode must guarantee, whatever the input; returns the decoded frame.
fn decode_checked(bytes: &[u8]) -> Result<Frame, DecodeError> {
    let decoded = decode_frame(bytes);
    let mut out = vec![Tick::ltp(1, 1)];
    let appended = decode_frame_into(bytes, &mut out);
    match (&decoded, &appended) {
        (Ok(Frame::Heartbeat), Ok(0)) => assert_eq!(bytes.len(), 1),
        (Ok(Frame::Ticks(ticks)), Ok(n)) => {
            assert_eq!(*n, ticks.len());
            assert_eq!(
                &out[1..],
                &ticks[..],
                "decode_frame_into appends what decode_frame returns"
            );
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            assert_eq!(
                out,
                vec![Tick::ltp(1, 1)],
                "a failed decode leaves `out` as it was"
            );
        }
        other => panic!("decode_frame and decode_frame_into disagree: {other:?}"),
    }
    assert_eq!(out[0], Tick::ltp(1, 1), "what was in `out` is kept");
    decoded
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_then_decode_gives_back_the_ticks(ticks in proptest::collection::vec(any_tick(), 0..30)) {
        let frame = encode_frame(&ticks);
        prop_assert_eq!(decode_checked(&frame), Ok(Frame::Ticks(ticks)));
    }

    #[test]
    fn a_decoded_frame_re_encodes_to_its_bytes(frame in any_frame()) {
        let Ok(Frame::Ticks(ticks)) = decode_checked(&frame) else {
            panic!("a valid frame did not decode")
        };
        prop_assert_eq!(encode_frame(&ticks), frame);
    }

    #[test]
    fn arbitrary_bytes_decode_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode_checked(&bytes);
    }

    /// Frame-like input: a count, then packets with arbitrary lengths (mostly real ones) over
    /// arbitrary bytes, so decoding gets past the first packet.
    #[test]
    fn frame_like_bytes_decode_or_fail_without_panicking(
        count in prop_oneof![0u16..10, any::<u16>()],
        packets in proptest::collection::vec(
            (prop_oneof![
                Just(8u16), Just(28), Just(32), Just(44), Just(184), any::<u16>()
            ], proptest::collection::vec(any::<u8>(), 0..200)),
            0..8,
        ),
    ) {
        let mut bytes = count.to_be_bytes().to_vec();
        for (length, body) in packets {
            bytes.extend_from_slice(&length.to_be_bytes());
            bytes.extend_from_slice(&body);
        }
        let _ = decode_checked(&bytes);
    }

    /// Every proper prefix of a frame fails (or is a heartbeat): a truncated frame is never
    /// half decoded.
    #[test]
    fn truncated_frames_are_errors(frame in any_frame(), cut in any::<prop::sample::Index>()) {
        let cut = cut.index(frame.len());
        match (cut, decode_checked(&frame[..cut])) {
            (0, Err(DecodeError::Empty)) | (1, Ok(Frame::Heartbeat)) => {}
            (_, Err(DecodeError::TruncatedHeader { .. } | DecodeError::PacketPastEnd { .. })) if cut >= 2 => {}
            (cut, other) => panic!("prefix of {cut} bytes: {other:?}"),
        }
    }

    #[test]
    fn corrupted_frames_decode_or_fail_without_panicking(
        frame in any_frame(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..), 1..4),
        extra in proptest::collection::vec(any::<u8>(), 0..3),
    ) {
        let mut bytes = frame;
        for (at, mask) in flips {
            let at = at.index(bytes.len());
            bytes[at] ^= mask;
        }
        let _ = decode_checked(&bytes);
        bytes.extend_from_slice(&extra);
        let _ = decode_checked(&bytes);
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile input, case by case

#[test]
fn an_empty_message_is_an_error_and_one_byte_is_a_heartbeat() {
    assert_eq!(decode_frame(&[]), Err(DecodeError::Empty));
    assert_eq!(decode_frame(&HEARTBEAT), Ok(Frame::Heartbeat));
    assert_eq!(decode_frame(&[0xff]), Ok(Frame::Heartbeat));
    let mut out = Vec::new();
    assert_eq!(decode_frame_into(&HEARTBEAT, &mut out), Ok(0));
    assert!(out.is_empty());
    assert_eq!(
        decode_frame(&[0, 0]),
        Ok(Frame::Ticks(vec![])),
        "a frame of no packets"
    );
}

#[test]
fn a_truncated_length_header_is_an_error() {
    let frame = encode_frame(&[Tick::ltp(408065, 1)]);
    assert_eq!(
        decode_frame(&frame[..3]),
        Err(DecodeError::TruncatedHeader {
            index: 0,
            offset: 2,
            len: 3
        })
    );
}

#[test]
fn a_packet_length_past_the_end_is_an_error() {
    let packet = fixture_packet("ticker_quote.packet");
    let mut frame = frame_of(&[&packet[..8], &packet]);
    frame.truncate(frame.len() - 1);
    assert_eq!(
        decode_frame(&frame),
        Err(DecodeError::PacketPastEnd {
            index: 1,
            offset: 14,
            length: 44,
            len: 57
        })
    );
    assert_eq!(
        decode_frame(&[0, 1, 0xff, 0xff, 1, 2, 3]),
        Err(DecodeError::PacketPastEnd {
            index: 0,
            offset: 4,
            length: 65535,
            len: 7
        })
    );
}

#[test]
fn a_count_larger_than_the_packets_present_is_an_error() {
    let packet = fixture_packet("ticker_quote.packet");
    let mut frame = frame_of(&[&packet, &packet]);
    frame[1] = 3;
    assert_eq!(
        decode_frame(&frame),
        Err(DecodeError::TruncatedHeader {
            index: 2,
            offset: 94,
            len: 94
        })
    );
    // The largest count over a handful of bytes, and nothing after the count.
    assert!(decode_frame(&[0xff, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 2]).is_err());
    assert!(matches!(
        decode_frame(&[0xff, 0xff]),
        Err(DecodeError::TruncatedHeader { index: 0, .. })
    ));
}

#[test]
fn every_unknown_packet_length_is_an_error() {
    for length in (0..=300).filter(|n| ![8, 28, 32, 44, 184].contains(n)) {
        let body = vec![0x5a; length];
        let mut frame = frame_of(&[&[0, 0, 0, 1, 0, 0, 0, 2], &body]);
        assert_eq!(
            decode_frame(&frame),
            Err(DecodeError::UnknownLength {
                index: 1,
                offset: 14,
                length
            }),
            "length {length}"
        );
        frame.truncate(2 + 10);
        frame[1] = 1;
        assert!(
            decode_frame(&frame).is_ok(),
            "the first packet alone is fine"
        );
    }
}

#[test]
fn bytes_after_the_last_packet_are_an_error() {
    let mut frame = encode_frame(&[Tick::ltp(408065, 1)]);
    frame.extend_from_slice(&[0, 0]);
    assert_eq!(
        decode_frame(&frame),
        Err(DecodeError::TrailingBytes {
            offset: 12,
            len: 14
        })
    );
}

#[test]
fn errors_say_where() {
    let e = DecodeError::PacketPastEnd {
        index: 1,
        offset: 14,
        length: 44,
        len: 57,
    };
    assert_eq!(
        e.to_string(),
        "packet 1: 44 bytes from byte 14 run past the end of the 57-byte message"
    );
}

// ---------------------------------------------------------------------------------------------
// Text messages

#[test]
fn client_requests_serialize_and_parse_in_kites_shape() {
    let cases = [
        (
            ClientRequest::Subscribe(vec![408065]),
            json!({"a": "subscribe", "v": [408065]}),
        ),
        (
            ClientRequest::Unsubscribe(vec![408065, 884737]),
            json!({"a": "unsubscribe", "v": [408065, 884737]}),
        ),
        (
            ClientRequest::Mode(Mode::Full, vec![408065]),
            json!({"a": "mode", "v": ["full", [408065]]}),
        ),
        (
            ClientRequest::Mode(Mode::Quote, vec![1]),
            json!({"a": "mode", "v": ["quote", [1]]}),
        ),
        (
            ClientRequest::Mode(Mode::Ltp, vec![2, 3]),
            json!({"a": "mode", "v": ["ltp", [2, 3]]}),
        ),
    ];
    for (request, wire) in cases {
        let text = request.to_json();
        assert_eq!(serde_json::from_str::<Value>(&text).expect("json"), wire);
        assert_eq!(ClientRequest::parse(&text), Ok(request.clone()));
        assert_eq!(ClientRequest::parse(&wire.to_string()), Ok(request));
    }
    assert_eq!(
        ClientRequest::Subscribe(vec![408065]).to_json(),
        r#"{"a":"subscribe","v":[408065]}"#
    );
    assert_eq!(
        ClientRequest::Mode(Mode::Full, vec![408065]).to_json(),
        r#"{"a":"mode","v":["full",[408065]]}"#
    );
    assert!(ClientRequest::parse(r#"{"a":"mode","v":["depth",[1]]}"#).is_err());
}

/// postback.json wrapped as a ticker order update.
fn postback_message(edit: impl FnOnce(&mut Value)) -> String {
    let mut data = fixture_json("postback.json");
    edit(&mut data);
    json!({ "type": "order", "data": data }).to_string()
}

fn order_update(edit: impl FnOnce(&mut Value)) -> Result<OrderUpdate, MessageError> {
    match ServerMessage::parse(&postback_message(edit))? {
        ServerMessage::Order(update) => Ok(update),
        other => panic!("not an order update: {other:?}"),
    }
}

#[test]
fn an_order_update_shaped_like_the_postback_parses() {
    let update = order_update(|_| {}).expect("postback order update");
    assert_eq!(update.order_id, "220303000308932");
    assert_eq!(update.status, "COMPLETE");
    assert_eq!(update.tag, None);
    assert_eq!(update.tradingsymbol, "SBIN");
    assert_eq!(update.exchange, "NSE");
    assert_eq!(update.transaction_type, "BUY");
    assert_eq!(
        (
            update.quantity,
            update.filled_quantity,
            update.pending_quantity
        ),
        (1, 1, 0)
    );
    assert_eq!(update.status_message, None);
    assert_eq!(
        update.order_timestamp.as_deref(),
        Some("2022-03-03 09:24:25")
    );
    assert_eq!(update.average_price_paise, Some(47_000), "470 rupees");
    assert_eq!(update.raw, fixture_json("postback.json"));

    let message = ServerMessage::Order(update);
    assert_eq!(ServerMessage::parse(&message.to_json()), Ok(message));

    let tagged = order_update(|d| {
        d["tag"] = json!("stop-9");
        d["status_message"] = json!("RMS: margin exceeds");
    })
    .expect("tagged");
    assert_eq!(tagged.tag.as_deref(), Some("stop-9"));
    assert_eq!(
        tagged.status_message.as_deref(),
        Some("RMS: margin exceeds")
    );
}

#[test]
fn average_price_is_exact_paise_from_the_decimal_text() {
    let paise = |price: &str| {
        let price: Value = serde_json::from_str(price).expect("price json");
        order_update(|d| d["average_price"] = price)
            .expect("order update")
            .average_price_paise
    };
    assert_eq!(paise("1573.7"), Some(157_370));
    assert_eq!(paise("1573.70"), Some(157_370));
    assert_eq!(paise("1570.37"), Some(157_037));
    assert_eq!(paise("0.05"), Some(5));
    assert_eq!(paise("0.1"), Some(10));
    assert_eq!(paise("470"), Some(47_000));
    assert_eq!(paise("0"), Some(0));
    assert_eq!(paise("1e3"), Some(100_000));
    // 0.29 * 100 is 28.999999999999996 in floating point: no float arithmetic here.
    assert_eq!(paise("0.29"), Some(29));
    assert_eq!(paise("1.15"), Some(115));
    assert_eq!(paise(r#""1573.70""#), Some(157_370), "a price sent as text");
    // Finer than a paisa (currency derivatives): None, not an error; raw keeps the price.
    assert_eq!(paise("72.1234"), None);
    assert_eq!(paise("1573.705"), None);
    assert_eq!(paise("null"), None);
    let fine = order_update(|d| d["average_price"] = json!(72.1234)).expect("update");
    assert_eq!(fine.raw["average_price"], json!(72.1234));
    let absent = order_update(|d| {
        d.as_object_mut().expect("object").remove("average_price");
    })
    .expect("update");
    assert_eq!(absent.average_price_paise, None);
}

#[test]
fn malformed_order_updates_are_errors() {
    let bad_fields = [
        ("order_id", Value::Null),
        ("status", json!(5)),
        ("quantity", json!(-1)),
        ("filled_quantity", json!(0.5)),
        ("pending_quantity", json!(1u64 << 32)),
        ("tradingsymbol", Value::Null),
    ];
    for (field, value) in bad_fields {
        assert!(
            matches!(
                order_update(|d| d[field] = value.clone()),
                Err(MessageError::Shape { .. })
            ),
            "{field}: {value}"
        );
    }
    assert!(ServerMessage::parse(r#"{"type":"order","data":"x"}"#).is_err());
    assert!(ServerMessage::parse(r#"{"type":"order"}"#).is_err());
}

#[test]
fn error_message_and_other_server_messages() {
    let cases = [
        (
            r#"{"type":"error","data":"Invalid API key"}"#,
            ServerMessage::Error("Invalid API key".into()),
        ),
        (
            r#"{"type":"message","data":"hello"}"#,
            ServerMessage::Message("hello".into()),
        ),
        (
            r#"{"type":"instruments_meta","data":{"count":1}}"#,
            ServerMessage::Other(json!({"type": "instruments_meta", "data": {"count": 1}})),
        ),
    ];
    for (text, message) in cases {
        assert_eq!(ServerMessage::parse(text).as_ref(), Ok(&message), "{text}");
        assert_eq!(
            serde_json::from_str::<Value>(&message.to_json()).expect("json"),
            serde_json::from_str::<Value>(text).expect("json")
        );
    }
    assert!(ServerMessage::parse(r#"{"type":"error","data":{"x":1}}"#).is_err());
    assert!(matches!(
        ServerMessage::parse("not json"),
        Err(MessageError::NotJson(_))
    ));
}
