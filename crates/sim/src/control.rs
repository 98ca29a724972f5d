//! The control API for tests and demos (`/_sim/…`): set prices, inject faults, add accounts,
//! expire tokens, drop connections, list every order with its receive time, reset.

use std::sync::Arc;
use std::time::Duration;

use algo_kite::types::Decimal;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};

use crate::envelope::{ok, KiteError};
use crate::exchange::{Account, Exchange, Fault, FaultKind};

type Ex = State<Arc<Exchange>>;

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(|x| x.as_str()).map(str::to_owned)
}

/// `POST /_sim/price {"symbol": "TCS" | "NSE:TCS", "price": 3500.05 | "3500.05"}`.
pub async fn price(State(ex): Ex, Json(body): Json<Value>) -> Result<Response, KiteError> {
    let symbol = text(&body, "symbol").ok_or_else(|| KiteError::input("Missing `symbol`"))?;
    let instrument = ex
        .instruments
        .find(&symbol)
        .cloned()
        .ok_or_else(|| KiteError::input("Unknown `symbol`"))?;
    let price = match &body["price"] {
        Value::Number(n) => Decimal::from_text(n.to_string()).paise(),
        Value::String(s) => Decimal::from_text(s.clone()).paise(),
        _ => None,
    }
    .filter(|p| *p > 0)
    .ok_or_else(|| KiteError::input("`price` must be a positive amount with at most 2 decimals"))?;
    let broadcast_at = Utc::now();
    ex.set_price(instrument.token, price);
    Ok(ok(json!({
        "symbol": instrument.symbol,
        "instrument_token": instrument.token,
        "price": price as f64 / 100.0,
        "broadcast_at_us": broadcast_at.timestamp_micros(),
    })))
}

/// `GET /_sim/orders`.
pub async fn orders(State(ex): Ex) -> Response {
    ok(Value::Array(ex.all_orders()))
}

/// `POST /_sim/faults {"kind", "count", "delay_ms"?}`.
pub async fn faults(State(ex): Ex, Json(body): Json<Value>) -> Result<Response, KiteError> {
    let kind = text(&body, "kind")
        .and_then(|k| FaultKind::parse(&k))
        .ok_or_else(|| {
            KiteError::input(
                "`kind` must be http_429, http_500, timeout, token_exception or reject",
            )
        })?;
    let count = body["count"].as_u64().unwrap_or(1).min(10_000) as u32;
    let delay = Duration::from_millis(body["delay_ms"].as_u64().unwrap_or(15_000));
    ex.add_fault(Fault { kind, delay }, count);
    Ok(ok(json!({ "kind": text(&body, "kind"), "count": count })))
}

/// `POST /_sim/accounts {api_key, api_secret, access_token, user_id?, user_name?}`.
pub async fn accounts(State(ex): Ex, Json(body): Json<Value>) -> Result<Response, KiteError> {
    let need = |k: &str| {
        text(&body, k)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| KiteError::input(format!("Missing `{k}`")))
    };
    let account = Account {
        api_key: need("api_key")?,
        api_secret: need("api_secret")?,
        access_token: need("access_token")?,
        user_id: text(&body, "user_id").unwrap_or_else(|| "SIM002".into()),
        user_name: text(&body, "user_name").unwrap_or_else(|| "Sim Trader".into()),
    };
    let reply = json!({ "api_key": account.api_key, "user_id": account.user_id });
    ex.add_account(account);
    Ok(ok(reply))
}

/// `POST /_sim/tokens/expire {"access_token"}`.
pub async fn expire(State(ex): Ex, Json(body): Json<Value>) -> Result<Response, KiteError> {
    let token =
        text(&body, "access_token").ok_or_else(|| KiteError::input("Missing `access_token`"))?;
    ex.expire_token(&token);
    Ok(ok(json!({ "expired": true })))
}

/// `POST /_sim/disconnect`: drops every ticker connection.
pub async fn disconnect(State(ex): Ex) -> Response {
    let dropped = ex.kill.send(()).unwrap_or(0);
    ok(json!({ "dropped": dropped }))
}

/// `POST /_sim/reset`.
pub async fn reset(State(ex): Ex) -> Response {
    ex.reset();
    ok(json!({ "reset": true }))
}
