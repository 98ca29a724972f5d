//! The route table: Kite's REST endpoints, the ticker at `/ws` and the control API on one
//! Router, with the state every handler shares.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{delete, get, post};
use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::exchange::Exchange;
use crate::{control, envelope, login, rest, ws};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub exchange: Arc<Exchange>,
    pub heartbeat: Duration,
    /// Cancelled when the server shuts down: ends ticker connections and held answers.
    pub stop: CancellationToken,
}

/// Every endpoint.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/connect/login", get(login::page))
        .route("/connect/login/authorize", get(login::authorize))
        .route("/session/token", post(rest::session_token))
        .route("/user/profile", get(rest::profile))
        .route("/orders", get(rest::orders))
        // One path, two meanings, as in Kite: POST /orders/{variety} places,
        // GET /orders/{order_id} is the order's history.
        .route(
            "/orders/{variety_or_id}",
            post(rest::place_order).get(rest::order_history),
        )
        .route(
            "/orders/{variety}/{order_id}",
            delete(rest::cancel_order).put(rest::modify_order),
        )
        .route("/portfolio/positions", get(rest::positions))
        .route("/instruments", get(rest::instruments_all))
        .route("/instruments/{exchange}", get(rest::instruments_of))
        .route("/quote/ltp", get(rest::ltp))
        .route("/ws", get(ws::upgrade))
        .route("/_sim/price", post(control::price))
        .route("/_sim/orders", get(control::orders))
        .route("/_sim/faults", post(control::faults))
        .route(
            "/_sim/behaviour",
            post(control::set_behaviour).get(control::behaviour),
        )
        .route("/_sim/accounts", post(control::accounts))
        .route("/_sim/tokens", get(control::tokens))
        .route("/_sim/tokens/expire", post(control::expire))
        .route("/_sim/rate_limits", get(control::rate_limits))
        .route("/_sim/disconnect", post(control::disconnect))
        .route("/_sim/reset", post(control::reset))
        .fallback(envelope::fallback)
        .method_not_allowed_fallback(envelope::method_not_allowed)
        .with_state(state)
}
