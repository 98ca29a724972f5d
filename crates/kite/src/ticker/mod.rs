//! The ticker WebSocket protocol: binary tick frames, heartbeats, and JSON text messages.
//!
//! A binary frame is a 2-byte big-endian packet count, then for each packet a 2-byte length and
//! the packet. A 1-byte binary message is a heartbeat. Packet sizes: LTP 8, index quote 28,
//! index full 32, quote 44, full 184 (5 + 5 depth). Prices are integers in the segment's minor
//! unit: divide by [`Segment::price_divisor`] (100 for NSE/BSE equity, i.e. paise).
//!
//! - [`codec`]: decode and encode frames; decoding never panics or over-reads.
//! - [`message`]: the JSON text messages both ways (subscribe/mode requests, order updates, errors).

pub mod codec;
pub mod message;

pub use codec::{
    decode_frame, decode_frame_into, encode_frame, encode_packet, DecodeError, Frame, HEARTBEAT,
};
pub use message::{ClientRequest, OrderUpdate, ServerMessage};

use serde::{Deserialize, Serialize};

/// How much of a tick a subscription receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Ltp,
    Quote,
    Full,
}

/// The exchange segment of an instrument: the low byte of its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Segment {
    NseCm,
    NseFo,
    NseCd,
    BseCm,
    BseFo,
    BseCd,
    McxFo,
    McxSx,
    Indices,
    /// NCO: NSE commodity derivatives.
    NseCo,
    Unknown(u8),
}

impl Segment {
    pub fn of_token(instrument_token: u32) -> Self {
        match instrument_token & 0xff {
            1 => Segment::NseCm,
            2 => Segment::NseFo,
            3 => Segment::NseCd,
            4 => Segment::BseCm,
            5 => Segment::BseFo,
            6 => Segment::BseCd,
            7 => Segment::McxFo,
            8 => Segment::McxSx,
            9 => Segment::Indices,
            12 => Segment::NseCo,
            other => Segment::Unknown(other as u8),
        }
    }

    /// What the packet's integer prices are divided by to get rupees.
    pub fn price_divisor(self) -> i64 {
        match self {
            Segment::NseCd => 10_000_000,
            Segment::BseCd | Segment::NseCo => 10_000,
            _ => 100,
        }
    }

    /// Indices cannot be traded.
    pub fn tradable(self) -> bool {
        self != Segment::Indices
    }
}

/// One level of market depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DepthLevel {
    pub quantity: u32,
    /// Raw price (see [`Segment::price_divisor`]), as the wire carries it (`u32`).
    pub price: u32,
    pub orders: u16,
}

/// Five bid and five ask levels (full mode).
///
/// Kept as the wire's thirty 4-byte words, byte-swapped to native integers (three per level:
/// quantity, price, then the `u16` order count in the high half above 2 bytes of padding),
/// so that decoding a full packet is one block copy; the levels are unpacked when read.
#[derive(Clone, Copy, Default)]
pub struct Depth {
    words: [u32; 30],
}

impl Depth {
    pub fn new(buy: [DepthLevel; 5], sell: [DepthLevel; 5]) -> Self {
        let mut words = [0; 30];
        for (w, level) in words.chunks_exact_mut(3).zip(buy.iter().chain(sell.iter())) {
            w.copy_from_slice(&[level.quantity, level.price, u32::from(level.orders) << 16]);
        }
        Depth { words }
    }

    /// The wire's words, from the first bid level's quantity.
    pub(crate) fn from_words(words: [u32; 30]) -> Self {
        Depth { words }
    }

    pub(crate) fn words(&self) -> &[u32; 30] {
        &self.words
    }

    /// Level `i`: 0–4 the bids, best first; 5–9 the asks, best first.
    fn level(&self, i: usize) -> DepthLevel {
        let w = &self.words[3 * i..3 * i + 3];
        DepthLevel {
            quantity: w[0],
            price: w[1],
            orders: (w[2] >> 16) as u16,
        }
    }

    /// The five bid levels, best first.
    pub fn buy(&self) -> [DepthLevel; 5] {
        std::array::from_fn(|i| self.level(i))
    }

    /// The five ask levels, best first.
    pub fn sell(&self) -> [DepthLevel; 5] {
        std::array::from_fn(|i| self.level(5 + i))
    }
}

/// Equal levels (the padding bytes a packet carried do not count).
impl PartialEq for Depth {
    fn eq(&self, other: &Self) -> bool {
        self.buy() == other.buy() && self.sell() == other.sell()
    }
}

impl Eq for Depth {}

impl std::fmt::Debug for Depth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Depth")
            .field("buy", &self.buy())
            .field("sell", &self.sell())
            .finish()
    }
}

/// Open, high, low, close, as raw prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ohlc {
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub close: i64,
}

/// One decoded tick. Fields a packet's mode does not carry are `None`.
/// All prices are raw integers in the segment's minor unit (paise for NSE/BSE equity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub instrument_token: u32,
    pub mode: Mode,
    /// False for indices.
    pub tradable: bool,
    pub last_price: i64,
    pub last_traded_quantity: Option<u32>,
    pub average_traded_price: Option<i64>,
    pub volume_traded: Option<u32>,
    pub total_buy_quantity: Option<u32>,
    pub total_sell_quantity: Option<u32>,
    pub ohlc: Option<Ohlc>,
    /// Index packets carry the net change as a raw price; others leave it `None`.
    pub net_change: Option<i64>,
    /// Unix seconds.
    pub last_trade_time: Option<i64>,
    pub oi: Option<u32>,
    pub oi_day_high: Option<u32>,
    pub oi_day_low: Option<u32>,
    /// Unix seconds.
    pub exchange_timestamp: Option<i64>,
    pub depth: Option<Depth>,
}

impl Tick {
    pub fn segment(&self) -> Segment {
        Segment::of_token(self.instrument_token)
    }

    /// The last price in paise, when the segment quotes in paise (NSE/BSE equity, F&O, indices).
    pub fn last_price_paise(&self) -> Option<i64> {
        (self.segment().price_divisor() == 100).then_some(self.last_price)
    }

    /// An LTP-mode tick (the smallest packet), e.g. for the simulator's price broadcast.
    pub fn ltp(instrument_token: u32, last_price: i64) -> Self {
        Tick {
            instrument_token,
            mode: Mode::Ltp,
            tradable: Segment::of_token(instrument_token).tradable(),
            last_price,
            last_traded_quantity: None,
            average_traded_price: None,
            volume_traded: None,
            total_buy_quantity: None,
            total_sell_quantity: None,
            ohlc: None,
            net_change: None,
            last_trade_time: None,
            oi: None,
            oi_day_high: None,
            oi_day_low: None,
            exchange_timestamp: None,
            depth: None,
        }
    }
}
