//! The exchange's state: accounts, prices, orders with paper fills, faults and rate limits.
//! One mutex guards it; every critical section is short and never awaits.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use algo_kite::ticker::{Depth, DepthLevel, Mode, Ohlc, Tick};
use chrono::{DateTime, FixedOffset, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tokio::sync::broadcast;

use crate::envelope::KiteError;
use crate::instruments::{Instrument, Instruments};

/// A trading account: the keys an app holds for one user.
#[derive(Debug, Clone)]
pub struct Account {
    pub api_key: String,
    pub api_secret: String,
    pub access_token: String,
    pub user_id: String,
    pub user_name: String,
}

/// The kinds of failure the next order placements can be made to meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Http429,
    Http500,
    /// The order is placed, and the answer held back (the ambiguous case).
    Timeout,
    TokenException,
    /// Accepted with an order id, then rejected by the risk checks.
    Reject,
}

impl FaultKind {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "http_429" => FaultKind::Http429,
            "http_500" => FaultKind::Http500,
            "timeout" => FaultKind::Timeout,
            "token_exception" => FaultKind::TokenException,
            "reject" => FaultKind::Reject,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Fault {
    pub kind: FaultKind,
    pub delay: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Quote {
    last: i64,
    open: i64,
    high: i64,
    low: i64,
    close: i64,
    volume: u32,
}

/// An order and its history.
#[derive(Debug, Clone)]
pub struct Order {
    pub order_id: String,
    pub api_key: String,
    pub user_id: String,
    pub symbol: String,
    pub exchange: String,
    pub token: u32,
    pub side: String,
    pub order_type: String,
    pub product: String,
    pub validity: String,
    pub quantity: u32,
    pub price: Option<i64>,
    pub trigger: Option<i64>,
    pub tag: Option<String>,
    pub market_protection: i64,
    pub status: String,
    pub status_message: Option<String>,
    pub filled: u32,
    pub average: Option<i64>,
    pub received_at: DateTime<Utc>,
    pub history: Vec<Value>,
}

fn rupees(paise: i64) -> Value {
    // paise/100 as f64 prints as its shortest round-trip decimal: exactly the rupee amount.
    json!(paise as f64 / 100.0)
}

fn ist(t: DateTime<Utc>) -> String {
    let ist = FixedOffset::east_opt(5 * 3600 + 1800).expect("IST offset is valid");
    t.with_timezone(&ist)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

impl Order {
    /// Kite's order shape (`GET /orders`, postbacks, order updates).
    pub fn to_json(&self) -> Value {
        json!({
            "placed_by": self.user_id,
            "order_id": self.order_id,
            "exchange_order_id": format!("1{}", &self.order_id[1..]),
            "parent_order_id": null,
            "status": self.status,
            "status_message": self.status_message,
            "status_message_raw": self.status_message,
            "order_timestamp": ist(self.received_at),
            "exchange_update_timestamp": ist(self.received_at),
            "exchange_timestamp": ist(self.received_at),
            "variety": "regular",
            "modified": false,
            "exchange": self.exchange,
            "tradingsymbol": self.symbol,
            "instrument_token": self.token,
            "order_type": self.order_type,
            "transaction_type": self.side,
            "validity": self.validity,
            "product": self.product,
            "quantity": self.quantity,
            "disclosed_quantity": 0,
            "price": rupees(self.price.unwrap_or(0)),
            "trigger_price": rupees(self.trigger.unwrap_or(0)),
            "average_price": rupees(self.average.unwrap_or(0)),
            "filled_quantity": self.filled,
            "pending_quantity": if self.status == "OPEN" || self.status == "TRIGGER PENDING" { self.quantity - self.filled } else { 0 },
            "cancelled_quantity": if self.status == "CANCELLED" { self.quantity - self.filled } else { 0 },
            "market_protection": self.market_protection,
            "meta": {},
            "tag": self.tag,
            "guid": format!("sim{}", self.order_id),
        })
    }

    /// The control API's view: Kite's shape plus the account and the receive time.
    pub fn to_control_json(&self) -> Value {
        let mut v = self.to_json();
        v["api_key"] = json!(self.api_key);
        v["received_at"] = json!(self
            .received_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        v["received_at_us"] = json!(self.received_at.timestamp_micros());
        v
    }

    fn set_status(&mut self, status: &str, message: Option<String>) {
        self.status = status.to_owned();
        self.status_message = message;
        self.history.push(self.to_json());
    }

    fn open(&self) -> bool {
        self.status == "OPEN" || self.status == "TRIGGER PENDING"
    }
}

/// A validated order request.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub instrument: Instrument,
    pub side: String,
    pub order_type: String,
    pub product: String,
    pub validity: String,
    pub quantity: u32,
    pub price: Option<i64>,
    pub trigger: Option<i64>,
    pub tag: Option<String>,
    pub market_protection: i64,
}

/// What placing an order did.
pub enum Placed {
    Ok(String),
    /// Placed, but the answer must wait (a `timeout` fault).
    Delayed(String, Duration),
    Err(KiteError),
}

struct Inner {
    accounts: HashMap<String, Account>,
    expired: HashSet<String>,
    quotes: HashMap<u32, Quote>,
    orders: Vec<Order>,
    by_id: HashMap<String, usize>,
    faults: VecDeque<Fault>,
    sent: HashMap<String, VecDeque<Instant>>,
    next_id: u64,
    rng: SmallRng,
}

/// The whole exchange.
pub struct Exchange {
    pub instruments: Instruments,
    inner: Mutex<Inner>,
    /// `(token, price)` whenever a price changes.
    pub ticks: broadcast::Sender<(u32, i64)>,
    /// `(api_key, order json)` whenever an order changes.
    pub order_updates: broadcast::Sender<(String, Value)>,
    /// Drops every WebSocket connection.
    pub kill: broadcast::Sender<()>,
    seed: u64,
}

fn default_account() -> Account {
    Account {
        api_key: "sim_key".into(),
        api_secret: "sim_secret".into(),
        access_token: "sim_token".into(),
        user_id: "SIM001".into(),
        user_name: "Sim Trader".into(),
    }
}

impl Exchange {
    pub fn new(seed: u64) -> Self {
        let instruments = Instruments::load();
        let inner = Inner {
            accounts: HashMap::new(),
            expired: HashSet::new(),
            quotes: HashMap::new(),
            orders: Vec::new(),
            by_id: HashMap::new(),
            faults: VecDeque::new(),
            sent: HashMap::new(),
            next_id: 0,
            rng: SmallRng::seed_from_u64(seed),
        };
        let ex = Self {
            instruments,
            inner: Mutex::new(inner),
            ticks: broadcast::channel(8192).0,
            order_updates: broadcast::channel(8192).0,
            kill: broadcast::channel(4).0,
            seed,
        };
        ex.reset();
        ex
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Back to the start: the default account, start prices, no orders, faults or expired tokens.
    pub fn reset(&self) {
        let mut inner = self.lock();
        inner.accounts.clear();
        let account = default_account();
        inner.accounts.insert(account.api_key.clone(), account);
        inner.expired.clear();
        inner.orders.clear();
        inner.by_id.clear();
        inner.faults.clear();
        inner.sent.clear();
        inner.rng = SmallRng::seed_from_u64(self.seed);
        inner.quotes = self
            .instruments
            .all
            .iter()
            .map(|i| {
                (
                    i.token,
                    Quote {
                        last: i.start_paise,
                        open: i.start_paise,
                        high: i.start_paise,
                        low: i.start_paise,
                        close: i.start_paise,
                        volume: 0,
                    },
                )
            })
            .collect();
    }

    pub fn add_account(&self, account: Account) {
        self.lock()
            .accounts
            .insert(account.api_key.clone(), account);
    }

    pub fn expire_token(&self, token: &str) {
        self.lock().expired.insert(token.to_owned());
    }

    pub fn add_fault(&self, fault: Fault, count: u32) {
        let mut inner = self.lock();
        for _ in 0..count {
            inner.faults.push_back(fault);
        }
    }

    /// The account these credentials open, if the token is live.
    pub fn authenticate(&self, api_key: &str, access_token: &str) -> Option<Account> {
        let inner = self.lock();
        let account = inner.accounts.get(api_key)?;
        (account.access_token == access_token && !inner.expired.contains(access_token))
            .then(|| account.clone())
    }

    pub fn account(&self, api_key: &str) -> Option<Account> {
        self.lock().accounts.get(api_key).cloned()
    }

    pub fn last_price(&self, token: u32) -> Option<i64> {
        self.lock().quotes.get(&token).map(|q| q.last)
    }

    /// A tick of the instrument in `mode`, from its quote.
    pub fn tick(&self, token: u32, mode: Mode) -> Option<Tick> {
        let q = *self.lock().quotes.get(&token)?;
        let tick_paise = self
            .instruments
            .by_token(token)
            .map(|i| i.tick_paise)
            .unwrap_or(5);
        let mut tick = Tick::ltp(token, q.last);
        tick.mode = mode;
        if mode == Mode::Ltp {
            return Some(tick);
        }
        tick.ohlc = Some(Ohlc {
            open: q.open,
            high: q.high,
            low: q.low,
            close: q.close,
        });
        let now = Utc::now().timestamp();
        if !tick.tradable {
            tick.net_change = Some((q.last - q.close).max(0));
            tick.exchange_timestamp = (mode == Mode::Full).then_some(now);
            return Some(tick);
        }
        tick.last_traded_quantity = Some(1);
        tick.average_traded_price = Some(q.last);
        tick.volume_traded = Some(q.volume);
        tick.total_buy_quantity = Some(1000);
        tick.total_sell_quantity = Some(1000);
        if mode == Mode::Full {
            tick.last_trade_time = Some(now);
            tick.oi = Some(0);
            tick.oi_day_high = Some(0);
            tick.oi_day_low = Some(0);
            tick.exchange_timestamp = Some(now);
            let mut depth = Depth::default();
            for i in 0..5 {
                let step = tick_paise * (i as i64 + 1);
                depth.buy[i] = DepthLevel {
                    quantity: 100 * (i as u32 + 1),
                    price: u32::try_from((q.last - step).max(0)).unwrap_or(0),
                    orders: 1 + i as u16,
                };
                depth.sell[i] = DepthLevel {
                    quantity: 100 * (i as u32 + 1),
                    price: u32::try_from(q.last + step).unwrap_or(u32::MAX),
                    orders: 1 + i as u16,
                };
            }
            tick.depth = Some(depth);
        }
        Some(tick)
    }

    /// Sets a price, fills what it crosses, and tells the subscribers.
    pub fn set_price(&self, token: u32, paise: i64) -> bool {
        let updates = {
            let mut inner = self.lock();
            let Some(q) = inner.quotes.get_mut(&token) else {
                return false;
            };
            q.last = paise;
            q.high = q.high.max(paise);
            q.low = q.low.min(paise);
            match_orders(&mut inner, token, paise)
        };
        let _ = self.ticks.send((token, paise));
        for u in updates {
            let _ = self.order_updates.send(u);
        }
        true
    }

    /// One random-walk step of every instrument.
    pub fn walk(&self) {
        let moves: Vec<(u32, i64)> = {
            let mut inner = self.lock();
            let mut moves = Vec::new();
            for i in &self.instruments.all {
                let step: i64 = inner.rng.gen_range(-3..=3);
                if step == 0 {
                    continue;
                }
                if let Some(q) = inner.quotes.get(&i.token) {
                    moves.push((i.token, (q.last + step * i.tick_paise).max(i.tick_paise)));
                }
            }
            moves
        };
        for (token, price) in moves {
            self.set_price(token, price);
        }
    }

    /// Places an order for `account` (already authenticated), received at `received_at`.
    pub fn place(&self, account: &Account, order: NewOrder, received_at: DateTime<Utc>) -> Placed {
        let (placed, updates) = {
            let mut inner = self.lock();
            let fault = inner.faults.pop_front();
            match fault.map(|f| f.kind) {
                Some(FaultKind::Http429) => return Placed::Err(KiteError::too_many()),
                Some(FaultKind::Http500) => return Placed::Err(KiteError::server()),
                Some(FaultKind::TokenException) => return Placed::Err(KiteError::token()),
                _ => {}
            }
            // Kite's per-user order limit: 10 per second.
            let now = Instant::now();
            let sent = inner.sent.entry(account.api_key.clone()).or_default();
            while sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
            {
                sent.pop_front();
            }
            if sent.len() >= 10 {
                return Placed::Err(KiteError::too_many());
            }
            sent.push_back(now);
            inner.next_id += 1;
            let order_id = format!(
                "2{:014}",
                inner.next_id + received_at.timestamp_micros() as u64 % 1_000_000_000
            );
            let mut o = Order {
                order_id: order_id.clone(),
                api_key: account.api_key.clone(),
                user_id: account.user_id.clone(),
                symbol: order.instrument.symbol.clone(),
                exchange: order.instrument.exchange.clone(),
                token: order.instrument.token,
                side: order.side,
                order_type: order.order_type.clone(),
                product: order.product,
                validity: order.validity,
                quantity: order.quantity,
                price: order.price,
                trigger: order.trigger,
                tag: order.tag,
                market_protection: order.market_protection,
                status: String::new(),
                status_message: None,
                filled: 0,
                average: None,
                received_at,
                history: Vec::new(),
            };
            o.set_status("PUT ORDER REQ RECEIVED", None);
            if fault.map(|f| f.kind) == Some(FaultKind::Reject) {
                o.set_status(
                    "REJECTED",
                    Some("RMS:Margin Exceeds, Required:0, Available:0 for entity account".into()),
                );
            } else if order.order_type == "SL" || order.order_type == "SL-M" {
                o.set_status("TRIGGER PENDING", None);
            } else {
                o.set_status("OPEN", None);
            }
            let index = inner.orders.len();
            inner.by_id.insert(order_id.clone(), index);
            inner.orders.push(o);
            let last = inner
                .quotes
                .get(&order.instrument.token)
                .map(|q| q.last)
                .unwrap_or(0);
            let mut updates = match_orders(&mut inner, order.instrument.token, last);
            let o = &inner.orders[index];
            if !updates
                .iter()
                .any(|(_, v)| v["order_id"] == o.order_id.as_str())
            {
                updates.push((o.api_key.clone(), o.to_json()));
            }
            let placed = match fault {
                Some(Fault {
                    kind: FaultKind::Timeout,
                    delay,
                }) => Placed::Delayed(order_id, delay),
                _ => Placed::Ok(order_id),
            };
            (placed, updates)
        };
        for u in updates {
            let _ = self.order_updates.send(u);
        }
        placed
    }

    pub fn cancel(&self, api_key: &str, order_id: &str) -> Result<(), KiteError> {
        let update = {
            let mut inner = self.lock();
            let index = *inner
                .by_id
                .get(order_id)
                .ok_or_else(|| KiteError::input("Invalid `order_id`."))?;
            let o = &mut inner.orders[index];
            if o.api_key != api_key {
                return Err(KiteError::input("Invalid `order_id`."));
            }
            if !o.open() {
                return Err(KiteError {
                    status: axum::http::StatusCode::BAD_REQUEST,
                    error_type: "OrderException",
                    message: format!(
                        "Order cannot be cancelled as it is being processed. Try later. ({})",
                        o.status
                    ),
                });
            }
            o.set_status("CANCELLED", None);
            (o.api_key.clone(), o.to_json())
        };
        let _ = self.order_updates.send(update);
        Ok(())
    }

    /// The account's orders, Kite's shape.
    pub fn orders_of(&self, api_key: &str) -> Vec<Value> {
        self.lock()
            .orders
            .iter()
            .filter(|o| o.api_key == api_key)
            .map(Order::to_json)
            .collect()
    }

    pub fn history(&self, api_key: &str, order_id: &str) -> Option<Vec<Value>> {
        let inner = self.lock();
        let o = &inner.orders[*inner.by_id.get(order_id)?];
        (o.api_key == api_key).then(|| o.history.clone())
    }

    /// Every order of every account with its receive time.
    pub fn all_orders(&self) -> Vec<Value> {
        self.lock()
            .orders
            .iter()
            .map(Order::to_control_json)
            .collect()
    }
}

/// Fills or triggers the open orders of `token` that `price` crosses.
fn match_orders(inner: &mut Inner, token: u32, price: i64) -> Vec<(String, Value)> {
    let mut updates = Vec::new();
    for o in inner
        .orders
        .iter_mut()
        .filter(|o| o.token == token && o.open())
    {
        let buy = o.side == "BUY";
        if o.status == "TRIGGER PENDING" {
            let trigger = o.trigger.unwrap_or(0);
            let crossed = if buy {
                price >= trigger
            } else {
                price <= trigger
            };
            if !crossed {
                continue;
            }
            o.set_status("OPEN", None);
            if o.order_type == "SL-M" {
                o.order_type = "MARKET".into();
            } else {
                o.order_type = "LIMIT".into();
            }
        }
        let fills = match o.order_type.as_str() {
            "MARKET" => true,
            _ => match o.price {
                Some(limit) => {
                    if buy {
                        price <= limit
                    } else {
                        price >= limit
                    }
                }
                None => false,
            },
        };
        if fills && price > 0 {
            o.filled = o.quantity;
            o.average = Some(price);
            o.set_status("COMPLETE", None);
            if let Some(q) = inner.quotes.get_mut(&token) {
                q.volume = q.volume.saturating_add(o.quantity);
            }
        }
        updates.push((o.api_key.clone(), o.to_json()));
    }
    updates
}
