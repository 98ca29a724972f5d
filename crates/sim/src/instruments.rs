//! The instrument list, `data/instruments.csv` in Kite's dump format: a few hundred NSE equities
//! (the well-known ones with Kite's real tokens, the rest named `SIM…` with generated but
//! consistent tokens: `token & 0xff == 1` for NSE equity, `exchange_token == token >> 8`) and two
//! indices (segment `INDICES`, not tradable). The `last_price` column is the start price.

use std::collections::HashMap;

use algo_kite::ticker::Segment;
use serde::Deserialize;

use crate::money::parse_paise;

const DATA: &str = include_str!("../data/instruments.csv");

/// Indices have no tick size in Kite's dump (`0.0`); their walk moves in 5-paise steps.
const DEFAULT_TICK_PAISE: i64 = 5;

#[derive(Debug, Deserialize)]
struct Row {
    instrument_token: u32,
    tradingsymbol: String,
    last_price: String,
    tick_size: String,
    lot_size: u32,
    segment: String,
    exchange: String,
}

/// One instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    pub token: u32,
    pub symbol: String,
    pub exchange: String,
    /// Kite's `segment` column (`NSE`, `INDICES`).
    pub segment: String,
    /// False for indices.
    pub tradable: bool,
    /// The price step in paise (5 for ₹0.05).
    pub tick_paise: i64,
    pub lot_size: u32,
    pub start_paise: i64,
    /// The instrument's row in the dump, as served.
    line: &'static str,
}

/// The whole list, by token and by `(exchange, symbol)`.
#[derive(Debug, Clone)]
pub struct Instruments {
    all: Vec<Instrument>,
    by_symbol: HashMap<(String, String), usize>,
    by_token: HashMap<u32, usize>,
}

fn parse_line(line: &'static str) -> Result<Instrument, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    let headers = csv::StringRecord::from(header().split(',').collect::<Vec<_>>());
    let record = reader
        .records()
        .next()
        .ok_or("empty line")?
        .map_err(|e| e.to_string())?;
    let row: Row = record
        .deserialize(Some(&headers))
        .map_err(|e| e.to_string())?;
    let tick = parse_paise(&row.tick_size).ok_or("bad tick_size")?;
    Ok(Instrument {
        token: row.instrument_token,
        tradable: Segment::of_token(row.instrument_token).tradable() && row.segment != "INDICES",
        tick_paise: if tick > 0 { tick } else { DEFAULT_TICK_PAISE },
        lot_size: row.lot_size.max(1),
        start_paise: parse_paise(&row.last_price)
            .filter(|p| *p > 0)
            .ok_or("bad last_price")?,
        symbol: row.tradingsymbol,
        exchange: row.exchange,
        segment: row.segment,
        line,
    })
}

fn header() -> &'static str {
    DATA.lines().next().unwrap_or_default()
}

impl Instruments {
    /// Parses the shipped list. It is part of the binary and tested, so a failure is a bug.
    pub fn load() -> Self {
        let all: Vec<Instrument> = DATA
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                parse_line(l)
                    .unwrap_or_else(|e| panic!("data/instruments.csv row {l:?} is broken: {e}"))
            })
            .collect();
        let by_symbol = all
            .iter()
            .enumerate()
            .map(|(i, x)| ((x.exchange.clone(), x.symbol.clone()), i))
            .collect();
        let by_token = all.iter().enumerate().map(|(i, x)| (x.token, i)).collect();
        Self {
            all,
            by_symbol,
            by_token,
        }
    }

    pub fn all(&self) -> &[Instrument] {
        &self.all
    }

    pub fn get(&self, exchange: &str, symbol: &str) -> Option<&Instrument> {
        self.by_symbol
            .get(&(exchange.to_owned(), symbol.to_owned()))
            .map(|&i| &self.all[i])
    }

    /// `TCS` (NSE) or `NSE:TCS`.
    pub fn find(&self, name: &str) -> Option<&Instrument> {
        match name.split_once(':') {
            Some((exchange, symbol)) => self.get(exchange, symbol),
            None => self.get("NSE", name),
        }
    }

    pub fn by_token(&self, token: u32) -> Option<&Instrument> {
        self.by_token.get(&token).map(|&i| &self.all[i])
    }

    /// The dump as `GET /instruments` serves it: every row, or only `exchange`'s.
    pub fn csv(&self, exchange: Option<&str>) -> String {
        let mut out = String::with_capacity(DATA.len());
        out.push_str(header());
        out.push('\n');
        for i in self
            .all
            .iter()
            .filter(|i| exchange.is_none_or(|e| e == i.exchange))
        {
            out.push_str(i.line);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_is_consistent() {
        let list = Instruments::load();
        assert!(list.all().len() >= 300, "a few hundred instruments");
        assert_eq!(
            header(),
            "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange",
            "Kite's column order"
        );
        for (symbol, token) in [
            ("TCS", 2953217),
            ("INFY", 408065),
            ("RELIANCE", 738561),
            ("SBIN", 779521),
            ("HDFCBANK", 341249),
            ("NIFTY 50", 256265),
        ] {
            assert_eq!(list.find(symbol).map(|i| i.token), Some(token), "{symbol}");
        }
        let nifty = list.find("NSE:NIFTY 50").expect("NIFTY 50");
        assert!(!nifty.tradable && nifty.segment == "INDICES");
        for i in list.all() {
            assert!(!i.line.contains('"'), "one line per row: {}", i.symbol);
            assert!(i.start_paise % i.tick_paise == 0, "{} on a tick", i.symbol);
            assert_eq!(i.lot_size, 1, "{}", i.symbol);
            if i.tradable {
                assert_eq!(i.token & 0xff, 1, "{} is NSE equity", i.symbol);
                assert_eq!(i.tick_paise, 5, "{}", i.symbol);
            } else {
                assert_eq!(Segment::of_token(i.token), Segment::Indices, "{}", i.symbol);
            }
            let exchange_token: u32 = i
                .line
                .split(',')
                .nth(1)
                .and_then(|t| t.parse().ok())
                .expect("exchange_token");
            assert_eq!(exchange_token, i.token >> 8, "{}", i.symbol);
            assert_eq!(list.by_token(i.token), Some(i));
        }
    }

    #[test]
    fn serves_the_dump_by_exchange() {
        let list = Instruments::load();
        let nse = list.csv(Some("NSE"));
        assert_eq!(nse.lines().count(), list.all().len() + 1);
        assert!(nse.contains("\n2953217,11536,TCS,"));
        assert_eq!(list.csv(Some("BSE")).lines().count(), 1, "header only");
        assert_eq!(list.csv(None), nse);
    }
}
