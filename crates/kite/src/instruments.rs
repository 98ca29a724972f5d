//! The instruments dump (`GET /instruments/{exchange}`), a CSV, as a symbol ⇄ token map.

use std::collections::HashMap;

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
}
