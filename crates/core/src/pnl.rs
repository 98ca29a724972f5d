//! Realised P&L of a strategy-day from the broker's fills, in paise: what the exits closed, at
//! their average prices, against what that quantity was entered at (the entry's average
//! price). A long gains when its exits sell above its entry, a short when its exits buy back
//! under it. A partial fill counts for what filled; quantity entered and not exited is open,
//! not realised.

use crate::exits::Direction;

/// One leg's fill: how many, at what average price (paise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    pub quantity: i64,
    pub average_paise: i64,
}

/// A strategy-day's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayPnl {
    pub direction: Direction,
    /// What the entry filled (bought for a long, sold for a short).
    pub entered: i64,
    /// The entry's average price; `None` when nothing was entered.
    pub entry_average_paise: Option<i64>,
    /// What the exits closed of it.
    pub exited: i64,
    /// The exits' volume-weighted average, rounded to the paisa; `None` when nothing exited.
    pub exit_average_paise: Option<i64>,
    /// Exact: Σ (exit average − entry average) × exit quantity, negated for a short.
    pub realised_paise: i64,
    /// Entered and not exited (held, or closed by the broker outside the app).
    pub open: i64,
}

impl DayPnl {
    /// What was bought and at what average: a long's entry, a short's exits.
    pub fn bought(&self) -> (i64, Option<i64>) {
        match self.direction {
            Direction::Long => (self.entered, self.entry_average_paise),
            Direction::Short => (self.exited, self.exit_average_paise),
        }
    }

    /// What was sold and at what average: a long's exits, a short's entry.
    pub fn sold(&self) -> (i64, Option<i64>) {
        match self.direction {
            Direction::Long => (self.exited, self.exit_average_paise),
            Direction::Short => (self.entered, self.entry_average_paise),
        }
    }

    /// The open quantity's P&L at `last_paise`.
    pub fn open_paise(&self, last_paise: i64) -> i64 {
        match self.entry_average_paise {
            Some(entry) if self.open > 0 => self.direction.pnl(entry, last_paise, self.open),
            _ => 0,
        }
    }
}

/// The day's P&L of a position in `direction` from its entry fill and its exit fills.
pub fn day_pnl(direction: Direction, entry: Option<Fill>, exits: &[Fill]) -> DayPnl {
    let Some(entry) = entry.filter(|e| e.quantity > 0) else {
        return DayPnl {
            direction,
            ..DayPnl::default()
        };
    };
    let mut exited = 0;
    let mut value = 0;
    let mut realised = 0;
    for exit in exits.iter().filter(|x| x.quantity > 0) {
        // Never more than was entered (an exit never closes more than is held).
        let quantity = exit.quantity.min(entry.quantity - exited);
        if quantity <= 0 {
            break;
        }
        exited += quantity;
        value += exit.average_paise * quantity;
        realised += direction.pnl(entry.average_paise, exit.average_paise, quantity);
    }
    DayPnl {
        direction,
        entered: entry.quantity,
        entry_average_paise: Some(entry.average_paise),
        exited,
        exit_average_paise: (exited > 0).then(|| (value + exited / 2) / exited),
        realised_paise: realised,
        open: entry.quantity - exited,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_gains_when_it_buys_back_lower() {
        // Sold 10 at 3,500.00; the stop bought 4 back at 3,520.00 (−80.00), the timed exit 6
        // at 3,480.50 (+117.00): +37.00, and the sides read the right way round.
        let day = day_pnl(
            Direction::Short,
            Some(fill(10, 350_000)),
            &[fill(4, 352_000), fill(6, 348_050)],
        );
        assert_eq!(day.realised_paise, 3_700);
        assert_eq!((day.entered, day.exited, day.open), (10, 10, 0));
        assert_eq!(day.sold(), (10, Some(350_000)));
        // (352000 × 4 + 348050 × 6) / 10 = 349630.
        assert_eq!(day.bought(), (10, Some(349_630)));
        // Still short 3 with the price at 3,490.00: +30.00 open.
        let open = day_pnl(
            Direction::Short,
            Some(fill(5, 350_000)),
            &[fill(2, 349_000)],
        );
        assert_eq!((open.realised_paise, open.open), (2_000, 3));
        assert_eq!(open.open_paise(349_000), 3_000);
        assert_eq!(open.bought(), (2, Some(349_000)));
    }

    fn fill(quantity: i64, rupees_paise: i64) -> Fill {
        Fill {
            quantity,
            average_paise: rupees_paise,
        }
    }

    #[test]
    fn a_hand_computed_day_with_partial_fills() {
        // Bought 7 of 10 at 3,500.05 (the rest cancelled); a stop sold 4 at 3,490.10, the timed
        // exit the other 3 at 3,512.35.
        // (3490.10 − 3500.05) × 4 = −39.80; (3512.35 − 3500.05) × 3 = +36.90; total −2.90.
        let day = day_pnl(
            Direction::Long,
            Some(fill(7, 350_005)),
            &[fill(4, 349_010), fill(3, 351_235)],
        );
        assert_eq!(day.realised_paise, -290);
        assert_eq!((day.entered, day.exited, day.open), (7, 7, 0));
        // (349010 × 4 + 351235 × 3) / 7 = 349963.57…, to the paisa.
        assert_eq!(day.exit_average_paise, Some(349_964));
    }

    #[test]
    fn unsold_shares_are_open_not_realised_and_nothing_bought_is_zero() {
        let day = day_pnl(Direction::Long, Some(fill(5, 100_000)), &[fill(2, 101_000)]);
        assert_eq!((day.realised_paise, day.open), (2_000, 3));
        assert_eq!(
            day_pnl(Direction::Long, None, &[fill(5, 1)]),
            DayPnl::default()
        );
        assert_eq!(
            day_pnl(Direction::Long, Some(fill(0, 100)), &[]).realised_paise,
            0
        );
        // An exit reported larger than the entry counts only what was bought.
        let capped = day_pnl(Direction::Long, Some(fill(5, 100_000)), &[fill(9, 100_100)]);
        assert_eq!(
            (capped.exited, capped.realised_paise, capped.open),
            (5, 500, 0)
        );
    }
}
