//! The exchange: accounts, market, order book, faults and rate limits behind one lock, and the
//! events the ticker forwards (price changes, order updates).
//!
//! One std `Mutex` guards the state. No critical section awaits, and each is short: a placement,
//! a price change with the fills it causes, a walk step. Events are sent while the lock is held,
//! so every subscriber sees them in the order the state changed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use algo_core::Clock;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;

use crate::accounts::{Account, Accounts, Exchanged};
use crate::behaviour::Behaviour;
use crate::book::{Book, Handling, NewOrder, PartialCancel};
use crate::envelope::{ErrorType, KiteError};
use crate::faults::{Fault, FaultKind, Faults};
use crate::instruments::Instruments;
use crate::market::{Market, Quote};
use crate::orders::{order_id_date, Order, OrderRequest, OrderType, Side, Status};
use crate::positions::{self, Position};
use crate::rate_limit::OrderRateLimiter;

/// Price changes, as one batch per change (a walk step moves every instrument at once).
pub type MarketEvent = Arc<[Quote]>;

/// An order update for one account's ticker connections: the whole text message
/// (`{"type":"order","data":{…postback…}}`), serialised once.
#[derive(Debug, Clone)]
pub struct OrderEvent {
    pub api_key: Arc<str>,
    pub message: Arc<str>,
}

/// What a successful placement answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub order_id: String,
    /// A `timeout` fault: hold the answer this long.
    pub hold: Option<Duration>,
}

/// The message a `reject` fault gives, like an RMS rejection.
const RMS_REJECTION: &str =
    "RMS:Margin Exceeds, Required:0, Available:0 for entity account-{user} across exchange across segment across product";

/// Events buffered per subscriber before a slow one starts losing them.
const EVENT_BUFFER: usize = 4096;

struct State {
    behaviour: Behaviour,
    accounts: Accounts,
    market: Market,
    book: Book,
    faults: Faults,
    limiter: OrderRateLimiter,
    /// Requests refused for an unknown or expired access token (REST, in-process and ticker
    /// handshakes): a client that keeps trying a dead token shows here.
    refused_tokens: u64,
    /// Order requests refused for the rate limit (429): a client over Kite's limit shows here.
    rate_limited: u64,
}

/// The whole simulated exchange.
pub struct Exchange {
    instruments: Instruments,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    market_events: broadcast::Sender<MarketEvent>,
    order_events: broadcast::Sender<OrderEvent>,
    /// Woken when a timer may have been set, so the timer task looks at the next due time.
    timers_changed: Notify,
    /// Cancelled (and replaced) to drop every ticker connection.
    connections: Mutex<CancellationToken>,
    open_connections: AtomicUsize,
}

#[derive(Serialize)]
struct OrderMessage<T> {
    #[serde(rename = "type")]
    kind: &'static str,
    data: T,
}

/// A stable number for an api_key, standing in for Kite's numeric app id in postbacks.
fn app_id(api_key: &str) -> u32 {
    api_key.bytes().fold(2_166_136_261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    }) % 1_000_000
}

impl Exchange {
    pub fn new(seed: u64, clock: Arc<dyn Clock>) -> Self {
        let instruments = Instruments::load();
        let market = Market::new(&instruments, seed, clock.now().timestamp());
        Self {
            state: Mutex::new(State {
                behaviour: Behaviour::default(),
                accounts: Accounts::with_default(),
                market,
                book: Book::default(),
                faults: Faults::default(),
                limiter: OrderRateLimiter::default(),
                refused_tokens: 0,
                rate_limited: 0,
            }),
            instruments,
            clock,
            market_events: broadcast::channel(EVENT_BUFFER).0,
            order_events: broadcast::channel(EVENT_BUFFER).0,
            timers_changed: Notify::new(),
            connections: Mutex::new(CancellationToken::new()),
            open_connections: AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-written in a way that
        // matters more than stopping the simulator would.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn instruments(&self) -> &Instruments {
        &self.instruments
    }

    // ---- accounts -------------------------------------------------------------------------

    /// The account these credentials open, if the token is live.
    pub fn authenticate(&self, api_key: &str, access_token: &str) -> Option<Account> {
        let mut state = self.lock();
        let account = state.accounts.authenticate(api_key, access_token).cloned();
        if account.is_none() {
            state.refused_tokens += 1;
        }
        account
    }

    /// How many requests were refused for their access token since the start (or the reset).
    pub fn refused_tokens(&self) -> u64 {
        self.lock().refused_tokens
    }

    /// `POST /session/token`: the account and the access token the login gives. A request
    /// token from the login page works once and gives a fresh access token; one the login page
    /// never issued gives the account's standing token, live again (see
    /// [`crate::accounts::Exchanged`]).
    pub fn login(
        &self,
        api_key: &str,
        request_token: &str,
        checksum: &str,
    ) -> Result<(Account, String), KiteError> {
        let mut state = self.lock();
        let account = state.accounts.get(api_key).cloned().ok_or_else(|| {
            KiteError::new(
                axum::http::StatusCode::FORBIDDEN,
                crate::envelope::ErrorType::TokenException,
                "Invalid `api_key`.",
            )
        })?;
        if !account.session_checksum_matches(request_token, checksum) {
            return Err(KiteError::new(
                StatusCode::FORBIDDEN,
                ErrorType::TokenException,
                "Invalid `checksum`.",
            ));
        }
        let token = match state.accounts.exchange(api_key, request_token) {
            Some(Exchanged::Fresh(token)) => token,
            Some(Exchanged::Standing) => account.access_token.clone(),
            None => {
                return Err(KiteError::new(
                    StatusCode::FORBIDDEN,
                    ErrorType::TokenException,
                    "Token is invalid or has expired.",
                ))
            }
        };
        Ok((account, token))
    }

    /// A request token for a login to `api_key`'s app, and the registered redirect URL it goes
    /// to. Errors when there is no such app, or it has no redirect URL.
    pub fn issue_request_token(&self, api_key: &str) -> Result<(String, String), KiteError> {
        let mut state = self.lock();
        let redirect = match state.accounts.redirect_url(api_key) {
            None => return Err(KiteError::input("Invalid `api_key`.")),
            Some(None) => {
                return Err(KiteError::input(
                    "No redirect URL is registered for this app (set one with /_sim/accounts).",
                ))
            }
            Some(Some(url)) => url.to_owned(),
        };
        Ok((redirect, state.accounts.issue_request_token(api_key)))
    }

    /// Every token of `api_key`'s account expires; how many.
    pub fn expire_account(&self, api_key: &str) -> usize {
        self.lock().accounts.expire_account(api_key)
    }

    /// The account of `api_key`, if there is one.
    pub fn account(&self, api_key: &str) -> Option<Account> {
        self.lock().accounts.get(api_key).cloned()
    }

    pub fn add_account(&self, account: Account) {
        tracing::info!(user_id = %account.user_id, "simulator account added");
        self.lock().accounts.upsert(account);
    }

    pub fn expire_token(&self, access_token: &str) {
        self.lock().accounts.expire(access_token);
    }

    // ---- orders ---------------------------------------------------------------------------

    /// Counts an order request against `api_key`'s rate limits.
    pub fn check_order_rate(&self, api_key: &str) -> Result<(), KiteError> {
        let mut state = self.lock();
        if state.limiter.try_acquire(api_key, Instant::now()) {
            Ok(())
        } else {
            state.rate_limited += 1;
            drop(state);
            tracing::warn!(api_key, "order rate limit reached");
            Err(KiteError::too_many_requests())
        }
    }

    /// How many order requests were refused for the rate limit since the start (or the reset).
    pub fn rate_limited(&self) -> u64 {
        self.lock().rate_limited
    }

    /// Queues `count` faults for the next placements; returns how many were queued.
    pub fn inject_fault(&self, fault: Fault, count: usize) -> usize {
        let queued = self.lock().faults.push(fault, count);
        tracing::info!(kind = fault.kind.as_str(), queued, "faults queued");
        queued
    }

    /// The fault the next order-book lookup meets: an error to answer, or how long to hold the
    /// answer.
    pub fn lookup_fault(&self) -> Result<Option<Duration>, KiteError> {
        let fault = self.lock().faults.take_lookup();
        match fault.map(|f| (f.kind, f.delay)) {
            Some((FaultKind::OrdersHttp500, _)) => Err(KiteError::server()),
            Some((FaultKind::OrdersHttp429, _)) => Err(KiteError::too_many_requests()),
            Some((FaultKind::OrdersTimeout, delay)) => Ok(Some(delay)),
            _ => Ok(None),
        }
    }

    /// The fault the next instrument dump meets: an error to answer.
    pub fn instruments_fault(&self) -> Result<(), KiteError> {
        match self.lock().faults.take_instruments().map(|f| f.kind) {
            Some(FaultKind::InstrumentsTokenException) => Err(KiteError::token()),
            _ => Ok(()),
        }
    }

    /// The behaviours in force.
    pub fn behaviour(&self) -> Behaviour {
        self.lock().behaviour
    }

    /// Changes the behaviours for orders placed from now on; returns them as they now stand.
    pub fn update_behaviour(&self, change: impl FnOnce(&mut Behaviour)) -> Behaviour {
        let behaviour = {
            let mut state = self.lock();
            change(&mut state.behaviour);
            state.behaviour
        };
        tracing::info!(
            fill_delay_ms = behaviour.fill_delay.as_millis() as u64,
            book_lag_ms = behaviour.book_lag.as_millis() as u64,
            "behaviour set"
        );
        behaviour
    }

    /// Places a checked order for `account`, meeting the next queued fault if there is one.
    pub fn place(
        &self,
        account: &Account,
        mut request: OrderRequest,
        received_at: DateTime<Utc>,
    ) -> Result<Placed, KiteError> {
        let now = self.now();
        let mut state = self.lock();
        self.settle(&mut state, now);
        let fault = state.faults.take_placement();
        let refusal = match fault.map(|f| f.kind) {
            Some(FaultKind::Http429) => Some(KiteError::too_many_requests()),
            Some(FaultKind::Http500) => Some(KiteError::server()),
            Some(FaultKind::TokenException) => Some(KiteError::token()),
            _ => None,
        };
        if let Some(e) = refusal {
            tracing::info!(user_id = %account.user_id, status = %e.status, "order refused by an injected fault");
            return Err(e);
        }
        let token = request.instrument_token;
        let last = state.market.quote(token).map(|q| q.last).unwrap_or(0);
        if fault.map(|f| f.kind) == Some(FaultKind::MarketRests)
            && request.order_type == OrderType::Market
        {
            // The protection price of a price already left behind: 1%, to the tick.
            let band = (last / 100 + 4) / 5 * 5;
            request.order_type = OrderType::Limit;
            request.price = match request.transaction_type {
                Side::Sell => last + band,
                Side::Buy => (last - band).max(5),
            };
        }
        let rejection = (fault.map(|f| f.kind) == Some(FaultKind::Reject))
            .then(|| RMS_REJECTION.replace("{user}", &account.user_id));
        let reject_delay = fault
            .filter(|f| f.kind == FaultKind::Reject)
            .map_or(Duration::ZERO, |f| f.delay);
        let partial_cancel = fault
            .filter(|f| f.kind == FaultKind::PartialCancel)
            .map(|f| PartialCancel {
                filled_quantity: f.filled_quantity,
                delay: f.delay,
            });
        let new = NewOrder {
            request,
            api_key: account.api_key.clone(),
            user_id: account.user_id.clone(),
            received_at,
            rejection,
            handling: Handling {
                book_lag: state.behaviour.book_lag,
                fill_delay: state.behaviour.fill_delay,
                reject_delay,
                partial_cancel,
            },
        };
        let (order_id, changes) = state
            .book
            .place(new, &order_id_date(received_at), last, now);
        tracing::info!(
            order_id = %order_id,
            user_id = %account.user_id,
            received_at_us = received_at.timestamp_micros(),
            "order placed"
        );
        self.publish_orders(&mut state, &changes);
        self.timers_changed.notify_one();
        let hold = fault
            .filter(|f| f.kind == FaultKind::Timeout)
            .map(|f| f.delay);
        Ok(Placed { order_id, hold })
    }

    /// Modifies a working order of `account`'s with the fields of a `PUT /orders/…` form.
    pub fn modify(
        &self,
        account: &Account,
        order_id: &str,
        form: &HashMap<String, String>,
    ) -> Result<(), KiteError> {
        let now = self.now();
        let mut state = self.lock();
        self.settle(&mut state, now);
        let request = state
            .book
            .working_request(&account.api_key, order_id)?
            .modified(form, &self.instruments)?;
        let last = state
            .market
            .quote(request.instrument_token)
            .map_or(0, |q| q.last);
        let handling = Handling {
            fill_delay: state.behaviour.fill_delay,
            ..Handling::default()
        };
        let changes =
            state
                .book
                .modify(&account.api_key, order_id, request, handling, last, now)?;
        tracing::info!(order_id, user_id = %account.user_id, "order modified");
        self.publish_orders(&mut state, &changes);
        self.timers_changed.notify_one();
        Ok(())
    }

    /// Cancels a working order of `account`'s.
    pub fn cancel(&self, account: &Account, order_id: &str) -> Result<(), KiteError> {
        let now = self.now();
        let mut state = self.lock();
        self.settle(&mut state, now);
        let cancelled = state.book.cancel(&account.api_key, order_id, now)?;
        tracing::info!(order_id, user_id = %account.user_id, "order cancelled");
        self.publish_orders(&mut state, &[cancelled]);
        Ok(())
    }

    /// `api_key`'s orders as its order book shows them now, oldest first.
    pub fn orders_of(&self, api_key: &str) -> Vec<Order> {
        let now = self.now();
        let mut state = self.lock();
        self.settle(&mut state, now);
        state.book.of_account(api_key, now).cloned().collect()
    }

    /// Every state an order of `api_key`'s has been in, once the order book shows it.
    pub fn history(&self, api_key: &str, order_id: &str) -> Option<Vec<Order>> {
        let now = self.now();
        let mut state = self.lock();
        self.settle(&mut state, now);
        state
            .book
            .history(api_key, order_id, now)
            .map(<[Order]>::to_vec)
    }

    /// `api_key`'s positions, each with its instrument's last price and previous close; `None`
    /// if a sum overflows.
    pub fn positions(&self, api_key: &str) -> Option<Vec<(Position, i64, i64)>> {
        let now = self.now();
        let mut state = self.lock();
        self.settle(&mut state, now);
        let positions = positions::positions(state.book.all().filter(|o| o.api_key == api_key))?;
        Some(
            positions
                .into_iter()
                .map(|p| {
                    let quote = state.market.quote(p.instrument_token);
                    let (last, close) = quote.map(|q| (q.last, q.close)).unwrap_or((0, 0));
                    (p, last, close)
                })
                .collect(),
        )
    }

    /// Every order of every account, oldest first.
    pub fn all_orders(&self) -> Vec<Order> {
        let now = self.now();
        let mut state = self.lock();
        self.settle(&mut state, now);
        state.book.all().cloned().collect()
    }

    // ---- timers ---------------------------------------------------------------------------

    /// Fires the timers due now (slow fills and the like) and announces what they changed.
    pub fn run_due(&self) {
        let now = self.now();
        self.settle(&mut self.lock(), now);
    }

    fn settle(&self, state: &mut State, now: DateTime<Utc>) {
        let State { book, market, .. } = state;
        if book.next_due().is_none_or(|at| at > now) {
            return;
        }
        let changes = book.run_due(now, |token| market.quote(token).map_or(0, |q| q.last));
        self.publish_orders(state, &changes);
    }

    /// How long until the next timer is due (zero if one is overdue); `None` without timers.
    pub fn until_next_due(&self) -> Option<Duration> {
        let next = self.lock().book.next_due()?;
        Some((next - self.now()).to_std().unwrap_or(Duration::ZERO))
    }

    /// Completes when a timer may have been set since the last call.
    pub async fn timers_changed(&self) {
        self.timers_changed.notified().await;
    }

    /// Records fills as traded volume and sends each change to its account's connections.
    fn publish_orders(&self, state: &mut State, changes: &[Order]) {
        for order in changes {
            if order.status == Status::Complete {
                state
                    .market
                    .trade(order.request.instrument_token, order.filled_quantity);
            }
            // Debug: two per order (OPEN, COMPLETE) would double the log lines of a burst.
            tracing::debug!(order_id = %order.order_id, status = order.status.as_str(), "order update");
            if self.order_events.receiver_count() == 0 {
                // Nobody is connected to the ticker: nothing to build the message for.
                continue;
            }
            let Some(account) = state.accounts.get(&order.api_key) else {
                continue;
            };
            let kite = order.kite();
            let checksum = account.postback_checksum(&order.order_id, &kite.order_timestamp);
            let message = OrderMessage {
                kind: "order",
                data: order.postback(checksum, app_id(&order.api_key)),
            };
            match serde_json::to_string(&message) {
                Ok(text) => {
                    // No receiver is fine: nobody is connected.
                    let _ = self.order_events.send(OrderEvent {
                        api_key: order.api_key.as_str().into(),
                        message: text.into(),
                    });
                }
                Err(e) => tracing::error!(error = %e, "order update not serialisable"),
            }
        }
    }

    // ---- prices ---------------------------------------------------------------------------

    pub fn quote(&self, token: u32) -> Option<Quote> {
        self.lock().market.quote(token).copied()
    }

    /// The quotes of the known tokens among `tokens`.
    pub fn quotes(&self, tokens: &[u32]) -> Vec<Quote> {
        let state = self.lock();
        tokens
            .iter()
            .filter_map(|t| state.market.quote(*t).copied())
            .collect()
    }

    /// Sets the last price, broadcasts it, and runs the fills it causes. `None` for an unknown
    /// token or a price that is not positive.
    pub fn set_price(&self, token: u32, paise: i64) -> Option<Quote> {
        let now = self.now();
        let mut state = self.lock();
        let quote = state.market.set(token, paise, now.timestamp())?;
        self.apply(&mut state, vec![quote], now);
        state.market.quote(token).copied()
    }

    /// One step of the random walk for every instrument.
    pub fn walk(&self) {
        let now = self.now();
        let mut state = self.lock();
        let moved = state.market.walk(now.timestamp());
        self.apply(&mut state, moved, now);
    }

    /// Runs fills for changed quotes, then broadcasts the quotes (with the volume of the fills).
    fn apply(&self, state: &mut State, quotes: Vec<Quote>, now: DateTime<Utc>) {
        self.settle(state, now);
        for q in &quotes {
            let changes = state.book.on_price(q.token, q.last, now);
            self.publish_orders(state, &changes);
        }
        let quotes: Vec<Quote> = quotes
            .iter()
            .filter_map(|q| state.market.quote(q.token).copied())
            .collect();
        if !quotes.is_empty() {
            let _ = self.market_events.send(quotes.into());
        }
    }

    // ---- connections and reset ------------------------------------------------------------

    pub fn market_events(&self) -> broadcast::Receiver<MarketEvent> {
        self.market_events.subscribe()
    }

    pub fn order_events(&self) -> broadcast::Receiver<OrderEvent> {
        self.order_events.subscribe()
    }

    /// A token cancelled by the next [`Exchange::disconnect_all`].
    pub fn connection_token(&self) -> CancellationToken {
        self.connections
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Counts an open ticker connection until the guard drops.
    pub fn connection_opened(self: &Arc<Self>) -> ConnectionGuard {
        self.open_connections.fetch_add(1, Ordering::SeqCst);
        ConnectionGuard(self.clone())
    }

    /// Drops every ticker connection; returns how many were open.
    pub fn disconnect_all(&self) -> usize {
        let old = std::mem::replace(
            &mut *self.connections.lock().unwrap_or_else(|p| p.into_inner()),
            CancellationToken::new(),
        );
        old.cancel();
        let open = self.open_connections.load(Ordering::SeqCst);
        tracing::info!(open, "ticker connections dropped");
        open
    }

    /// Clears orders, behaviours, faults, expired tokens and rate limits, and restores start
    /// prices (broadcast to subscribers). Accounts stay.
    pub fn reset(&self) {
        let now = self.now();
        let mut state = self.lock();
        state.behaviour = Behaviour::default();
        state.book.clear();
        state.faults.clear();
        state.limiter.clear();
        state.accounts.clear_expired();
        state.refused_tokens = 0;
        state.rate_limited = 0;
        state.market.reset(&self.instruments, now.timestamp());
        let quotes: Vec<Quote> = state.market.all().copied().collect();
        let _ = self.market_events.send(quotes.into());
        tracing::info!("simulator reset");
    }
}

/// Decrements the open-connection count when a ticker connection ends.
pub struct ConnectionGuard(Arc<Exchange>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.open_connections.fetch_sub(1, Ordering::SeqCst);
    }
}
