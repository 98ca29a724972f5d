//! Kite Connect's REST endpoints, with Kite's envelope, status codes and error types.

use std::collections::HashMap;
use std::sync::Arc;

use algo_kite::types::Decimal;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::envelope::{ok, KiteError};
use crate::exchange::{Account, Exchange, NewOrder, Placed};

type Ex = State<Arc<Exchange>>;

/// The account of `Authorization: token api_key:access_token`, or Kite's 403.
fn auth(ex: &Exchange, headers: &HeaderMap) -> Result<Account, KiteError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(KiteError::token)?;
    let creds = value.strip_prefix("token ").ok_or_else(KiteError::token)?;
    let (api_key, token) = creds.split_once(':').ok_or_else(KiteError::token)?;
    ex.authenticate(api_key, token).ok_or_else(KiteError::token)
}

fn profile_json(a: &Account) -> Value {
    json!({
        "user_id": a.user_id,
        "user_type": "individual",
        "email": format!("{}@sim.example", a.user_id.to_lowercase()),
        "user_name": a.user_name,
        "user_shortname": a.user_name.split(' ').next().unwrap_or(""),
        "broker": "ZERODHA",
        "exchanges": ["NSE", "BSE"],
        "products": ["CNC", "NRML", "MIS"],
        "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
        "avatar_url": null,
        "meta": { "demat_consent": "physical" }
    })
}

/// `POST /session/token`.
pub async fn session_token(
    State(ex): Ex,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, KiteError> {
    let field = |k: &str| {
        form.get(k)
            .cloned()
            .ok_or_else(|| KiteError::input(format!("Missing `{k}`")))
    };
    let (api_key, request_token, checksum) = (
        field("api_key")?,
        field("request_token")?,
        field("checksum")?,
    );
    let account = ex.account(&api_key).ok_or_else(KiteError::token)?;
    let expected = hex::encode(Sha256::digest(
        format!("{api_key}{request_token}{}", account.api_secret).as_bytes(),
    ));
    if expected != checksum.to_ascii_lowercase() {
        return Err(KiteError {
            status: StatusCode::FORBIDDEN,
            error_type: "TokenException",
            message: "Invalid `checksum`.".into(),
        });
    }
    let mut data = profile_json(&account);
    data["api_key"] = json!(account.api_key);
    data["access_token"] = json!(account.access_token);
    data["public_token"] = json!(format!("pub_{}", account.user_id));
    data["enctoken"] = json!("");
    data["refresh_token"] = json!("");
    data["silo"] = json!("");
    data["login_time"] = json!(Utc::now().format("%Y-%m-%d %H:%M:%S").to_string());
    Ok(ok(data))
}

/// `GET /user/profile`.
pub async fn profile(State(ex): Ex, headers: HeaderMap) -> Result<Response, KiteError> {
    Ok(ok(profile_json(&auth(&ex, &headers)?)))
}

fn paise(form: &HashMap<String, String>, key: &str) -> Result<Option<i64>, KiteError> {
    match form.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => match Decimal::from_text(text.to_owned()).paise() {
            Some(p) if p >= 0 => Ok(Some(p).filter(|p| *p > 0)),
            _ => Err(KiteError::input(format!("Invalid `{key}`."))),
        },
    }
}

/// `POST /orders/{variety}` (regular only).
pub async fn place_order(
    State(ex): Ex,
    Path(variety): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, KiteError> {
    let received_at = Utc::now();
    let account = auth(&ex, &headers)?;
    if variety != "regular" {
        return Err(KiteError::input(format!(
            "Variety `{variety}` is not supported by the simulator."
        )));
    }
    let get = |k: &str| {
        form.get(k)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let need = |k: &str| get(k).ok_or_else(|| KiteError::input(format!("Missing `{k}`")));
    let exchange = need("exchange")?;
    let symbol = need("tradingsymbol")?;
    let instrument = ex
        .instruments
        .get(&exchange, &symbol)
        .filter(|i| i.tradable)
        .cloned()
        .ok_or_else(|| KiteError::input("Invalid `tradingsymbol`."))?;
    let side = need("transaction_type")?;
    if side != "BUY" && side != "SELL" {
        return Err(KiteError::input("Invalid `transaction_type`."));
    }
    let order_type = need("order_type")?;
    if !["MARKET", "LIMIT", "SL", "SL-M"].contains(&order_type.as_str()) {
        return Err(KiteError::input("Invalid `order_type`."));
    }
    let quantity: u32 = need("quantity")?
        .parse()
        .ok()
        .filter(|q| *q > 0)
        .ok_or_else(|| KiteError::input("Invalid `quantity`."))?;
    let product = need("product")?;
    if !["MIS", "CNC", "NRML"].contains(&product.as_str()) {
        return Err(KiteError::input("Invalid `product`."));
    }
    let validity = get("validity").unwrap_or_else(|| "DAY".into());
    let price = paise(&form, "price")?;
    let trigger = paise(&form, "trigger_price")?;
    if matches!(order_type.as_str(), "LIMIT" | "SL") && price.is_none() {
        return Err(KiteError::input("Invalid `price`."));
    }
    if matches!(order_type.as_str(), "SL" | "SL-M") && trigger.is_none() {
        return Err(KiteError::input("Invalid `trigger_price`."));
    }
    let tag = get("tag");
    if let Some(t) = &tag {
        if t.len() > 20 || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(KiteError::input(
                "Invalid `tag`. Tag should be alphanumeric and not more than 20 characters.",
            ));
        }
    }
    let market_protection: i64 = get("market_protection")
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if matches!(order_type.as_str(), "MARKET" | "SL-M")
        && !(market_protection == -1 || (1..=100).contains(&market_protection))
    {
        return Err(KiteError::input("Market orders without market protection are not allowed. Set `market_protection` to -1 (automatic) or 1-100."));
    }
    let order = NewOrder {
        instrument,
        side,
        order_type,
        product,
        validity,
        quantity,
        price,
        trigger,
        tag,
        market_protection,
    };
    match ex.place(&account, order, received_at) {
        Placed::Ok(id) => Ok(ok(json!({ "order_id": id }))),
        Placed::Delayed(id, delay) => {
            tokio::time::sleep(delay).await;
            Ok(ok(json!({ "order_id": id })))
        }
        Placed::Err(e) => Err(e),
    }
}

/// `GET /orders`.
pub async fn orders(State(ex): Ex, headers: HeaderMap) -> Result<Response, KiteError> {
    let account = auth(&ex, &headers)?;
    Ok(ok(Value::Array(ex.orders_of(&account.api_key))))
}

/// `GET /orders/{order_id}`: the order's history.
pub async fn order_history(
    State(ex): Ex,
    Path(order_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, KiteError> {
    let account = auth(&ex, &headers)?;
    ex.history(&account.api_key, &order_id)
        .map(|h| ok(Value::Array(h)))
        .ok_or_else(|| KiteError::input("Couldn't find that `order_id`."))
}

/// `DELETE /orders/{variety}/{order_id}`.
pub async fn cancel_order(
    State(ex): Ex,
    Path((_variety, order_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, KiteError> {
    let account = auth(&ex, &headers)?;
    ex.cancel(&account.api_key, &order_id)?;
    Ok(ok(json!({ "order_id": order_id })))
}

/// `GET /instruments` and `GET /instruments/{exchange}`: the CSV dump.
pub async fn instruments(
    State(ex): Ex,
    exchange: Option<Path<String>>,
    headers: HeaderMap,
) -> Result<Response, KiteError> {
    auth(&ex, &headers)?;
    let csv = crate::instruments::csv();
    let body = match exchange {
        None => csv.to_owned(),
        Some(Path(exchange)) => {
            let mut lines = csv.lines();
            let header = lines.next().unwrap_or_default();
            let mut out = format!("{header}\n");
            for line in lines.filter(|l| l.rsplit(',').next() == Some(exchange.as_str())) {
                out.push_str(line);
                out.push('\n');
            }
            out
        }
    };
    Ok(([(header::CONTENT_TYPE, "text/csv")], body).into_response())
}

/// `GET /quote/ltp?i=NSE:TCS&i=…`.
pub async fn ltp(
    State(ex): Ex,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, KiteError> {
    auth(&ex, &headers)?;
    let mut data = serde_json::Map::new();
    for pair in query.unwrap_or_default().split('&') {
        let Some(("i", raw)) = pair.split_once('=') else {
            continue;
        };
        let name = raw
            .replace("%3A", ":")
            .replace("%3a", ":")
            .replace('+', " ")
            .replace("%20", " ")
            .replace("%26", "&");
        if let Some(i) = ex.instruments.find(&name) {
            let price = ex.last_price(i.token).unwrap_or(0);
            data.insert(
                name,
                json!({ "instrument_token": i.token, "last_price": price as f64 / 100.0 }),
            );
        }
    }
    Ok(ok(Value::Object(data)))
}
