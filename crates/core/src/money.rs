//! Prices as integer paise. Parsed straight from decimal text, never through a float.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A price in paise (1 rupee = 100 paise). Always positive once parsed.
///
/// Parsing accepts rupee text with at most two decimals: `3500`, `3500.5`, `3500.05`.
/// JSON accepts the same as a number or a string. Serialises as a string with two
/// decimals (`"3500.05"`), so no client ever sees a binary float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(i64);

/// Why a text is not a price.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("price is empty")]
    Empty,
    #[error("price must be a decimal number like 3500 or 3500.05")]
    NotANumber,
    #[error("price must be greater than zero")]
    NotPositive,
    #[error("price has more than 2 decimals")]
    TooPrecise,
    #[error("price is too large")]
    TooLarge,
}

impl Price {
    /// The largest price accepted: ₹1,000 crore per share is far beyond any listed stock.
    pub const MAX_PAISE: i64 = 1_000_000_000_000;

    /// A price from paise; errors when not in `1..=MAX_PAISE`.
    pub fn from_paise(paise: i64) -> Result<Self, PriceError> {
        if paise <= 0 {
            return Err(PriceError::NotPositive);
        }
        if paise > Self::MAX_PAISE {
            return Err(PriceError::TooLarge);
        }
        Ok(Self(paise))
    }

    /// Parses rupee text exactly: digits, an optional point and up to two decimals.
    pub fn parse(text: &str) -> Result<Self, PriceError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PriceError::Empty);
        }
        if text.starts_with('-') {
            return Err(PriceError::NotPositive);
        }
        let text = text.strip_prefix('+').unwrap_or(text);
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
            return Err(PriceError::NotANumber);
        }
        // Trailing zeros beyond two decimals carry no value ("3500.050" is 3500.05).
        let frac = frac.trim_end_matches('0');
        if frac.len() > 2 {
            return Err(PriceError::TooPrecise);
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 12 {
            return Err(PriceError::TooLarge);
        }
        let rupees: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| PriceError::TooLarge)?
        };
        let mut fraction: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| PriceError::NotANumber)?
        };
        if frac.len() == 1 {
            fraction *= 10;
        }
        let paise = rupees
            .checked_mul(100)
            .and_then(|p| p.checked_add(fraction))
            .ok_or(PriceError::TooLarge)?;
        Self::from_paise(paise)
    }

    /// The price in paise.
    pub fn paise(self) -> i64 {
        self.0
    }

    /// True when the price is a whole number of ticks of `tick_paise`.
    pub fn is_multiple_of(self, tick_paise: i64) -> bool {
        tick_paise > 0 && self.0 % tick_paise == 0
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl FromStr for Price {
    type Err = PriceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Price {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PriceVisitor;
        impl Visitor<'_> for PriceVisitor {
            type Value = Price;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a price in rupees with at most 2 decimals, as a number or a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Price, E> {
                Price::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Price, E> {
                let paise = i64::try_from(v)
                    .ok()
                    .and_then(|r| r.checked_mul(100))
                    .ok_or_else(|| E::custom(PriceError::TooLarge))?;
                Price::from_paise(paise).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Price, E> {
                if v <= 0 {
                    return Err(E::custom(PriceError::NotPositive));
                }
                self.visit_u64(v.unsigned_abs())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Price, E> {
                // A JSON number with a fraction. Go through the shortest decimal text that
                // round-trips to this f64 (Rust's `Display` gives exactly that), so 3500.05
                // is read as the text "3500.05" and never rounded through binary.
                if !v.is_finite() {
                    return Err(E::custom(PriceError::NotANumber));
                }
                Price::parse(&v.to_string()).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(PriceVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_whole_one_and_two_decimals() {
        assert_eq!(Price::parse("3500").map(Price::paise), Ok(350_000));
        assert_eq!(Price::parse("3500.5").map(Price::paise), Ok(350_050));
        assert_eq!(Price::parse("3500.05").map(Price::paise), Ok(350_005));
        assert_eq!(Price::parse("0.05").map(Price::paise), Ok(5));
        assert_eq!(Price::parse(".5").map(Price::paise), Ok(50));
        assert_eq!(Price::parse("3500.").map(Price::paise), Ok(350_000));
        assert_eq!(Price::parse("3500.050").map(Price::paise), Ok(350_005));
    }

    #[test]
    fn rejects_bad_text() {
        assert_eq!(Price::parse(""), Err(PriceError::Empty));
        assert_eq!(Price::parse("NaN"), Err(PriceError::NotANumber));
        assert_eq!(Price::parse("inf"), Err(PriceError::NotANumber));
        assert_eq!(Price::parse("-1"), Err(PriceError::NotPositive));
        assert_eq!(Price::parse("0"), Err(PriceError::NotPositive));
        assert_eq!(Price::parse("0.00"), Err(PriceError::NotPositive));
        assert_eq!(Price::parse("3500.055"), Err(PriceError::TooPrecise));
        assert_eq!(Price::parse("1e3"), Err(PriceError::NotANumber));
        assert_eq!(Price::parse("."), Err(PriceError::NotANumber));
        assert_eq!(Price::parse("1.2.3"), Err(PriceError::NotANumber));
        assert_eq!(Price::parse("99999999999999"), Err(PriceError::TooLarge));
    }

    #[test]
    fn json_accepts_numbers_and_strings_and_writes_strings() {
        let p: Price = serde_json::from_str("3500.05").expect("number");
        assert_eq!(p.paise(), 350_005);
        let p: Price = serde_json::from_str("\"3500.05\"").expect("string");
        assert_eq!(p.paise(), 350_005);
        let p: Price = serde_json::from_str("3500").expect("integer");
        assert_eq!(p.paise(), 350_000);
        assert!(serde_json::from_str::<Price>("-5").is_err());
        assert!(serde_json::from_str::<Price>("0.001").is_err());
        assert!(serde_json::from_str::<Price>("null").is_err());
        assert_eq!(serde_json::to_string(&p).expect("serialise"), "\"3500.00\"");
    }

    #[test]
    fn tick_multiples() {
        let p = Price::parse("3500.05").expect("valid");
        assert!(p.is_multiple_of(5));
        assert!(!Price::parse("3500.03").expect("valid").is_multiple_of(5));
        assert!(!p.is_multiple_of(0));
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(paise in 1i64..=Price::MAX_PAISE) {
            let price = Price::from_paise(paise).expect("in range");
            prop_assert_eq!(Price::parse(&price.to_string()), Ok(price));
        }

        #[test]
        fn json_number_round_trips(paise in 1i64..=10_000_000_000i64) {
            let text = Price::from_paise(paise).expect("in range").to_string();
            let parsed: Price = serde_json::from_str(&text).expect("json number");
            prop_assert_eq!(parsed.paise(), paise);
        }

        #[test]
        fn parse_never_panics(text in ".{0,24}") {
            let _ = Price::parse(&text);
        }
    }
}
