//! The simulator as a [`Broker`] in process: the same exchange the REST endpoints serve (its
//! order book, fills, positions and faults), called directly, with no HTTP in between.
//!
//! It answers what Kite's REST API answers, in Kite's wire types: orders and positions are
//! serialised as the endpoints serialise them and read back as [`algo_kite`] reads Kite's, and
//! errors carry Kite's status and `error_type`. A `timeout` fault, or a held lookup, longer
//! than the session's timeout is an answer lost ([`KiteError::NoAnswer`]) after that timeout,
//! as a real client's timeout would be. Held to the same contract suite as [`algo_kite`]'s
//! client (`tests/broker_contract.rs`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use algo_kite::types::{ModifyRequest, Order, OrderRequest as KiteOrderRequest, Positions};
use algo_kite::{Broker, BrokerSessions, KiteError, PreparedOrder, Secret};
use async_trait::async_trait;

use crate::accounts::Account;
use crate::envelope;
use crate::exchange::Exchange;
use crate::orders::OrderRequest;

/// Opens in-process sessions on one simulated exchange ([`crate::Sim::sessions`]).
#[derive(Clone)]
pub struct InProcessSessions {
    exchange: Arc<Exchange>,
    timeout: Duration,
}

impl std::fmt::Debug for InProcessSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessSessions")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl InProcessSessions {
    pub(crate) fn new(exchange: Arc<Exchange>, timeout: Duration) -> Self {
        Self { exchange, timeout }
    }
}

impl BrokerSessions for InProcessSessions {
    fn session(&self, api_key: &str, access_token: Secret) -> Arc<dyn Broker> {
        Arc::new(InProcessBroker {
            exchange: self.exchange.clone(),
            api_key: api_key.to_owned(),
            access_token,
            timeout: self.timeout,
        })
    }
}

/// One account's session on the simulated exchange.
pub struct InProcessBroker {
    exchange: Arc<Exchange>,
    api_key: String,
    access_token: Secret,
    timeout: Duration,
}

impl std::fmt::Debug for InProcessBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessBroker")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

/// The error Kite's client makes of the simulator's error response.
fn wire(e: envelope::KiteError) -> KiteError {
    KiteError::from_response(
        e.status.as_u16(),
        Some(&e.error_type.to_string()),
        e.message,
    )
}

/// A value serialised as the endpoint sends it, read as Kite's client reads it.
fn reread<T: serde::de::DeserializeOwned>(value: impl serde::Serialize) -> Result<T, KiteError> {
    let protocol = |e: serde_json::Error| KiteError::Protocol {
        status: 200,
        message: e.to_string(),
    };
    serde_json::from_value(serde_json::to_value(value).map_err(protocol)?).map_err(protocol)
}

impl InProcessBroker {
    fn account(&self) -> Result<Account, KiteError> {
        self.exchange
            .authenticate(&self.api_key, self.access_token.expose())
            .ok_or_else(|| wire(envelope::KiteError::token()))
    }

    /// Holds an answer `hold` long, or loses it past the session's timeout.
    async fn held(&self, hold: Option<Duration>) -> Result<(), KiteError> {
        let Some(hold) = hold else { return Ok(()) };
        if hold >= self.timeout {
            tokio::time::sleep(self.timeout).await;
            return Err(KiteError::NoAnswer {
                message: "operation timed out".into(),
            });
        }
        tokio::time::sleep(hold).await;
        Ok(())
    }

    async fn lookup(&self) -> Result<Account, KiteError> {
        let account = self.account()?;
        let hold = self.exchange.lookup_fault().map_err(wire)?;
        self.held(hold).await?;
        Ok(account)
    }

    async fn place(&self, order: &KiteOrderRequest) -> Result<String, KiteError> {
        let account = self.account()?;
        self.exchange
            .check_order_rate(&account.api_key)
            .map_err(wire)?;
        let form: HashMap<String, String> = order
            .form()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        let request = OrderRequest::parse(&form, self.exchange.instruments()).map_err(wire)?;
        let placed = self
            .exchange
            .place(&account, request, self.exchange.now())
            .map_err(wire)?;
        self.held(placed.hold).await?;
        Ok(placed.order_id)
    }
}

#[async_trait]
impl Broker for InProcessBroker {
    async fn check_session(&self) -> Result<(), KiteError> {
        self.account().map(|_| ())
    }

    async fn place_order(&self, order: &KiteOrderRequest) -> Result<String, KiteError> {
        self.place(order).await
    }

    async fn prepare_order(
        &self,
        order: &KiteOrderRequest,
    ) -> Result<Box<dyn PreparedOrder>, KiteError> {
        self.account()?;
        Ok(Box::new(Prepared {
            broker: InProcessBroker {
                exchange: self.exchange.clone(),
                api_key: self.api_key.clone(),
                access_token: self.access_token.clone(),
                timeout: self.timeout,
            },
            order: Some(order.clone()),
        }))
    }

    async fn find_order_by_tag(&self, tag: &str) -> Result<Option<Order>, KiteError> {
        let account = self.lookup().await?;
        self.exchange
            .orders_of(&account.api_key)
            .iter()
            .find(|o| o.request.tag.as_deref() == Some(tag))
            .map(|o| reread(o.kite()))
            .transpose()
    }

    async fn order_history(&self, order_id: &str) -> Result<Vec<Order>, KiteError> {
        let account = self.lookup().await?;
        let history = self
            .exchange
            .history(&account.api_key, order_id)
            .ok_or_else(|| wire(envelope::KiteError::input("Couldn't find that `order_id`.")))?;
        history.iter().map(|o| reread(o.kite())).collect()
    }

    async fn modify_order(
        &self,
        order_id: &str,
        change: &ModifyRequest,
    ) -> Result<String, KiteError> {
        let account = self.account()?;
        self.exchange
            .check_order_rate(&account.api_key)
            .map_err(wire)?;
        let form: HashMap<String, String> = change
            .form()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        self.exchange
            .modify(&account, order_id, &form)
            .map_err(wire)?;
        Ok(order_id.to_owned())
    }

    async fn cancel_order(&self, order_id: &str) -> Result<String, KiteError> {
        let account = self.account()?;
        self.exchange
            .check_order_rate(&account.api_key)
            .map_err(wire)?;
        self.exchange.cancel(&account, order_id).map_err(wire)?;
        Ok(order_id.to_owned())
    }

    async fn positions(&self) -> Result<Positions, KiteError> {
        let account = self.account()?;
        reread(crate::rest::positions_data(&self.exchange, &account).map_err(wire)?)
    }

    async fn last_price(&self, exchange: &str, tradingsymbol: &str) -> Result<i64, KiteError> {
        self.account()?;
        self.exchange
            .instruments()
            .get(exchange, tradingsymbol)
            .and_then(|i| self.exchange.quote(i.token))
            .map(|q| q.last)
            .filter(|p| *p > 0)
            .ok_or_else(|| algo_kite::broker::no_price(exchange, tradingsymbol))
    }
}

/// An in-process order made ready: nothing to open, so it keeps the request until the send.
#[derive(Debug)]
struct Prepared {
    broker: InProcessBroker,
    order: Option<KiteOrderRequest>,
}

#[async_trait]
impl PreparedOrder for Prepared {
    async fn send(&mut self) -> Result<String, KiteError> {
        let order = self.order.take().ok_or_else(|| KiteError::Protocol {
            status: 0,
            message: "this prepared order was already sent; look it up by its tag".into(),
        })?;
        self.broker.place(&order).await
    }
}
