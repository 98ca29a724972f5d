//! Trading symbols and exchanges.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A trading symbol as the exchange spells it: 1–25 characters of `A-Z 0-9 & -`.
///
/// Parsing upper-cases the input, so `tcs` and `TCS` are the same symbol.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Symbol(String);

/// Why a text is not a symbol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SymbolError {
    #[error("symbol is required")]
    Empty,
    #[error("symbol is longer than 25 characters")]
    TooLong,
    #[error("symbol may contain only A-Z, 0-9, & and -")]
    BadCharacter,
}

impl Symbol {
    pub const MAX_LEN: usize = 25;

    pub fn parse(text: &str) -> Result<Self, SymbolError> {
        let upper = text.trim().to_ascii_uppercase();
        if upper.is_empty() {
            return Err(SymbolError::Empty);
        }
        if upper.chars().count() > Self::MAX_LEN {
            return Err(SymbolError::TooLong);
        }
        if !upper
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'&' || b == b'-')
        {
            return Err(SymbolError::BadCharacter);
        }
        Ok(Self(upper))
    }
}

impl AsRef<str> for Symbol {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Symbol {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Symbol::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The exchanges a strategy can trade on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Exchange {
    #[default]
    Nse,
    Bse,
}

impl Exchange {
    pub fn as_str(self) -> &'static str {
        match self {
            Exchange::Nse => "NSE",
            Exchange::Bse => "BSE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "NSE" => Some(Exchange::Nse),
            "BSE" => Some(Exchange::Bse),
            _ => None,
        }
    }
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_upper_cased_and_checked() {
        assert_eq!(
            Symbol::parse("tcs").map(|s| s.to_string()),
            Ok("TCS".into())
        );
        assert_eq!(
            Symbol::parse("M&M").map(|s| s.to_string()),
            Ok("M&M".into())
        );
        assert_eq!(
            Symbol::parse("BAJAJ-AUTO").map(|s| s.to_string()),
            Ok("BAJAJ-AUTO".into())
        );
        assert_eq!(Symbol::parse("  "), Err(SymbolError::Empty));
        assert_eq!(
            Symbol::parse(&"A".repeat(25)).map(|s| s.as_ref().len()),
            Ok(25)
        );
        assert_eq!(Symbol::parse(&"A".repeat(26)), Err(SymbolError::TooLong));
        assert_eq!(Symbol::parse("TCS EQ"), Err(SymbolError::BadCharacter));
        assert_eq!(Symbol::parse("TCS;DROP"), Err(SymbolError::BadCharacter));
        assert_eq!(Symbol::parse("ТCS"), Err(SymbolError::BadCharacter));
    }

    #[test]
    fn exchanges_parse() {
        assert_eq!(Exchange::parse("nse"), Some(Exchange::Nse));
        assert_eq!(Exchange::parse("BSE"), Some(Exchange::Bse));
        assert_eq!(Exchange::parse("MCX"), None);
        assert_eq!(Exchange::default(), Exchange::Nse);
    }
}
