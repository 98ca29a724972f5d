//! The HTTP surface: one Router for API Gateway (through `lambda_http`) and for local runs.
//!
//! One file per area: [`auth`], [`broker`], [`postback`], [`strategies`], [`instruments`],
//! [`health`]; [`error`] maps every failure to HTTP in one place, [`extract`] turns requests
//! into typed input and [`client_addr`] finds where a request came from (for the login limits).

mod auth;
mod broker;
mod broker_login;
pub mod client_addr;
pub mod dto;
pub mod error;
mod extract;
mod health;
mod instruments;
mod notifications;
pub mod openapi;
pub(crate) mod pnl;
mod postback;
mod risk;
mod strategies;

use std::sync::Arc;
use std::time::Duration;

use algo_core::{Clock, StrategyRules, TradingCalendar};
use algo_kite::KiteHttp;
use algo_store::redis::RedisStore;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::routing::{get, post};
use sqlx::PgPool;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::hash_pool::HashPool;
use crate::auth::tokens::TokenKeys;
use crate::broker::crypto::BrokerCipher;
use crate::config::Config;
use crate::feed::token::{deployment_token, StoredToken};
use crate::ports::{KiteSymbolDirectory, Scheduler, SymbolDirectory};
use algo_store::ports::OrderQueue;

pub use axum::Router;
pub use error::ApiError;

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pg: PgPool,
    pub redis: RedisStore,
    pub calendar: Arc<TradingCalendar>,
    pub rules: Arc<StrategyRules>,
    pub tokens: TokenKeys,
    pub cipher: BrokerCipher,
    pub kite: KiteHttp,
    /// Kite's login page (`ALGO_KITE_LOGIN_URL`).
    pub kite_login_url: Arc<str>,
    pub symbols: Arc<dyn SymbolDirectory>,
    pub scheduler: Arc<dyn Scheduler>,
    /// Where a user's manual exit goes (the executor's queue).
    pub queue: Arc<dyn OrderQueue>,
    pub clock: Arc<dyn Clock>,
    pub cors_origins: Arc<Vec<String>>,
    /// `Some` when a Telegram bot is configured: its username, if known, for the link.
    pub telegram: Option<Option<Arc<str>>>,
    /// This process's bound on password hashing (login, register).
    pub hashes: Arc<HashPool>,
}

impl AppState {
    /// Builds the state from configuration and the stores; the scheduler is the profile's, and
    /// `clock` is "now" for every handler and for the instrument list's trading day.
    pub fn new(
        config: &Config,
        pg: PgPool,
        redis: RedisStore,
        scheduler: Arc<dyn Scheduler>,
        queue: Arc<dyn OrderQueue>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        let kite =
            KiteHttp::new(&config.kite_url, config.kite_timeout).map_err(|e| e.to_string())?;
        let key: [u8; 32] = config
            .broker_key
            .0
            .as_slice()
            .try_into()
            .map_err(|_| "broker key must be 32 bytes".to_owned())?;
        let cipher = BrokerCipher::new(&key, config.broker_key_id.clone());
        // The instrument list comes with the trader's login of the day, as the ticker's does.
        let market_token = deployment_token(
            StoredToken {
                pg: pg.clone(),
                cipher: cipher.clone(),
                clock: clock.clone(),
            },
            config,
        );
        let symbols = KiteSymbolDirectory::new(kite.clone(), market_token, clock.clone());
        Ok(Self {
            pg,
            redis,
            calendar: Arc::new(config.trading_calendar().map_err(|e| e.to_string())?),
            rules: Arc::new(config.rules.clone()),
            tokens: TokenKeys::new(&config.jwt_secret.0),
            cipher,
            kite,
            kite_login_url: config.kite_login_url.as_str().into(),
            symbols: Arc::new(symbols),
            scheduler,
            queue,
            clock,
            cors_origins: Arc::new(config.cors_origins.clone()),
            telegram: config
                .telegram_bot_token
                .as_ref()
                .map(|_| config.telegram_bot_name.as_deref().map(Arc::from)),
            hashes: Arc::new(HashPool::default()),
        })
    }
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
        ])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        let list: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        layer.allow_origin(AllowOrigin::list(list))
    }
}

/// The whole API.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let origins = state.cors_origins.clone();
    Router::new()
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/logout-all", post(auth::logout_all))
        .route("/auth/me", get(auth::me))
        .route("/account/risk", get(risk::risk).put(risk::set_risk))
        .route("/broker/connect", post(broker::connect))
        .route("/broker/keys", post(broker_login::save_keys))
        .route("/broker/login", get(broker_login::login))
        // Kite's redirect after a login: a browser page, outside the OpenAPI document.
        .route("/broker/callback", get(broker_login::callback))
        .route("/broker/status", get(broker::status))
        .route("/broker", axum::routing::delete(broker::disconnect))
        // Kite's, not the app's: outside the OpenAPI document the app is typed against.
        .route("/broker/postback", post(postback::postback))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read", post(notifications::mark_read))
        .route(
            "/notifications/preferences",
            get(notifications::preferences).put(notifications::set_preferences),
        )
        .route("/devices", post(notifications::register_device))
        .route("/telegram", get(notifications::telegram_status))
        .route("/telegram/link", post(notifications::telegram_link))
        .route("/telegram/unlink", post(notifications::telegram_unlink))
        .route("/devices/remove", post(notifications::remove_device))
        .route("/instruments/search", get(instruments::search))
        .route("/strategy/create", post(strategies::create))
        .route("/strategies", get(strategies::list))
        .route("/strategy/start", post(strategies::start))
        .route("/strategy/stop", post(strategies::stop))
        .route("/strategies/square-off", post(strategies::square_off))
        .route("/strategy/status/{id}", get(strategies::status))
        .route("/strategy/{id}/orders", get(strategies::orders))
        .route("/strategy/{id}/days", get(pnl::strategy_days))
        .route("/pnl", get(pnl::pnl))
        .route("/strategy/{id}", get(strategies::get_one).put(strategies::update).patch(strategies::move_stop).delete(strategies::delete))
        .fallback(|| async { ApiError::new(algo_core::ErrorCode::NotFound, "no such route") })
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::GATEWAY_TIMEOUT, Duration::from_secs(25)))
        .layer(cors(&origins))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            // Method, path and request id only: never headers or bodies (tokens, keys).
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}
