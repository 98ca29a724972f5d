//! Ports the use cases need, each a small trait with one adapter per deployment profile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use algo_core::strategy::{Exchange, Symbol};
use algo_core::{Clock, TradingCalendar};
use algo_kite::{Instruments, KiteClient, KiteError, KiteHttp};
use async_trait::async_trait;
use chrono::NaiveDate;
use tokio::sync::RwLock;

use crate::feed::token::{MarketDataToken, MarketToken};

pub use algo_store::ports::Scheduler;

/// Why the broker's list cannot answer a lookup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    /// No live Kite session to fetch today's list with: nobody has logged in today, or Kite
    /// refused the session (`TokenException`). The trader must log in to Kite.
    #[error("no live Kite session for today's instrument list: log in to Kite")]
    LoginNeeded,
    /// The broker or the store did not answer; worth another try later.
    #[error("instrument list unavailable: {0}")]
    Unavailable(String),
}

/// One tradable equity found by [`SymbolDirectory::search`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentMatch {
    pub exchange: Exchange,
    /// The broker's symbol, valid as a strategy's [`Symbol`].
    pub tradingsymbol: String,
    /// The company's name as the broker lists it (`TATA CONSULTANCY SERV`).
    pub name: String,
    pub instrument_token: u32,
    /// The last traded price in paise; `None` when the broker's quote could not be had or has
    /// no trade yet.
    pub last_price_paise: Option<i64>,
}

/// Whether the broker lists a symbol, and which symbols match what a trader types.
#[async_trait]
pub trait SymbolDirectory: Send + Sync + 'static {
    /// The instrument token of `symbol` on `exchange`, or `None` when the broker has no such
    /// tradable instrument. Errors when the broker's list cannot be had.
    async fn lookup(
        &self,
        exchange: Exchange,
        symbol: &Symbol,
    ) -> Result<Option<u32>, DirectoryError>;

    /// Up to `limit` tradable equities on `exchange` matching `query`: symbol prefixes first,
    /// then names ([`Instruments::search_equities`]), each with its last price. The prices
    /// come from one quote call for the whole page; when it fails they are `None` and the
    /// search still answers. Errors, as [`Self::lookup`] does, only when the list cannot be had.
    async fn search(
        &self,
        exchange: Exchange,
        query: &str,
        limit: usize,
    ) -> Result<Vec<InstrumentMatch>, DirectoryError>;
}

/// How long a search waits for the page's last prices (the rate limiter's slot included)
/// before it answers without them.
pub const QUOTE_WAIT: Duration = Duration::from_secs(2);

/// The broker's instrument dumps, kept for the IST trading day (Kite regenerates them each
/// morning) and fetched with the deployment's market-data token of the moment (the trader's
/// login of the day: [`crate::feed::token::deployment_token`]). A dump from an earlier trading
/// day is fetched again. A token Kite refused is not sent again: lookups say to log in until
/// the source has another.
pub struct KiteSymbolDirectory {
    http: KiteHttp,
    token: Arc<dyn MarketDataToken>,
    clock: Arc<dyn Clock>,
    cache: RwLock<Option<(NaiveDate, Arc<Instruments>)>>,
    /// The last token Kite answered `TokenException` to.
    refused: Mutex<Option<MarketToken>>,
}

impl KiteSymbolDirectory {
    pub fn new(http: KiteHttp, token: Arc<dyn MarketDataToken>, clock: Arc<dyn Clock>) -> Self {
        Self {
            http,
            token,
            clock,
            cache: RwLock::new(None),
            refused: Mutex::new(None),
        }
    }

    /// A client on the market-data token of the moment, unless Kite refused that token.
    async fn client(&self) -> Result<(MarketToken, KiteClient), DirectoryError> {
        let token = self
            .token
            .current()
            .await
            .map_err(DirectoryError::Unavailable)?
            .ok_or(DirectoryError::LoginNeeded)?;
        if self
            .refused
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            == Some(&token)
        {
            return Err(DirectoryError::LoginNeeded);
        }
        let client = self.http.client(&token.api_key, token.access_token.clone());
        Ok((token, client))
    }

    fn refuse(&self, token: MarketToken) {
        *self.refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(token);
    }

    /// Last prices in paise by `EXCHANGE:SYMBOL`, from one `GET /quote/ltp`; `None` when they
    /// cannot be had within [`QUOTE_WAIT`] (logged here). A refused session is remembered as
    /// the instrument list's is.
    async fn last_prices(&self, names: &[String]) -> Option<HashMap<String, i64>> {
        if names.is_empty() {
            return Some(HashMap::new());
        }
        let (token, client) = match self.client().await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "no session for last prices; searching without them");
                return None;
            }
        };
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        match tokio::time::timeout(QUOTE_WAIT, client.ltp(&names)).await {
            Ok(Ok(quotes)) => Some(
                quotes
                    .into_iter()
                    .filter_map(|(name, q)| Some((name, q.last_price.paise().filter(|p| *p > 0)?)))
                    .collect(),
            ),
            Ok(Err(KiteError::Auth { message })) => {
                tracing::warn!(error = %message, "Kite refused the session for last prices; waiting for a login");
                self.refuse(token);
                None
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "last prices unavailable; searching without them");
                None
            }
            Err(_) => {
                tracing::warn!(
                    wait_ms = QUOTE_WAIT.as_millis() as u64,
                    "last prices too slow; searching without them"
                );
                None
            }
        }
    }

    async fn instruments(&self) -> Result<Arc<Instruments>, DirectoryError> {
        let today = TradingCalendar::trading_date(self.clock.now());
        if let Some((day, dump)) = self.cache.read().await.as_ref() {
            if *day == today {
                return Ok(dump.clone());
            }
        }
        // One fetch at a time: the lookups that wait for it take its dump.
        let mut guard = self.cache.write().await;
        if let Some((day, dump)) = guard.as_ref() {
            if *day == today {
                return Ok(dump.clone());
            }
        }
        let (token, client) = self.client().await?;
        let mut all = match client.instruments("NSE").await {
            Ok(all) => all,
            Err(KiteError::Auth { message }) => {
                tracing::warn!(error = %message, "Kite refused the session for the instrument list; waiting for a login");
                self.refuse(token);
                return Err(DirectoryError::LoginNeeded);
            }
            Err(e) => return Err(DirectoryError::Unavailable(e.to_string())),
        };
        match client.instruments("BSE").await {
            Ok(bse) => all.extend(bse),
            Err(e) => {
                tracing::warn!(error = %e, "BSE instruments unavailable; BSE symbols will be refused")
            }
        }
        let dump = Arc::new(all);
        *guard = Some((today, dump.clone()));
        Ok(dump)
    }
}

#[async_trait]
impl SymbolDirectory for KiteSymbolDirectory {
    async fn lookup(
        &self,
        exchange: Exchange,
        symbol: &Symbol,
    ) -> Result<Option<u32>, DirectoryError> {
        let dump = self.instruments().await?;
        Ok(dump
            .get(exchange.as_str(), symbol.as_ref())
            .filter(|i| i.segment != "INDICES")
            .map(|i| i.instrument_token))
    }

    async fn search(
        &self,
        exchange: Exchange,
        query: &str,
        limit: usize,
    ) -> Result<Vec<InstrumentMatch>, DirectoryError> {
        let dump = self.instruments().await?;
        let found = dump.search_equities(exchange.as_str(), query, limit);
        let names: Vec<String> = found
            .iter()
            .map(|i| format!("{}:{}", i.exchange, i.tradingsymbol))
            .collect();
        let prices = self.last_prices(&names).await;
        Ok(found
            .into_iter()
            .zip(names)
            .map(|(i, name)| InstrumentMatch {
                exchange,
                tradingsymbol: i.tradingsymbol.clone(),
                name: i.name.clone(),
                instrument_token: i.instrument_token,
                last_price_paise: prices.as_ref().and_then(|p| p.get(&name).copied()),
            })
            .collect())
    }
}
