//! The stop-loss book: every armed stop, per instrument, ordered by stop price.
//!
//! A tick on an instrument triggers every stop at or above its price (a long position's stop
//! fires when `price <= stop`). Those are the highest stops, at the end of the instrument's
//! ordered map, so a tick costs O(log n + triggered), with no Redis call per strategy.
//! A triggered stop leaves the book: it fires once.

use std::collections::{BTreeSet, HashMap};

use uuid::Uuid;

/// The stops of all instruments.
#[derive(Debug, Default)]
pub struct StopBook {
    /// instrument token → (stop in paise, strategy) ordered by stop.
    by_token: HashMap<u32, BTreeSet<(i64, Uuid)>>,
    /// strategy → (instrument token, stop), to remove or move a stop.
    armed: HashMap<Uuid, (u32, i64)>,
}

impl StopBook {
    pub fn new() -> Self {
        Self::default()
    }

    /// Arms (or moves) a strategy's stop.
    pub fn arm(&mut self, strategy: Uuid, token: u32, stop_paise: i64) {
        self.disarm(strategy);
        self.by_token
            .entry(token)
            .or_default()
            .insert((stop_paise, strategy));
        self.armed.insert(strategy, (token, stop_paise));
    }

    /// Removes a strategy's stop; `true` when it was armed.
    pub fn disarm(&mut self, strategy: Uuid) -> bool {
        let Some((token, stop)) = self.armed.remove(&strategy) else {
            return false;
        };
        if let Some(stops) = self.by_token.get_mut(&token) {
            stops.remove(&(stop, strategy));
            if stops.is_empty() {
                self.by_token.remove(&token);
            }
        }
        true
    }

    /// Applies a tick: appends to `fired` every strategy whose stop is at or above `price_paise`,
    /// and removes them from the book. Returns how many fired.
    pub fn on_tick(&mut self, token: u32, price_paise: i64, fired: &mut Vec<Uuid>) -> usize {
        let Some(stops) = self.by_token.get_mut(&token) else {
            return 0;
        };
        // Fast path: the highest stop is below the price, nothing fires.
        match stops.last() {
            Some((highest, _)) if *highest >= price_paise => {}
            _ => return 0,
        }
        let triggered = stops.split_off(&(price_paise, Uuid::nil()));
        let count = triggered.len();
        for (_, strategy) in triggered {
            self.armed.remove(&strategy);
            fired.push(strategy);
        }
        if stops.is_empty() {
            self.by_token.remove(&token);
        }
        count
    }

    pub fn is_armed(&self, strategy: Uuid) -> bool {
        self.armed.contains_key(&strategy)
    }

    /// The instruments with at least one armed stop (the ones to subscribe to).
    pub fn tokens(&self) -> impl Iterator<Item = u32> + '_ {
        self.by_token.keys().copied()
    }

    pub fn len(&self) -> usize {
        self.armed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.armed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fires_at_and_below_the_stop_once() {
        let mut book = StopBook::new();
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        book.arm(a, 1, 350_000);
        book.arm(b, 1, 349_000);
        book.arm(c, 2, 350_000);
        let mut fired = Vec::new();
        assert_eq!(book.on_tick(1, 350_001, &mut fired), 0);
        assert_eq!(
            book.on_tick(1, 350_000, &mut fired),
            1,
            "price == stop fires"
        );
        assert_eq!(fired, vec![a]);
        assert_eq!(book.on_tick(1, 300_000, &mut fired), 1);
        assert_eq!(fired, vec![a, b]);
        assert_eq!(book.on_tick(1, 1, &mut fired), 0, "each fires once");
        assert!(book.is_armed(c) && book.len() == 1);
        assert_eq!(book.tokens().collect::<Vec<_>>(), vec![2]);
        assert_eq!(book.on_tick(99, 1, &mut fired), 0, "unknown token");
    }

    #[test]
    fn moving_and_disarming() {
        let mut book = StopBook::new();
        let a = Uuid::new_v4();
        book.arm(a, 1, 100);
        book.arm(a, 1, 50);
        let mut fired = Vec::new();
        assert_eq!(book.on_tick(1, 80, &mut fired), 0, "the stop moved to 50");
        assert!(book.disarm(a));
        assert!(!book.disarm(a));
        assert_eq!(book.on_tick(1, 10, &mut fired), 0);
        assert!(book.is_empty());
    }

    proptest! {
        /// Every tick fires exactly the armed stops at or above its price, each stop at most once.
        #[test]
        fn ticks_fire_exactly_the_crossed_stops(
            stops in proptest::collection::vec((0u32..4, 1i64..1_000), 0..200),
            ticks in proptest::collection::vec((0u32..4, 1i64..1_000), 0..100),
        ) {
            let mut book = StopBook::new();
            let mut model: HashMap<Uuid, (u32, i64)> = HashMap::new();
            for (token, stop) in stops {
                let id = Uuid::new_v4();
                book.arm(id, token, stop);
                model.insert(id, (token, stop));
            }
            let mut seen = std::collections::HashSet::new();
            for (token, price) in ticks {
                let mut fired = Vec::new();
                book.on_tick(token, price, &mut fired);
                let mut expected: Vec<Uuid> = model.iter().filter(|(_, (t, s))| *t == token && *s >= price).map(|(id, _)| *id).collect();
                for id in &expected {
                    model.remove(id);
                }
                expected.sort();
                fired.sort();
                prop_assert_eq!(&fired, &expected);
                for id in fired {
                    prop_assert!(seen.insert(id), "fired twice");
                }
            }
            prop_assert_eq!(book.len(), model.len());
        }
    }
}
