//! Binary tick frames, both ways. Decoding never panics and never reads past the input: every
//! packet is matched on its length first and then read as a fixed-size array.
//!
//! Layout (big-endian), as Kite's official clients parse it: a frame is a `u16` packet count, then
//! for each packet a `u16` length and the packet. Packets by length: 8 LTP; 28 index quote; 32
//! index full; 44 quote; 184 full (quote + 5 timestamps/OI fields + 10 depth levels of 12 bytes:
//! `u32` quantity, `u32` price, `u16` orders, 2 bytes padding). Integers are unsigned, as the
//! official clients read them.

use super::{Depth, DepthLevel, Mode, Ohlc, Segment, Tick};

/// The heartbeat Kite sends each second: one byte.
pub const HEARTBEAT: [u8; 1] = [0];

/// One binary WebSocket message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Heartbeat,
    Ticks(Vec<Tick>),
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty message")]
    Empty,
    #[error("frame shorter than its 2-byte packet count")]
    TruncatedHeader,
    #[error("packet {index}: length field at byte {offset} runs past the end ({len} bytes)")]
    TruncatedLength {
        index: usize,
        offset: usize,
        len: usize,
    },
    #[error("packet {index}: {length} bytes at byte {offset} run past the end ({len} bytes)")]
    TruncatedPacket {
        index: usize,
        offset: usize,
        length: usize,
        len: usize,
    },
    #[error("packet {index}: unknown packet length {length}")]
    UnknownLength { index: usize, length: usize },
    #[error("{extra} bytes after the last packet")]
    TrailingBytes { extra: usize },
}

/// Big-endian reads from a packet whose exact length the type carries: with constant offsets
/// the bounds are known at compile time, so reads cost no checks and cannot fail.
#[inline(always)]
fn u32_at<const N: usize>(p: &[u8; N], at: usize) -> u32 {
    u32::from_be_bytes([p[at], p[at + 1], p[at + 2], p[at + 3]])
}

#[inline(always)]
fn price_at<const N: usize>(p: &[u8; N], at: usize) -> i64 {
    i64::from(u32_at(p, at))
}

#[inline(always)]
fn u16_at<const N: usize>(p: &[u8; N], at: usize) -> u16 {
    u16::from_be_bytes([p[at], p[at + 1]])
}

fn empty_tick(token: u32, mode: Mode, last_price: i64) -> Tick {
    Tick {
        mode,
        ..Tick::ltp(token, last_price)
    }
}

fn index_packet<const N: usize>(p: &[u8; N]) -> Tick {
    let mode = if N == 28 { Mode::Quote } else { Mode::Full };
    Tick {
        tradable: false,
        ohlc: Some(Ohlc {
            high: price_at(p, 8),
            low: price_at(p, 12),
            open: price_at(p, 16),
            close: price_at(p, 20),
        }),
        net_change: Some(price_at(p, 24)),
        exchange_timestamp: (N >= 32).then(|| i64::from(u32_at(p, N.saturating_sub(4)))),
        ..empty_tick(u32_at(p, 0), mode, price_at(p, 4))
    }
}

fn quote_packet<const N: usize>(p: &[u8; N]) -> Tick {
    let token = u32_at(p, 0);
    Tick {
        tradable: Segment::of_token(token) != Segment::Indices,
        last_traded_quantity: Some(u32_at(p, 8)),
        average_traded_price: Some(price_at(p, 12)),
        volume_traded: Some(u32_at(p, 16)),
        total_buy_quantity: Some(u32_at(p, 20)),
        total_sell_quantity: Some(u32_at(p, 24)),
        ohlc: Some(Ohlc {
            open: price_at(p, 28),
            high: price_at(p, 32),
            low: price_at(p, 36),
            close: price_at(p, 40),
        }),
        ..empty_tick(token, Mode::Quote, price_at(p, 4))
    }
}

fn full_packet(p: &[u8; 184]) -> Tick {
    let mut tick = quote_packet(p);
    tick.mode = Mode::Full;
    tick.last_trade_time = Some(i64::from(u32_at(p, 44)));
    tick.oi = Some(u32_at(p, 48));
    tick.oi_day_high = Some(u32_at(p, 52));
    tick.oi_day_low = Some(u32_at(p, 56));
    tick.exchange_timestamp = Some(i64::from(u32_at(p, 60)));
    let level = |i: usize| {
        let at = 64 + i * 12;
        DepthLevel {
            quantity: u32_at(p, at),
            price: u32_at(p, at + 4),
            orders: u16_at(p, at + 8),
        }
    };
    tick.depth = Some(Depth {
        buy: [level(0), level(1), level(2), level(3), level(4)],
        sell: [level(5), level(6), level(7), level(8), level(9)],
    });
    tick
}

/// Decodes one packet (without its length prefix).
fn decode_packet(packet: &[u8], index: usize) -> Result<Tick, DecodeError> {
    let unknown = || DecodeError::UnknownLength {
        index,
        length: packet.len(),
    };
    Ok(match packet.len() {
        8 => {
            let p: &[u8; 8] = packet.try_into().map_err(|_| unknown())?;
            empty_tick(u32_at(p, 0), Mode::Ltp, price_at(p, 4))
        }
        28 => index_packet::<28>(packet.try_into().map_err(|_| unknown())?),
        32 => index_packet::<32>(packet.try_into().map_err(|_| unknown())?),
        44 => quote_packet::<44>(packet.try_into().map_err(|_| unknown())?),
        184 => full_packet(packet.try_into().map_err(|_| unknown())?),
        _ => return Err(unknown()),
    })
}

/// Decodes a binary message, appending its ticks to `out` (nothing else is allocated).
/// Returns the number of ticks; 0 for a heartbeat.
pub fn decode_frame_into(bytes: &[u8], out: &mut Vec<Tick>) -> Result<usize, DecodeError> {
    match bytes.len() {
        0 => return Err(DecodeError::Empty),
        1 => return Ok(0),
        _ => {}
    }
    let count = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
    let start = out.len();
    out.reserve(count);
    let mut offset = 2;
    for index in 0..count {
        let Some(len_bytes) = bytes.get(offset..offset + 2) else {
            out.truncate(start);
            return Err(DecodeError::TruncatedLength {
                index,
                offset,
                len: bytes.len(),
            });
        };
        let length = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        offset += 2;
        let Some(packet) = bytes.get(offset..offset + length) else {
            out.truncate(start);
            return Err(DecodeError::TruncatedPacket {
                index,
                offset,
                length,
                len: bytes.len(),
            });
        };
        match decode_packet(packet, index) {
            Ok(tick) => out.push(tick),
            Err(e) => {
                out.truncate(start);
                return Err(e);
            }
        }
        offset += length;
    }
    if offset != bytes.len() {
        out.truncate(start);
        return Err(DecodeError::TrailingBytes {
            extra: bytes.len() - offset,
        });
    }
    Ok(count)
}

/// Decodes a binary message.
pub fn decode_frame(bytes: &[u8]) -> Result<Frame, DecodeError> {
    if bytes.len() == 1 {
        return Ok(Frame::Heartbeat);
    }
    let mut ticks = Vec::new();
    decode_frame_into(bytes, &mut ticks)?;
    Ok(Frame::Ticks(ticks))
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Prices travel as `u32`; anything outside saturates.
fn put_price(out: &mut Vec<u8>, v: i64) {
    put_u32(out, u32::try_from(v.max(0)).unwrap_or(u32::MAX));
}

fn put_time(out: &mut Vec<u8>, v: Option<i64>) {
    put_u32(out, v.and_then(|t| u32::try_from(t).ok()).unwrap_or(0));
}

/// Encodes one packet for `tick.mode` (without its length prefix). Index instruments use the
/// 28/32-byte index layouts for quote/full.
pub fn encode_packet(tick: &Tick, out: &mut Vec<u8>) {
    put_u32(out, tick.instrument_token);
    put_price(out, tick.last_price);
    if tick.mode == Mode::Ltp {
        return;
    }
    let ohlc = tick.ohlc.unwrap_or_default();
    if Segment::of_token(tick.instrument_token) == Segment::Indices {
        for v in [
            ohlc.high,
            ohlc.low,
            ohlc.open,
            ohlc.close,
            tick.net_change.unwrap_or(0),
        ] {
            put_price(out, v);
        }
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
    for level in depth.buy.iter().chain(depth.sell.iter()) {
        put_u32(out, level.quantity);
        put_u32(out, level.price);
        out.extend_from_slice(&level.orders.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
    }
}

/// Encodes a frame: the packet count, then each packet with its length. At most 65,535 ticks.
pub fn encode_frame(ticks: &[Tick]) -> Vec<u8> {
    let ticks = &ticks[..ticks.len().min(usize::from(u16::MAX))];
    let mut out = Vec::with_capacity(2 + ticks.len() * 186);
    out.extend_from_slice(&(ticks.len() as u16).to_be_bytes());
    let mut packet = Vec::with_capacity(184);
    for tick in ticks {
        packet.clear();
        encode_packet(tick, &mut packet);
        out.extend_from_slice(&(packet.len() as u16).to_be_bytes());
        out.extend_from_slice(&packet);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn packet_sizes_match_kite() {
        let sizes = |token: u32| {
            [Mode::Ltp, Mode::Quote, Mode::Full].map(|mode| {
                let mut out = Vec::new();
                encode_packet(&empty_tick(token, mode, 1), &mut out);
                out.len()
            })
        };
        assert_eq!(sizes(408065), [8, 44, 184]);
        assert_eq!(
            sizes(256265),
            [8, 28, 32],
            "NIFTY 50 is an index (segment 9)"
        );
    }

    #[test]
    fn bad_input_is_an_error_never_a_panic() {
        let mut out = Vec::new();
        assert_eq!(decode_frame(&[]), Err(DecodeError::Empty));
        assert_eq!(decode_frame(&[0]), Ok(Frame::Heartbeat));
        assert_eq!(decode_frame_into(&[7], &mut out), Ok(0));
        assert_eq!(
            decode_frame(&[0, 1]),
            Err(DecodeError::TruncatedLength {
                index: 0,
                offset: 2,
                len: 2
            })
        );
        assert_eq!(
            decode_frame(&[0, 1, 0, 8, 1, 2]),
            Err(DecodeError::TruncatedPacket {
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
                length: 3
            })
        );
        let mut frame = encode_frame(&[Tick::ltp(408065, 157370)]);
        frame.push(9);
        assert_eq!(
            decode_frame(&frame),
            Err(DecodeError::TrailingBytes { extra: 1 })
        );
        assert_eq!(decode_frame(&[0, 0]), Ok(Frame::Ticks(vec![])));
        // A count larger than the packets present.
        let mut two = encode_frame(&[Tick::ltp(408065, 1)]);
        two[1] = 2;
        assert!(matches!(
            decode_frame(&two),
            Err(DecodeError::TruncatedLength { index: 1, .. })
        ));
        // A failed decode leaves `out` as it was.
        out.push(Tick::ltp(1, 1));
        assert!(decode_frame_into(&two, &mut out).is_err());
        assert_eq!(out.len(), 1);
    }

    fn any_tick() -> impl Strategy<Value = Tick> {
        let token = prop_oneof![any::<u32>(), Just(256265u32), Just(408065u32)];
        let mode = prop_oneof![Just(Mode::Ltp), Just(Mode::Quote), Just(Mode::Full)];
        (
            token,
            mode,
            any::<u32>(),
            any::<[u32; 16]>(),
            any::<[(u32, u32, u16); 10]>(),
        )
            .prop_map(|(token, mode, ltp, f, d)| {
                let p = |i: usize| i64::from(f[i]);
                let mut tick = empty_tick(token, mode, i64::from(ltp));
                if mode == Mode::Ltp {
                    return tick;
                }
                tick.ohlc = Some(Ohlc {
                    open: p(0),
                    high: p(1),
                    low: p(2),
                    close: p(3),
                });
                if Segment::of_token(token) == Segment::Indices {
                    tick.tradable = false;
                    tick.net_change = Some(p(4));
                    tick.exchange_timestamp = (mode == Mode::Full).then(|| p(5));
                    return tick;
                }
                tick.last_traded_quantity = Some(f[6]);
                tick.average_traded_price = Some(p(7));
                tick.volume_traded = Some(f[8]);
                tick.total_buy_quantity = Some(f[9]);
                tick.total_sell_quantity = Some(f[10]);
                if mode == Mode::Full {
                    tick.last_trade_time = Some(p(11));
                    tick.oi = Some(f[12]);
                    tick.oi_day_high = Some(f[13]);
                    tick.oi_day_low = Some(f[14]);
                    tick.exchange_timestamp = Some(p(15));
                    let mut depth = Depth::default();
                    for (i, (q, price, orders)) in d.iter().enumerate() {
                        let level = DepthLevel {
                            quantity: *q,
                            price: *price,
                            orders: *orders,
                        };
                        if i < 5 {
                            depth.buy[i] = level
                        } else {
                            depth.sell[i - 5] = level
                        }
                    }
                    tick.depth = Some(depth);
                }
                tick
            })
    }

    proptest! {
        #[test]
        fn encode_then_decode_round_trips(ticks in proptest::collection::vec(any_tick(), 0..20)) {
            let frame = encode_frame(&ticks);
            prop_assert_eq!(decode_frame(&frame), Ok(Frame::Ticks(ticks)));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode_frame(&bytes);
        }

        #[test]
        fn truncated_and_corrupted_frames_never_panic(ticks in proptest::collection::vec(any_tick(), 1..6), cut in any::<usize>(), flip in any::<(usize, u8)>()) {
            let frame = encode_frame(&ticks);
            let cut = cut % frame.len();
            let _ = decode_frame(&frame[..cut]);
            let mut corrupt = frame.clone();
            let at = flip.0 % corrupt.len();
            corrupt[at] ^= flip.1;
            let _ = decode_frame(&corrupt);
        }
    }
}
