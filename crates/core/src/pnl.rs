//! Realised P&L of a strategy-day from the broker's fills, in paise: what the exits sold, at
//! their average prices, less what that quantity cost at the entry's average price. A partial
//! fill counts for what filled; quantity bought and not sold is open, not realised.

/// One leg's fill: how many, at what average price (paise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    pub quantity: i64,
    pub average_paise: i64,
}

/// A strategy-day's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayPnl {
    pub bought: i64,
    /// The entry's average price; `None` when nothing was bought.
    pub buy_average_paise: Option<i64>,
    pub sold: i64,
    /// The exits' volume-weighted average, rounded to the paisa; `None` when nothing was sold.
    pub sell_average_paise: Option<i64>,
    /// Exact: Σ (exit average − entry average) × exit quantity.
    pub realised_paise: i64,
    /// Bought and not sold (held, or squared off by the broker outside the app).
    pub open: i64,
}

/// The day's P&L from its entry fill and its exit fills (a long, buy-first strategy).
pub fn day_pnl(entry: Option<Fill>, exits: &[Fill]) -> DayPnl {
    let Some(entry) = entry.filter(|e| e.quantity > 0) else {
        return DayPnl::default();
    };
    let mut sold = 0;
    let mut proceeds = 0;
    let mut realised = 0;
    for exit in exits.iter().filter(|x| x.quantity > 0) {
        // Never more than was bought (the exit never sells more than is held).
        let quantity = exit.quantity.min(entry.quantity - sold);
        if quantity <= 0 {
            break;
        }
        sold += quantity;
        proceeds += exit.average_paise * quantity;
        realised += (exit.average_paise - entry.average_paise) * quantity;
    }
    DayPnl {
        bought: entry.quantity,
        buy_average_paise: Some(entry.average_paise),
        sold,
        sell_average_paise: (sold > 0).then(|| (proceeds + sold / 2) / sold),
        realised_paise: realised,
        open: entry.quantity - sold,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Some(fill(7, 350_005)),
            &[fill(4, 349_010), fill(3, 351_235)],
        );
        assert_eq!(day.realised_paise, -290);
        assert_eq!((day.bought, day.sold, day.open), (7, 7, 0));
        // (349010 × 4 + 351235 × 3) / 7 = 349963.57…, to the paisa.
        assert_eq!(day.sell_average_paise, Some(349_964));
    }

    #[test]
    fn unsold_shares_are_open_not_realised_and_nothing_bought_is_zero() {
        let day = day_pnl(Some(fill(5, 100_000)), &[fill(2, 101_000)]);
        assert_eq!((day.realised_paise, day.open), (2_000, 3));
        assert_eq!(day_pnl(None, &[fill(5, 1)]), DayPnl::default());
        assert_eq!(day_pnl(Some(fill(0, 100)), &[]), DayPnl::default());
        // An exit reported larger than the entry counts only what was bought.
        let capped = day_pnl(Some(fill(5, 100_000)), &[fill(9, 100_100)]);
        assert_eq!(
            (capped.sold, capped.realised_paise, capped.open),
            (5, 500, 0)
        );
    }
}
