//! The exit book: every open position's guards, per instrument: its stop (the fixed stop-loss,
//! tightened by a trailing stop as the price moves its way) and its target.
//!
//! A long position's stop fires when `price <= stop`, its target when `price >= target`. Stops
//! are an ordered set per instrument, so a tick finds the crossed ones at the end (O(log n +
//! fired)); targets likewise at the start of theirs. A trailing stop costs one comparison per
//! tick of its instrument while the price makes no new high, and a move in the set when it does.
//! No Redis call per strategy. A guard that fires leaves the book: it fires once.
//!
//! A short position is the mirror image (its stop fires when `price >= stop`, its target when
//! `price <= target`, its trail follows the lows), and the book keeps it so: its levels and
//! prices are held negated in a set of their own, where the long rules then apply unchanged.

use std::collections::{BTreeSet, HashMap};

use algo_core::strategy::{Direction, ExitRules};
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
    /// A long (bought first) or a short (sold first) position.
    pub direction: Direction,
}

/// A guard as armed: its current levels, in its direction's space (a short's negated), where a
/// stop always fires at or above the price and a target at or below it.
#[derive(Debug, Clone, Copy)]
struct Armed {
    guard: Guard,
    /// The stop in force: the fixed stop, or the trail where it is tighter.
    stop: i64,
    target: Option<i64>,
    /// The best price seen since the entry (with a trailing stop): a long's high, a short's low.
    high: Option<i64>,
}

impl Armed {
    /// `high` is a best price seen before, as a price.
    fn new(guard: Guard, high: Option<i64>) -> Self {
        let sign = guard.direction.sign();
        let target = guard
            .entry_paise
            .and_then(|e| guard.exits.target_for(guard.direction, e, guard.tick_paise))
            .map(|t| t * sign);
        let high = match (high.map(|h| h * sign), guard.entry_paise.map(|e| e * sign)) {
            (Some(h), Some(e)) => Some(h.max(e)),
            (h, e) => h.or(e),
        }
        .filter(|_| guard.exits.trailing_stop.is_some());
        let mut armed = Self {
            guard,
            stop: guard.stop_paise * sign,
            target,
            high: None,
        };
        if let Some(h) = high {
            armed.raise(h);
        }
        armed
    }

    /// A new best price (in the guard's space): the trailing stop follows it, never back.
    /// Returns whether the stop moved.
    fn raise(&mut self, price: i64) -> bool {
        if self.high.is_some_and(|h| h >= price) {
            return false;
        }
        self.high = Some(price);
        let Guard {
            direction,
            tick_paise,
            ..
        } = self.guard;
        let sign = direction.sign();
        match self
            .guard
            .exits
            .trail_for(direction, price * sign, tick_paise)
        {
            Some(trail) if trail * sign > self.stop => {
                self.stop = trail * sign;
                true
            }
            _ => false,
        }
    }
}

/// The stops and targets of one direction of one instrument, in that direction's space.
#[derive(Debug, Default)]
struct Levels {
    stops: BTreeSet<(i64, Uuid)>,
    targets: BTreeSet<(i64, Uuid)>,
    trailing: Vec<Uuid>,
}

impl Levels {
    fn is_empty(&self) -> bool {
        self.stops.is_empty() && self.targets.is_empty()
    }

    fn insert(&mut self, id: Uuid, armed: &Armed) {
        self.stops.insert((armed.stop, id));
        if let Some(target) = armed.target {
            self.targets.insert((target, id));
        }
        if armed.high.is_some() {
            self.trailing.push(id);
        }
    }

    fn remove(&mut self, id: Uuid, armed: &Armed) {
        self.stops.remove(&(armed.stop, id));
        if let Some(target) = armed.target {
            self.targets.remove(&(target, id));
        }
        self.trailing.retain(|t| *t != id);
    }

    /// Raises the trailing stops under a new high, then appends every crossed stop and target.
    fn tick(&mut self, armed: &mut HashMap<Uuid, Armed>, price: i64, fired: &mut Vec<Fired>) {
        for id in &self.trailing {
            let Some(a) = armed.get_mut(id) else {
                continue;
            };
            let old = a.stop;
            if a.raise(price) {
                self.stops.remove(&(old, *id));
                self.stops.insert((a.stop, *id));
            }
        }
        // Fast paths: the highest stop is below the price, the lowest target above it.
        if self.stops.last().is_some_and(|(s, _)| *s >= price) {
            let crossed = self.stops.split_off(&(price, Uuid::nil()));
            fired.extend(crossed.into_iter().map(|(_, strategy)| Fired {
                strategy,
                exit: Exit::StopLoss,
            }));
        }
        if self.targets.first().is_some_and(|(t, _)| *t <= price) {
            let above = self.targets.split_off(&(price + 1, Uuid::nil()));
            let reached = std::mem::replace(&mut self.targets, above);
            fired.extend(reached.into_iter().map(|(_, strategy)| Fired {
                strategy,
                exit: Exit::Target,
            }));
        }
    }
}

/// The guards of one instrument: its long positions' and its short positions'.
#[derive(Debug, Default)]
struct Instrument {
    long: Levels,
    short: Levels,
}

impl Instrument {
    fn levels(&mut self, direction: Direction) -> &mut Levels {
        match direction {
            Direction::Long => &mut self.long,
            Direction::Short => &mut self.short,
        }
    }

    fn is_empty(&self) -> bool {
        self.long.is_empty() && self.short.is_empty()
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

    /// Arms (or moves) a plain stop-loss of a long position.
    pub fn arm(&mut self, strategy: Uuid, token: u32, stop_paise: i64) {
        self.arm_guard(
            strategy,
            Guard {
                token,
                stop_paise,
                exits: ExitRules::default(),
                entry_paise: None,
                tick_paise: 1,
                direction: Direction::Long,
            },
            None,
        );
    }

    /// Arms (or re-arms) a strategy's guard. `high` is a best price seen before (kept in the
    /// runtime cache across restarts: a long's high, a short's low); re-arming on the same
    /// instrument and direction keeps the one the book saw, so a moved stop or a resync never
    /// loosens a trailing stop.
    pub fn arm_guard(&mut self, strategy: Uuid, guard: Guard, high: Option<i64>) {
        let sign = guard.direction.sign();
        let seen = self
            .armed
            .get(&strategy)
            .filter(|a| a.guard.token == guard.token && a.guard.direction == guard.direction)
            .and_then(|a| a.high);
        self.disarm(strategy);
        let best = match (seen, high.map(|h| h * sign)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let armed = Armed::new(guard, best.map(|b| b * sign));
        self.by_token
            .entry(guard.token)
            .or_default()
            .levels(guard.direction)
            .insert(strategy, &armed);
        self.armed.insert(strategy, armed);
    }

    /// Removes a strategy's guard; `true` when it was armed.
    pub fn disarm(&mut self, strategy: Uuid) -> bool {
        let Some(armed) = self.armed.remove(&strategy) else {
            return false;
        };
        let token = armed.guard.token;
        if let Some(book) = self.by_token.get_mut(&token) {
            book.levels(armed.guard.direction).remove(strategy, &armed);
            if book.is_empty() {
                self.by_token.remove(&token);
            }
        }
        true
    }

    /// Applies a tick: tightens the trailing stops under a new high (or low), then appends to
    /// `fired` every strategy whose stop or target the price reached, and removes them from
    /// the book. Returns how many fired.
    pub fn on_tick(&mut self, token: u32, price_paise: i64, fired: &mut Vec<Fired>) -> usize {
        let Some(book) = self.by_token.get_mut(&token) else {
            return 0;
        };
        let before = fired.len();
        if !book.long.is_empty() {
            book.long.tick(&mut self.armed, price_paise, fired);
        }
        if !book.short.is_empty() {
            book.short.tick(&mut self.armed, -price_paise, fired);
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

    /// The stop in force for a strategy (its trail when that is tighter), and its best price
    /// (a long's high, a short's low), as prices.
    pub fn levels(&self, strategy: Uuid) -> Option<(i64, Option<i64>)> {
        self.armed.get(&strategy).map(|a| {
            let sign = a.guard.direction.sign();
            (a.stop * sign, a.high.map(|h| h * sign))
        })
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

    fn short(stop: i64, exits: ExitRules, entry: Option<i64>) -> Guard {
        Guard {
            direction: Direction::Short,
            ..guard(stop, exits, entry)
        }
    }

    fn guard(stop: i64, exits: ExitRules, entry: Option<i64>) -> Guard {
        Guard {
            token: 1,
            stop_paise: stop,
            exits,
            entry_paise: entry,
            tick_paise: 5,
            direction: Direction::Long,
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

    #[test]
    fn a_short_stop_fires_at_and_above_it_and_its_target_below() {
        let mut book = StopBook::new();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let exits = ExitRules {
            target: points("20"),
            trailing_stop: None,
        };
        // Sold at 1,000.00 with the stop at 1,010.00: the target is 980.00.
        book.arm_guard(a, short(101_000, exits, Some(100_000)), None);
        // A long on the same instrument, stop 990.00.
        book.arm(b, 1, 99_000);
        let mut fired = Vec::new();
        assert_eq!(book.on_tick(1, 100_995, &mut fired), 0);
        assert_eq!(
            book.on_tick(1, 101_000, &mut fired),
            1,
            "price == stop fires"
        );
        assert_eq!(
            fired,
            vec![Fired {
                strategy: a,
                exit: Exit::StopLoss
            }]
        );
        assert!(book.is_armed(b), "the long is untouched by a rise");
        book.arm_guard(a, short(101_000, exits, Some(100_000)), None);
        fired.clear();
        assert_eq!(
            book.on_tick(1, 98_005, &mut fired),
            1,
            "the long's stop only"
        );
        assert_eq!(
            fired,
            vec![Fired {
                strategy: b,
                exit: Exit::StopLoss
            }]
        );
        assert_eq!(book.on_tick(1, 98_000, &mut fired), 1);
        assert_eq!(
            fired[1],
            Fired {
                strategy: a,
                exit: Exit::Target
            }
        );
        assert!(book.is_empty());
    }

    #[test]
    fn a_short_trailing_stop_follows_the_low_and_fires_on_the_bounce() {
        let mut book = StopBook::new();
        let a = Uuid::new_v4();
        let exits = ExitRules {
            target: None,
            trailing_stop: points("10"),
        };
        // Sold at 1,000.00 with a fixed stop at 1,020.00: the trail (1,010.00) is below it.
        book.arm_guard(a, short(102_000, exits, Some(100_000)), None);
        assert_eq!(book.levels(a), Some((101_000, Some(100_000))));
        let mut fired = Vec::new();
        for price in [99_500, 98_000, 98_800, 97_000] {
            assert_eq!(book.on_tick(1, price, &mut fired), 0, "{price}");
        }
        assert_eq!(
            book.levels(a),
            Some((98_000, Some(97_000))),
            "10 above the low"
        );
        assert_eq!(book.on_tick(1, 97_995, &mut fired), 0);
        // A cached low from before a restart is kept; a higher one does not loosen it.
        book.arm_guard(a, short(102_000, exits, Some(100_000)), Some(99_000));
        assert_eq!(book.levels(a), Some((98_000, Some(97_000))));
        assert_eq!(book.on_tick(1, 98_000, &mut fired), 1);
        assert_eq!(
            fired,
            vec![Fired {
                strategy: a,
                exit: Exit::StopLoss
            }]
        );
        let mut fresh = StopBook::new();
        fresh.arm_guard(a, short(102_000, exits, Some(100_000)), Some(97_000));
        assert_eq!(
            fresh.levels(a),
            Some((98_000, Some(97_000))),
            "restored from the cache"
        );
    }

    /// A model of one guard: its stop in force and its target, tick by tick.
    #[derive(Debug, Clone)]
    struct Model {
        token: u32,
        stop: i64,
        target: Option<i64>,
        trail: Option<i64>,
        /// The best price: a long's high, a short's low.
        high: i64,
        short: bool,
    }

    proptest! {
        /// Every tick fires exactly the guards the model says: a long's stop at or above the
        /// price (after the trail followed any new high), or its target at or below it; a
        /// short's the other way round (its trail following the lows); each once.
        #[test]
        fn ticks_fire_exactly_the_crossed_guards(
            guards in proptest::collection::vec(
                (0u32..3, 1i64..600, proptest::option::of(1i64..100), proptest::option::of(1i64..50), 100i64..400, proptest::bool::ANY),
                0..60),
            ticks in proptest::collection::vec((0u32..3, 1i64..600), 0..100),
        ) {
            let mut book = StopBook::new();
            let mut model: HashMap<Uuid, Model> = HashMap::new();
            for (token, stop, target, trail, entry, short) in guards {
                let id = Uuid::new_v4();
                let exits = ExitRules {
                    target: target.map(|t| Offset::Points(Price::from_paise(t).expect("p"))),
                    trailing_stop: trail.map(|t| Offset::Points(Price::from_paise(t).expect("p"))),
                };
                let direction = if short { Direction::Short } else { Direction::Long };
                book.arm_guard(id, Guard { token, stop_paise: stop, exits, entry_paise: Some(entry), tick_paise: 1, direction }, None);
                model.insert(id, Model {
                    token,
                    stop: if short {
                        stop.min(trail.map_or(i64::MAX, |t| entry + t))
                    } else {
                        stop.max(trail.map_or(i64::MIN, |t| entry - t))
                    },
                    target: target.map(|t| if short { entry - t } else { entry + t }),
                    trail, high: entry, short,
                });
            }
            let mut seen = std::collections::HashSet::new();
            for (token, price) in ticks {
                let mut fired = Vec::new();
                book.on_tick(token, price, &mut fired);
                let mut expected = Vec::new();
                for (id, m) in model.iter_mut().filter(|(_, m)| m.token == token) {
                    if let Some(t) = m.trail {
                        if !m.short && price > m.high {
                            m.high = price;
                            m.stop = m.stop.max(price - t);
                        }
                        if m.short && price < m.high {
                            m.high = price;
                            m.stop = m.stop.min(price + t);
                        }
                    }
                    let (stopped, reached) = if m.short {
                        (m.stop <= price, m.target.is_some_and(|t| t >= price))
                    } else {
                        (m.stop >= price, m.target.is_some_and(|t| t <= price))
                    };
                    if stopped {
                        expected.push(Fired { strategy: *id, exit: Exit::StopLoss });
                    } else if reached {
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
