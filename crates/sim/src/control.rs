//! The control API for tests and demos, JSON in and Kite's envelope out:
//!
//! - `POST /_sim/price {"symbol":"TCS"|"NSE:TCS","price":3500.05|"3500.05"}`: sets the last
//!   price, broadcasts a tick at once and runs fills.
//! - `GET /_sim/orders`: every order of every account, with `received_at` (RFC 3339,
//!   microseconds) and `received_at_us`.
//! - `POST /_sim/faults {"kind","count"?,"delay_ms"?}`: the next `count` requests of the kind's
//!   target fail that way. Placements: `http_429`, `http_500`, `token_exception`, `timeout`
//!   (answer held `delay_ms`, default 15 000), `reject` (`REJECTED` after `delay_ms`, default
//!   0, in `VALIDATION PENDING` meanwhile), `partial_cancel` (fills `filled_quantity`, default
//!   half, then `CANCELLED` by the exchange `delay_ms` later, default 0), `market_rests` (a
//!   `MARKET` order rests `OPEN` as a `LIMIT` 1% on the far side of the last price, as a
//!   protected market order does after a fast move). Order-book lookups (`GET /orders` and
//!   `GET /orders/{id}`, one queue for both): `orders_http_500`, `orders_http_429`,
//!   `orders_timeout` (answer held `delay_ms`, default 15 000). Instrument dumps (`GET
//!   /instruments…`): `instruments_token_exception`. Answers
//!   `{kind,count,delay_ms,filled_quantity?}`.
//! - `POST /_sim/accounts {api_key, api_secret, access_token, user_id?, user_name?,
//!   redirect_url?}`: adds or replaces an account; `redirect_url` is where its logins go.
//! - `POST /_sim/tokens/expire {"access_token"}` or `{"api_key"}`: that token, or every token
//!   of that account, answers `TokenException` from now on. Answers `{expired, tokens}`.
//! - `GET /_sim/tokens`: `{refused}`, how many requests (REST, ticker handshakes) were refused
//!   for an unknown or expired access token: a client retrying a dead token shows here.
//! - `GET /_sim/rate_limits`: `{refused}`, how many order requests (placements, modifications)
//!   were refused with 429 for Kite's order rate limit: a client over it shows here.
//! - `POST /_sim/disconnect`: drops every ticker connection.
//! - `POST /_sim/behaviour {"fill_delay_ms"?,"book_lag_ms"?}`: sets the behaviours named (the
//!   others stay); `GET /_sim/behaviour` reads them. Both answer `{fill_delay_ms,book_lag_ms}`.
//! - `POST /_sim/reset`: clears orders, behaviours, faults, expired tokens and the counters;
//!   restores start prices.

use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::accounts::Account;
use crate::behaviour::Behaviour;
use crate::envelope::{ok, KiteError};
use crate::faults::{Fault, FaultKind};
use crate::money::{parse_paise, Rupees};
use crate::orders::Order;
use crate::router::AppState;

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, KiteError> {
    json.map(|Json(b)| b)
        .map_err(|e| KiteError::input(e.body_text()))
}

#[derive(Deserialize)]
pub struct PriceRequest {
    symbol: String,
    /// Kept as the JSON text itself, so `3500.05` is read as written, not through an f64.
    price: Box<RawValue>,
}

#[derive(Serialize)]
struct PriceSet<'a> {
    symbol: &'a str,
    instrument_token: u32,
    price: Rupees,
    broadcast_at_us: i64,
}

/// `POST /_sim/price`.
pub async fn price(
    State(app): State<AppState>,
    json: Result<Json<PriceRequest>, JsonRejection>,
) -> Result<Response, KiteError> {
    let req = body(json)?;
    let instrument = app
        .exchange
        .instruments()
        .find(&req.symbol)
        .ok_or_else(|| KiteError::input(format!("Unknown `symbol` {:?}.", req.symbol)))?;
    let text = req.price.get();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let paise = parse_paise(text).filter(|p| *p > 0).ok_or_else(|| {
        KiteError::input("`price` must be a positive amount with at most 2 decimals.")
    })?;
    let quote = app
        .exchange
        .set_price(instrument.token, paise)
        .ok_or_else(|| KiteError::input("`price` was not accepted."))?;
    let broadcast_at_us = app.exchange.now().timestamp_micros();
    tracing::info!(symbol = %instrument.symbol, paise, "price set");
    Ok(ok(PriceSet {
        symbol: &instrument.symbol,
        instrument_token: instrument.token,
        price: Rupees(quote.last),
        broadcast_at_us,
    }))
}

/// `GET /_sim/orders`.
pub async fn orders(State(app): State<AppState>) -> Response {
    let orders = app.exchange.all_orders();
    ok(orders.iter().map(Order::control).collect::<Vec<_>>())
}

/// The longest a fault may wait.
const MAX_DELAY: Duration = Duration::from_secs(600);

#[derive(Deserialize)]
pub struct FaultRequest {
    kind: String,
    count: Option<u32>,
    delay_ms: Option<u64>,
    filled_quantity: Option<u32>,
}

#[derive(Serialize)]
struct FaultsQueued<'a> {
    kind: &'a str,
    count: usize,
    delay_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    filled_quantity: Option<u32>,
}

/// `POST /_sim/faults`.
pub async fn faults(
    State(app): State<AppState>,
    json: Result<Json<FaultRequest>, JsonRejection>,
) -> Result<Response, KiteError> {
    let req = body(json)?;
    let kind = FaultKind::parse(&req.kind).ok_or_else(|| {
        let kinds: Vec<&str> = FaultKind::ALL.iter().map(|k| k.as_str()).collect();
        KiteError::input(format!("`kind` must be one of {}.", kinds.join(", ")))
    })?;
    let delay = req
        .delay_ms
        .map(|ms| Duration::from_millis(ms).min(MAX_DELAY))
        .unwrap_or_else(|| kind.default_delay());
    let filled_quantity = req
        .filled_quantity
        .filter(|_| kind == FaultKind::PartialCancel);
    let fault = Fault {
        kind,
        delay,
        filled_quantity,
    };
    let count = app
        .exchange
        .inject_fault(fault, req.count.unwrap_or(1) as usize);
    Ok(ok(FaultsQueued {
        kind: kind.as_str(),
        count,
        delay_ms: delay.as_millis() as u64,
        filled_quantity,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BehaviourRequest {
    fill_delay_ms: Option<u64>,
    book_lag_ms: Option<u64>,
}

#[derive(Serialize)]
struct BehaviourBody {
    fill_delay_ms: u64,
    book_lag_ms: u64,
}

impl From<Behaviour> for BehaviourBody {
    fn from(b: Behaviour) -> Self {
        Self {
            fill_delay_ms: b.fill_delay.as_millis() as u64,
            book_lag_ms: b.book_lag.as_millis() as u64,
        }
    }
}

/// `POST /_sim/behaviour`: changes the behaviours named in the body.
pub async fn set_behaviour(
    State(app): State<AppState>,
    json: Result<Json<BehaviourRequest>, JsonRejection>,
) -> Result<Response, KiteError> {
    let req = body(json)?;
    let ms = |v: u64| Duration::from_millis(v).min(Behaviour::MAX_DELAY);
    let behaviour = app.exchange.update_behaviour(|b| {
        if let Some(v) = req.fill_delay_ms {
            b.fill_delay = ms(v);
        }
        if let Some(v) = req.book_lag_ms {
            b.book_lag = ms(v);
        }
    });
    Ok(ok(BehaviourBody::from(behaviour)))
}

/// `GET /_sim/behaviour`.
pub async fn behaviour(State(app): State<AppState>) -> Response {
    ok(BehaviourBody::from(app.exchange.behaviour()))
}

#[derive(Deserialize)]
pub struct AccountRequest {
    api_key: String,
    api_secret: String,
    access_token: String,
    user_id: Option<String>,
    user_name: Option<String>,
    /// Where the login page sends the browser (the app's registered redirect URL).
    redirect_url: Option<String>,
}

#[derive(Serialize)]
struct AccountAdded<'a> {
    api_key: &'a str,
    user_id: &'a str,
}

/// `POST /_sim/accounts`: adds (or replaces) an account. Without a `user_id` one is derived
/// from the api_key.
pub async fn accounts(
    State(app): State<AppState>,
    json: Result<Json<AccountRequest>, JsonRejection>,
) -> Result<Response, KiteError> {
    let req = body(json)?;
    for (name, value) in [
        ("api_key", &req.api_key),
        ("api_secret", &req.api_secret),
        ("access_token", &req.access_token),
    ] {
        if value.is_empty() {
            return Err(KiteError::input(format!("Missing `{name}`.")));
        }
    }
    let user_id = req
        .user_id
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| format!("SIM{}", req.api_key.to_uppercase()));
    let account = Account {
        user_name: req.user_name.unwrap_or_else(|| format!("Sim {user_id}")),
        user_id,
        api_key: req.api_key,
        api_secret: req.api_secret,
        access_token: req.access_token,
        redirect_url: req.redirect_url.filter(|u| !u.is_empty()),
    };
    let reply = ok(AccountAdded {
        api_key: &account.api_key,
        user_id: &account.user_id,
    });
    app.exchange.add_account(account);
    Ok(reply)
}

#[derive(Deserialize)]
pub struct ExpireRequest {
    /// One token; or
    access_token: Option<String>,
    /// every token of one account (its standing one and each login's).
    api_key: Option<String>,
}

#[derive(Serialize)]
struct Expired {
    expired: bool,
    tokens: usize,
}

#[derive(Serialize)]
struct Tokens {
    refused: u64,
}

/// `GET /_sim/tokens`.
pub async fn tokens(State(app): State<AppState>) -> Response {
    ok(Tokens {
        refused: app.exchange.refused_tokens(),
    })
}

#[derive(Serialize)]
struct RateLimits {
    refused: u64,
}

/// `GET /_sim/rate_limits`.
pub async fn rate_limits(State(app): State<AppState>) -> Response {
    ok(RateLimits {
        refused: app.exchange.rate_limited(),
    })
}

/// `POST /_sim/tokens/expire`.
pub async fn expire(
    State(app): State<AppState>,
    json: Result<Json<ExpireRequest>, JsonRejection>,
) -> Result<Response, KiteError> {
    let req = body(json)?;
    let tokens =
        match (
            req.access_token.filter(|t| !t.is_empty()),
            req.api_key.filter(|k| !k.is_empty()),
        ) {
            (Some(token), None) => {
                app.exchange.expire_token(&token);
                1
            }
            (None, Some(api_key)) => app.exchange.expire_account(&api_key),
            _ => return Err(KiteError::input(
                "Give one of `access_token` (one token) or `api_key` (every token of the account).",
            )),
        };
    tracing::info!(tokens, "access tokens expired");
    Ok(ok(Expired {
        expired: true,
        tokens,
    }))
}

#[derive(Serialize)]
struct Dropped {
    dropped: usize,
}

/// `POST /_sim/disconnect`.
pub async fn disconnect(State(app): State<AppState>) -> Response {
    ok(Dropped {
        dropped: app.exchange.disconnect_all(),
    })
}

#[derive(Serialize)]
struct Reset {
    reset: bool,
}

/// `POST /_sim/reset`.
pub async fn reset(State(app): State<AppState>) -> Response {
    app.exchange.reset();
    ok(Reset { reset: true })
}
