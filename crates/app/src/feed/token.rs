//! Whose token the ticker takes: the market-data session.
//!
//! A deployment serves one trader (or one family), so the ticker runs on the most recent live
//! Kite session saved by a login ([`StoredToken`]); a login in the morning reaches the watcher
//! within [`TOKEN_CHECK`] with no restart. [`FixedToken`] is a token from the configuration
//! (the AWS feed worker's, until it reads the store).

use std::time::Duration;

use algo_core::Clock;
use algo_kite::Secret;
use algo_store::postgres::{broker_keys, PgPool};
use async_trait::async_trait;
use std::sync::Arc;

use crate::broker::crypto::{BrokerCipher, Sealed};
use crate::broker::session::SessionState;

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

#[async_trait]
impl MarketDataToken for FixedToken {
    async fn current(&self) -> Result<Option<MarketToken>, String> {
        Ok(Some(self.0.clone()))
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
