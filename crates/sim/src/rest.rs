//! Kite Connect's REST endpoints, with Kite's envelope, status codes and error types.
//!
//! Authenticated calls carry `Authorization: token api_key:access_token` (and
//! `X-Kite-Version: 3`); a missing, unknown or expired token answers 403 `TokenException`.

use std::collections::HashMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::accounts::Account;
use crate::envelope::{ok, KiteError};
use crate::exchange::Exchange;
use crate::money::Rupees;
use crate::orders::{kite_time, Order, OrderRequest};
use crate::positions::KitePositions;
use crate::router::AppState;

/// When the request arrived. Put it first among a handler's arguments: extractors run in
/// order, so it is read before the body is.
pub struct ReceivedAt(pub DateTime<Utc>);

impl FromRequestParts<AppState> for ReceivedAt {
    type Rejection = KiteError;

    async fn from_request_parts(_: &mut Parts, app: &AppState) -> Result<Self, KiteError> {
        Ok(Self(app.exchange.now()))
    }
}

/// The account of a request's `Authorization` header, or Kite's 403.
pub struct Authed(pub Account);

impl FromRequestParts<AppState> for Authed {
    type Rejection = KiteError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, KiteError> {
        if let Some(version) = parts.headers.get("X-Kite-Version") {
            if version.as_bytes() != b"3" {
                return Err(KiteError::input("Invalid `X-Kite-Version`. Use 3."));
            }
        }
        let (api_key, access_token) = credentials(&parts.headers).ok_or_else(KiteError::token)?;
        app.exchange
            .authenticate(api_key, access_token)
            .map(Authed)
            .ok_or_else(KiteError::token)
    }
}

/// `token api_key:access_token`.
fn credentials(headers: &HeaderMap) -> Option<(&str, &str)> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("token ")?
        .split_once(':')
}

type FormFields = Result<Form<HashMap<String, String>>, FormRejection>;

fn fields(form: FormFields) -> Result<HashMap<String, String>, KiteError> {
    form.map(|Form(f)| f)
        .map_err(|e| KiteError::input(format!("Invalid form body: {}", e.body_text())))
}

#[derive(Serialize)]
struct Profile<'a> {
    user_id: &'a str,
    user_type: &'static str,
    email: String,
    user_name: &'a str,
    user_shortname: &'a str,
    broker: &'static str,
    exchanges: [&'static str; 1],
    products: [&'static str; 3],
    order_types: [&'static str; 4],
    avatar_url: Option<&'static str>,
    meta: Meta,
}

#[derive(Serialize)]
struct Meta {
    demat_consent: &'static str,
}

impl<'a> Profile<'a> {
    fn of(a: &'a Account) -> Self {
        Self {
            user_id: &a.user_id,
            user_type: "individual",
            email: format!("{}@sim.invalid", a.user_id.to_lowercase()),
            user_name: &a.user_name,
            user_shortname: a.user_name.split(' ').next().unwrap_or_default(),
            broker: "ZERODHA",
            exchanges: ["NSE"],
            products: ["CNC", "NRML", "MIS"],
            order_types: ["MARKET", "LIMIT", "SL", "SL-M"],
            avatar_url: None,
            meta: Meta {
                demat_consent: "physical",
            },
        }
    }
}

/// `POST /session/token` data, as in Kite's `generate_session.json`.
#[derive(Serialize)]
struct Session<'a> {
    #[serde(flatten)]
    profile: Profile<'a>,
    api_key: &'a str,
    access_token: &'a str,
    public_token: String,
    enctoken: &'static str,
    refresh_token: &'static str,
    silo: &'static str,
    login_time: String,
}

/// `POST /session/token` (form `api_key`, `request_token`, `checksum`).
pub async fn session_token(
    State(app): State<AppState>,
    form: FormFields,
) -> Result<Response, KiteError> {
    let form = fields(form)?;
    let need = |k: &str| {
        form.get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| KiteError::input(format!("Missing `{k}`.")))
    };
    let (account, access_token) =
        app.exchange
            .login(need("api_key")?, need("request_token")?, need("checksum")?)?;
    tracing::info!(user_id = %account.user_id, "session created");
    Ok(ok(Session {
        profile: Profile::of(&account),
        api_key: &account.api_key,
        access_token: &access_token,
        public_token: format!("pub{}", account.user_id.to_lowercase()),
        enctoken: "",
        refresh_token: "",
        silo: "",
        login_time: kite_time(app.exchange.now()),
    }))
}

/// `GET /user/profile`.
pub async fn profile(Authed(account): Authed) -> Response {
    ok(Profile::of(&account))
}

#[derive(Serialize)]
struct OrderIdBody<'a> {
    order_id: &'a str,
}

/// `POST /orders/{variety}`: only `regular` is simulated. Answers `{"order_id": …}` once the
/// order is booked; what happens to it next comes from order updates and `GET /orders`.
pub async fn place_order(
    ReceivedAt(received_at): ReceivedAt,
    State(app): State<AppState>,
    Authed(account): Authed,
    Path(variety): Path<String>,
    form: FormFields,
) -> Result<Response, KiteError> {
    app.exchange.check_order_rate(&account.api_key)?;
    if variety != "regular" {
        return Err(KiteError::input(format!(
            "Invalid `variety`: the simulator places `regular` orders only, not `{variety}`."
        )));
    }
    let request = OrderRequest::parse(&fields(form)?, app.exchange.instruments())?;
    let placed = app.exchange.place(&account, request, received_at)?;
    if let Some(hold) = placed.hold {
        tracing::info!(order_id = %placed.order_id, hold_ms = hold.as_millis() as u64, "holding the answer (timeout fault)");
        tokio::select! {
            _ = tokio::time::sleep(hold) => {}
            _ = app.stop.cancelled() => {}
        }
    }
    Ok(ok(OrderIdBody {
        order_id: &placed.order_id,
    }))
}

fn kite_orders(orders: &[Order]) -> Response {
    ok(orders.iter().map(Order::kite).collect::<Vec<_>>())
}

/// Meets the next lookup fault: answers its error, or holds the answer for its delay.
async fn lookup_fault(app: &AppState) -> Result<(), KiteError> {
    if let Some(hold) = app.exchange.lookup_fault()? {
        tracing::info!(
            hold_ms = hold.as_millis() as u64,
            "holding a lookup answer (orders_timeout fault)"
        );
        tokio::select! {
            _ = tokio::time::sleep(hold) => {}
            _ = app.stop.cancelled() => {}
        }
    }
    Ok(())
}

/// `GET /orders`: the account's orders today, oldest first.
pub async fn orders(
    State(app): State<AppState>,
    Authed(account): Authed,
) -> Result<Response, KiteError> {
    lookup_fault(&app).await?;
    Ok(kite_orders(&app.exchange.orders_of(&account.api_key)))
}

/// `GET /orders/{order_id}`: every status the order has been in, oldest first.
pub async fn order_history(
    State(app): State<AppState>,
    Authed(account): Authed,
    Path(order_id): Path<String>,
) -> Result<Response, KiteError> {
    lookup_fault(&app).await?;
    app.exchange
        .history(&account.api_key, &order_id)
        .map(|h| kite_orders(&h))
        .ok_or_else(|| KiteError::input("Couldn't find that `order_id`."))
}

/// `PUT /orders/{variety}/{order_id}` (form: any of `quantity`, `price`, `trigger_price`,
/// `order_type`, `validity`, `market_protection`): modifies a working order; answers
/// `{"order_id": …}`. Counts against the order rate limits, as Kite's does.
pub async fn modify_order(
    State(app): State<AppState>,
    Authed(account): Authed,
    Path((variety, order_id)): Path<(String, String)>,
    form: FormFields,
) -> Result<Response, KiteError> {
    app.exchange.check_order_rate(&account.api_key)?;
    if variety != "regular" {
        return Err(KiteError::input("Invalid `variety`."));
    }
    app.exchange.modify(&account, &order_id, &fields(form)?)?;
    Ok(ok(OrderIdBody {
        order_id: &order_id,
    }))
}

/// `DELETE /orders/{variety}/{order_id}`.
pub async fn cancel_order(
    State(app): State<AppState>,
    Authed(account): Authed,
    Path((variety, order_id)): Path<(String, String)>,
) -> Result<Response, KiteError> {
    if variety != "regular" {
        return Err(KiteError::input("Invalid `variety`."));
    }
    app.exchange.cancel(&account, &order_id)?;
    Ok(ok(OrderIdBody {
        order_id: &order_id,
    }))
}

/// `GET /portfolio/positions`: `{"net":[…],"day":[…]}` from the account's fills (see
/// [`crate::positions`]), whoever placed the orders.
pub async fn positions(
    State(app): State<AppState>,
    Authed(account): Authed,
) -> Result<Response, KiteError> {
    Ok(ok(positions_data(&app.exchange, &account)?))
}

/// The data of `GET /portfolio/positions` for `account`, as Kite spells it.
pub(crate) fn positions_data(
    exchange: &Exchange,
    account: &Account,
) -> Result<serde_json::Value, KiteError> {
    let positions = exchange.positions(&account.api_key).ok_or_else(|| {
        tracing::error!(user_id = %account.user_id, "position sums overflow");
        KiteError::server()
    })?;
    let net = positions
        .iter()
        .map(|(p, last, close)| p.kite(*last, *close))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(KiteError::server)?;
    // Every fill is today's: the day list is the net list.
    let day = net.clone();
    serde_json::to_value(KitePositions { net, day }).map_err(|_| KiteError::server())
}

fn csv_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/csv")], body).into_response()
}

/// `GET /instruments`: the whole dump. Public, as Kite's is (unless a fault refuses it).
pub async fn instruments_all(State(app): State<AppState>) -> Result<Response, KiteError> {
    app.exchange.instruments_fault()?;
    Ok(csv_response(app.exchange.instruments().csv(None)))
}

/// `GET /instruments/{exchange}`.
pub async fn instruments_of(
    State(app): State<AppState>,
    Path(exchange): Path<String>,
) -> Result<Response, KiteError> {
    app.exchange.instruments_fault()?;
    Ok(csv_response(
        app.exchange.instruments().csv(Some(&exchange)),
    ))
}

#[derive(Serialize)]
struct Ltp {
    instrument_token: u32,
    last_price: Rupees,
}

/// At most this many instruments per quote call, as Kite's `ltp` allows.
const MAX_LTP_INSTRUMENTS: usize = 1000;

/// `GET /quote/ltp?i=NSE:TCS&i=…`: keyed by the names asked for; `EXCHANGE:SYMBOL` or an
/// instrument token. Unknown instruments are left out.
pub async fn ltp(
    State(app): State<AppState>,
    _auth: Authed,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, KiteError> {
    let names: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "i")
        .map(|(_, v)| v.as_str())
        .collect();
    if names.len() > MAX_LTP_INSTRUMENTS {
        return Err(KiteError::input(format!(
            "Too many instruments: at most {MAX_LTP_INSTRUMENTS}."
        )));
    }
    let instruments = app.exchange.instruments();
    let mut data = std::collections::BTreeMap::new();
    for name in names {
        let instrument = match name.parse::<u32>() {
            Ok(token) => instruments.by_token(token),
            Err(_) => name
                .split_once(':')
                .and_then(|(exchange, symbol)| instruments.get(exchange, symbol)),
        };
        let Some(quote) = instrument.and_then(|i| app.exchange.quote(i.token)) else {
            continue;
        };
        data.insert(
            name,
            Ltp {
                instrument_token: quote.token,
                last_price: Rupees(quote.last),
            },
        );
    }
    Ok(ok(data))
}
