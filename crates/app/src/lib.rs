//! Use cases and the HTTP Router that serves them, shared by `functions/api` and `algo dev`.
//!
//! - [`config`]: the one configuration struct, read from the environment.
//! - [`http`]: the Router, the error type that maps to HTTP in one place, and the handlers.
//! - [`auth`]: passwords and tokens; [`broker`]: sealed broker keys.
//! - [`executor`]: one order event → at most one broker order; [`worker`] feeds it from the queue;
//!   [`timers`]: the self-hosted scheduler.
//! - [`ports`]: the scheduler and symbol directory ports; [`runtime`]: runtime state in Redis.

pub mod auth;
pub mod broker;
pub mod config;
pub mod executor;
pub mod feed;
pub mod http;
pub mod notify;
pub mod ports;
pub mod risk;
pub mod runtime;
pub mod selfhosted;
pub mod stoploss;
pub mod stopping;
pub mod sweep;
pub mod timers;
pub mod worker;

#[cfg(test)]
use {algo_sim as _, tower as _}; // used by the integration tests only

pub use config::Config;
pub use http::{router, AppState};
