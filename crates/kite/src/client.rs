//! The Kite Connect REST client.
//!
//! [`KiteHttp`] is built once per process (one connection pool, one rate limiter per api_key,
//! and the [`OrderPacer`] its orders wait for); [`KiteClient`] is one user's credentials on top
//! of it, cheap to make per request.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;

use crate::armed::{ArmedOrder, Endpoint};
use crate::error::{ErrorEnvelope, KiteError};
use crate::instruments::Instruments;
use crate::pacer::{LocalPacer, OrderPacer};
use crate::postback::session_checksum;
use crate::rate_limit::RateLimiter;
use crate::types::{
    Envelope, Ltp, ModifyRequest, Order, OrderId, OrderRequest, Positions, Profile, Session,
};

/// Kite's production REST root.
pub const KITE_API_URL: &str = "https://api.kite.trade";

/// A secret string whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is sent to the broker.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The shared HTTP side: base URL, timeout, connection pool and rate limiters.
#[derive(Clone)]
pub struct KiteHttp {
    http: reqwest::Client,
    base_url: String,
    endpoint: Arc<Endpoint>,
    timeout: Duration,
    /// Every order (placed, armed, modified, cancelled) waits for it.
    orders: Arc<dyn OrderPacer>,
    /// The other endpoints' limiter of each api_key.
    limiters: Arc<Mutex<HashMap<String, Arc<RateLimiter>>>>,
}

impl fmt::Debug for KiteHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KiteHttp")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl KiteHttp {
    /// A client for `base_url` (Kite's, or the simulator's) whose every request gives up after
    /// `timeout`.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, KiteError> {
        Self::build(base_url, timeout, None)
    }

    /// The same, trusting the PEM certificates in `pem` besides the public roots: a broker
    /// endpoint behind a private CA (a TLS-intercepting proxy, a test server).
    pub fn with_root_certificates(
        base_url: &str,
        timeout: Duration,
        pem: &[u8],
    ) -> Result<Self, KiteError> {
        Self::build(base_url, timeout, Some(pem))
    }

    fn build(base_url: &str, timeout: Duration, pem: Option<&[u8]>) -> Result<Self, KiteError> {
        let bad = |message: String| KiteError::Protocol { status: 0, message };
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true);
        let mut endpoint = Endpoint::parse(base_url)?;
        if let Some(pem) = pem {
            let roots = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| bad(format!("root certificates: {e}")))?;
            for root in roots {
                builder = builder.add_root_certificate(root);
            }
            endpoint = endpoint.trusting(pem)?;
        }
        let http = builder.build().map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            endpoint: Arc::new(endpoint),
            timeout,
            orders: Arc::new(LocalPacer::default()),
            limiters: Arc::default(),
        })
    }

    /// The same client with its orders paced by `pacer` instead of this process's own limiter
    /// per api_key: a pacer shared by every process that sends the same users' orders.
    pub fn with_order_pacer(mut self, pacer: Arc<dyn OrderPacer>) -> Self {
        self.orders = pacer;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// One user's client.
    pub fn client(&self, api_key: &str, access_token: Secret) -> KiteClient {
        let other = {
            let mut map = self
                .limiters
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            map.entry(api_key.to_owned())
                .or_insert_with(|| Arc::new(RateLimiter::other()))
                .clone()
        };
        KiteClient {
            http: self.clone(),
            api_key: api_key.to_owned(),
            access_token,
            other,
            paced_ahead: Arc::default(),
        }
    }

    /// `POST /session/token`: exchanges a login's `request_token` for an access token.
    pub async fn generate_session(
        &self,
        api_key: &str,
        request_token: &str,
        api_secret: &Secret,
    ) -> Result<Session, KiteError> {
        let form = [
            ("api_key", api_key.to_owned()),
            ("request_token", request_token.to_owned()),
            (
                "checksum",
                session_checksum(api_key, request_token, api_secret.expose()),
            ),
        ];
        let req = self
            .http
            .post(format!("{}/session/token", self.base_url))
            .header("X-Kite-Version", "3")
            .form(&form);
        send_json(req).await
    }
}

/// One user's Kite client.
#[derive(Clone)]
pub struct KiteClient {
    http: KiteHttp,
    api_key: String,
    access_token: Secret,
    other: Arc<RateLimiter>,
    /// When the next order's slot was taken ahead ([`KiteClient::pace_next_order`]).
    paced_ahead: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

/// How long a slot taken ahead stays the next order's: a slot is counted when it is taken,
/// so an order long after it must take its own.
const PACED_AHEAD_FOR: std::time::Duration = std::time::Duration::from_millis(100);

impl fmt::Debug for KiteClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KiteClient")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl KiteClient {
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .http
            .request(method, format!("{}{path}", self.http.base_url))
            .header("X-Kite-Version", "3")
            .header("Authorization", self.authorization())
    }

    /// Waits for this user's next order slot, unless one was taken for it just before.
    async fn pace_order(&self) {
        let ahead = self
            .paced_ahead
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if ahead.is_some_and(|at| at.elapsed() < PACED_AHEAD_FOR) {
            return;
        }
        self.http.orders.acquire(&self.api_key).await;
    }

    /// Takes the next order's slot now, for an order about to go while its other reads are
    /// still under way: the slot's round trip overlaps them. Used within [`PACED_AHEAD_FOR`],
    /// else the order paces as usual; unused, it spends one of the user's orders a second.
    pub async fn pace_next_order(&self) {
        self.http.orders.acquire(&self.api_key).await;
        *self.paced_ahead.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(std::time::Instant::now());
    }

    /// Kite's `Authorization` header value: `token api_key:access_token`.
    fn authorization(&self) -> String {
        format!("token {}:{}", self.api_key, self.access_token.expose())
    }

    /// `GET /user/profile`: also the cheapest way to check that the keys work.
    pub async fn profile(&self) -> Result<Profile, KiteError> {
        self.other.acquire().await;
        send_json(self.request(Method::GET, "/user/profile")).await
    }

    /// `POST /orders/regular`: the broker's order id. An id means *received*, not filled.
    pub async fn place_order(&self, order: &OrderRequest) -> Result<String, KiteError> {
        checked(order)?;
        self.pace_order().await;
        let id: OrderId = send_json(
            self.request(Method::POST, "/orders/regular")
                .form(&order.form()),
        )
        .await?;
        Ok(id.order_id)
    }

    /// The same order made ready to go: its own connection open and its request built, so
    /// [`ArmedOrder::send`] at the instant only writes it. See [`crate::armed`].
    pub async fn arm_order(&self, order: &OrderRequest) -> Result<ArmedOrder, KiteError> {
        checked(order)?;
        let endpoint = &self.http.endpoint;
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(order.form())
            .finish();
        let request = http::Request::post(format!("{}/orders/regular", endpoint.prefix()))
            .header(http::header::HOST, endpoint.authority())
            .header("X-Kite-Version", "3")
            .header(http::header::AUTHORIZATION, self.authorization())
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| KiteError::Rejected {
                status: 400,
                error_type: "InputException".into(),
                message: format!("the order cannot be sent: {e}"),
            })?;
        ArmedOrder::open(
            endpoint,
            request,
            (self.http.orders.clone(), self.api_key.clone()),
            self.http.timeout,
        )
        .await
    }

    /// `GET /orders`: today's orders.
    pub async fn orders(&self) -> Result<Vec<Order>, KiteError> {
        self.other.acquire().await;
        send_json(self.request(Method::GET, "/orders")).await
    }

    /// Today's order carrying `tag`, if any: how an ambiguous placement is resolved.
    pub async fn find_order_by_tag(&self, tag: &str) -> Result<Option<Order>, KiteError> {
        Ok(self
            .orders()
            .await?
            .into_iter()
            .find(|o| o.tag.as_deref() == Some(tag)))
    }

    /// `GET /orders/{order_id}`: the order's states, oldest first.
    pub async fn order_history(&self, order_id: &str) -> Result<Vec<Order>, KiteError> {
        self.other.acquire().await;
        send_json(self.request(Method::GET, &format!("/orders/{}", path_segment(order_id)?))).await
    }

    /// `PUT /orders/regular/{order_id}`: changes a working order; the broker's order id. Like
    /// a placement, an id means *received*: the new state comes from the order's history.
    pub async fn modify_order(
        &self,
        order_id: &str,
        change: &ModifyRequest,
    ) -> Result<String, KiteError> {
        self.pace_order().await;
        let id: OrderId = send_json(
            self.request(
                Method::PUT,
                &format!("/orders/regular/{}", path_segment(order_id)?),
            )
            .form(&change.form()),
        )
        .await?;
        Ok(id.order_id)
    }

    /// `DELETE /orders/regular/{order_id}`.
    pub async fn cancel_order(&self, order_id: &str) -> Result<String, KiteError> {
        self.pace_order().await;
        let id: OrderId = send_json(self.request(
            Method::DELETE,
            &format!("/orders/regular/{}", path_segment(order_id)?),
        ))
        .await?;
        Ok(id.order_id)
    }

    /// `GET /portfolio/positions`: the account's positions, `net` and `day`.
    pub async fn positions(&self) -> Result<Positions, KiteError> {
        self.other.acquire().await;
        send_json(self.request(Method::GET, "/portfolio/positions")).await
    }

    /// `GET /instruments/{exchange}`: the instrument dump (CSV).
    pub async fn instruments(&self, exchange: &str) -> Result<Instruments, KiteError> {
        self.other.acquire().await;
        let response = self
            .request(
                Method::GET,
                &format!("/instruments/{}", path_segment(exchange)?),
            )
            .send()
            .await
            .map_err(|e| KiteError::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| KiteError::from_reqwest(&e))?;
        if status != 200 {
            return Err(error_from_body(status, &body));
        }
        Instruments::from_csv(&body)
    }

    /// `GET /quote/ltp?i=NSE:TCS&…`: last prices keyed by `EXCHANGE:SYMBOL`.
    pub async fn ltp(&self, instruments: &[&str]) -> Result<HashMap<String, Ltp>, KiteError> {
        self.other.acquire().await;
        let query: Vec<(&str, &str)> = instruments.iter().map(|i| ("i", *i)).collect();
        send_json(self.request(Method::GET, "/quote/ltp").query(&query)).await
    }
}

fn path_segment(text: &str) -> Result<&str, KiteError> {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(text)
    } else {
        Err(KiteError::Rejected {
            status: 400,
            error_type: "InputException".into(),
            message: "invalid identifier".into(),
        })
    }
}

fn error_from_body(status: u16, body: &str) -> KiteError {
    match serde_json::from_str::<ErrorEnvelope>(body) {
        Ok(env) => KiteError::from_response(
            status,
            env.error_type.as_deref(),
            env.message.unwrap_or_else(|| format!("HTTP {status}")),
        ),
        Err(_) => KiteError::from_response(status, None, format!("HTTP {status}")),
    }
}

async fn send_json<T: DeserializeOwned>(req: RequestBuilder) -> Result<T, KiteError> {
    let response = req.send().await.map_err(|e| KiteError::from_reqwest(&e))?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| KiteError::from_reqwest(&e))?;
    parse_json(status, &body)
}

/// An order Kite would refuse, refused here as Kite would (400 `InputException`).
fn checked(order: &OrderRequest) -> Result<(), KiteError> {
    order.check().map_err(|message| KiteError::Rejected {
        status: 400,
        error_type: "InputException".into(),
        message,
    })
}

/// Kite's `{"status": "success", "data": …}` envelope, or the error it stands for.
pub(crate) fn parse_json<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, KiteError> {
    if !(200..300).contains(&status) {
        return Err(error_from_body(status, &String::from_utf8_lossy(body)));
    }
    let envelope: Envelope<T> = serde_json::from_slice(body).map_err(|e| KiteError::Protocol {
        status,
        message: format!("unreadable success body: {e}"),
    })?;
    if envelope.status != "success" {
        return Err(error_from_body(status, &String::from_utf8_lossy(body)));
    }
    Ok(envelope.data)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::pacer::OrderPacer;

    /// Counts the slots taken.
    #[derive(Debug, Default)]
    struct Counting(AtomicUsize);

    #[async_trait::async_trait]
    impl OrderPacer for Counting {
        async fn acquire(&self, _api_key: &str) -> Duration {
            self.0.fetch_add(1, Ordering::SeqCst);
            Duration::ZERO
        }
    }

    #[tokio::test]
    async fn a_slot_taken_ahead_paces_the_next_order_only_and_only_while_fresh() {
        let pacer = Arc::new(Counting::default());
        let http = KiteHttp::new("http://127.0.0.1:9", Duration::from_secs(1))
            .expect("client")
            .with_order_pacer(pacer.clone());
        let client = http.client("k", Secret::new("t"));
        let taken = || pacer.0.load(Ordering::SeqCst);
        client.pace_next_order().await;
        assert_eq!(taken(), 1);
        client.pace_order().await;
        assert_eq!(taken(), 1, "the order used the slot taken for it");
        client.pace_order().await;
        assert_eq!(taken(), 2, "the next one takes its own");
        client.pace_next_order().await;
        *client.paced_ahead.lock().expect("lock") =
            std::time::Instant::now().checked_sub(PACED_AHEAD_FOR * 2);
        client.pace_order().await;
        assert_eq!(taken(), 4, "a slot taken long before is not the order's");
    }
}
