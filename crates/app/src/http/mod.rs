//! The HTTP surface: one Router for API Gateway (through `lambda_http`) and for local runs.

mod error;
mod health;

use std::sync::Arc;

use algo_core::TradingCalendar;
use algo_store::redis::RedisStore;
use axum::routing::get;
use axum::Router;
use sqlx::PgPool;

pub use error::ApiError;

/// What every handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pg: PgPool,
    pub redis: RedisStore,
    pub calendar: Arc<TradingCalendar>,
}

/// The whole API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health::health))
        .with_state(state)
}
