//! The simulator's instrument list: a few hundred NSE equities (the well-known ones with Kite's
//! tokens, the rest clearly named `SIM…`) and two indices, each with a start price.

use std::collections::HashMap;

use algo_kite::types::Decimal;
use serde::Deserialize;

const DATA: &str = include_str!("../data/instruments.csv");

/// The CSV as served by `GET /instruments`.
pub fn csv() -> &'static str {
    DATA
}

#[derive(Debug, Clone, Deserialize)]
struct Row {
    instrument_token: u32,
    tradingsymbol: String,
    last_price: String,
    tick_size: String,
    segment: String,
    exchange: String,
}

/// One instrument.
#[derive(Debug, Clone)]
pub struct Instrument {
    pub token: u32,
    pub symbol: String,
    pub exchange: String,
    pub tradable: bool,
    pub tick_paise: i64,
    pub start_paise: i64,
}

/// The list, by token and by `(exchange, symbol)`.
#[derive(Debug, Clone)]
pub struct Instruments {
    pub all: Vec<Instrument>,
    by_symbol: HashMap<(String, String), usize>,
    by_token: HashMap<u32, usize>,
}

impl Instruments {
    pub fn load() -> Self {
        let mut reader = csv::Reader::from_reader(DATA.as_bytes());
        let mut all = Vec::new();
        for row in reader.deserialize::<Row>() {
            let row = row.expect("the shipped instrument list parses (tested)");
            all.push(Instrument {
                token: row.instrument_token,
                tradable: row.segment != "INDICES",
                tick_paise: Decimal::from_text(row.tick_size)
                    .paise()
                    .filter(|t| *t > 0)
                    .unwrap_or(5),
                start_paise: Decimal::from_text(row.last_price).paise().unwrap_or(10_000),
                symbol: row.tradingsymbol,
                exchange: row.exchange,
            });
        }
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

    pub fn get(&self, exchange: &str, symbol: &str) -> Option<&Instrument> {
        self.by_symbol
            .get(&(exchange.to_owned(), symbol.to_owned()))
            .map(|&i| &self.all[i])
    }

    /// `TCS` or `NSE:TCS`.
    pub fn find(&self, name: &str) -> Option<&Instrument> {
        match name.split_once(':') {
            Some((exchange, symbol)) => self.get(exchange, symbol),
            None => self.get("NSE", name),
        }
    }

    pub fn by_token(&self, token: u32) -> Option<&Instrument> {
        self.by_token.get(&token).map(|&i| &self.all[i])
    }
}
