//! A simulated Zerodha Kite Connect v3 exchange, for local runs, demos and every test.
//!
//! - [`instruments`]: the instrument list (a few hundred NSE symbols and two indices).
//! - [`exchange`]: accounts, prices (a seeded random walk), orders with paper fills, faults.
//! - [`rest`]: Kite's REST endpoints with Kite's envelope, status codes and error types.
//! - [`ws`]: the ticker WebSocket in Kite's binary protocol.
//! - [`control`]: `/_sim/…` for tests and demos.
//! - [`envelope`]: the success and error envelopes.
//!
//! The default account is api_key `sim_key`, api_secret `sim_secret`, access_token `sim_token`.

pub mod control;
pub mod envelope;
pub mod exchange;
pub mod instruments;
pub mod rest;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use exchange::Exchange;

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seed of the price walk.
    pub seed: u64,
    /// Interval of the random walk; `None` freezes prices (they move only through `/_sim/price`).
    pub walk_interval: Option<Duration>,
    /// Interval of the ticker's heartbeat.
    pub heartbeat_interval: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            walk_interval: Some(Duration::from_secs(1)),
            heartbeat_interval: Duration::from_secs(1),
        }
    }
}

/// The simulated exchange. Cheap to clone.
#[derive(Clone)]
pub struct Sim {
    exchange: Arc<Exchange>,
    config: SimConfig,
}

impl Sim {
    pub fn new(config: SimConfig) -> Self {
        Self {
            exchange: Arc::new(Exchange::new(config.seed)),
            config,
        }
    }

    /// Every endpoint on one Router: Kite REST, `/ws`, `/_sim/…`.
    pub fn router(&self) -> Router {
        let ex = self.exchange.clone();
        let kite = Router::new()
            .route("/session/token", post(rest::session_token))
            .route("/user/profile", get(rest::profile))
            .route("/orders", get(rest::orders))
            // POST /orders/{variety} places; GET /orders/{order_id} is the history.
            .route(
                "/orders/{id}",
                post(rest::place_order).get(rest::order_history),
            )
            .route("/orders/{variety}/{order_id}", delete(rest::cancel_order))
            .route("/instruments", get(|s, h| rest::instruments(s, None, h)))
            .route(
                "/instruments/{exchange}",
                get(|s, p, h| rest::instruments(s, Some(p), h)),
            )
            .route("/quote/ltp", get(rest::ltp))
            .route("/_sim/price", post(control::price))
            .route("/_sim/orders", get(control::orders))
            .route("/_sim/faults", post(control::faults))
            .route("/_sim/accounts", post(control::accounts))
            .route("/_sim/tokens/expire", post(control::expire))
            .route("/_sim/disconnect", post(control::disconnect))
            .route("/_sim/reset", post(control::reset))
            .with_state(ex.clone());
        let ticker = Router::new()
            .route("/ws", get(ws::upgrade))
            .with_state((ex, self.config.heartbeat_interval));
        kite.merge(ticker)
    }

    /// Serves on `listener` until `shutdown` completes; runs the price walk meanwhile.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let stop = CancellationToken::new();
        let walk = self.config.walk_interval.map(|every| {
            let (ex, stop) = (self.exchange.clone(), stop.clone());
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(every);
                interval.tick().await;
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = interval.tick() => ex.walk(),
                    }
                }
            })
        });
        let kill = self.exchange.kill.clone();
        // Ticks are small frames that must leave at once: no Nagle delay on accepted sockets.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let result = axum::serve(listener, self.router())
            .with_graceful_shutdown(async move {
                shutdown.await;
                // Open WebSockets would hold the server open: drop them.
                let _ = kill.send(());
            })
            .await;
        stop.cancel();
        if let Some(w) = walk {
            let _ = w.await;
        }
        result
    }

    /// Sets a price (as `/_sim/price` does); `false` for an unknown symbol.
    pub fn set_price(&self, symbol: &str, paise: i64) -> bool {
        match self.exchange.instruments.find(symbol).map(|i| i.token) {
            Some(token) => self.exchange.set_price(token, paise),
            None => false,
        }
    }

    /// Every order with its receive time (as `/_sim/orders` lists them).
    pub fn orders(&self) -> Vec<Value> {
        self.exchange.all_orders()
    }
}

/// A simulator serving on an ephemeral port; shuts down when dropped.
pub struct RunningSim {
    pub base_url: String,
    pub ws_url: String,
    pub addr: SocketAddr,
    pub sim: Sim,
    stop: CancellationToken,
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts a simulator on `127.0.0.1:0` (for tests and benchmarks).
pub async fn spawn(config: SimConfig) -> RunningSim {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port on loopback");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let sim = Sim::new(config);
    let stop = CancellationToken::new();
    let server = sim.clone();
    let cancelled = stop.clone().cancelled_owned();
    tokio::spawn(async move {
        if let Err(e) = server.serve(listener, cancelled).await {
            tracing::error!(error = %e, "simulator stopped");
        }
    });
    RunningSim {
        base_url: format!("http://{addr}"),
        ws_url: format!("ws://{addr}/ws"),
        addr,
        sim,
        stop,
    }
}
