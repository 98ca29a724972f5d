//! The instruments dump (`GET /instruments/{exchange}`), a CSV, as a symbol ⇄ token map.

use std::collections::HashMap;

use algo_core::Symbol;
use serde::Deserialize;

use crate::error::KiteError;
use crate::types::Decimal;

/// One row of the dump, e.g.
/// `408065,1594,INFY,INFOSYS,0.0,,0.0,0.05,1,EQ,NSE,NSE`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Instrument {
    pub instrument_token: u32,
    pub exchange_token: u32,
    pub tradingsymbol: String,
    #[serde(default)]
    pub name: String,
    pub tick_size: Decimal,
    pub lot_size: u32,
    pub instrument_type: String,
    pub segment: String,
    pub exchange: String,
}

/// The dump of one or more exchanges, indexed both ways.
#[derive(Debug, Clone, Default)]
pub struct Instruments {
    rows: Vec<Instrument>,
    by_symbol: HashMap<(String, String), usize>,
    by_token: HashMap<u32, usize>,
}

impl Instruments {
    /// Parses Kite's CSV (header row first).
    pub fn from_csv(text: &str) -> Result<Self, KiteError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let mut out = Instruments::default();
        for (i, row) in reader.deserialize::<Instrument>().enumerate() {
            let row = row.map_err(|e| KiteError::Protocol {
                status: 200,
                message: format!("instruments row {}: {e}", i + 2),
            })?;
            out.insert(row);
        }
        Ok(out)
    }

    fn insert(&mut self, row: Instrument) {
        let index = self.rows.len();
        self.by_symbol
            .insert((row.exchange.clone(), row.tradingsymbol.clone()), index);
        self.by_token.insert(row.instrument_token, index);
        self.rows.push(row);
    }

    /// Adds another exchange's dump.
    pub fn extend(&mut self, other: Instruments) {
        for row in other.rows {
            self.insert(row);
        }
    }

    pub fn get(&self, exchange: &str, tradingsymbol: &str) -> Option<&Instrument> {
        self.by_symbol
            .get(&(exchange.to_owned(), tradingsymbol.to_owned()))
            .map(|&i| &self.rows[i])
    }

    pub fn by_token(&self, token: u32) -> Option<&Instrument> {
        self.by_token.get(&token).map(|&i| &self.rows[i])
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Instrument> {
        self.rows.iter()
    }

    /// Up to `limit` tradable equities of `exchange` matching `query` (case-insensitive, spaces
    /// at the ends ignored): first those whose symbol starts with it, shortest symbol first (so
    /// `SBIN` before `SBICARD`, `CDSL` before `CDSL-BE`), then those whose name has a word
    /// starting with it, names starting with it first. Indices, derivatives and symbols the
    /// app could not trade (outside [`Symbol`]'s rules) are left out. An empty query matches
    /// nothing.
    pub fn search_equities(&self, exchange: &str, query: &str, limit: usize) -> Vec<&Instrument> {
        let query = query.trim().to_uppercase();
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let equities = self.rows.iter().filter(|i| {
            i.exchange == exchange
                && i.instrument_type == "EQ"
                && i.segment != "INDICES"
                && Symbol::parse(&i.tradingsymbol)
                    .is_ok_and(|s| s.as_ref() == i.tradingsymbol.as_str())
        });
        let mut by_symbol = Vec::new();
        let mut by_name = Vec::new();
        for i in equities {
            if i.tradingsymbol.starts_with(&query) {
                by_symbol.push(i);
            } else {
                let name = i.name.to_uppercase();
                if name.starts_with(&query) {
                    by_name.push((0, i));
                } else if name.contains(&format!(" {query}")) {
                    by_name.push((1, i));
                }
            }
        }
        by_symbol.sort_by(|a, b| {
            (a.tradingsymbol.len(), &a.tradingsymbol)
                .cmp(&(b.tradingsymbol.len(), &b.tradingsymbol))
        });
        by_name.sort_by(|(ra, a), (rb, b)| {
            (ra, &a.name, &a.tradingsymbol).cmp(&(rb, &b.name, &b.tradingsymbol))
        });
        by_symbol
            .into_iter()
            .chain(by_name.into_iter().map(|(_, i)| i))
            .take(limit)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange";

    #[test]
    fn equity_search_leaves_out_what_cannot_be_traded() {
        let dump = Instruments::from_csv(&format!(
            "{HEADER}\n\
             256265,1001,NIFTY 50,NIFTY 50,0.0,,0.0,0.0,0,EQ,INDICES,NSE\n\
             12345,48,NIFTY26DECFUT,NIFTY,0.0,2026-12-31,0.0,0.05,75,FUT,NFO-FUT,NFO\n\
             408065,1594,INFY,INFOSYS,0.0,,0.0,0.05,1,EQ,NSE,NSE\n\
             500209,1954,INFY,INFOSYS,0.0,,0.0,0.05,1,EQ,BSE,BSE\n\
             99,1,NIFTYBEES,NIPPON NIFTY BEES,0.0,,0.0,0.01,1,EQ,NSE,NSE\n\
             98,2,NIFTY_ODD,NIFTY ODD,0.0,,0.0,0.05,1,EQ,NSE,NSE\n"
        ))
        .expect("dump");
        let found = |exchange, query| -> Vec<(String, u32)> {
            dump.search_equities(exchange, query, 20)
                .into_iter()
                .map(|i| (i.tradingsymbol.clone(), i.instrument_token))
                .collect()
        };
        assert_eq!(found("NSE", "nifty"), [("NIFTYBEES".to_owned(), 99)]);
        assert_eq!(found("BSE", "INF"), [("INFY".to_owned(), 500209)]);
        assert_eq!(found("NFO", "NIFTY"), []);
        assert!(dump.search_equities("NSE", "INFY", 0).is_empty());
    }
}
