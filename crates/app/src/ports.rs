//! Ports the use cases need, each a small trait with one adapter per deployment profile.

use std::sync::Arc;

use algo_core::strategy::{Exchange, Symbol};
use algo_kite::{Instruments, KiteHttp, Secret};
use async_trait::async_trait;
use chrono::NaiveDate;
use tokio::sync::RwLock;

pub use algo_store::ports::Scheduler;

/// Whether the broker lists a symbol.
#[async_trait]
pub trait SymbolDirectory: Send + Sync + 'static {
    /// The instrument token of `symbol` on `exchange`, or `None` when the broker has no such
    /// tradable instrument. Errors when the broker's list cannot be had.
    async fn lookup(&self, exchange: Exchange, symbol: &Symbol) -> Result<Option<u32>, String>;
}

/// The broker's instrument dumps, fetched with the platform credential and kept for the IST
/// trading day (Kite regenerates them each morning).
pub struct KiteSymbolDirectory {
    http: KiteHttp,
    api_key: String,
    access_token: Secret,
    cache: RwLock<Option<(NaiveDate, Arc<Instruments>)>>,
}

impl KiteSymbolDirectory {
    pub fn new(http: KiteHttp, api_key: String, access_token: Secret) -> Self {
        Self {
            http,
            api_key,
            access_token,
            cache: RwLock::new(None),
        }
    }

    async fn instruments(&self) -> Result<Arc<Instruments>, String> {
        let today = algo_core::TradingCalendar::trading_date(chrono::Utc::now());
        if let Some((day, dump)) = self.cache.read().await.as_ref() {
            if *day == today {
                return Ok(dump.clone());
            }
        }
        let mut guard = self.cache.write().await;
        if let Some((day, dump)) = guard.as_ref() {
            if *day == today {
                return Ok(dump.clone());
            }
        }
        let client = self.http.client(&self.api_key, self.access_token.clone());
        let mut all = client.instruments("NSE").await.map_err(|e| e.to_string())?;
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
    async fn lookup(&self, exchange: Exchange, symbol: &Symbol) -> Result<Option<u32>, String> {
        let dump = self.instruments().await?;
        Ok(dump
            .get(exchange.as_str(), symbol.as_ref())
            .filter(|i| i.segment != "INDICES")
            .map(|i| i.instrument_token))
    }
}
