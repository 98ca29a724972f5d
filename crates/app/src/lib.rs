//! Use cases and the HTTP Router that serves them, shared by `functions/api` and `algo dev`.
//!
//! - [`config`]: the one configuration struct, read from the environment.
//! - [`http`]: the Router, the error type that maps to HTTP in one place, and the handlers.

pub mod config;
pub mod http;

#[cfg(test)]
use tower as _; // used by the integration tests only

pub use config::Config;
pub use http::{router, AppState};
