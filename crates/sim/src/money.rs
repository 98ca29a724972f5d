//! Prices are integer paise inside the simulator. They arrive as rupee text (a form field, a JSON
//! number's own digits) and leave as JSON numbers in rupees written from the paise, so no price
//! ever passes through binary floating point.

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// Rupee text to paise: digits with at most two decimals (`3500`, `3500.5`, `3500.05`,
/// `3500.050`). Zero is allowed (Kite sends `price=0` for market orders); negatives, exponents
/// and fractions of a paisa are not.
pub fn parse_paise(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = frac.trim_end_matches('0');
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) || frac.len() > 2 {
        return None;
    }
    if whole.len() > 12 {
        return None;
    }
    let rupees: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    rupees.checked_mul(100)?.checked_add(cents)
}

/// Paise as Kite writes rupees: `470` for a whole amount, `300.1`, `1489.95`.
pub fn rupee_text(paise: i64) -> String {
    let sign = if paise < 0 { "-" } else { "" };
    let abs = paise.unsigned_abs();
    let (whole, frac) = (abs / 100, abs % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

/// A price in paise that serialises as a JSON number in rupees, exactly (`Rupees(148995)` is
/// `1489.95`). Only serde_json can write it exactly; it is only ever written by serde_json.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rupees(pub i64);

impl Serialize for Rupees {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            return serializer.serialize_i64(self.0 / 100);
        }
        RawValue::from_string(rupee_text(self.0))
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rupee_text_exactly() {
        assert_eq!(parse_paise("3500.05"), Some(350_005));
        assert_eq!(parse_paise("3500.5"), Some(350_050));
        assert_eq!(parse_paise("3500.050"), Some(350_005));
        assert_eq!(parse_paise("3500"), Some(350_000));
        assert_eq!(parse_paise(".5"), Some(50));
        assert_eq!(parse_paise("0"), Some(0));
        for bad in [
            "",
            ".",
            "-1",
            "1e3",
            "3500.055",
            "abc",
            "1.2.3",
            "9999999999999",
        ] {
            assert_eq!(parse_paise(bad), None, "{bad}");
        }
    }

    #[test]
    fn writes_rupees_as_kite_does() {
        let json = |p| serde_json::to_string(&Rupees(p)).expect("serialises");
        assert_eq!(json(47_000), "470");
        assert_eq!(json(30_010), "300.1");
        assert_eq!(json(148_995), "1489.95");
        assert_eq!(json(5), "0.05");
        assert_eq!(json(0), "0");
        assert_eq!(json(-1_050), "-10.5");
        // Every paise amount reads back as itself through its own text.
        for p in [1, 7, 10, 99, 100, 101, 123_456_789, 350_005] {
            assert_eq!(parse_paise(&json(p)), Some(p), "{p}");
        }
    }
}
