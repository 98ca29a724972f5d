//! Zerodha Kite Connect v3.
//!
//! - [`ticker`]: the ticker WebSocket's binary frames and text messages (decode and encode).
//! - [`error`]: Kite's error envelope as a typed error: auth, rejected, retryable.
//! - [`types`]: wire types of the REST API, each with a sample payload.
//! - [`broker`]: the [`Broker`] port the order path talks to, and its Kite adapter.
//! - [`armed`]: an order ready before its instant, on a connection of its own.
//! - [`client`]: the REST client (profile, session, orders, positions, instruments) with a rate
//!   limiter.
//! - [`instruments`]: the instruments CSV dump, as a symbol ⇄ token map.
//! - [`postback`]: postback and session checksums.
//! - [`rate_limit`]: keeps requests within Kite's per-second limits.
//! - [`pacer`]: when each order may go: Kite's per-user order limit, in process or shared.

pub mod armed;
pub mod broker;
pub mod client;
pub mod error;
pub mod instruments;
pub mod pacer;
pub mod postback;
pub mod rate_limit;
pub mod ticker;
pub mod types;

pub use armed::ArmedOrder;
pub use broker::{Broker, BrokerSessions, PreparedOrder};
pub use client::{KiteClient, KiteHttp, Secret, KITE_API_URL};
pub use error::KiteError;
pub use instruments::{Instrument, Instruments};
pub use pacer::{LocalPacer, OrderPacer};
pub use types::{
    MarketProtection, ModifyRequest, Order, OrderRequest, OrderState, OrderType, Position,
    Positions, Profile, Session, TransactionType,
};
