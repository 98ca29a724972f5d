//! Whose token the ticker and the instrument list take: the market-data session.
//!
//! A deployment serves one trader (or one family), so market data comes with the most recent
//! live Kite session saved by a login ([`StoredToken`]); a login in the morning reaches the
//! watcher within [`TOKEN_CHECK`] with no restart, in both profiles. [`FixedToken`] is a token
//! from the configuration (`ALGO_KITE_ACCESS_TOKEN`, optional), used only while no login has
//! saved one: [`deployment_token`] puts the two in that order.

use std::time::Duration;

use algo_core::Clock;
use algo_kite::Secret;
use algo_store::postgres::{broker_keys, PgPool};
use async_trait::async_trait;
use std::sync::Arc;

use crate::broker::crypto::{BrokerCipher, Sealed};
use crate::broker::session::SessionState;
use crate::config::Config;

/// How often the watcher asks for the current token.
pub const TOKEN_CHECK: Duration = Duration::from_secs(2);

/// An api_key and access token for the ticker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketToken {
    pub api_key: String,
    pub access_token: Secret,
}

/// Where the ticker's token comes from.
#[async_trait]
pub trait MarketDataToken: Send + Sync + 'static {
    /// The token to use now; `None` while nobody has a live session (log in to Kite). Errors
    /// when the store cannot be read (the watcher keeps its current token).
    async fn current(&self) -> Result<Option<MarketToken>, String>;
}

/// One token, from the configuration.
#[derive(Debug, Clone)]
pub struct FixedToken(pub MarketToken);

impl FixedToken {
    /// `ALGO_KITE_API_KEY` with `ALGO_KITE_ACCESS_TOKEN`, when a token is configured.
    pub fn configured(config: &Config) -> Option<Self> {
        (!config.kite_access_token.0.is_empty()).then(|| {
            Self(MarketToken {
                api_key: config.kite_api_key.clone(),
                access_token: Secret::new(
                    String::from_utf8_lossy(&config.kite_access_token.0).into_owned(),
                ),
            })
        })
    }
}

#[async_trait]
impl MarketDataToken for FixedToken {
    async fn current(&self) -> Result<Option<MarketToken>, String> {
        Ok(Some(self.0.clone()))
    }
}

/// The first token any of the sources has, asked in order. An error from a source ends the
/// search (a store that cannot be read must not swap the token in use for a later source's).
pub struct FirstOf(pub Vec<Arc<dyn MarketDataToken>>);

#[async_trait]
impl MarketDataToken for FirstOf {
    async fn current(&self) -> Result<Option<MarketToken>, String> {
        for source in &self.0 {
            if let Some(token) = source.current().await? {
                return Ok(Some(token));
            }
        }
        Ok(None)
    }
}

/// The deployment's market-data token: the trader's login from the store, then the configured
/// token when one is set (`algo serve` may keep one as a fallback; the AWS profile has none).
pub fn deployment_token(stored: StoredToken, config: &Config) -> Arc<dyn MarketDataToken> {
    match FixedToken::configured(config) {
        Some(fixed) => Arc::new(FirstOf(vec![Arc::new(stored), Arc::new(fixed)])),
        None => Arc::new(stored),
    }
}

/// The most recent live session saved by a login (or by `POST /broker/connect`).
pub struct StoredToken {
    pub pg: PgPool,
    pub cipher: BrokerCipher,
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl MarketDataToken for StoredToken {
    async fn current(&self) -> Result<Option<MarketToken>, String> {
        let now = self.clock.now();
        for row in broker_keys::connected(&self.pg)
            .await
            .map_err(|e| e.to_string())?
        {
            if !matches!(SessionState::of(Some(&row), now), SessionState::Live { .. }) {
                continue;
            }
            let sealed = Sealed {
                ciphertext: row.ciphertext.clone(),
                nonce: row.nonce.clone(),
                key_id: row.key_id.clone(),
            };
            match self.cipher.open(row.user_id, &sealed) {
                Ok(secrets) if !secrets.access_token.is_empty() => {
                    return Ok(Some(MarketToken {
                        api_key: secrets.api_key,
                        access_token: Secret::new(secrets.access_token),
                    }))
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "a saved session cannot be opened; skipped"),
            }
        }
        Ok(None)
    }
}
