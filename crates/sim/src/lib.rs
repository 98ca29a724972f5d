//! A simulated Zerodha Kite Connect v3 exchange, for local runs, demos and every test: Kite's REST
//! endpoints and ticker WebSocket on one port, paper fills, and a control API to move prices and
//! inject failures.
//!
//! - [`instruments`]: the instrument list (`data/instruments.csv`, Kite's dump format).
//! - [`accounts`]: api keys, secrets, access tokens, and which tokens have expired.
//! - [`market`]: last prices in paise, the seeded random walk, ticker packets.
//! - [`orders`]: Kite's order vocabulary, the checked order request, the order's wire shapes.
//! - `book`: the order book, paper fills and cancellation.
//! - [`positions`]: positions computed from an account's fills.
//! - [`behaviour`]: standing settings of how orders are treated (slow fills, a lagging book).
//! - [`faults`]: failures queued for the next placements and order-book lookups.
//! - `rate_limit`: Kite's per-account order limits.
//! - `exchange`: all of the above behind one lock, and the events the ticker forwards.
//! - `login`: Kite's login page (`/connect/login`), which issues request tokens.
//! - `rest`: Kite's REST endpoints. `ws`: the ticker. `control`: `/_sim/…`. `router`: the routes.
//! - [`broker`]: the exchange as an in-process [`algo_kite::Broker`], for tests of the order path.
//! - [`envelope`]: Kite's success and error envelopes. [`money`]: paise in, rupees out, exactly.
//! - [`error`]: errors of this in-process API.
//!
//! The default account is api_key `sim_key`, api_secret `sim_secret`, access_token `sim_token`,
//! user `SIM001`. Start one with [`Sim::serve`], or [`spawn`] in tests.

pub mod accounts;
pub mod behaviour;
mod book;
pub mod broker;
mod control;
pub mod envelope;
pub mod error;
mod exchange;
pub mod faults;
pub mod instruments;
mod login;
pub mod market;
pub mod money;
pub mod orders;
pub mod positions;
mod rate_limit;
mod rest;
mod router;
mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use algo_core::{Clock, SystemClock};
use axum::Router;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

pub use accounts::Account;
pub use behaviour::Behaviour;
pub use broker::{InProcessBroker, InProcessSessions};
pub use error::SimError;
pub use exchange::OrderEvent as OrderUpdate;
pub use faults::{Fault, FaultKind};
pub use orders::{Order, Status};

use exchange::Exchange;
use router::AppState;

// The integration tests' dependencies, unused by the unit tests.
#[cfg(test)]
use {futures_util as _, reqwest as _, tokio_tungstenite as _};

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seed of the price walk: one seed, one sequence of prices.
    pub seed: u64,
    /// Interval of the random walk; `None` freezes prices (they move only when set).
    pub walk_interval: Option<Duration>,
    /// Interval of the ticker's 1-byte heartbeat.
    pub heartbeat_interval: Duration,
}

impl Default for SimConfig {
    /// Seed 42, a walk step and a heartbeat every second.
    fn default() -> Self {
        Self {
            seed: 42,
            walk_interval: Some(Duration::from_secs(1)),
            heartbeat_interval: Duration::from_secs(1),
        }
    }
}

/// The simulated exchange. Clones share one exchange.
#[derive(Clone)]
pub struct Sim {
    exchange: Arc<Exchange>,
    config: SimConfig,
}

impl Sim {
    pub fn new(config: SimConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A simulator whose "now" (receive times, order timestamps) comes from `clock`.
    pub fn with_clock(config: SimConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            exchange: Arc::new(Exchange::new(config.seed, clock)),
            config,
        }
    }

    /// Every endpoint on one Router: Kite REST, `/ws`, `/_sim/…`. Prices move only when set
    /// (the walk runs in [`Sim::serve`]); ticker connections end on `/_sim/disconnect`. Timed
    /// events (slow fills, delayed rejections) fire on the next request after they are due; the
    /// timer task that fires them on time runs in [`Sim::serve`].
    pub fn router(&self) -> Router {
        self.router_until(CancellationToken::new())
    }

    fn router_until(&self, stop: CancellationToken) -> Router {
        router::router(AppState {
            exchange: self.exchange.clone(),
            heartbeat: self.config.heartbeat_interval,
            stop,
        })
    }

    /// Serves on `listener` until `shutdown` completes. Runs the price walk and the timers
    /// meanwhile; on shutdown stops them, ends ticker connections and held answers, and waits
    /// for both tasks.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let stop = CancellationToken::new();
        let walk = self.config.walk_interval.map(|every| {
            let (exchange, stop) = (self.exchange.clone(), stop.clone());
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(every);
                interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
                interval.tick().await;
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = interval.tick() => exchange.walk(),
                    }
                }
            })
        });
        let timers = {
            let (exchange, stop) = (self.exchange.clone(), stop.clone());
            tokio::spawn(async move { run_timers(&exchange, &stop).await })
        };
        let addr = listener.local_addr()?;
        tracing::info!(%addr, seed = self.config.seed, "simulated exchange listening");
        // Ticks are small frames that must leave at once: no Nagle delay on accepted sockets.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY not set");
            }
        });
        let app = self.router_until(stop.clone());
        let stopping = stop.clone();
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                stopping.cancel();
            })
            .await;
        stop.cancel();
        if let Some(walk) = walk {
            if let Err(e) = walk.await {
                tracing::error!(error = %e, "price walk task failed");
            }
        }
        if let Err(e) = timers.await {
            tracing::error!(error = %e, "timer task failed");
        }
        tracing::info!(%addr, "simulated exchange stopped");
        result
    }

    /// Sets an instrument's last price (`TCS` or `NSE:TCS`), broadcasts it and runs fills, as
    /// `POST /_sim/price` does.
    pub fn set_price(&self, symbol: &str, paise: i64) -> Result<(), SimError> {
        let token = self
            .exchange
            .instruments()
            .find(symbol)
            .map(|i| i.token)
            .ok_or_else(|| SimError::UnknownSymbol(symbol.to_owned()))?;
        self.exchange
            .set_price(token, paise)
            .map(|_| ())
            .ok_or(SimError::InvalidPrice(paise))
    }

    /// An instrument's last price in paise.
    pub fn last_price(&self, symbol: &str) -> Option<i64> {
        let token = self.exchange.instruments().find(symbol)?.token;
        self.exchange.quote(token).map(|q| q.last)
    }

    /// Every order of every account, oldest first (as `GET /_sim/orders` lists them).
    pub fn orders(&self) -> Vec<Order> {
        self.exchange.all_orders()
    }

    /// The order updates the ticker sends (each as its JSON text), as they happen: a
    /// watcher in process (a benchmark) waits on them instead of polling the order list.
    pub fn order_updates(&self) -> tokio::sync::broadcast::Receiver<OrderUpdate> {
        self.exchange.order_events()
    }

    /// One step of the random walk, now.
    pub fn walk_once(&self) {
        self.exchange.walk();
    }

    /// Sessions on this exchange in process, with no HTTP: a [`algo_kite::BrokerSessions`]
    /// whose answers are lost after `timeout`, as a client's would be.
    pub fn sessions(&self, timeout: Duration) -> InProcessSessions {
        InProcessSessions::new(self.exchange.clone(), timeout)
    }

    /// Adds (or replaces) an account.
    pub fn add_account(&self, account: Account) {
        self.exchange.add_account(account);
    }

    /// How many order requests were refused with 429 for the rate limit, as
    /// `GET /_sim/rate_limits` answers.
    pub fn rate_limited(&self) -> u64 {
        self.exchange.rate_limited()
    }

    /// The next `count` placements meet `fault`; returns how many were queued.
    pub fn inject_fault(&self, fault: Fault, count: usize) -> usize {
        self.exchange.inject_fault(fault, count)
    }

    /// The behaviours in force.
    pub fn behaviour(&self) -> Behaviour {
        self.exchange.behaviour()
    }

    /// Sets the behaviours for orders placed from now on, as `POST /_sim/behaviour` does.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.exchange.update_behaviour(|b| *b = behaviour);
    }

    /// From now on `access_token` answers 403 `TokenException`.
    pub fn expire_token(&self, access_token: &str) {
        self.exchange.expire_token(access_token);
    }

    /// Drops every ticker connection; returns how many were open.
    pub fn disconnect_all(&self) -> usize {
        self.exchange.disconnect_all()
    }

    /// Clears orders, behaviours, faults and expired tokens, and restores start prices.
    pub fn reset(&self) {
        self.exchange.reset();
    }
}

/// Fires the exchange's timers when they are due, until `stop`.
async fn run_timers(exchange: &Exchange, stop: &CancellationToken) {
    // A cap on each wait, so a clock that jumps (a test's) is noticed within it.
    const MAX_WAIT: Duration = Duration::from_secs(1);
    loop {
        let wait = exchange
            .until_next_due()
            .map_or(MAX_WAIT, |d| d.min(MAX_WAIT));
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = exchange.timers_changed() => {}
            _ = tokio::time::sleep(wait) => exchange.run_due(),
        }
    }
}

/// A simulator serving on an ephemeral loopback port; shuts down when dropped.
pub struct RunningSim {
    /// `http://127.0.0.1:port`, the root for Kite REST and `/_sim/…`.
    pub base_url: String,
    /// `ws://127.0.0.1:port/ws`, the ticker root (credentials go in the query).
    pub ws_url: String,
    pub addr: SocketAddr,
    /// The simulator itself, for in-process control.
    pub sim: Sim,
    stop: CancellationToken,
    server: tokio::task::JoinHandle<()>,
}

fn serve_in_background(
    sim: &Sim,
    listener: tokio::net::TcpListener,
) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let stop = CancellationToken::new();
    let shutdown = stop.clone().cancelled_owned();
    let server = sim.clone();
    let task = tokio::spawn(async move {
        if let Err(e) = server.serve(listener, shutdown).await {
            tracing::error!(error = %e, "simulated exchange failed");
        }
    });
    (stop, task)
}

impl RunningSim {
    /// Stops serving, which closes every connection (idle ones at once), and serves the same
    /// exchange again on the same address: orders, accounts and prices stay. What a client sees
    /// when the broker's front end drops its connections.
    pub async fn restart(&mut self) {
        self.stop.cancel();
        if let Err(e) = (&mut self.server).await {
            tracing::error!(error = %e, "simulated exchange task failed");
        }
        let listener = listen(self.addr).expect("the address just freed can be bound again");
        (self.stop, self.server) = serve_in_background(&self.sim, listener);
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A listener on `addr` with an accept queue deep enough for a thousand traders connecting in
/// the same second (Tokio's `bind` asks for 1,024; a full queue drops SYNs, and each dropped
/// one costs its client a second before it retries). The kernel caps it at `net.core.somaxconn`.
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// Starts a simulator on `127.0.0.1:0`, for tests and benchmarks.
///
/// Panics when no loopback port can be bound: a test cannot run without one.
pub async fn spawn(config: SimConfig) -> RunningSim {
    spawn_with_clock(config, Arc::new(SystemClock)).await
}

/// The same with "now" (receive times, order timestamps, the trading day) from `clock`.
pub async fn spawn_with_clock(config: SimConfig, clock: Arc<dyn Clock>) -> RunningSim {
    let listener = listen(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("a test machine can bind an ephemeral loopback port");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let sim = Sim::with_clock(config, clock);
    let (stop, server) = serve_in_background(&sim, listener);
    RunningSim {
        base_url: format!("http://{addr}"),
        ws_url: format!("ws://{addr}/ws"),
        addr,
        server,
        sim,
        stop,
    }
}
