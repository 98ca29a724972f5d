//! A strategy's exits beside its fixed stop-loss: a target (take-profit) and a trailing stop,
//! each a distance from a price, in points (rupees) or in per cent.
//!
//! For a long position:
//! - the **target** is `entry + distance`, rounded *up* to the tick (it never sells below the
//!   level the trader asked for), and fires when a price reaches it;
//! - the **trailing stop** is `high − distance`, rounded *down* to the tick, where `high` is the
//!   highest price since the entry (the entry's fill price to start with); it only rises, never
//!   below the fixed stop, and fires like the stop when a price falls to it.
//!
//! A short position (sold first, bought back at the exit) is the mirror image: its stop is
//! above the entry and fires when a price rises to it, its target is `entry − distance` rounded
//! *down*, and its trailing stop is `low + distance` rounded *up* under the lowest price since
//! the entry, only ever falling, never above the fixed stop. [`Direction`] holds the rules.
//!
//! Per cent is held as basis points (1.5% = 150), parsed by the one price parser.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money::{Price, PriceError};

/// Which way a strategy trades: buy first and sell at the exit (`LONG`, the default), or sell
/// first and buy back at the exit (`SHORT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Direction {
    #[default]
    Long,
    Short,
}

/// A side of an order, as the broker names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "BUY" => Some(Side::Buy),
            "SELL" => Some(Side::Sell),
            _ => None,
        }
    }

    pub fn opposite(self) -> Self {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Long => "LONG",
            Direction::Short => "SHORT",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "LONG" => Some(Direction::Long),
            "SHORT" => Some(Direction::Short),
            _ => None,
        }
    }

    /// The direction a position opened by an entry on `side` has.
    pub fn of_entry(side: Side) -> Self {
        match side {
            Side::Buy => Direction::Long,
            Side::Sell => Direction::Short,
        }
    }

    /// The direction of the position an exit on `side` closes (a sell closes a long).
    pub fn closed_by(side: Side) -> Self {
        Self::of_entry(side.opposite())
    }

    /// The entry's side: a long buys, a short sells.
    pub fn entry_side(self) -> Side {
        match self {
            Direction::Long => Side::Buy,
            Direction::Short => Side::Sell,
        }
    }

    /// Every exit's side (the stop, the target, the timed exit, the resting stop).
    pub fn exit_side(self) -> Side {
        match self {
            Direction::Long => Side::Sell,
            Direction::Short => Side::Buy,
        }
    }

    /// `+1` for a long, `−1` for a short: a price seen through it rises when the position
    /// gains. The exit book keeps a short's levels in this mirrored space.
    pub fn sign(self) -> i64 {
        match self {
            Direction::Long => 1,
            Direction::Short => -1,
        }
    }

    /// The quantity a broker's net position (`bought − sold`) holds in this direction: a long
    /// holds what is net bought, a short what is net sold; nothing the other way.
    pub fn held(self, net: i64) -> i64 {
        (net * self.sign()).max(0)
    }

    /// The stop in force: the fixed stop, or the trailing stop where it is tighter (above a
    /// long's fixed stop, below a short's).
    pub fn stop_in_force(self, fixed: i64, trail: Option<i64>) -> i64 {
        match (self, trail) {
            (_, None) => fixed,
            (Direction::Long, Some(t)) => t.max(fixed),
            (Direction::Short, Some(t)) => t.min(fixed),
        }
    }

    /// Whether a price has reached a stop: at or below it for a long, at or above for a short.
    pub fn stop_crossed(self, price: i64, stop: i64) -> bool {
        price * self.sign() <= stop * self.sign()
    }

    /// What the day earned on `quantity` entered at `entry` and exited at `exit` (paise).
    pub fn pnl(self, entry: i64, exit: i64, quantity: i64) -> i64 {
        (exit - entry) * quantity * self.sign()
    }
}

/// A distance from a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Offset {
    /// Rupees, held in paise.
    Points(Price),
    /// Per cent, held in basis points (`150` is 1.5%).
    Percent(u32),
}

/// Why a text is not an offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OffsetError {
    #[error("{0}")]
    Price(#[from] PriceError),
    #[error("a percentage must be more than 0% and at most 100%, with up to 2 decimals")]
    Percent,
}

impl Offset {
    /// The largest percentage accepted, in basis points.
    pub const MAX_BP: u32 = 10_000;

    /// Parses `"12.50"` (rupees) or `"1.5%"` (per cent, up to two decimals).
    pub fn parse(text: &str) -> Result<Self, OffsetError> {
        let text = text.trim();
        match text.strip_suffix('%') {
            Some(number) => {
                // "1.5" parsed as rupees is 150 paise: exactly the basis points.
                let bp = Price::parse(number)
                    .map_err(|_| OffsetError::Percent)?
                    .paise();
                u32::try_from(bp)
                    .ok()
                    .filter(|bp| *bp <= Self::MAX_BP)
                    .map(Offset::Percent)
                    .ok_or(OffsetError::Percent)
            }
            None => Ok(Offset::Points(Price::parse(text)?)),
        }
    }

    /// The distance from `price`, in paise (a percentage rounds down to the paisa).
    pub fn distance(self, price_paise: i64) -> i64 {
        match self {
            Offset::Points(p) => p.paise(),
            Offset::Percent(bp) => price_paise.saturating_mul(i64::from(bp)) / 10_000,
        }
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Offset::Points(p) => write!(f, "{p}"),
            Offset::Percent(bp) => {
                let (whole, frac) = (bp / 100, bp % 100);
                if frac == 0 {
                    write!(f, "{whole}%")
                } else if frac % 10 == 0 {
                    write!(f, "{whole}.{}%", frac / 10)
                } else {
                    write!(f, "{whole}.{frac:02}%")
                }
            }
        }
    }
}

impl Serialize for Offset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Offset::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A strategy's optional exits beside its stop-loss (measured for a long; see
/// [`ExitRules::target_for`] and [`ExitRules::trail_for`] for either direction).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExitRules {
    /// Take the profit at this distance above the entry's fill price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Offset>,
    /// Follow the highest price since the entry at this distance below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailing_stop: Option<Offset>,
}

fn floor_to(paise: i64, tick: i64) -> i64 {
    paise - paise.rem_euclid(tick.max(1))
}

fn ceil_to(paise: i64, tick: i64) -> i64 {
    let tick = tick.max(1);
    let rem = paise.rem_euclid(tick);
    if rem == 0 {
        paise
    } else {
        paise + tick - rem
    }
}

impl ExitRules {
    /// The target price of a long position bought at `entry_paise`, rounded up to the tick.
    pub fn target_paise(&self, entry_paise: i64, tick_paise: i64) -> Option<i64> {
        let target = self.target?;
        Some(ceil_to(
            entry_paise.saturating_add(target.distance(entry_paise).max(1)),
            tick_paise,
        ))
    }

    /// The trailing stop under a high of `high_paise`, rounded down to the tick; `None` without
    /// a trailing stop. The caller holds it no lower than the fixed stop.
    pub fn trail_paise(&self, high_paise: i64, tick_paise: i64) -> Option<i64> {
        let trail = self.trailing_stop?;
        Some(floor_to(
            high_paise.saturating_sub(trail.distance(high_paise).max(1)),
            tick_paise,
        ))
    }

    /// The target of a position in `direction` entered at `entry_paise`: a long's above the
    /// entry rounded up, a short's below it rounded down (never a level worse than the one
    /// asked for). A short's target at or below zero is none: no price reaches it.
    pub fn target_for(
        &self,
        direction: Direction,
        entry_paise: i64,
        tick_paise: i64,
    ) -> Option<i64> {
        match direction {
            Direction::Long => self.target_paise(entry_paise, tick_paise),
            Direction::Short => {
                let target = self.target?;
                Some(floor_to(
                    entry_paise.saturating_sub(target.distance(entry_paise).max(1)),
                    tick_paise,
                ))
                .filter(|t| *t > 0)
            }
        }
    }

    /// The trailing stop of a position in `direction` whose best price since the entry is
    /// `extreme_paise`: under a long's high rounded down, over a short's low rounded up. The
    /// caller holds it no looser than the fixed stop.
    pub fn trail_for(
        &self,
        direction: Direction,
        extreme_paise: i64,
        tick_paise: i64,
    ) -> Option<i64> {
        match direction {
            Direction::Long => self.trail_paise(extreme_paise, tick_paise),
            Direction::Short => {
                let trail = self.trailing_stop?;
                Some(ceil_to(
                    extreme_paise.saturating_add(trail.distance(extreme_paise).max(1)),
                    tick_paise,
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_points_and_percent_with_one_parser() {
        assert_eq!(
            Offset::parse("12.5"),
            Ok(Offset::Points(Price::parse("12.50").expect("price")))
        );
        assert_eq!(Offset::parse(" 1.5% "), Ok(Offset::Percent(150)));
        assert_eq!(Offset::parse("2%"), Ok(Offset::Percent(200)));
        assert_eq!(Offset::parse("0.05%"), Ok(Offset::Percent(5)));
        assert_eq!(Offset::parse("100%"), Ok(Offset::Percent(10_000)));
        for bad in ["0%", "-1%", "100.01%", "1.234%", "%", "abc%"] {
            assert_eq!(Offset::parse(bad), Err(OffsetError::Percent), "{bad}");
        }
        assert!(matches!(Offset::parse("0"), Err(OffsetError::Price(_))));
        assert!(matches!(Offset::parse("1.234"), Err(OffsetError::Price(_))));
    }

    #[test]
    fn displays_what_it_parses() {
        for text in ["12.50", "1.5%", "2%", "0.05%", "12.34%"] {
            assert_eq!(
                Offset::parse(text).expect("valid").to_string(),
                text,
                "{text}"
            );
        }
    }

    #[test]
    fn target_rounds_up_and_trail_rounds_down_to_the_tick() {
        let rules = ExitRules {
            target: Some(Offset::Percent(100)),
            trailing_stop: Some(Offset::Percent(100)),
        };
        // 1% of 1,234.55 is 12.3455 → 12.34 (paise floor); 1,246.89 rounds up to 1,246.90.
        assert_eq!(rules.target_paise(123_455, 5), Some(124_690));
        // 1,234.55 − 12.34 = 1,222.21 rounds down to 1,222.20.
        assert_eq!(rules.trail_paise(123_455, 5), Some(122_220));
        let points = ExitRules {
            target: Some(Offset::Points(Price::parse("10").expect("price"))),
            trailing_stop: Some(Offset::Points(Price::parse("5").expect("price"))),
        };
        assert_eq!(points.target_paise(100_000, 5), Some(101_000));
        assert_eq!(points.trail_paise(101_000, 5), Some(100_500));
        assert_eq!(ExitRules::default().target_paise(100_000, 5), None);
        assert_eq!(ExitRules::default().trail_paise(100_000, 5), None);
    }

    #[test]
    fn a_short_mirrors_a_long() {
        let rules = ExitRules {
            target: Some(Offset::Percent(100)),
            trailing_stop: Some(Offset::Percent(100)),
        };
        // 1% of 1,234.55 is 12.34: the target 1,222.21 rounds down to 1,222.20, the trail
        // over a low of 1,234.55 is 1,246.89, up to 1,246.90.
        assert_eq!(
            rules.target_for(Direction::Short, 123_455, 5),
            Some(122_220)
        );
        assert_eq!(rules.trail_for(Direction::Short, 123_455, 5), Some(124_690));
        assert_eq!(rules.target_for(Direction::Long, 123_455, 5), Some(124_690));
        assert_eq!(rules.trail_for(Direction::Long, 123_455, 5), Some(122_220));
        // A 100% target of a short is a price of zero: none.
        let all = ExitRules {
            target: Some(Offset::Percent(10_000)),
            trailing_stop: None,
        };
        assert_eq!(all.target_for(Direction::Short, 100_000, 5), None);
        let (long, short) = (Direction::Long, Direction::Short);
        assert_eq!((long.held(7), long.held(-7)), (7, 0));
        assert_eq!((short.held(-7), short.held(7)), (7, 0));
        assert_eq!(long.stop_in_force(100, Some(120)), 120);
        assert_eq!(long.stop_in_force(100, Some(90)), 100);
        assert_eq!(short.stop_in_force(100, Some(90)), 90);
        assert_eq!(short.stop_in_force(100, Some(120)), 100);
        assert!(
            long.stop_crossed(100, 100)
                && long.stop_crossed(99, 100)
                && !long.stop_crossed(101, 100)
        );
        assert!(
            short.stop_crossed(100, 100)
                && short.stop_crossed(101, 100)
                && !short.stop_crossed(99, 100)
        );
        // Sold 10 at 100.00, bought back at 98.00: +20.00.
        assert_eq!(short.pnl(10_000, 9_800, 10), 2_000);
        assert_eq!(long.pnl(10_000, 9_800, 10), -2_000);
        assert_eq!(
            (long.exit_side(), short.exit_side()),
            (Side::Sell, Side::Buy)
        );
        assert_eq!(Direction::of_entry(short.entry_side()), short);
    }

    proptest! {
        /// On the tick grid, the target is above the entry, the trail below the high, and
        /// neither further than the distance and one tick.
        #[test]
        fn levels_are_on_the_tick_and_on_the_right_side(
            price in 100i64..10_000_000, bp in 1u32..=10_000, points in 5i64..100_000, tick in prop::sample::select(vec![1i64, 5, 10]),
        ) {
            for offset in [Offset::Percent(bp), Offset::Points(Price::from_paise(points).expect("price"))] {
                let rules = ExitRules { target: Some(offset), trailing_stop: Some(offset) };
                let d = offset.distance(price).max(1);
                let target = rules.target_paise(price, tick).expect("target");
                prop_assert!(target % tick == 0 && target > price && target - price < d + tick);
                let trail = rules.trail_paise(price, tick).expect("trail");
                prop_assert!(trail % tick == 0 && trail < price && price - trail < d + tick);
                // A short's: the target below, the trail above, as close.
                if let Some(target) = rules.target_for(Direction::Short, price, tick) {
                    prop_assert!(target % tick == 0 && target < price && price - target < d + tick);
                }
                let trail = rules.trail_for(Direction::Short, price, tick).expect("trail");
                prop_assert!(trail % tick == 0 && trail > price && trail - price < d + tick);
            }
        }
    }
}
