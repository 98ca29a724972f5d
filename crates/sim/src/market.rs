//! Prices: each instrument's quote (last price, day OHLC, volume) in paise, the seeded random walk
//! that moves them, and the ticker packets built from them.

use std::collections::HashMap;

use algo_kite::ticker::{Depth, DepthLevel, Mode, Ohlc, Tick};

use crate::instruments::Instruments;

/// One instrument's quote. All prices in paise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub token: u32,
    pub last: i64,
    pub open: i64,
    pub high: i64,
    pub low: i64,
    /// The previous close: the start price.
    pub close: i64,
    pub volume: u32,
    pub last_quantity: u32,
    pub tick_paise: i64,
    /// Unix seconds of the last change.
    pub changed_at: i64,
}

impl Quote {
    /// The ticker packet for `mode`, as Kite fills it (index packets carry OHLC and net change
    /// only). Depth is five levels a tick apart on either side.
    pub fn tick(&self, mode: Mode) -> Tick {
        let mut tick = Tick::ltp(self.token, self.last);
        tick.mode = mode;
        if mode == Mode::Ltp {
            return tick;
        }
        tick.ohlc = Some(Ohlc {
            open: self.open,
            high: self.high,
            low: self.low,
            close: self.close,
        });
        if !tick.tradable {
            tick.net_change = Some(self.last - self.close);
            tick.exchange_timestamp = (mode == Mode::Full).then_some(self.changed_at);
            return tick;
        }
        tick.last_traded_quantity = Some(self.last_quantity);
        tick.average_traded_price = Some(self.last);
        tick.volume_traded = Some(self.volume);
        tick.total_buy_quantity = Some(1_500);
        tick.total_sell_quantity = Some(1_500);
        if mode == Mode::Full {
            tick.last_trade_time = Some(self.changed_at);
            tick.oi = Some(0);
            tick.oi_day_high = Some(0);
            tick.oi_day_low = Some(0);
            tick.exchange_timestamp = Some(self.changed_at);
            let side = |direction: i64| -> [DepthLevel; 5] {
                std::array::from_fn(|i| {
                    let level = i as i64 + 1;
                    DepthLevel {
                        quantity: 100 * level as u32,
                        price: wire_price(self.last + direction * self.tick_paise * level),
                        orders: level as u16,
                    }
                })
            };
            tick.depth = Some(Depth::new(side(-1), side(1)));
        }
        tick
    }
}

/// Depth prices travel as the wire's unsigned 32 bits.
fn wire_price(paise: i64) -> u32 {
    u32::try_from(paise.max(0)).unwrap_or(u32::MAX)
}

/// SplitMix64: a tiny generator whose sequence for a seed never changes with a dependency's
/// version, so a seed reproduces the same walk forever.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// One of -3, -2, -1, 1, 2, 3.
    fn step(&mut self) -> i64 {
        const STEPS: [i64; 6] = [-3, -2, -1, 1, 2, 3];
        STEPS[(self.next() % 6) as usize]
    }
}

/// Every instrument's quote and the walk's generator.
#[derive(Debug, Clone)]
pub struct Market {
    quotes: HashMap<u32, Quote>,
    /// Tokens in list order, so a walk step visits them in a fixed order.
    order: Vec<u32>,
    rng: SplitMix64,
    seed: u64,
}

impl Market {
    /// Every instrument at its start price.
    pub fn new(instruments: &Instruments, seed: u64, now: i64) -> Self {
        let quotes = instruments
            .all()
            .iter()
            .map(|i| {
                (
                    i.token,
                    Quote {
                        token: i.token,
                        last: i.start_paise,
                        open: i.start_paise,
                        high: i.start_paise,
                        low: i.start_paise,
                        close: i.start_paise,
                        volume: 0,
                        last_quantity: 0,
                        tick_paise: i.tick_paise,
                        changed_at: now,
                    },
                )
            })
            .collect();
        Self {
            quotes,
            order: instruments.all().iter().map(|i| i.token).collect(),
            rng: SplitMix64(seed),
            seed,
        }
    }

    /// Start prices and the walk from its seed again.
    pub fn reset(&mut self, instruments: &Instruments, now: i64) {
        *self = Self::new(instruments, self.seed, now);
    }

    pub fn quote(&self, token: u32) -> Option<&Quote> {
        self.quotes.get(&token)
    }

    /// Every quote, in list order.
    pub fn all(&self) -> impl Iterator<Item = &Quote> {
        self.order.iter().filter_map(|t| self.quotes.get(t))
    }

    /// Sets the last price; `None` for an unknown token or a price that is not positive.
    pub fn set(&mut self, token: u32, paise: i64, now: i64) -> Option<Quote> {
        if paise <= 0 {
            return None;
        }
        let q = self.quotes.get_mut(&token)?;
        q.last = paise;
        q.high = q.high.max(paise);
        q.low = q.low.min(paise);
        q.changed_at = now;
        Some(*q)
    }

    /// Records a trade of `quantity` at the last price (paper fills count as volume).
    pub fn trade(&mut self, token: u32, quantity: u32) {
        if let Some(q) = self.quotes.get_mut(&token) {
            q.volume = q.volume.saturating_add(quantity);
            q.last_quantity = quantity;
        }
    }

    /// One walk step: every instrument moves 1 to 3 ticks up or down, never below one tick.
    /// Returns the new quotes.
    pub fn walk(&mut self, now: i64) -> Vec<Quote> {
        let mut moved = Vec::with_capacity(self.order.len());
        for i in 0..self.order.len() {
            let token = self.order[i];
            let step = self.rng.step();
            let Some(q) = self.quotes.get(&token) else {
                continue;
            };
            let next = (q.last + step * q.tick_paise).max(q.tick_paise);
            if let Some(q) = self.set(token, next, now) {
                moved.push(q);
            }
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_moves_by_one_to_three_ticks_and_repeats_for_a_seed() {
        let instruments = Instruments::load();
        let mut a = Market::new(&instruments, 7, 0);
        let mut b = Market::new(&instruments, 7, 0);
        let mut c = Market::new(&instruments, 8, 0);
        let before: Vec<Quote> = a.all().copied().collect();
        let moved = a.walk(1);
        assert_eq!(moved.len(), before.len(), "every instrument moves");
        for (old, new) in before.iter().zip(&moved) {
            let ticks = (new.last - old.last).abs() / old.tick_paise;
            assert!(
                (1..=3).contains(&ticks),
                "{} moved {ticks} ticks",
                old.token
            );
            assert_eq!((new.last - old.last) % old.tick_paise, 0);
        }
        assert_eq!(moved, b.walk(1), "same seed, same walk");
        assert_ne!(moved, c.walk(1), "another seed, another walk");
        a.reset(&instruments, 0);
        assert_eq!(a.all().copied().collect::<Vec<_>>(), before);
    }

    #[test]
    fn packets_have_kites_sizes() {
        let instruments = Instruments::load();
        let market = Market::new(&instruments, 1, 0);
        let size = |token, mode| {
            let q = market.quote(token).expect("quote");
            let frame = algo_kite::ticker::encode_frame(&[q.tick(mode)]);
            frame.len() - 4
        };
        assert_eq!(
            [Mode::Ltp, Mode::Quote, Mode::Full].map(|m| size(2953217, m)),
            [8, 44, 184]
        );
        assert_eq!(
            [Mode::Ltp, Mode::Quote, Mode::Full].map(|m| size(256265, m)),
            [8, 28, 32]
        );
    }
}
