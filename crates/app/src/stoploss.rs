//! The exit book: every open position's guards, per instrument: its stop (the fixed stop-loss,
//! raised by a trailing stop as the price rises) and its target.
//!
//! A long position's stop fires when `price <= stop`, its target when `price >= target`. Stops
//! are an ordered set per instrument, so a tick finds the crossed ones at the end (O(log n +
//! fired)); targets likewise at the start of theirs. A trailing stop costs one comparison per
//! tick of its instrument while the price makes no new high, and a move in the set when it does.
//! No Redis call per strategy. A guard that fires leaves the book: it fires once.

use std::collections::{BTreeSet, HashMap};

use algo_core::strategy::ExitRules;
use uuid::Uuid;

/// Which guard fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exit {
    /// The stop-loss, fixed or trailed.
    StopLoss,
    Target,
}

/// One strategy whose guard fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    pub strategy: Uuid,
    pub exit: Exit,
}

/// What guards one open position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guard {
    pub token: u32,
    /// The fixed stop-loss, in paise.
    pub stop_paise: i64,
    /// The target and the trailing stop, as the trader set them.
    pub exits: ExitRules,
    /// The entry's fill price: where the target is measured from and the trail starts.
    /// Without it there is no target, and the trail starts at the first tick.
    pub entry_paise: Option<i64>,
    /// The price grid the levels are rounded to.
    pub tick_paise: i64,
}

/// A guard as armed: its current levels.
#[derive(Debug, Clone, Copy)]
struct Armed {
    guard: Guard,
    /// The stop in force: the fixed stop, or the trail above it.
    stop: i64,
    target: Option<i64>,
    /// The highest price seen since the entry (with a trailing stop).
    high: Option<i64>,
}

impl Armed {
    fn new(guard: Guard, high: Option<i64>) -> Self {
        let target = guard
            .entry_paise
            .and_then(|e| guard.exits.target_paise(e, guard.tick_paise));
        let high = match (high, guard.entry_paise) {
            (Some(h), Some(e)) => Some(h.max(e)),
            (h, e) => h.or(e),
        }
        .filter(|_| guard.exits.trailing_stop.is_some());
        let mut armed = Self {
            guard,
            stop: guard.stop_paise,
            target,
            high: None,
        };
        if let Some(h) = high {
            armed.raise(h);
        }
        armed
    }

    /// A new high: the trailing stop follows it, never down. Returns whether the stop moved.
    fn raise(&mut self, price: i64) -> bool {
        if self.high.is_some_and(|h| h >= price) {
            return false;
        }
        self.high = Some(price);
        match self.guard.exits.trail_paise(price, self.guard.tick_paise) {
            Some(trail) if trail > self.stop => {
                self.stop = trail;
                true
            }
            _ => false,
        }
    }
}

/// The stops and targets of one instrument.
#[derive(Debug, Default)]
struct Instrument {
    stops: BTreeSet<(i64, Uuid)>,
    targets: BTreeSet<(i64, Uuid)>,
    trailing: Vec<Uuid>,
}

impl Instrument {
    fn is_empty(&self) -> bool {
        self.stops.is_empty() && self.targets.is_empty()
    }
}

/// The guards of all instruments.
#[derive(Debug, Default)]
pub struct StopBook {
    by_token: HashMap<u32, Instrument>,
    armed: HashMap<Uuid, Armed>,
}

impl StopBook {
    pub fn new() -> Self {
        Self::default()
    }

    /// Arms (or moves) a plain stop-loss.
    pub fn arm(&mut self, strategy: Uuid, token: u32, stop_paise: i64) {
        self.arm_guard(
            strategy,
            Guard {
                token,
                stop_paise,
                exits: ExitRules::default(),
                entry_paise: None,
                tick_paise: 1,
            },
            None,
        );
    }

    /// Arms (or re-arms) a strategy's guard. `high` is a high seen before (kept in the runtime
    /// cache across restarts); re-arming on the same instrument keeps the high the book saw,
    /// so a moved stop or a resync never lowers a trailing stop.
    pub fn arm_guard(&mut self, strategy: Uuid, guard: Guard, high: Option<i64>) {
        let seen = self
            .armed
            .get(&strategy)
            .filter(|a| a.guard.token == guard.token)
            .and_then(|a| a.high);
        self.disarm(strategy);
        let armed = Armed::new(guard, seen.max(high));
        let book = self.by_token.entry(guard.token).or_default();
        book.stops.insert((armed.stop, strategy));
        if let Some(target) = armed.target {
            book.targets.insert((target, strategy));
        }
        if armed.high.is_some() {
            book.trailing.push(strategy);
        }
        self.armed.insert(strategy, armed);
    }

    /// Removes a strategy's guard; `true` when it was armed.
    pub fn disarm(&mut self, strategy: Uuid) -> bool {
        let Some(armed) = self.armed.remove(&strategy) else {
            return false;
        };
        let token = armed.guard.token;
        if let Some(book) = self.by_token.get_mut(&token) {
            book.stops.remove(&(armed.stop, strategy));
            if let Some(target) = armed.target {
                book.targets.remove(&(target, strategy));
            }
            book.trailing.retain(|id| *id != strategy);
            if book.is_empty() {
                self.by_token.remove(&token);
            }
        }
        true
    }

    /// Applies a tick: raises the trailing stops under a new high, then appends to `fired`
    /// every strategy whose stop is at or above `price_paise` or whose target is at or below
    /// it, and removes them from the book. Returns how many fired.
    pub fn on_tick(&mut self, token: u32, price_paise: i64, fired: &mut Vec<Fired>) -> usize {
        let Some(book) = self.by_token.get_mut(&token) else {
            return 0;
        };
        for id in &book.trailing {
            let Some(armed) = self.armed.get_mut(id) else {
                continue;
            };
            let old = armed.stop;
            if armed.raise(price_paise) {
                book.stops.remove(&(old, *id));
                book.stops.insert((armed.stop, *id));
            }
        }
        let before = fired.len();
        // Fast paths: the highest stop is below the price, the lowest target above it.
        if book.stops.last().is_some_and(|(s, _)| *s >= price_paise) {
            let crossed = book.stops.split_off(&(price_paise, Uuid::nil()));
            fired.extend(crossed.into_iter().map(|(_, strategy)| Fired {
                strategy,
                exit: Exit::StopLoss,
            }));
        }
        if book.targets.first().is_some_and(|(t, _)| *t <= price_paise) {
            let above = book.targets.split_off(&(price_paise + 1, Uuid::nil()));
            let reached = std::mem::replace(&mut book.targets, above);
            fired.extend(reached.into_iter().map(|(_, strategy)| Fired {
                strategy,
                exit: Exit::Target,
            }));
        }
        // Each strategy fires once, by whichever of its guards came first in the list (a stop
        // and a target both crossed by one tick is a stop: the safer reading).
        let mut i = before;
        while i < fired.len() {
            let id = fired[i].strategy;
            if self.armed.contains_key(&id) {
                self.disarm(id);
                i += 1;
            } else {
                fired.remove(i);
            }
        }
        fired.len() - before
    }

    pub fn is_armed(&self, strategy: Uuid) -> bool {
        self.armed.contains_key(&strategy)
    }

    /// The stop in force for a strategy (its trail when that is higher), and its high.
    pub fn levels(&self, strategy: Uuid) -> Option<(i64, Option<i64>)> {
        self.armed.get(&strategy).map(|a| (a.stop, a.high))
    }

    /// The instruments with at least one armed guard (the ones to subscribe to).
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
    use algo_core::strategy::Offset;
    use algo_core::Price;
    use proptest::prelude::*;

    fn ids(fired: &[Fired]) -> Vec<Uuid> {
        fired.iter().map(|f| f.strategy).collect()
    }

    fn points(rupees: &str) -> Option<Offset> {
        Some(Offset::Points(Price::parse(rupees).expect("price")))
    }

    fn guard(stop: i64, exits: ExitRules, entry: Option<i64>) -> Guard {
        Guard {
            token: 1,
            stop_paise: stop,
            exits,
            entry_paise: entry,
            tick_paise: 5,
        }
    }

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
        assert_eq!(ids(&fired), vec![a]);
        assert_eq!(book.on_tick(1, 300_000, &mut fired), 1);
        assert_eq!(ids(&fired), vec![a, b]);
        assert!(fired.iter().all(|f| f.exit == Exit::StopLoss));
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

    #[test]
    fn a_target_fires_once_at_or_above_its_level() {
        let mut book = StopBook::new();
        let a = Uuid::new_v4();
        let exits = ExitRules {
            target: points("20"),
            trailing_stop: None,
        };
        // Bought at 1,000.00: the target is 1,020.00.
        book.arm_guard(a, guard(95_000, exits, Some(100_000)), None);
        let mut fired = Vec::new();
        assert_eq!(book.on_tick(1, 101_995, &mut fired), 0);
        assert_eq!(book.on_tick(1, 102_000, &mut fired), 1);
        assert_eq!(
            fired,
            vec![Fired {
                strategy: a,
                exit: Exit::Target
            }]
        );
        assert_eq!(book.on_tick(1, 103_000, &mut fired), 0, "once");
        assert_eq!(book.on_tick(1, 90_000, &mut fired), 0, "its stop left too");
        assert!(book.is_empty());
    }

    #[test]
    fn no_entry_price_no_target() {
        let mut book = StopBook::new();
        let a = Uuid::new_v4();
        let exits = ExitRules {
            target: Some(Offset::Percent(100)),
            trailing_stop: None,
        };
        book.arm_guard(a, guard(95_000, exits, None), None);
        let mut fired = Vec::new();
        assert_eq!(book.on_tick(1, 1_000_000, &mut fired), 0);
        assert_eq!(
            book.on_tick(1, 95_000, &mut fired),
            1,
            "the stop still guards"
        );
    }

    #[test]
    fn a_trailing_stop_follows_the_high_and_fires_on_the_pullback() {
        let mut book = StopBook::new();
        let a = Uuid::new_v4();
        let exits = ExitRules {
            target: None,
            trailing_stop: points("10"),
        };
        // Bought at 1,000.00 with a fixed stop at 980.00: the trail (990.00) is above it.
        book.arm_guard(a, guard(98_000, exits, Some(100_000)), None);
        assert_eq!(book.levels(a), Some((99_000, Some(100_000))));
        let mut fired = Vec::new();
        for price in [100_500, 102_000, 101_200, 103_000] {
            assert_eq!(book.on_tick(1, price, &mut fired), 0, "{price}");
        }
        assert_eq!(
            book.levels(a),
            Some((102_000, Some(103_000))),
            "10 below the high"
        );
        // A pullback that stays above the trail does nothing; a re-arm keeps the high.
        assert_eq!(book.on_tick(1, 102_005, &mut fired), 0);
        book.arm_guard(a, guard(97_000, exits, Some(100_000)), None);
        assert_eq!(
            book.levels(a),
            Some((102_000, Some(103_000))),
            "a moved stop keeps the trail"
        );
        assert_eq!(book.on_tick(1, 102_000, &mut fired), 1);
        assert_eq!(
            fired,
            vec![Fired {
                strategy: a,
                exit: Exit::StopLoss
            }]
        );
    }

    #[test]
    fn a_high_from_the_cache_restores_the_trail() {
        let mut book = StopBook::new();
        let a = Uuid::new_v4();
        let exits = ExitRules {
            target: None,
            trailing_stop: Some(Offset::Percent(100)),
        };
        book.arm_guard(a, guard(90_000, exits, Some(100_000)), Some(110_000));
        // 1% of 1,100.00 is 11.00: the stop is 1,089.00.
        assert_eq!(book.levels(a), Some((108_900, Some(110_000))));
    }

    #[test]
    fn a_tick_crossing_both_fires_one_exit() {
        let mut book = StopBook::new();
        let a = Uuid::new_v4();
        // A stop above the target (a trader's mistake): one tick crosses both.
        let exits = ExitRules {
            target: points("1"),
            trailing_stop: None,
        };
        book.arm_guard(a, guard(110_000, exits, Some(100_000)), None);
        let mut fired = Vec::new();
        assert_eq!(book.on_tick(1, 105_000, &mut fired), 1);
        assert_eq!(fired[0].exit, Exit::StopLoss);
        assert!(book.is_empty());
    }

    /// A model of one guard: its stop in force and its target, tick by tick.
    #[derive(Debug, Clone)]
    struct Model {
        token: u32,
        stop: i64,
        target: Option<i64>,
        trail: Option<i64>,
        high: i64,
    }

    proptest! {
        /// Every tick fires exactly the guards the model says: a stop at or above the price
        /// (after the trail followed any new high), or a target at or below it; each once.
        #[test]
        fn ticks_fire_exactly_the_crossed_guards(
            guards in proptest::collection::vec(
                (0u32..3, 1i64..200, proptest::option::of(1i64..100), proptest::option::of(1i64..50), 100i64..400),
                0..60),
            ticks in proptest::collection::vec((0u32..3, 1i64..600), 0..100),
        ) {
            let mut book = StopBook::new();
            let mut model: HashMap<Uuid, Model> = HashMap::new();
            for (token, stop, target, trail, entry) in guards {
                let id = Uuid::new_v4();
                let exits = ExitRules {
                    target: target.map(|t| Offset::Points(Price::from_paise(t).expect("p"))),
                    trailing_stop: trail.map(|t| Offset::Points(Price::from_paise(t).expect("p"))),
                };
                book.arm_guard(id, Guard { token, stop_paise: stop, exits, entry_paise: Some(entry), tick_paise: 1 }, None);
                model.insert(id, Model {
                    token, stop: stop.max(trail.map_or(i64::MIN, |t| entry - t)),
                    target: target.map(|t| entry + t), trail, high: entry,
                });
            }
            let mut seen = std::collections::HashSet::new();
            for (token, price) in ticks {
                let mut fired = Vec::new();
                book.on_tick(token, price, &mut fired);
                let mut expected = Vec::new();
                for (id, m) in model.iter_mut().filter(|(_, m)| m.token == token) {
                    if let Some(t) = m.trail {
                        if price > m.high {
                            m.high = price;
                            m.stop = m.stop.max(price - t);
                        }
                    }
                    if m.stop >= price {
                        expected.push(Fired { strategy: *id, exit: Exit::StopLoss });
                    } else if m.target.is_some_and(|t| t <= price) {
                        expected.push(Fired { strategy: *id, exit: Exit::Target });
                    }
                }
                for f in &expected {
                    model.remove(&f.strategy);
                }
                let key = |f: &Fired| (f.strategy, f.exit == Exit::Target);
                expected.sort_by_key(key);
                fired.sort_by_key(key);
                prop_assert_eq!(&fired, &expected);
                for f in fired {
                    prop_assert!(seen.insert(f.strategy), "fired twice");
                }
            }
            prop_assert_eq!(book.len(), model.len());
        }
    }
}
