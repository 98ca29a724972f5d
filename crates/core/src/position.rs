//! The position state machine of one strategy on one trading day.
//!
//! `none → buying → bought → selling → sold`, and `failed`. A pure function: the executor
//! asks it before placing and after each outcome, and refuses anything it rejects.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::order::{EventKind, Leg};

/// Where a strategy's position stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    #[default]
    None,
    Buying,
    Bought,
    Selling,
    Sold,
    Failed,
}

impl Position {
    pub fn as_str(self) -> &'static str {
        match self {
            Position::None => "none",
            Position::Buying => "buying",
            Position::Bought => "bought",
            Position::Selling => "selling",
            Position::Sold => "sold",
            Position::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "none" => Position::None,
            "buying" => Position::Buying,
            "bought" => Position::Bought,
            "selling" => Position::Selling,
            "sold" => Position::Sold,
            "failed" => Position::Failed,
            _ => return None,
        })
    }

    /// Whether shares are (or may be) held: the stop-loss watcher guards these.
    pub fn is_open(self) -> bool {
        matches!(self, Position::Bought | Position::Selling)
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to an order of the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// About to send the order: the leg is being claimed.
    Placing,
    /// The broker filled it.
    Filled,
    /// The broker refused or cancelled it (a final, non-`COMPLETE` status).
    Rejected,
    /// Every try failed (network, 5xx, auth): nothing is known to be held or sold.
    Failed,
}

/// A strategy's day: the position and which legs have been sent to the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Day {
    pub position: Position,
    pub entry_sent: bool,
    pub exit_sent: bool,
}

/// Why the machine refused a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("today's entry was already sent")]
    AlreadyEntered,
    #[error("today's exit was already sent")]
    AlreadyExited,
    #[error("there is no open position to exit")]
    NothingToExit,
    #[error("no order of this kind is in flight")]
    NotInFlight,
    #[error("the strategy failed today; it needs attention")]
    FailedToday,
}

/// The result of one step.
pub type Transition = Result<Day, Rejection>;

impl Day {
    /// The next state after `outcome` of `event`, or why that cannot happen.
    pub fn step(self, event: EventKind, outcome: Outcome) -> Transition {
        use Outcome::*;
        use Position as P;
        if self.position == P::Failed {
            return Err(Rejection::FailedToday);
        }
        // A resting stop that filled is an exit like any other.
        let leg = match event.leg() {
            Leg::Guard => Leg::Exit,
            leg => leg,
        };
        match (leg, outcome, self.position) {
            (Leg::Entry, Placing, _) if self.entry_sent => Err(Rejection::AlreadyEntered),
            (Leg::Entry, Placing, P::None) => Ok(Day {
                position: P::Buying,
                entry_sent: true,
                ..self
            }),
            (Leg::Entry, Placing, _) => Err(Rejection::AlreadyEntered),
            (Leg::Entry, Filled, P::Buying) => Ok(Day {
                position: P::Bought,
                ..self
            }),
            // A refused entry holds nothing; the day's entry is spent all the same.
            (Leg::Entry, Rejected, P::Buying) => Ok(Day {
                position: P::None,
                ..self
            }),
            (Leg::Entry, Failed, P::Buying) => Ok(Day {
                position: P::Failed,
                ..self
            }),
            (Leg::Entry, _, _) => Err(Rejection::NotInFlight),

            (Leg::Exit, Placing, _) if self.exit_sent => Err(Rejection::AlreadyExited),
            (Leg::Exit, Placing, P::Bought) => Ok(Day {
                position: P::Selling,
                exit_sent: true,
                ..self
            }),
            (Leg::Exit, Placing, _) => Err(Rejection::NothingToExit),
            (Leg::Exit, Filled, P::Selling) => Ok(Day {
                position: P::Sold,
                ..self
            }),
            // A refused exit leaves the shares held and the day's exit spent: that needs a human,
            // so the strategy fails loudly rather than pretending it sold.
            (Leg::Exit, Rejected | Failed, P::Selling) => Ok(Day {
                position: P::Failed,
                ..self
            }),
            (Leg::Exit | Leg::Guard, _, _) => Err(Rejection::NotInFlight),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(steps: &[(EventKind, Outcome)]) -> Day {
        steps.iter().fold(Day::default(), |day, (e, o)| {
            day.step(*e, *o).unwrap_or(day)
        })
    }

    #[test]
    fn the_happy_path() {
        let day = run(&[
            (EventKind::Buy, Outcome::Placing),
            (EventKind::Buy, Outcome::Filled),
            (EventKind::Sell, Outcome::Placing),
            (EventKind::Sell, Outcome::Filled),
        ]);
        assert_eq!(
            day,
            Day {
                position: Position::Sold,
                entry_sent: true,
                exit_sent: true
            }
        );
    }

    #[test]
    fn stoploss_wins_and_the_later_sell_is_refused() {
        let mut day = run(&[
            (EventKind::Buy, Outcome::Placing),
            (EventKind::Buy, Outcome::Filled),
        ]);
        day = day
            .step(EventKind::StopLoss, Outcome::Placing)
            .expect("stop-loss exits");
        assert_eq!(
            day.step(EventKind::Sell, Outcome::Placing),
            Err(Rejection::AlreadyExited)
        );
        day = day
            .step(EventKind::StopLoss, Outcome::Filled)
            .expect("filled");
        assert_eq!(
            day.step(EventKind::Sell, Outcome::Placing),
            Err(Rejection::AlreadyExited)
        );
    }

    #[test]
    fn a_rejected_buy_leaves_no_position_and_no_second_entry() {
        let day = run(&[
            (EventKind::Buy, Outcome::Placing),
            (EventKind::Buy, Outcome::Rejected),
        ]);
        assert_eq!(day.position, Position::None);
        assert_eq!(
            day.step(EventKind::Buy, Outcome::Placing),
            Err(Rejection::AlreadyEntered)
        );
        assert_eq!(
            day.step(EventKind::Sell, Outcome::Placing),
            Err(Rejection::NothingToExit)
        );
    }

    #[test]
    fn nothing_to_sell_before_a_fill() {
        assert_eq!(
            Day::default().step(EventKind::Sell, Outcome::Placing),
            Err(Rejection::NothingToExit)
        );
        let buying = run(&[(EventKind::Buy, Outcome::Placing)]);
        assert_eq!(
            buying.step(EventKind::StopLoss, Outcome::Placing),
            Err(Rejection::NothingToExit)
        );
    }

    #[test]
    fn a_refused_exit_fails_the_strategy() {
        let day = run(&[
            (EventKind::Buy, Outcome::Placing),
            (EventKind::Buy, Outcome::Filled),
            (EventKind::Sell, Outcome::Placing),
            (EventKind::Sell, Outcome::Rejected),
        ]);
        assert_eq!(day.position, Position::Failed);
        assert_eq!(
            day.step(EventKind::StopLoss, Outcome::Placing),
            Err(Rejection::FailedToday)
        );
    }

    #[test]
    fn positions_parse_and_print() {
        for p in [
            Position::None,
            Position::Buying,
            Position::Bought,
            Position::Selling,
            Position::Sold,
            Position::Failed,
        ] {
            assert_eq!(Position::parse(p.as_str()), Some(p));
        }
        assert_eq!(Position::parse("short"), None);
    }

    fn any_step() -> impl Strategy<Value = (EventKind, Outcome)> {
        let event = prop_oneof![
            Just(EventKind::Buy),
            Just(EventKind::Sell),
            Just(EventKind::StopLoss)
        ];
        let outcome = prop_oneof![
            Just(Outcome::Placing),
            Just(Outcome::Filled),
            Just(Outcome::Rejected),
            Just(Outcome::Failed)
        ];
        (event, outcome)
    }

    proptest! {
        /// No sequence of events sends two entries or two exits in one trading day, and no exit
        /// is sent before an entry was filled (the position never goes short).
        #[test]
        fn at_most_one_entry_and_one_exit_per_day(steps in proptest::collection::vec(any_step(), 0..64)) {
            let mut day = Day::default();
            let (mut entries, mut exits, mut filled_entries) = (0, 0, 0);
            for (event, outcome) in steps {
                if let Ok(next) = day.step(event, outcome) {
                    match (event.leg(), outcome) {
                        (Leg::Entry, Outcome::Placing) => entries += 1,
                        (Leg::Entry, Outcome::Filled) => filled_entries += 1,
                        (Leg::Exit, Outcome::Placing) => {
                            prop_assert_eq!(filled_entries, 1, "exit sent without a filled entry");
                            exits += 1;
                        }
                        _ => {}
                    }
                    day = next;
                }
                prop_assert!(entries <= 1, "two entries");
                prop_assert!(exits <= 1, "two exits");
                prop_assert!(filled_entries <= 1, "two fills of the entry");
            }
        }
    }
}
