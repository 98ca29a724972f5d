//! What the trader is told, in plain words: the kinds of notification and their texts. Money
//! is integer paise throughout; a P&L is the exit's average less the entry's, times the
//! quantity sold.

use crate::exits::Direction;
use crate::order::EventKind;

/// The kinds of notification a trader can receive (and choose among).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    EntryFilled,
    ExitFilled,
    StopLossHit,
    TargetHit,
    OrderRejected,
    ExitUnfilled,
    LoginNeeded,
    StrategyFailed,
    DailySummary,
    /// The day's loss reached the trader's limit: everything squared off and stopped.
    LossLimitHit,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 10] = [
        NoticeKind::EntryFilled,
        NoticeKind::ExitFilled,
        NoticeKind::StopLossHit,
        NoticeKind::TargetHit,
        NoticeKind::OrderRejected,
        NoticeKind::ExitUnfilled,
        NoticeKind::LoginNeeded,
        NoticeKind::StrategyFailed,
        NoticeKind::DailySummary,
        NoticeKind::LossLimitHit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::EntryFilled => "entry_filled",
            NoticeKind::ExitFilled => "exit_filled",
            NoticeKind::StopLossHit => "stop_loss_hit",
            NoticeKind::TargetHit => "target_hit",
            NoticeKind::OrderRejected => "order_rejected",
            NoticeKind::ExitUnfilled => "exit_unfilled",
            NoticeKind::LoginNeeded => "login_needed",
            NoticeKind::StrategyFailed => "strategy_failed",
            NoticeKind::DailySummary => "daily_summary",
            NoticeKind::LossLimitHit => "loss_limit_hit",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A notification's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    /// The day's realised P&L of the strategy, in paise, when this notice closes a position.
    pub pnl_paise: Option<i64>,
}

/// A leg's final status, as the notice about it needs it.
#[derive(Debug, Clone, Copy)]
pub struct LegOutcome<'a> {
    pub event: EventKind,
    /// `COMPLETE`, `REJECTED` or `CANCELLED`.
    pub status: &'a str,
    pub symbol: &'a str,
    /// What was asked.
    pub quantity: i64,
    pub filled: i64,
    pub average_paise: Option<i64>,
    /// The day's entry's average fill price, for an exit's P&L.
    pub entry_average_paise: Option<i64>,
    /// The broker's message, for a refusal.
    pub message: Option<&'a str>,
    /// The position's direction: a long's entry buys and its exits sell, a short's the other
    /// way round.
    pub direction: Direction,
}

/// `₹3,500.05`: rupees with Indian digit grouping (lakhs, crores), from paise.
pub fn rupees(paise: i64) -> String {
    let sign = if paise < 0 { "-" } else { "" };
    let abs = paise.unsigned_abs();
    let (whole, frac) = (abs / 100, abs % 100);
    let digits = whole.to_string();
    let grouped = if digits.len() <= 3 {
        digits
    } else {
        let (head, last3) = digits.split_at(digits.len() - 3);
        let mut parts: Vec<String> = Vec::new();
        let mut rest = head;
        while rest.len() > 2 {
            let (a, b) = rest.split_at(rest.len() - 2);
            parts.push(b.to_owned());
            rest = a;
        }
        if !rest.is_empty() {
            parts.push(rest.to_owned());
        }
        parts.reverse();
        format!("{},{last3}", parts.join(","))
    };
    format!("{sign}₹{grouped}.{frac:02}")
}

/// A P&L with its sign always shown: `+₹50.00`, `-₹12.50`, `₹0.00`.
pub fn signed_rupees(paise: i64) -> String {
    match paise {
        0 => rupees(0),
        p if p > 0 => format!("+{}", rupees(p)),
        p => rupees(p),
    }
}

/// The notice about a leg that became final; `None` when there is nothing to tell (an exit
/// that found nothing to sell is told elsewhere).
pub fn leg_notice(leg: &LegOutcome<'_>) -> Option<Notice> {
    let at = |paise: Option<i64>| {
        paise
            .map(|p| format!(" at {}", rupees(p)))
            .unwrap_or_default()
    };
    let reason = leg
        .message
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    let filled_all = leg.status == "COMPLETE";
    let short = leg.direction == Direction::Short;
    // What the entry and the exits are called: "buy"/"sale" for a long, "short sale"/"buy-back"
    // for a short.
    let (entry_noun, exit_noun) = if short {
        ("short sale", "buy-back")
    } else {
        ("buy", "sale")
    };
    match leg.event {
        EventKind::Buy if filled_all || leg.filled > 0 => {
            let body = if filled_all {
                format!("{} {}{}.", leg.filled, leg.symbol, at(leg.average_paise))
            } else {
                format!(
                    "{} of {} {}{}; the broker {} the rest{reason}. The exit {} what was {}.",
                    leg.filled,
                    leg.quantity,
                    leg.symbol,
                    at(leg.average_paise),
                    leg.status.to_lowercase(),
                    if short { "buys back" } else { "sells" },
                    if short { "sold" } else { "bought" },
                )
            };
            Some(Notice {
                kind: NoticeKind::EntryFilled,
                title: if short {
                    format!("Sold {} short", leg.symbol)
                } else {
                    format!("Bought {}", leg.symbol)
                },
                body,
                pnl_paise: None,
            })
        }
        EventKind::Buy => Some(Notice {
            kind: NoticeKind::OrderRejected,
            title: format!(
                "{} of {} not filled",
                if short { "Short sale" } else { "Buy" },
                leg.symbol
            ),
            body: format!(
                "The broker {} the {entry_noun} of {} {}{reason}. Nothing is held.",
                leg.status.to_lowercase(),
                leg.quantity,
                leg.symbol
            ),
            pnl_paise: None,
        }),
        EventKind::Sell | EventKind::StopLoss | EventKind::Target | EventKind::Guard
            if filled_all =>
        {
            let pnl = match (leg.average_paise, leg.entry_average_paise) {
                (Some(exit), Some(entry)) => Some(leg.direction.pnl(entry, exit, leg.filled)),
                _ => None,
            };
            let pnl_text = pnl
                .map(|p| format!(" P&L {}.", signed_rupees(p)))
                .unwrap_or_default();
            let (kind, title) = match leg.event {
                EventKind::StopLoss | EventKind::Guard => {
                    (NoticeKind::StopLossHit, format!("Stop-loss hit on {}", leg.symbol))
                }
                EventKind::Target => (NoticeKind::TargetHit, format!("Target reached on {}", leg.symbol)),
                _ if short => (NoticeKind::ExitFilled, format!("Bought back {}", leg.symbol)),
                _ => (NoticeKind::ExitFilled, format!("Sold {}", leg.symbol)),
            };
            Some(Notice {
                kind,
                title,
                body: format!(
                    "{} {} {}{}.{pnl_text}",
                    if short { "Bought back" } else { "Sold" },
                    leg.filled,
                    leg.symbol,
                    at(leg.average_paise)
                ),
                pnl_paise: pnl,
            })
        }
        // The resting stop ended without selling (cancelled in Kite, or refused): the app's own
        // stop still watches the price, and the timed exit still goes.
        EventKind::Guard if leg.filled == 0 => Some(Notice {
            kind: NoticeKind::OrderRejected,
            title: format!("Resting stop-loss on {} not in place", leg.symbol),
            body: format!(
                "The broker {} the stop-loss order resting at the exchange for {} {}{reason}. The app's own stop-loss still watches the price, and the timed exit still goes.",
                leg.status.to_lowercase(),
                leg.quantity,
                leg.symbol
            ),
            pnl_paise: None,
        }),
        EventKind::Sell | EventKind::StopLoss | EventKind::Target | EventKind::Guard => Some(Notice {
            kind: NoticeKind::OrderRejected,
            title: format!("Exit of {} not filled", leg.symbol),
            body: format!(
                "The broker {} the {exit_noun} of {} {}{reason}{}. The position may still be open: check it in Kite.",
                leg.status.to_lowercase(),
                leg.quantity,
                leg.symbol,
                if leg.filled > 0 {
                    format!(
                        " ({} were {})",
                        leg.filled,
                        if short { "bought back" } else { "sold" }
                    )
                } else {
                    String::new()
                }
            ),
            pnl_paise: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(event: EventKind, status: &str, filled: i64, avg: Option<i64>) -> LegOutcome<'static> {
        LegOutcome {
            event,
            status: if status == "COMPLETE" {
                "COMPLETE"
            } else if status == "CANCELLED" {
                "CANCELLED"
            } else {
                "REJECTED"
            },
            symbol: "TCS",
            quantity: 5,
            filled,
            average_paise: avg,
            entry_average_paise: Some(350_000),
            message: Some("Insufficient funds"),
            direction: Direction::Long,
        }
    }

    #[test]
    fn a_short_is_told_as_a_short() {
        let short = |event, status, filled, avg| LegOutcome {
            direction: Direction::Short,
            ..leg(event, status, filled, avg)
        };
        let entered =
            leg_notice(&short(EventKind::Buy, "COMPLETE", 5, Some(350_000))).expect("a notice");
        assert_eq!(
            (entered.title.as_str(), entered.body.as_str()),
            ("Sold TCS short", "5 TCS at ₹3,500.00.")
        );
        let refused = leg_notice(&short(EventKind::Buy, "REJECTED", 0, None)).expect("a notice");
        assert_eq!(refused.title, "Short sale of TCS not filled");
        assert_eq!(
            refused.body,
            "The broker rejected the short sale of 5 TCS: Insufficient funds. Nothing is held."
        );
        // Bought back 10.50 under the entry: a gain.
        let covered =
            leg_notice(&short(EventKind::Sell, "COMPLETE", 5, Some(348_950))).expect("a notice");
        assert_eq!(covered.title, "Bought back TCS");
        assert_eq!(covered.body, "Bought back 5 TCS at ₹3,489.50. P&L +₹52.50.");
        assert_eq!(covered.pnl_paise, Some(5_250));
        let stopped = leg_notice(&short(EventKind::StopLoss, "COMPLETE", 5, Some(351_000)))
            .expect("a notice");
        assert_eq!(stopped.title, "Stop-loss hit on TCS");
        assert_eq!(stopped.pnl_paise, Some(-5_000));
        let failed = leg_notice(&short(EventKind::Sell, "REJECTED", 0, None)).expect("a notice");
        assert!(
            failed.body.contains("the buy-back of 5 TCS"),
            "{}",
            failed.body
        );
    }

    #[test]
    fn rupees_are_grouped_the_indian_way() {
        assert_eq!(rupees(5), "₹0.05");
        assert_eq!(rupees(350_005), "₹3,500.05");
        assert_eq!(rupees(1_234_567_890), "₹1,23,45,678.90");
        assert_eq!(rupees(-1_250), "-₹12.50");
        assert_eq!(signed_rupees(5_000), "+₹50.00");
        assert_eq!(signed_rupees(0), "₹0.00");
        assert_eq!(signed_rupees(-5_000), "-₹50.00");
    }

    #[test]
    fn each_final_leg_says_what_happened() {
        let bought =
            leg_notice(&leg(EventKind::Buy, "COMPLETE", 5, Some(350_000))).expect("a notice");
        assert_eq!(bought.kind, NoticeKind::EntryFilled);
        assert_eq!(
            (bought.title.as_str(), bought.body.as_str()),
            ("Bought TCS", "5 TCS at ₹3,500.00.")
        );

        let partial =
            leg_notice(&leg(EventKind::Buy, "CANCELLED", 3, Some(350_000))).expect("a notice");
        assert_eq!(partial.kind, NoticeKind::EntryFilled);
        assert!(
            partial
                .body
                .starts_with("3 of 5 TCS at ₹3,500.00; the broker cancelled the rest"),
            "{}",
            partial.body
        );

        let refused = leg_notice(&leg(EventKind::Buy, "REJECTED", 0, None)).expect("a notice");
        assert_eq!(refused.kind, NoticeKind::OrderRejected);
        assert_eq!(
            refused.body,
            "The broker rejected the buy of 5 TCS: Insufficient funds. Nothing is held."
        );

        let sold =
            leg_notice(&leg(EventKind::Sell, "COMPLETE", 5, Some(351_050))).expect("a notice");
        assert_eq!(sold.kind, NoticeKind::ExitFilled);
        assert_eq!(sold.body, "Sold 5 TCS at ₹3,510.50. P&L +₹52.50.");
        assert_eq!(sold.pnl_paise, Some(5_250));

        let stopped =
            leg_notice(&leg(EventKind::StopLoss, "COMPLETE", 5, Some(349_000))).expect("a notice");
        assert_eq!(stopped.kind, NoticeKind::StopLossHit);
        assert_eq!(stopped.title, "Stop-loss hit on TCS");
        assert_eq!(stopped.pnl_paise, Some(-5_000));
        assert!(stopped.body.ends_with("P&L -₹50.00."), "{}", stopped.body);

        let resting =
            leg_notice(&leg(EventKind::Guard, "COMPLETE", 5, Some(349_000))).expect("a notice");
        assert_eq!(
            (resting.kind, resting.pnl_paise),
            (NoticeKind::StopLossHit, Some(-5_000)),
            "the resting stop's fill is the stop-loss exit"
        );
        let cancelled = leg_notice(&leg(EventKind::Guard, "CANCELLED", 0, None)).expect("a notice");
        assert_eq!(cancelled.kind, NoticeKind::OrderRejected);
        assert!(
            cancelled.body.contains("own stop-loss still watches"),
            "{}",
            cancelled.body
        );

        let target =
            leg_notice(&leg(EventKind::Target, "COMPLETE", 5, Some(352_000))).expect("a notice");
        assert_eq!(target.kind, NoticeKind::TargetHit);
        assert_eq!(target.title, "Target reached on TCS");
        assert_eq!(target.pnl_paise, Some(10_000));

        let stuck = leg_notice(&leg(EventKind::Sell, "REJECTED", 0, None)).expect("a notice");
        assert_eq!(stuck.kind, NoticeKind::OrderRejected);
        assert!(stuck.body.contains("may still be open"), "{}", stuck.body);
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(k.as_str()), Some(k));
        }
    }
}
