//! Shared helpers: a frozen simulator, a raw Kite HTTP client, the control API, polling, and
//! the ticker socket.

use std::future::Future;
use std::time::Duration;

use algo_kite::ticker::{decode_frame, Frame, Tick};
use algo_sim::{spawn, RunningSim, SimConfig};
use futures_util::StreamExt;
use serde_json::Value;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// How long any one expectation may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(5);

/// Prices move only when a test sets them; heartbeats every 100 ms.
pub fn frozen() -> SimConfig {
    SimConfig {
        walk_interval: None,
        heartbeat_interval: Duration::from_millis(100),
        ..Default::default()
    }
}

pub async fn frozen_sim() -> RunningSim {
    spawn(frozen()).await
}

/// A response: status and JSON body (Kite's envelope), plus the raw text for exact checks.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub async fn read(r: reqwest::Response) -> Self {
        let status = r.status().as_u16();
        let text = r.text().await.expect("a readable body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self { status, body, text }
    }

    /// `data` of a success envelope; panics with the body otherwise.
    pub fn data(&self) -> &Value {
        assert_eq!(
            (self.status, self.body["status"].as_str()),
            (200, Some("success")),
            "{}",
            self.text
        );
        &self.body["data"]
    }

    /// Asserts Kite's error envelope with this status and error type.
    pub fn assert_error(&self, status: u16, error_type: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.body["status"], "error", "{}", self.text);
        assert_eq!(self.body["error_type"], error_type, "{}", self.text);
        assert!(self.body["message"].is_string(), "{}", self.text);
    }
}

/// A Kite REST caller with one account's credentials.
#[derive(Clone)]
pub struct Kite {
    pub http: reqwest::Client,
    pub base: String,
    pub authorization: Option<String>,
}

impl Kite {
    pub fn new(sim: &RunningSim, api_key: &str, access_token: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            base: sim.base_url.clone(),
            authorization: Some(format!("token {api_key}:{access_token}")),
        }
    }

    pub fn default_account(sim: &RunningSim) -> Self {
        Self::new(sim, "sim_key", "sim_token")
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-Kite-Version", "3");
        if let Some(a) = &self.authorization {
            r = r.header("Authorization", a);
        }
        r
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::read(
            self.request(reqwest::Method::GET, path)
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        Reply::read(
            self.request(reqwest::Method::POST, path)
                .form(form)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        Reply::read(
            self.request(reqwest::Method::DELETE, path)
                .send()
                .await
                .expect("DELETE"),
        )
        .await
    }

    pub async fn place(&self, form: &[(&str, &str)]) -> Reply {
        self.post_form("/orders/regular", form).await
    }

    /// Places and returns the order id, asserting success.
    pub async fn place_ok(&self, form: &[(&str, &str)]) -> String {
        let reply = self.place(form).await;
        reply.data()["order_id"]
            .as_str()
            .expect("an order id")
            .to_owned()
    }

    /// The order's history, oldest first.
    pub async fn history(&self, order_id: &str) -> Vec<Value> {
        self.get(&format!("/orders/{order_id}"))
            .await
            .data()
            .as_array()
            .expect("a list")
            .clone()
    }

    /// The order as it stands now.
    pub async fn order(&self, order_id: &str) -> Value {
        self.history(order_id)
            .await
            .pop()
            .expect("at least one state")
    }

    pub async fn statuses(&self, order_id: &str) -> Vec<String> {
        self.history(order_id)
            .await
            .iter()
            .map(|o| o["status"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// A market order form with automatic market protection.
pub fn market(
    symbol: &'static str,
    side: &'static str,
    quantity: &'static str,
) -> Vec<(&'static str, &'static str)> {
    vec![
        ("tradingsymbol", symbol),
        ("exchange", "NSE"),
        ("transaction_type", side),
        ("order_type", "MARKET"),
        ("quantity", quantity),
        ("product", "MIS"),
        ("validity", "DAY"),
        ("market_protection", "-1"),
    ]
}

/// An order form of any type (no market protection unless added).
pub fn order(
    symbol: &'static str,
    side: &'static str,
    order_type: &'static str,
    price: &'static str,
    trigger_price: &'static str,
) -> Vec<(&'static str, &'static str)> {
    let mut f = vec![
        ("tradingsymbol", symbol),
        ("exchange", "NSE"),
        ("transaction_type", side),
        ("order_type", order_type),
        ("quantity", "3"),
        ("product", "CNC"),
        ("validity", "DAY"),
    ];
    if !price.is_empty() {
        f.push(("price", price));
    }
    if !trigger_price.is_empty() {
        f.push(("trigger_price", trigger_price));
    }
    f
}

/// The control API: POST `body` (JSON) to `path`, asserting success; returns `data`.
pub async fn control(sim: &RunningSim, path: &str, body: Value) -> Value {
    let reply = control_reply(sim, path, body).await;
    reply.data().clone()
}

pub async fn control_reply(sim: &RunningSim, path: &str, body: Value) -> Reply {
    Reply::read(
        reqwest::Client::new()
            .post(format!("{}{path}", sim.base_url))
            .json(&body)
            .send()
            .await
            .expect("control call"),
    )
    .await
}

pub async fn set_price(sim: &RunningSim, symbol: &str, price: Value) {
    control(
        sim,
        "/_sim/price",
        serde_json::json!({ "symbol": symbol, "price": price }),
    )
    .await;
}

/// `GET /_sim/orders`.
pub async fn sim_orders(sim: &RunningSim) -> Vec<Value> {
    let reply = Reply::read(
        reqwest::get(format!("{}/_sim/orders", sim.base_url))
            .await
            .expect("sim orders"),
    )
    .await;
    reply.data().as_array().expect("a list").clone()
}

/// How many requests the simulator refused for their access token (`GET /_sim/tokens`).
pub async fn refused_tokens(sim: &RunningSim) -> u64 {
    let reply = Reply::read(
        reqwest::get(format!("{}/_sim/tokens", sim.base_url))
            .await
            .expect("sim tokens"),
    )
    .await;
    reply.data()["refused"].as_u64().expect("a count")
}

/// Calls `check` until it returns `Some`, or fails after [`DEADLINE`] with `what`.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let until = Instant::now() + DEADLINE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A ticker connection with these credentials.
pub async fn connect(sim: &RunningSim, api_key: &str, access_token: &str) -> Socket {
    let url = format!(
        "{}?api_key={api_key}&access_token={access_token}",
        sim.ws_url
    );
    tokio_tungstenite::connect_async(url)
        .await
        .expect("the ticker accepts live credentials")
        .0
}

/// The next message, or a failure after [`DEADLINE`].
pub async fn next_message(ws: &mut Socket) -> Message {
    match tokio::time::timeout(DEADLINE, ws.next()).await {
        Ok(Some(Ok(m))) => m,
        other => panic!("no message from the ticker: {other:?}"),
    }
}

/// What the ticker sent, classified.
#[derive(Debug)]
pub enum Received {
    Heartbeat,
    /// Decoded ticks and each packet's length.
    Ticks(Vec<Tick>, Vec<usize>),
    Text(Value),
}

/// Packet lengths of a frame (`u16` count, then `u16` length + packet each).
fn packet_lengths(frame: &[u8]) -> Vec<usize> {
    let mut lengths = Vec::new();
    let mut at = 2;
    while at + 2 <= frame.len() {
        let len = usize::from(u16::from_be_bytes([frame[at], frame[at + 1]]));
        lengths.push(len);
        at += 2 + len;
    }
    lengths
}

pub async fn receive(ws: &mut Socket) -> Received {
    loop {
        match next_message(ws).await {
            Message::Binary(b) => {
                return match decode_frame(&b).expect("a valid frame") {
                    Frame::Heartbeat => Received::Heartbeat,
                    Frame::Ticks(ticks) => Received::Ticks(ticks, packet_lengths(&b)),
                }
            }
            Message::Text(t) => {
                return Received::Text(serde_json::from_str(t.as_str()).expect("JSON text"))
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected message {other:?}"),
        }
    }
}

/// The next tick frame, skipping heartbeats and text.
pub async fn next_ticks(ws: &mut Socket) -> (Vec<Tick>, Vec<usize>) {
    loop {
        if let Received::Ticks(t, l) = receive(ws).await {
            return (t, l);
        }
    }
}

/// Skips messages until a tick frame with `token` at `paise` arrives; returns that tick and
/// its packet length.
pub async fn tick_at(ws: &mut Socket, token: u32, paise: i64) -> (Tick, usize) {
    loop {
        let (ticks, lengths) = next_ticks(ws).await;
        if let Some((t, l)) = ticks
            .into_iter()
            .zip(lengths)
            .find(|(t, _)| t.instrument_token == token && t.last_price == paise)
        {
            return (t, l);
        }
    }
}

/// Skips messages until an order update for `order_id` with `status` arrives; returns its data.
/// Fails after [`DEADLINE`] (heartbeats alone would keep it waiting for ever).
pub async fn order_update(ws: &mut Socket, order_id: &str, status: &str) -> Value {
    let wait = async {
        loop {
            if let Received::Text(v) = receive(ws).await {
                if v["type"] == "order"
                    && v["data"]["order_id"] == order_id
                    && v["data"]["status"] == status
                {
                    return v["data"].clone();
                }
            }
        }
    };
    tokio::time::timeout(DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("no {status} update for order {order_id}"))
}

/// Counts `n` heartbeats, returning everything else that arrived meanwhile.
pub async fn during_heartbeats(ws: &mut Socket, n: usize) -> Vec<Received> {
    let mut beats = 0;
    let mut other = Vec::new();
    while beats < n {
        match receive(ws).await {
            Received::Heartbeat => beats += 1,
            r => other.push(r),
        }
    }
    other
}

/// The Kite REST client (crates/kite) for the default account, as the executor builds it.
pub fn kite_client(sim: &RunningSim) -> algo_kite::KiteClient {
    algo_kite::KiteHttp::new(&sim.base_url, Duration::from_secs(5))
        .expect("a client for the simulator")
        .client("sim_key", algo_kite::Secret::new("sim_token"))
}

/// A MARKET order for the Kite client, with automatic market protection.
pub fn market_request(
    symbol: &str,
    side: algo_kite::TransactionType,
    quantity: u32,
) -> algo_kite::OrderRequest {
    algo_kite::OrderRequest {
        tradingsymbol: symbol.into(),
        exchange: "NSE".into(),
        transaction_type: side,
        order_type: algo_kite::OrderType::Market,
        quantity,
        product: "MIS".into(),
        validity: "DAY".into(),
        price_paise: None,
        trigger_price_paise: None,
        tag: None,
        market_protection: algo_kite::MarketProtection::Automatic,
        algo_id: None,
    }
}
