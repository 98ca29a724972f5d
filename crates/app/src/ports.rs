//! Ports the use cases need, each a small trait with one adapter per deployment profile.

use std::sync::{Arc, Mutex};

use algo_core::strategy::{Exchange, Symbol};
use algo_core::{Clock, TradingCalendar};
use algo_kite::{Instruments, KiteError, KiteHttp};
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

/// Whether the broker lists a symbol.
#[async_trait]
pub trait SymbolDirectory: Send + Sync + 'static {
    /// The instrument token of `symbol` on `exchange`, or `None` when the broker has no such
    /// tradable instrument. Errors when the broker's list cannot be had.
    async fn lookup(
        &self,
        exchange: Exchange,
        symbol: &Symbol,
    ) -> Result<Option<u32>, DirectoryError>;
}

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
        let mut all = match client.instruments("NSE").await {
            Ok(all) => all,
            Err(KiteError::Auth { message }) => {
                tracing::warn!(error = %message, "Kite refused the session for the instrument list; waiting for a login");
                *self.refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(token);
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
}
