//! A time-based intraday strategy, the rules it must satisfy, and the overlap rule.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

pub use crate::exits::{Direction, ExitRules, Offset, Side};
use crate::money::Price;
pub use crate::symbol::{Exchange, Symbol};

/// What the broker does with the position at the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Product {
    /// Intraday: the broker squares it off at its cut-off if still open.
    #[default]
    Mis,
    /// Delivery.
    Cnc,
}

impl Product {
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Mis => "MIS",
            Product::Cnc => "CNC",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "MIS" => Some(Product::Mis),
            "CNC" => Some(Product::Cnc),
            _ => None,
        }
    }
}

/// One broken rule, named by the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// The configurable limits a strategy is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyRules {
    /// Smallest price step, in paise (0.05 rupees by default).
    pub tick_paise: i64,
    /// First instant of the session, IST.
    pub session_open: NaiveTime,
    /// Last instant of the session, IST.
    pub session_close: NaiveTime,
    /// The broker's intraday square-off cut-off: an MIS sell must come no later.
    pub mis_cutoff: NaiveTime,
    /// The exchange's freeze quantity: the most one order may carry.
    pub max_quantity: u32,
}

fn hms(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).expect("constant time of day is valid")
}

impl StrategyRules {
    /// NSE equity: 09:15:00–15:30:00 IST, MIS cut-off 15:20:00, tick 0.05.
    pub fn nse() -> Self {
        Self {
            tick_paise: 5,
            session_open: hms(9, 15, 0),
            session_close: hms(15, 30, 0),
            mis_cutoff: hms(15, 20, 0),
            max_quantity: 100_000,
        }
    }

    /// Every second of the day is inside the session; for demos and tests only.
    pub fn always_open() -> Self {
        Self {
            session_open: hms(0, 0, 0),
            session_close: hms(23, 59, 59),
            mis_cutoff: hms(23, 59, 59),
            ..Self::nse()
        }
    }
}

/// A strategy as the user submitted it, before any parsing: every field may be missing or wrong.
/// [`StrategyDraft::parse`] reports every problem at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrategyDraft {
    pub symbol: Option<String>,
    pub exchange: Option<String>,
    pub buy_time: Option<String>,
    pub sell_time: Option<String>,
    /// Rupee text (`"3500.05"`); callers turn JSON numbers into their decimal text.
    pub stop_loss: Option<String>,
    pub quantity: Option<i64>,
    pub product: Option<String>,
    /// `"12.50"` (rupees above the entry) or `"1.5%"`; none when missing.
    pub target: Option<String>,
    /// `"5"` (rupees below the highest price since the entry) or `"1%"`; none when missing.
    pub trailing_stop: Option<String>,
    /// `"LONG"` (buy first, the default) or `"SHORT"` (sell first, buy back at the exit).
    pub direction: Option<String>,
    /// Paper mode (simulated fills, nothing placed at the broker); off when missing.
    pub paper: Option<bool>,
}

/// A strategy whose fields are well-typed: "buy `quantity` `symbol` at `buy_time`, sell at
/// `sell_time`, and sell at once if the price falls to `stop_loss`", or, short-first, "sell at
/// `buy_time` (the entry time), buy back at `sell_time` (the exit time), and buy back at once
/// if the price rises to `stop_loss`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategySpec {
    pub symbol: Symbol,
    pub exchange: Exchange,
    pub buy_time: NaiveTime,
    pub sell_time: NaiveTime,
    pub stop_loss: Price,
    pub quantity: u32,
    pub product: Product,
    /// The target and the trailing stop, when the trader set them.
    #[serde(default)]
    pub exits: ExitRules,
    /// Long (buy first) or short (sell first).
    #[serde(default)]
    pub direction: Direction,
    /// Paper mode: live ticks, simulated fills, nothing placed at the broker.
    #[serde(default)]
    pub paper: bool,
}

/// Parses `HH:MM:SS` exactly (two digits each, no fraction).
pub fn parse_time_of_day(text: &str) -> Option<NaiveTime> {
    let b = text.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    NaiveTime::parse_from_str(text, "%H:%M:%S").ok()
}

impl StrategyDraft {
    /// Parses every field and checks every rule, returning all the problems found.
    pub fn parse(&self, rules: &StrategyRules) -> Result<StrategySpec, Vec<FieldError>> {
        let mut errors = Vec::new();
        let symbol = match self.symbol.as_deref() {
            None => {
                errors.push(FieldError::new("symbol", "symbol is required"));
                None
            }
            Some(text) => Symbol::parse(text)
                .map_err(|e| errors.push(FieldError::new("symbol", e.to_string())))
                .ok(),
        };
        let exchange = match self.exchange.as_deref() {
            None => Some(Exchange::default()),
            Some(text) => Exchange::parse(text).or_else(|| {
                errors.push(FieldError::new("exchange", "exchange must be NSE or BSE"));
                None
            }),
        };
        let mut time = |field: &str, value: Option<&str>| match value {
            None => {
                errors.push(FieldError::new(
                    field,
                    format!("{field} is required (HH:MM:SS, IST)"),
                ));
                None
            }
            Some(text) => parse_time_of_day(text).or_else(|| {
                errors.push(FieldError::new(
                    field,
                    format!("{field} must be HH:MM:SS (IST)"),
                ));
                None
            }),
        };
        let buy_time = time("buy_time", self.buy_time.as_deref());
        let sell_time = time("sell_time", self.sell_time.as_deref());
        let stop_loss = match self.stop_loss.as_deref() {
            None => {
                errors.push(FieldError::new("stop_loss", "stop_loss is required"));
                None
            }
            Some(text) => Price::parse(text)
                .map_err(|e| errors.push(FieldError::new("stop_loss", format!("stop_loss: {e}"))))
                .ok(),
        };
        let quantity = match self.quantity {
            None => {
                errors.push(FieldError::new("quantity", "quantity is required"));
                None
            }
            Some(q) => match u32::try_from(q) {
                Ok(q) => Some(q),
                Err(_) => {
                    errors.push(quantity_error(rules));
                    None
                }
            },
        };
        let product = match self.product.as_deref() {
            None => Some(Product::default()),
            Some(text) => Product::parse(text).or_else(|| {
                errors.push(FieldError::new("product", "product must be MIS or CNC"));
                None
            }),
        };
        let mut offset = |field: &str, value: Option<&str>| {
            value.and_then(|text| {
                Offset::parse(text)
                    .map_err(|e| errors.push(FieldError::new(field, format!("{field}: {e}"))))
                    .ok()
            })
        };
        let exits = ExitRules {
            target: offset("target", self.target.as_deref()),
            trailing_stop: offset("trailing_stop", self.trailing_stop.as_deref()),
        };
        let direction = match self.direction.as_deref() {
            None => Direction::default(),
            Some(text) => Direction::parse(text).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    "direction",
                    "direction must be LONG (buy first) or SHORT (sell first)",
                ));
                Direction::default()
            }),
        };
        match (
            symbol, exchange, buy_time, sell_time, stop_loss, quantity, product,
        ) {
            (
                Some(symbol),
                Some(exchange),
                Some(buy_time),
                Some(sell_time),
                Some(stop_loss),
                Some(quantity),
                Some(product),
            ) if errors.is_empty() => {
                let spec = StrategySpec {
                    symbol,
                    exchange,
                    buy_time,
                    sell_time,
                    stop_loss,
                    quantity,
                    product,
                    exits,
                    direction,
                    paper: self.paper.unwrap_or(false),
                };
                spec.validate(rules).map(|()| spec)
            }
            (_, _, buy_time, sell_time, stop_loss, quantity, product) => {
                // Check the rules on whatever did parse, so the user sees everything at once.
                rule_errors(
                    rules,
                    buy_time,
                    sell_time,
                    stop_loss,
                    quantity,
                    product.unwrap_or_default(),
                    &mut errors,
                );
                exit_errors(rules, &exits, &mut errors);
                Err(errors)
            }
        }
    }
}

fn quantity_error(rules: &StrategyRules) -> FieldError {
    FieldError::new(
        "quantity",
        format!("quantity must be between 1 and {}", rules.max_quantity),
    )
}

fn fmt_time(t: NaiveTime) -> String {
    t.format("%H:%M:%S").to_string()
}

fn rule_errors(
    rules: &StrategyRules,
    buy_time: Option<NaiveTime>,
    sell_time: Option<NaiveTime>,
    stop_loss: Option<Price>,
    quantity: Option<u32>,
    product: Product,
    errors: &mut Vec<FieldError>,
) {
    if let Some(stop_loss) = stop_loss {
        if !stop_loss.is_multiple_of(rules.tick_paise) {
            errors.push(FieldError::new(
                "stop_loss",
                format!(
                    "stop_loss must be a multiple of the tick size {}",
                    tick_text(rules)
                ),
            ));
        }
    }
    let session = format!(
        "{}–{} IST",
        fmt_time(rules.session_open),
        fmt_time(rules.session_close)
    );
    for (field, time) in [("buy_time", buy_time), ("sell_time", sell_time)] {
        if let Some(t) = time {
            if t < rules.session_open || t > rules.session_close {
                errors.push(FieldError::new(
                    field,
                    format!("{field} must be inside the session {session}"),
                ));
            }
        }
    }
    if let (Some(buy), Some(sell)) = (buy_time, sell_time) {
        if buy >= sell {
            errors.push(FieldError::new(
                "sell_time",
                "sell_time must be after buy_time",
            ));
        }
    }
    if let (Some(sell), Product::Mis) = (sell_time, product) {
        if sell > rules.mis_cutoff && sell <= rules.session_close {
            errors.push(FieldError::new(
                "sell_time",
                format!(
                    "an MIS (intraday) sell must be no later than the broker's square-off at {}",
                    fmt_time(rules.mis_cutoff)
                ),
            ));
        }
    }
    if let Some(q) = quantity {
        if q == 0 || q > rules.max_quantity {
            errors.push(quantity_error(rules));
        }
    }
}

/// A target or trailing stop in points must be a whole number of ticks.
fn exit_errors(rules: &StrategyRules, exits: &ExitRules, errors: &mut Vec<FieldError>) {
    for (field, offset) in [
        ("target", exits.target),
        ("trailing_stop", exits.trailing_stop),
    ] {
        if let Some(Offset::Points(points)) = offset {
            if !points.is_multiple_of(rules.tick_paise) {
                errors.push(FieldError::new(
                    field,
                    format!(
                        "{field} must be a multiple of the tick size {}",
                        tick_text(rules)
                    ),
                ));
            }
        }
    }
}

fn tick_text(rules: &StrategyRules) -> String {
    Price::from_paise(rules.tick_paise)
        .map(|p| p.to_string())
        .unwrap_or_default()
}

impl StrategySpec {
    /// Checks every rule on the typed fields, returning all that are broken.
    pub fn validate(&self, rules: &StrategyRules) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        rule_errors(
            rules,
            Some(self.buy_time),
            Some(self.sell_time),
            Some(self.stop_loss),
            Some(self.quantity),
            self.product,
            &mut errors,
        );
        exit_errors(rules, &self.exits, &mut errors);
        if self.direction == Direction::Short && self.product == Product::Cnc {
            errors.push(FieldError::new(
                "direction",
                "a short-first strategy must be MIS (intraday): delivery (CNC) cannot sell what is not held",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Whether two strategies of one user would trade the same symbol at overlapping times.
    /// Windows are closed intervals: one ending at 10:00:00 and one starting at 10:00:00 overlap.
    pub fn overlaps(&self, other: &StrategySpec) -> bool {
        self.symbol == other.symbol
            && windows_overlap(
                (self.buy_time, self.sell_time),
                (other.buy_time, other.sell_time),
            )
    }
}

/// Whether two closed `[buy, sell]` windows intersect.
pub fn windows_overlap(a: (NaiveTime, NaiveTime), b: (NaiveTime, NaiveTime)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> StrategyDraft {
        StrategyDraft {
            symbol: Some("tcs".into()),
            exchange: None,
            buy_time: Some("09:30:00".into()),
            sell_time: Some("15:10:00".into()),
            stop_loss: Some("3500.05".into()),
            quantity: Some(10),
            product: None,
            target: None,
            trailing_stop: None,
            direction: None,
            paper: None,
        }
    }

    #[test]
    fn direction_is_long_unless_short_is_asked_for() {
        let rules = StrategyRules::nse();
        assert_eq!(
            draft().parse(&rules).expect("valid").direction,
            Direction::Long
        );
        let short = StrategyDraft {
            direction: Some("short".into()),
            ..draft()
        };
        assert_eq!(
            short.parse(&rules).expect("valid").direction,
            Direction::Short
        );
        let delivery = StrategyDraft {
            direction: Some("SHORT".into()),
            product: Some("CNC".into()),
            ..draft()
        };
        let errors = delivery.parse(&rules).expect_err("refused");
        assert_eq!(errors[0].field, "direction");
        assert!(errors[0].message.contains("MIS"), "{}", errors[0].message);
        let bad = StrategyDraft {
            direction: Some("sideways".into()),
            ..draft()
        };
        let errors = bad.parse(&rules).expect_err("refused");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "direction");
    }

    #[test]
    fn target_and_trailing_stop_are_optional_points_or_percent() {
        let rules = StrategyRules::nse();
        let spec = draft().parse(&rules).expect("valid");
        assert_eq!(spec.exits, ExitRules::default());
        let d = StrategyDraft {
            target: Some("25.50".into()),
            trailing_stop: Some("1.5%".into()),
            ..draft()
        };
        let spec = d.parse(&rules).expect("valid");
        assert_eq!(
            spec.exits.target,
            Some(Offset::Points(Price::parse("25.5").expect("p")))
        );
        assert_eq!(spec.exits.trailing_stop, Some(Offset::Percent(150)));
        let d = StrategyDraft {
            target: Some("25.52".into()),
            trailing_stop: Some("0%".into()),
            quantity: Some(0),
            ..draft()
        };
        assert_eq!(
            fields(d.parse(&rules)),
            vec!["quantity", "target", "trailing_stop"],
            "every problem at once"
        );
    }

    fn fields(result: Result<StrategySpec, Vec<FieldError>>) -> Vec<String> {
        let mut f: Vec<String> = result
            .expect_err("should be invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        f.sort();
        f
    }

    #[test]
    fn a_valid_draft_parses_with_defaults() {
        let spec = draft().parse(&StrategyRules::nse()).expect("valid");
        assert_eq!(spec.symbol.as_ref(), "TCS");
        assert_eq!(spec.exchange, Exchange::Nse);
        assert_eq!(spec.product, Product::Mis);
        assert_eq!(spec.stop_loss.paise(), 350_005);
        assert_eq!(spec.quantity, 10);
    }

    #[test]
    fn stop_loss_is_mandatory_positive_and_on_tick() {
        let rules = StrategyRules::nse();
        for bad in [
            None,
            Some("0"),
            Some("-5"),
            Some("3500.03"),
            Some("abc"),
            Some("1.234"),
        ] {
            let d = StrategyDraft {
                stop_loss: bad.map(String::from),
                ..draft()
            };
            assert_eq!(
                fields(d.parse(&rules)),
                vec!["stop_loss"],
                "stop_loss {bad:?}"
            );
        }
        let d = StrategyDraft {
            stop_loss: Some("0.05".into()),
            ..draft()
        };
        assert!(d.parse(&rules).is_ok());
        let coarse = StrategyRules {
            tick_paise: 10,
            ..StrategyRules::nse()
        };
        let d = StrategyDraft {
            stop_loss: Some("3500.05".into()),
            ..draft()
        };
        assert_eq!(fields(d.parse(&coarse)), vec!["stop_loss"]);
    }

    #[test]
    fn buy_must_come_before_sell() {
        let rules = StrategyRules::nse();
        let d = StrategyDraft {
            buy_time: Some("10:00:00".into()),
            sell_time: Some("10:00:00".into()),
            ..draft()
        };
        assert_eq!(fields(d.parse(&rules)), vec!["sell_time"]);
        let d = StrategyDraft {
            buy_time: Some("11:00:00".into()),
            sell_time: Some("10:00:00".into()),
            ..draft()
        };
        assert_eq!(fields(d.parse(&rules)), vec!["sell_time"]);
        let d = StrategyDraft {
            buy_time: Some("10:00:00".into()),
            sell_time: Some("10:00:01".into()),
            ..draft()
        };
        assert!(d.parse(&rules).is_ok());
    }

    #[test]
    fn times_must_be_inside_the_session() {
        let rules = StrategyRules::nse();
        let d = StrategyDraft {
            buy_time: Some("09:14:59".into()),
            ..draft()
        };
        assert_eq!(fields(d.parse(&rules)), vec!["buy_time"]);
        let d = StrategyDraft {
            buy_time: Some("09:15:00".into()),
            ..draft()
        };
        assert!(d.parse(&rules).is_ok());
        let cnc = |sell: &str| StrategyDraft {
            sell_time: Some(sell.into()),
            product: Some("CNC".into()),
            ..draft()
        };
        assert!(cnc("15:30:00").parse(&rules).is_ok());
        assert_eq!(fields(cnc("15:30:01").parse(&rules)), vec!["sell_time"]);
        let d = StrategyDraft {
            buy_time: Some("08:00:00".into()),
            sell_time: Some("16:00:00".into()),
            ..draft()
        };
        assert_eq!(fields(d.parse(&rules)), vec!["buy_time", "sell_time"]);
        // The always-open calendar accepts any second of the day.
        assert!(d.parse(&StrategyRules::always_open()).is_ok());
    }

    #[test]
    fn mis_sell_must_respect_the_square_off_cutoff() {
        let rules = StrategyRules::nse();
        let mis = |sell: &str| StrategyDraft {
            sell_time: Some(sell.into()),
            ..draft()
        };
        assert!(mis("15:20:00").parse(&rules).is_ok());
        assert_eq!(fields(mis("15:20:01").parse(&rules)), vec!["sell_time"]);
        let later = StrategyRules {
            mis_cutoff: hms(15, 25, 0),
            ..StrategyRules::nse()
        };
        assert!(mis("15:24:00").parse(&later).is_ok());
    }

    #[test]
    fn quantity_is_between_one_and_the_freeze_limit() {
        let rules = StrategyRules {
            max_quantity: 1800,
            ..StrategyRules::nse()
        };
        for bad in [None, Some(0), Some(-1), Some(1801), Some(i64::MAX)] {
            let d = StrategyDraft {
                quantity: bad,
                ..draft()
            };
            assert_eq!(
                fields(d.parse(&rules)),
                vec!["quantity"],
                "quantity {bad:?}"
            );
        }
        for good in [1, 1800] {
            assert!(StrategyDraft {
                quantity: Some(good),
                ..draft()
            }
            .parse(&rules)
            .is_ok());
        }
    }

    #[test]
    fn symbol_exchange_product_and_time_format() {
        let rules = StrategyRules::nse();
        let d = StrategyDraft {
            symbol: Some("TC S".into()),
            ..draft()
        };
        assert_eq!(fields(d.parse(&rules)), vec!["symbol"]);
        let d = StrategyDraft {
            symbol: None,
            ..draft()
        };
        assert_eq!(fields(d.parse(&rules)), vec!["symbol"]);
        let d = StrategyDraft {
            exchange: Some("MCX".into()),
            ..draft()
        };
        assert_eq!(fields(d.parse(&rules)), vec!["exchange"]);
        let d = StrategyDraft {
            exchange: Some("bse".into()),
            ..draft()
        };
        assert_eq!(d.parse(&rules).map(|s| s.exchange), Ok(Exchange::Bse));
        let d = StrategyDraft {
            product: Some("NRML".into()),
            ..draft()
        };
        assert_eq!(fields(d.parse(&rules)), vec!["product"]);
        for bad in ["9:30:00", "09:30", "09:30:00.5", "25:00:00", "09:60:00", ""] {
            let d = StrategyDraft {
                buy_time: Some(bad.into()),
                ..draft()
            };
            assert_eq!(
                fields(d.parse(&rules)),
                vec!["buy_time"],
                "buy_time {bad:?}"
            );
        }
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let d = StrategyDraft {
            symbol: Some("".into()),
            exchange: Some("X".into()),
            buy_time: Some("16:00:00".into()),
            sell_time: Some("15:00:00".into()),
            stop_loss: Some("3500.01".into()),
            quantity: Some(0),
            product: Some("Y".into()),
            ..StrategyDraft::default()
        };
        let got = fields(d.parse(&StrategyRules::nse()));
        assert_eq!(
            got,
            vec![
                "buy_time",
                "exchange",
                "product",
                "quantity",
                "sell_time",
                "stop_loss",
                "symbol"
            ]
        );
    }

    #[test]
    fn overlap_rule() {
        let rules = StrategyRules::nse();
        let a = draft().parse(&rules).expect("valid");
        let window = |buy: &str, sell: &str, sym: &str| {
            StrategyDraft {
                symbol: Some(sym.into()),
                buy_time: Some(buy.into()),
                sell_time: Some(sell.into()),
                ..draft()
            }
            .parse(&rules)
            .expect("valid")
        };
        assert!(a.overlaps(&window("10:00:00", "11:00:00", "TCS")));
        assert!(
            a.overlaps(&window("09:15:00", "09:30:00", "TCS")),
            "touching ends overlap"
        );
        assert!(!window("09:15:00", "09:29:59", "TCS").overlaps(&a));
        assert!(
            !a.overlaps(&window("10:00:00", "11:00:00", "INFY")),
            "other symbol"
        );
        let morning = window("09:20:00", "10:00:00", "INFY");
        let afternoon = window("10:00:01", "11:00:00", "INFY");
        assert!(!morning.overlaps(&afternoon) && !afternoon.overlaps(&morning));
    }
}
