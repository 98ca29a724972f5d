//! Binary tick frames, both ways.
//!
//! Layout (big-endian), as Kite's official Python client parses it (`KiteTicker._parse_binary`
//! in kiteconnect 5.2.2). A frame is a `u16` packet count, then for each packet a `u16` length
//! and the packet. A 1-byte message is a heartbeat. Packets, told apart by their length:
//!
//! | bytes | packet | fields |
//! |---|---|---|
//! | 8 | LTP | token, last price |
//! | 28 | index quote | token, last price, high, low, open, close, net change |
//! | 32 | index full | index quote + exchange timestamp |
//! | 44 | quote | token, last price, last quantity, average price, volume, buy quantity, sell quantity, open, high, low, close |
//! | 184 | full | quote + last trade time, OI, OI day high, OI day low, exchange timestamp, 5 bid then 5 ask depth levels |
//!
//! Every field is 4 bytes, except a depth level's 12: `u32` quantity, `u32` price, `u16` orders
//! and 2 bytes of padding. Prices (and the index net change, which can be negative) are read as
//! `i32` and widened to `i64`; they stay raw integers (see [`Segment::price_divisor`]).
//! Quantities, OI and timestamps (Unix seconds) are `u32`. Depth prices stay the wire's `u32`.
//! The official client reads prices as unsigned too; the two agree on every price below
//! 2^31 (₹2.1 crore in paise), and only `i32` gets a falling index's net change right.
//!
//! Decoding never panics and never reads past its input: the frame is walked with `Reader`,
//! which returns `None` at the end of the bytes instead of indexing, and a packet is decoded
//! only once it is a fixed-size array of a known length, whose every index is a constant
//! within it.

use super::{Depth, Mode, Ohlc, Segment, Tick};

/// The heartbeat Kite sends when there are no ticks: a 1-byte binary message.
pub const HEARTBEAT: [u8; 1] = [0];

const LTP_LEN: usize = 8;
const INDEX_QUOTE_LEN: usize = 28;
const INDEX_FULL_LEN: usize = 32;
const QUOTE_LEN: usize = 44;
const FULL_LEN: usize = 184;
/// The smallest packet with its length prefix: a bound on how many packets a frame can hold.
const MIN_PACKET_WITH_LENGTH: usize = 2 + LTP_LEN;

/// One binary WebSocket message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Heartbeat,
    Ticks(Vec<Tick>),
}

/// Why a binary message is not a frame. Offsets are byte positions in the message; `len` is
/// the message's length. A packet's `index` counts from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A zero-byte message (a heartbeat is one byte; a frame at least two).
    #[error("empty binary message")]
    Empty,
    /// The 2-byte length header of a packet the count promised is cut off: the count is larger
    /// than the packets present, or the message ends inside the header.
    #[error("packet {index}: its 2-byte length header at byte {offset} runs past the end of the {len}-byte message")]
    TruncatedHeader {
        index: usize,
        offset: usize,
        len: usize,
    },
    /// A packet's length runs past the end of the message.
    #[error("packet {index}: {length} bytes from byte {offset} run past the end of the {len}-byte message")]
    PacketPastEnd {
        index: usize,
        offset: usize,
        length: usize,
        len: usize,
    },
    /// A packet length that is none of 8, 28, 32, 44, 184.
    #[error("packet {index} at byte {offset}: unknown packet length {length}")]
    UnknownLength {
        index: usize,
        offset: usize,
        length: usize,
    },
    /// Bytes after the last packet the count announced.
    #[error("the last packet ends at byte {offset}, but the message has {len} bytes")]
    TrailingBytes { offset: usize, len: usize },
}

/// Checked big-endian reads from the front of a byte slice. Each read returns `None`, and
/// consumes nothing, when too few bytes remain.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.rest.split_first_chunk::<N>()?;
        self.rest = rest;
        Some(*head)
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.rest.split_at_checked(n)?;
        self.rest = rest;
        Some(head)
    }

    fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    fn remaining(&self) -> usize {
        self.rest.len()
    }
}

/// Decodes one packet (without its length prefix); `None` for a length that is no packet.
fn decode_packet(packet: &[u8]) -> Option<Tick> {
    match packet.len() {
        LTP_LEN => Some(decode_layout::<LTP_LEN, 2>(packet.try_into().ok()?)),
        INDEX_QUOTE_LEN => Some(decode_layout::<INDEX_QUOTE_LEN, 7>(packet.try_into().ok()?)),
        INDEX_FULL_LEN => Some(decode_layout::<INDEX_FULL_LEN, 8>(packet.try_into().ok()?)),
        QUOTE_LEN => Some(decode_layout::<QUOTE_LEN, 11>(packet.try_into().ok()?)),
        FULL_LEN => Some(decode_layout::<FULL_LEN, 46>(packet.try_into().ok()?)),
        _ => None,
    }
}

/// The packet's big-endian 4-byte words (`W` = `N / 4`). With `N` and `W` constants every
/// index below is provably in bounds, and the loop compiles to a few vector byte-swaps.
#[inline(always)]
fn words<const N: usize, const W: usize>(packet: &[u8; N]) -> [u32; W] {
    const { assert!(W * 4 == N) };
    std::array::from_fn(|i| {
        u32::from_be_bytes([
            packet[4 * i],
            packet[4 * i + 1],
            packet[4 * i + 2],
            packet[4 * i + 3],
        ])
    })
}

/// A price word: `i32` on the wire, widened.
#[inline(always)]
fn price(word: u32) -> i64 {
    i64::from(word as i32)
}

/// An `N`-byte packet's tick, from its `W = N / 4` words. Each length gets its own copy.
#[inline(always)]
fn decode_layout<const N: usize, const W: usize>(packet: &[u8; N]) -> Tick {
    let w: [u32; W] = words(packet);
    let token = w[0];
    let mode = match N {
        LTP_LEN => Mode::Ltp,
        INDEX_QUOTE_LEN | QUOTE_LEN => Mode::Quote,
        _ => Mode::Full,
    };
    let mut tick = Tick {
        mode,
        ..Tick::ltp(token, price(w[1]))
    };
    match N {
        INDEX_QUOTE_LEN | INDEX_FULL_LEN => {
            // Indices send high, low, open, close: not the quote packet's order.
            tick.ohlc = Some(Ohlc {
                high: price(w[2]),
                low: price(w[3]),
                open: price(w[4]),
                close: price(w[5]),
            });
            tick.net_change = Some(price(w[6]));
            if N == INDEX_FULL_LEN {
                tick.exchange_timestamp = Some(i64::from(w[7]));
            }
        }
        QUOTE_LEN | FULL_LEN => {
            tick.last_traded_quantity = Some(w[2]);
            tick.average_traded_price = Some(price(w[3]));
            tick.volume_traded = Some(w[4]);
            tick.total_buy_quantity = Some(w[5]);
            tick.total_sell_quantity = Some(w[6]);
            tick.ohlc = Some(Ohlc {
                open: price(w[7]),
                high: price(w[8]),
                low: price(w[9]),
                close: price(w[10]),
            });
            if N == FULL_LEN {
                tick.last_trade_time = Some(i64::from(w[11]));
                tick.oi = Some(w[12]);
                tick.oi_day_high = Some(w[13]);
                tick.oi_day_low = Some(w[14]);
                tick.exchange_timestamp = Some(i64::from(w[15]));
                // Ten 12-byte levels from word 16, kept as words (see [`Depth`]).
                tick.depth = Some(Depth::from_words(std::array::from_fn(|i| w[16 + i])));
            }
        }
        _ => {}
    }
    tick
}

/// Decodes a binary message, appending its ticks to `out`; returns how many (0 for a
/// heartbeat, i.e. any 1-byte message).
///
/// This is the feed's hot path: it allocates nothing but `out`'s growth, reserved once and
/// bounded by what the message can hold (a hostile count cannot make it reserve more).
/// On error `out` is left as it was. The whole message must be the announced packets: a
/// truncated or unknown packet, or bytes after the last one, is an error.
pub fn decode_frame_into(bytes: &[u8], out: &mut Vec<Tick>) -> Result<usize, DecodeError> {
    let (count, packets) = match bytes {
        [] => return Err(DecodeError::Empty),
        [_] => return Ok(0),
        [hi, lo, packets @ ..] => (usize::from(u16::from_be_bytes([*hi, *lo])), packets),
    };
    out.reserve(count.min(packets.len() / MIN_PACKET_WITH_LENGTH));
    let start = out.len();
    let decoded = append_packets(bytes.len(), count, packets, out);
    if decoded.is_err() {
        out.truncate(start);
    }
    decoded
}

/// Decodes `count` packets from `packets`, the bytes after the 2-byte count of a `len`-byte
/// message.
fn append_packets(
    len: usize,
    count: usize,
    packets: &[u8],
    out: &mut Vec<Tick>,
) -> Result<usize, DecodeError> {
    let mut r = Reader::new(packets);
    for index in 0..count {
        let offset = len - r.remaining();
        let length =
            usize::from(
                r.u16()
                    .ok_or(DecodeError::TruncatedHeader { index, offset, len })?,
            );
        let offset = offset + 2;
        let packet = r.bytes(length).ok_or(DecodeError::PacketPastEnd {
            index,
            offset,
            length,
            len,
        })?;
        let tick = decode_packet(packet).ok_or(DecodeError::UnknownLength {
            index,
            offset,
            length,
        })?;
        out.push(tick);
    }
    match r.remaining() {
        0 => Ok(count),
        extra => Err(DecodeError::TrailingBytes {
            offset: len - extra,
            len,
        }),
    }
}

/// Decodes a binary message: [`Frame::Heartbeat`] for any 1-byte message, else its ticks.
/// Errors as [`decode_frame_into`].
pub fn decode_frame(bytes: &[u8]) -> Result<Frame, DecodeError> {
    if let [_] = bytes {
        return Ok(Frame::Heartbeat);
    }
    let mut ticks = Vec::new();
    decode_frame_into(bytes, &mut ticks)?;
    Ok(Frame::Ticks(ticks))
}

/// The packet length [`encode_packet`] writes for `tick`.
fn packet_len(tick: &Tick) -> u16 {
    let index = tick.segment() == Segment::Indices;
    let len = match (tick.mode, index) {
        (Mode::Ltp, _) => LTP_LEN,
        (Mode::Quote, true) => INDEX_QUOTE_LEN,
        (Mode::Full, true) => INDEX_FULL_LEN,
        (Mode::Quote, false) => QUOTE_LEN,
        (Mode::Full, false) => FULL_LEN,
    };
    u16::try_from(len).unwrap_or(u16::MAX)
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Prices travel as `i32`; a price outside that range saturates.
fn put_price(out: &mut Vec<u8>, v: i64) {
    let v = i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX });
    out.extend_from_slice(&v.to_be_bytes());
}

/// Times travel as `u32` Unix seconds; `None` is 0 and anything outside saturates.
fn put_time(out: &mut Vec<u8>, v: Option<i64>) {
    let v = v.unwrap_or(0);
    put_u32(
        out,
        u32::try_from(v).unwrap_or(if v < 0 { 0 } else { u32::MAX }),
    );
}

/// Appends the packet for `tick.mode` to `out`, without its 2-byte length: 8 bytes for LTP;
/// for an index token (segment 9) 28 for quote and 32 for full; otherwise 44 and 184.
///
/// Fields the packet carries but the tick lacks (`None`) are sent as 0; fields the packet
/// does not carry are dropped. Prices outside `i32` and times outside `u32` saturate, so a
/// tick decodes back unchanged exactly when its values fit the wire and its optional fields
/// are those its mode and segment carry (as [`decode_frame`] produces them).
pub fn encode_packet(tick: &Tick, out: &mut Vec<u8>) {
    put_u32(out, tick.instrument_token);
    put_price(out, tick.last_price);
    if tick.mode == Mode::Ltp {
        return;
    }
    let ohlc = tick.ohlc.unwrap_or_default();
    if tick.segment() == Segment::Indices {
        for v in [ohlc.high, ohlc.low, ohlc.open, ohlc.close] {
            put_price(out, v);
        }
        put_price(out, tick.net_change.unwrap_or(0));
        if tick.mode == Mode::Full {
            put_time(out, tick.exchange_timestamp);
        }
        return;
    }
    put_u32(out, tick.last_traded_quantity.unwrap_or(0));
    put_price(out, tick.average_traded_price.unwrap_or(0));
    put_u32(out, tick.volume_traded.unwrap_or(0));
    put_u32(out, tick.total_buy_quantity.unwrap_or(0));
    put_u32(out, tick.total_sell_quantity.unwrap_or(0));
    for v in [ohlc.open, ohlc.high, ohlc.low, ohlc.close] {
        put_price(out, v);
    }
    if tick.mode == Mode::Quote {
        return;
    }
    put_time(out, tick.last_trade_time);
    put_u32(out, tick.oi.unwrap_or(0));
    put_u32(out, tick.oi_day_high.unwrap_or(0));
    put_u32(out, tick.oi_day_low.unwrap_or(0));
    put_time(out, tick.exchange_timestamp);
    let depth = tick.depth.unwrap_or_default();
    for level in depth.words().chunks_exact(3) {
        // quantity, price, orders; the padding below the orders goes out as zeros.
        for word in [level[0], level[1], level[2] & 0xffff_0000] {
            put_u32(out, word);
        }
    }
}

/// Encodes a frame: the packet count, then each tick's packet ([`encode_packet`]) after its
/// 2-byte length. The count is a `u16`: ticks after the first 65,535 are not sent.
pub fn encode_frame(ticks: &[Tick]) -> Vec<u8> {
    let count = u16::try_from(ticks.len()).unwrap_or(u16::MAX);
    let ticks = ticks.get(..usize::from(count)).unwrap_or(ticks);
    let size: usize = ticks.iter().map(|t| 2 + usize::from(packet_len(t))).sum();
    let mut out = Vec::with_capacity(2 + size);
    out.extend_from_slice(&count.to_be_bytes());
    for tick in ticks {
        let length = packet_len(tick);
        out.extend_from_slice(&length.to_be_bytes());
        let start = out.len();
        encode_packet(tick, &mut out);
        debug_assert_eq!(
            out.len() - start,
            usize::from(length),
            "packet_len and encode_packet disagree"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    // A dev-dependency of the integration tests only; the lib's test build links it too.
    use base64 as _;

    fn quote_tick(token: u32, mode: Mode) -> Tick {
        Tick {
            mode,
            ..Tick::ltp(token, 1)
        }
    }

    #[test]
    fn packet_sizes_follow_mode_and_segment() {
        let sizes = |token: u32| {
            [Mode::Ltp, Mode::Quote, Mode::Full].map(|mode| {
                let tick = quote_tick(token, mode);
                let mut out = Vec::new();
                encode_packet(&tick, &mut out);
                assert_eq!(out.len(), usize::from(packet_len(&tick)));
                out.len()
            })
        };
        assert_eq!(
            sizes(408065),
            [8, 44, 184],
            "INFY is NSE equity (segment 1)"
        );
        assert_eq!(
            sizes(256265),
            [8, 28, 32],
            "NIFTY 50 is an index (segment 9)"
        );
    }

    #[test]
    fn index_packets_read_high_low_open_close_and_a_signed_net_change() {
        // NIFTY 50 (token 256265): ltp 15,800.00, high 15,900.00, low 15,700.00,
        // open 15,750.00, close 15,850.00, net change -50.00, exchange time 1625462487.
        let mut packet = Vec::new();
        for v in [
            256265i64, 1_580_000, 1_590_000, 1_570_000, 1_575_000, 1_585_000, -5000,
        ] {
            packet.extend_from_slice(&i32::try_from(v).expect("fits").to_be_bytes());
        }
        packet.extend_from_slice(&1_625_462_487u32.to_be_bytes());
        let mut frame = vec![0, 1, 0, 32];
        frame.extend_from_slice(&packet);
        let Ok(Frame::Ticks(ticks)) = decode_frame(&frame) else {
            panic!("index full packet did not decode")
        };
        let tick = &ticks[0];
        assert_eq!((tick.mode, tick.tradable), (Mode::Full, false));
        assert_eq!(tick.last_price, 1_580_000);
        assert_eq!(
            tick.ohlc,
            Some(Ohlc {
                open: 1_575_000,
                high: 1_590_000,
                low: 1_570_000,
                close: 1_585_000
            })
        );
        assert_eq!(tick.net_change, Some(-5000));
        assert_eq!(tick.exchange_timestamp, Some(1_625_462_487));
        assert_eq!(tick.last_traded_quantity, None);
        assert_eq!(encode_frame(&ticks), frame, "re-encodes byte for byte");

        // The quote variant is the first 28 bytes.
        let mut quote = vec![0, 1, 0, 28];
        quote.extend_from_slice(&packet[..28]);
        let Ok(Frame::Ticks(ticks)) = decode_frame(&quote) else {
            panic!("index quote packet did not decode")
        };
        assert_eq!(
            (ticks[0].mode, ticks[0].exchange_timestamp),
            (Mode::Quote, None)
        );
        assert_eq!(ticks[0].net_change, Some(-5000));
    }

    #[test]
    fn prices_are_signed_on_the_wire_and_saturate_when_encoded() {
        let tick = Tick::ltp(408065, -1);
        let frame = encode_frame(std::slice::from_ref(&tick));
        assert_eq!(&frame[8..], &[0xff, 0xff, 0xff, 0xff]);
        assert_eq!(decode_frame(&frame), Ok(Frame::Ticks(vec![tick])));
        let huge = encode_frame(&[Tick::ltp(408065, i64::MAX), Tick::ltp(408065, i64::MIN)]);
        let Ok(Frame::Ticks(ticks)) = decode_frame(&huge) else {
            panic!("saturated frame did not decode")
        };
        assert_eq!(
            (ticks[0].last_price, ticks[1].last_price),
            (i64::from(i32::MAX), i64::from(i32::MIN))
        );
    }

    #[test]
    fn errors_carry_their_offsets() {
        let mut out = Vec::new();
        assert_eq!(decode_frame(&[]), Err(DecodeError::Empty));
        assert_eq!(decode_frame_into(&[], &mut out), Err(DecodeError::Empty));
        for byte in [0, 7, 255] {
            assert_eq!(decode_frame(&[byte]), Ok(Frame::Heartbeat));
            assert_eq!(decode_frame_into(&[byte], &mut out), Ok(0));
        }
        assert_eq!(decode_frame(&HEARTBEAT), Ok(Frame::Heartbeat));
        assert_eq!(decode_frame(&[0, 0]), Ok(Frame::Ticks(vec![])));
        assert_eq!(
            decode_frame(&[0, 1]),
            Err(DecodeError::TruncatedHeader {
                index: 0,
                offset: 2,
                len: 2
            })
        );
        assert_eq!(
            decode_frame(&[0, 1, 0]),
            Err(DecodeError::TruncatedHeader {
                index: 0,
                offset: 2,
                len: 3
            })
        );
        assert_eq!(
            decode_frame(&[0, 1, 0, 8, 1, 2]),
            Err(DecodeError::PacketPastEnd {
                index: 0,
                offset: 4,
                length: 8,
                len: 6
            })
        );
        assert_eq!(
            decode_frame(&[0, 1, 0, 3, 1, 2, 3]),
            Err(DecodeError::UnknownLength {
                index: 0,
                offset: 4,
                length: 3
            })
        );
        assert_eq!(
            decode_frame(&[0, 1, 0, 0]),
            Err(DecodeError::UnknownLength {
                index: 0,
                offset: 4,
                length: 0
            })
        );
        let mut frame = encode_frame(&[Tick::ltp(408065, 157_370)]);
        frame.push(9);
        assert_eq!(
            decode_frame(&frame),
            Err(DecodeError::TrailingBytes {
                offset: 12,
                len: 13
            })
        );
        // A count larger than the packets present: the second packet's header is missing.
        let mut two = encode_frame(&[Tick::ltp(408065, 1)]);
        two[1] = 2;
        assert_eq!(
            decode_frame(&two),
            Err(DecodeError::TruncatedHeader {
                index: 1,
                offset: 12,
                len: 12
            })
        );
    }

    #[test]
    fn a_failed_decode_leaves_out_as_it_was() {
        let mut out = vec![Tick::ltp(1, 1)];
        let mut frame = encode_frame(&[Tick::ltp(408065, 1), Tick::ltp(408065, 2)]);
        frame.truncate(frame.len() - 1);
        assert!(decode_frame_into(&frame, &mut out).is_err());
        assert_eq!(out, vec![Tick::ltp(1, 1)]);
        let frame = encode_frame(&[Tick::ltp(408065, 1), Tick::ltp(408065, 2)]);
        assert_eq!(decode_frame_into(&frame, &mut out), Ok(2));
        assert_eq!(out.len(), 3, "appends after what was there");
    }

    #[test]
    fn a_hostile_count_reserves_only_what_the_bytes_can_hold() {
        let mut out = Vec::new();
        let frame = [0xff, 0xff, 0, 8, 0, 0, 0, 1];
        assert!(decode_frame_into(&frame, &mut out).is_err());
        assert!(out.capacity() <= 1, "reserved {} ticks", out.capacity());
    }

    #[test]
    fn encode_frame_sends_at_most_u16_max_ticks() {
        let ticks = vec![Tick::ltp(408065, 1); usize::from(u16::MAX) + 3];
        let frame = encode_frame(&ticks);
        assert_eq!(&frame[..2], &[0xff, 0xff]);
        assert_eq!(frame.len(), 2 + usize::from(u16::MAX) * 10);
        assert_eq!(
            decode_frame_into(&frame, &mut Vec::new()),
            Ok(usize::from(u16::MAX))
        );
    }

    fn any_packet() -> impl Strategy<Value = Vec<u8>> {
        let len = prop_oneof![
            Just(LTP_LEN),
            Just(INDEX_QUOTE_LEN),
            Just(INDEX_FULL_LEN),
            Just(QUOTE_LEN),
            Just(FULL_LEN),
            0..200usize,
        ];
        (len, any::<bool>())
            .prop_flat_map(|(len, index)| {
                (proptest::collection::vec(any::<u8>(), len), Just(index))
            })
            .prop_map(|(mut packet, index)| {
                if let (true, Some(segment)) = (index, packet.get_mut(3)) {
                    *segment = 9;
                }
                packet
            })
    }

    proptest! {
        /// Exactly the five packet lengths decode; a packet in its token's own layout
        /// re-encodes to the same bytes (but for the depth levels' padding, sent as zeros).
        #[test]
        fn only_the_five_packet_lengths_decode(packet in any_packet()) {
            let known = [LTP_LEN, INDEX_QUOTE_LEN, INDEX_FULL_LEN, QUOTE_LEN, FULL_LEN];
            let tick = decode_packet(&packet);
            prop_assert_eq!(tick.is_some(), known.contains(&packet.len()));
            let Some(tick) = tick else { return Ok(()) };
            let index_layout = matches!(packet.len(), INDEX_QUOTE_LEN | INDEX_FULL_LEN);
            if tick.mode == Mode::Ltp || index_layout == (tick.segment() == Segment::Indices) {
                let mut want = packet.clone();
                if want.len() == FULL_LEN {
                    for level in 0..10 {
                        let padding = 64 + 12 * level + 10;
                        want[padding..padding + 2].fill(0);
                    }
                }
                let mut out = Vec::new();
                encode_packet(&tick, &mut out);
                prop_assert_eq!(out, want);
            }
        }
    }
}
