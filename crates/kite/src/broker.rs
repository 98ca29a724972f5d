//! The broker as the order path sees it: one trader's session, with the handful of calls that
//! place an order exactly once and follow it to its end.
//!
//! [`KiteClient`] implements [`Broker`] over Kite's REST API; the simulator implements it in
//! process (`algo_sim::InProcessBroker`), with no HTTP in between. Both are held to one
//! contract suite (`crates/sim/tests/broker_contract.rs`), so the executor cannot tell them
//! apart. [`BrokerSessions`] makes a session from a user's credentials: [`KiteHttp`] for Kite.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::armed::ArmedOrder;
use crate::client::{KiteClient, KiteHttp, Secret};
use crate::error::KiteError;
use crate::types::{ModifyRequest, Order, OrderRequest, Positions};

/// One trader's session at the broker.
///
/// The contract every adapter keeps:
/// - [`Broker::place_order`] answers the broker's order id: *received*, not filled. An
///   ambiguous error ([`KiteError::is_ambiguous`]) means the order may exist all the same.
/// - An order that was placed is found by its tag and by its id (its history, oldest first,
///   ending in its current state) once the broker's book shows it.
/// - An id the broker never issued answers an error for which [`KiteError::is_not_found`]
///   holds: the only proof that an order does not exist.
/// - A dead session answers [`KiteError::Auth`] to every call.
/// - Positions are the net of the account's fills, whoever placed the orders.
#[async_trait]
pub trait Broker: Send + Sync + fmt::Debug + 'static {
    /// Whether the session works (Kite: `GET /user/profile`, its cheapest call).
    async fn check_session(&self) -> Result<(), KiteError>;

    /// Places a regular order; the broker's order id.
    async fn place_order(&self, order: &OrderRequest) -> Result<String, KiteError>;

    /// Takes the pacing slot of an order about to be placed, while other reads run (Kite's:
    /// see [`KiteClient::pace_next_order`]). Nothing by default.
    async fn pace_next_order(&self) {}

    /// The order made ready to go before its instant, so that at the instant only the send is
    /// left ([`PreparedOrder::send`]): Kite's opens a connection of the order's own.
    async fn prepare_order(
        &self,
        order: &OrderRequest,
    ) -> Result<Box<dyn PreparedOrder>, KiteError>;

    /// Today's order carrying `tag`, if the broker's book shows one.
    async fn find_order_by_tag(&self, tag: &str) -> Result<Option<Order>, KiteError>;

    /// The order's states, oldest first.
    async fn order_history(&self, order_id: &str) -> Result<Vec<Order>, KiteError>;

    /// Changes a working order (its trigger, its type); the broker's order id. Like a
    /// placement, an id means *received*: the new state comes from the order's history. An
    /// order that is no longer working answers an error, and its history says why.
    async fn modify_order(
        &self,
        order_id: &str,
        change: &ModifyRequest,
    ) -> Result<String, KiteError>;

    /// Cancels a working order; the broker's order id (the history says when it is done).
    async fn cancel_order(&self, order_id: &str) -> Result<String, KiteError>;

    /// The account's positions, `net` and `day`.
    async fn positions(&self) -> Result<Positions, KiteError>;

    /// The instrument's last traded price, in paise (Kite: `GET /quote/ltp`). An instrument
    /// with no price answers a rejection.
    async fn last_price(&self, exchange: &str, tradingsymbol: &str) -> Result<i64, KiteError>;
}

/// What a broker answers for an instrument it has no price of.
pub fn no_price(exchange: &str, tradingsymbol: &str) -> KiteError {
    KiteError::Rejected {
        status: 400,
        error_type: "InputException".into(),
        message: format!("no last price for {exchange}:{tradingsymbol}"),
    }
}

/// An order ready before its instant.
#[async_trait]
pub trait PreparedOrder: Send + fmt::Debug {
    /// Sends the order once; the broker's order id. A second call is an ambiguous error.
    async fn send(&mut self) -> Result<String, KiteError>;
}

/// Opens a trader's session from their credentials.
pub trait BrokerSessions: Send + Sync + fmt::Debug + 'static {
    fn session(&self, api_key: &str, access_token: Secret) -> Arc<dyn Broker>;
}

impl BrokerSessions for KiteHttp {
    fn session(&self, api_key: &str, access_token: Secret) -> Arc<dyn Broker> {
        Arc::new(self.client(api_key, access_token))
    }
}

#[async_trait]
impl Broker for KiteClient {
    async fn check_session(&self) -> Result<(), KiteError> {
        self.profile().await.map(|_| ())
    }

    async fn place_order(&self, order: &OrderRequest) -> Result<String, KiteError> {
        KiteClient::place_order(self, order).await
    }

    async fn pace_next_order(&self) {
        KiteClient::pace_next_order(self).await
    }

    async fn prepare_order(
        &self,
        order: &OrderRequest,
    ) -> Result<Box<dyn PreparedOrder>, KiteError> {
        Ok(Box::new(self.arm_order(order).await?))
    }

    async fn find_order_by_tag(&self, tag: &str) -> Result<Option<Order>, KiteError> {
        KiteClient::find_order_by_tag(self, tag).await
    }

    async fn order_history(&self, order_id: &str) -> Result<Vec<Order>, KiteError> {
        KiteClient::order_history(self, order_id).await
    }

    async fn modify_order(
        &self,
        order_id: &str,
        change: &ModifyRequest,
    ) -> Result<String, KiteError> {
        KiteClient::modify_order(self, order_id, change).await
    }

    async fn cancel_order(&self, order_id: &str) -> Result<String, KiteError> {
        KiteClient::cancel_order(self, order_id).await
    }

    async fn positions(&self) -> Result<Positions, KiteError> {
        KiteClient::positions(self).await
    }

    async fn last_price(&self, exchange: &str, tradingsymbol: &str) -> Result<i64, KiteError> {
        let name = format!("{exchange}:{tradingsymbol}");
        self.ltp(&[name.as_str()])
            .await?
            .get(&name)
            .and_then(|q| q.last_price.paise())
            .filter(|p| *p > 0)
            .ok_or_else(|| no_price(exchange, tradingsymbol))
    }
}

#[async_trait]
impl PreparedOrder for ArmedOrder {
    async fn send(&mut self) -> Result<String, KiteError> {
        ArmedOrder::send(self).await
    }
}
