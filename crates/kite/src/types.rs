//! Kite REST wire types. serde names are Kite's; unknown fields are ignored so a new Kite
//! field never breaks the client.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

/// Kite's success envelope: `{"status":"success","data":…}`.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    pub status: String,
    pub data: T,
}

/// A price exactly as Kite wrote it (a JSON number such as `1573.7`), kept as decimal text so
/// nothing passes through binary floating point.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decimal(String);

impl Decimal {
    /// The value in paise, when it has at most two decimals (equity prices always do).
    pub fn paise(&self) -> Option<i64> {
        let text = self.0.trim();
        let negative = text.starts_with('-');
        let digits = text.trim_start_matches('-');
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let frac = frac.trim_end_matches('0');
        if frac.len() > 2 || whole.is_empty() && frac.is_empty() {
            return None;
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut cents: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        if frac.len() == 1 {
            cents *= 10;
        }
        let value = whole.checked_mul(100)?.checked_add(cents)?;
        Some(if negative { -value } else { value })
    }

    /// Decimal text as received.
    pub fn from_text(text: String) -> Self {
        Self(text)
    }

    /// From paise, formatted as Kite would send it.
    pub fn from_paise(paise: i64) -> Self {
        let sign = if paise < 0 { "-" } else { "" };
        let abs = paise.unsigned_abs();
        Self(format!("{sign}{}.{:02}", abs / 100, abs % 100))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                // `Display` of an f64 is the shortest text that reads back as the same f64,
                // i.e. the text Kite wrote (1573.7 stays "1573.7").
                if v.is_finite() {
                    Ok(Decimal(v.to_string()))
                } else {
                    Err(E::custom("not a finite number"))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                Ok(Decimal(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Kite's timestamps are IST wall-clock times without an offset (`2021-05-31 09:18:57`).
pub fn parse_kite_time(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()?;
    algo_core::IST
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// `GET /user/profile`, e.g. `{"user_id":"AB1234","user_name":"AxAx Bxx","email":…,"broker":"ZERODHA",…}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    pub user_id: String,
    pub user_name: String,
    #[serde(default)]
    pub user_shortname: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub broker: Option<String>,
    #[serde(default)]
    pub exchanges: Vec<String>,
    #[serde(default)]
    pub products: Vec<String>,
}

/// `POST /session/token`, e.g. `{"user_id":"XX0000","access_token":"…","public_token":"…",…}`.
#[derive(Clone, Deserialize)]
pub struct Session {
    pub user_id: String,
    pub user_name: String,
    pub access_token: String,
    #[serde(default)]
    pub public_token: Option<String>,
    #[serde(default)]
    pub login_time: Option<String>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("access_token", &"<redacted>")
            .finish()
    }
}

/// `POST /orders/{variety}` and `DELETE …`: `{"order_id":"151220000000000"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderId {
    pub order_id: String,
}

/// One order (an element of `GET /orders`, or one state in `GET /orders/{id}`), e.g.
/// `{"order_id":"100000000000000","status":"COMPLETE","tradingsymbol":"SBIN","exchange":"NSE",
///   "transaction_type":"BUY","order_type":"MARKET","quantity":1,"filled_quantity":1,
///   "average_price":470,"tag":null,"order_timestamp":"2022-03-03 09:24:25",…}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    pub order_id: String,
    #[serde(default)]
    pub exchange_order_id: Option<String>,
    pub status: String,
    #[serde(default)]
    pub status_message: Option<String>,
    pub tradingsymbol: String,
    pub exchange: String,
    #[serde(default)]
    pub instrument_token: Option<u32>,
    pub transaction_type: String,
    pub order_type: String,
    pub product: String,
    #[serde(default)]
    pub variety: Option<String>,
    #[serde(default)]
    pub validity: Option<String>,
    pub quantity: u32,
    #[serde(default)]
    pub filled_quantity: u32,
    #[serde(default)]
    pub pending_quantity: u32,
    #[serde(default)]
    pub cancelled_quantity: u32,
    #[serde(default)]
    pub price: Decimal,
    #[serde(default)]
    pub trigger_price: Decimal,
    #[serde(default)]
    pub average_price: Decimal,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub order_timestamp: Option<String>,
}

/// Where an order stands, reduced to what the executor acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    /// Still working at the exchange (`OPEN`, `TRIGGER PENDING`, `PUT ORDER REQ RECEIVED`, …).
    Pending,
    Complete,
    Rejected,
    Cancelled,
}

impl Order {
    pub fn state(&self) -> OrderState {
        order_state(&self.status)
    }

    pub fn placed_at(&self) -> Option<DateTime<Utc>> {
        self.order_timestamp.as_deref().and_then(parse_kite_time)
    }
}

/// Maps a Kite order status to its [`OrderState`].
pub fn order_state(status: &str) -> OrderState {
    match status {
        "COMPLETE" => OrderState::Complete,
        "REJECTED" => OrderState::Rejected,
        "CANCELLED" => OrderState::Cancelled,
        _ => OrderState::Pending,
    }
}

/// One position (an element of `net` or `day` in `GET /portfolio/positions`), e.g.
/// `{"tradingsymbol":"LEADMINI17DECFUT","exchange":"MCX","instrument_token":53496327,
///   "product":"NRML","quantity":1,"overnight_quantity":0,"multiplier":1000,
///   "average_price":161.05,"last_price":161.05,"pnl":0,"buy_quantity":1,"buy_price":161.05,
///   "sell_quantity":0,"sell_price":0,"day_buy_quantity":1,"day_sell_quantity":0,…}`.
/// `quantity` is bought minus sold: negative for a short position.
#[derive(Debug, Clone, Deserialize)]
pub struct Position {
    pub tradingsymbol: String,
    pub exchange: String,
    #[serde(default)]
    pub instrument_token: Option<u32>,
    pub product: String,
    pub quantity: i64,
    #[serde(default)]
    pub overnight_quantity: i64,
    #[serde(default)]
    pub multiplier: Decimal,
    #[serde(default)]
    pub average_price: Decimal,
    #[serde(default)]
    pub last_price: Decimal,
    #[serde(default)]
    pub close_price: Decimal,
    #[serde(default)]
    pub pnl: Decimal,
    #[serde(default)]
    pub buy_quantity: i64,
    #[serde(default)]
    pub buy_price: Decimal,
    #[serde(default)]
    pub sell_quantity: i64,
    #[serde(default)]
    pub sell_price: Decimal,
    #[serde(default)]
    pub day_buy_quantity: i64,
    #[serde(default)]
    pub day_sell_quantity: i64,
}

/// `GET /portfolio/positions`: `{"net":[…],"day":[…]}`. `net` is the account's position
/// including what was carried overnight; `day` is today's trading alone.
#[derive(Debug, Clone, Deserialize)]
pub struct Positions {
    pub net: Vec<Position>,
    pub day: Vec<Position>,
}

/// `GET /quote/ltp`: `{"NSE:INFY":{"instrument_token":408065,"last_price":1074.35}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Ltp {
    pub instrument_token: u32,
    pub last_price: Decimal,
}

/// `buy` or `sell`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionType {
    Buy,
    Sell,
}

/// Kite's order types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderType {
    Market,
    Limit,
    /// Stop-loss limit: `trigger_price` and `price`.
    Sl,
    /// Stop-loss market: `trigger_price` only.
    SlM,
}

impl OrderType {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Market => "MARKET",
            OrderType::Limit => "LIMIT",
            OrderType::Sl => "SL",
            OrderType::SlM => "SL-M",
        }
    }

    /// Kite requires `market_protection` on these.
    pub fn needs_market_protection(self) -> bool {
        matches!(self, OrderType::Market | OrderType::SlM)
    }
}

/// Market protection for MARKET and SL-M orders: Kite rejects them without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarketProtection {
    /// `-1`: Kite chooses.
    Automatic,
    /// 1–100 percent.
    Percent(u8),
}

impl MarketProtection {
    pub fn wire(self) -> String {
        match self {
            MarketProtection::Automatic => "-1".into(),
            MarketProtection::Percent(p) => p.clamp(1, 100).to_string(),
        }
    }
}

/// A regular-variety order to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    pub tradingsymbol: String,
    pub exchange: String,
    pub transaction_type: TransactionType,
    pub order_type: OrderType,
    pub quantity: u32,
    /// `MIS` or `CNC`.
    pub product: String,
    /// `DAY` or `IOC`.
    pub validity: String,
    pub price_paise: Option<i64>,
    pub trigger_price_paise: Option<i64>,
    /// At most 20 alphanumeric characters (Kite rejects the order otherwise).
    pub tag: Option<String>,
    pub market_protection: MarketProtection,
    /// Exchange algo identifier, when the exchange's algo rules ask for one.
    pub algo_id: Option<String>,
}

impl OrderRequest {
    /// The form fields Kite takes, in order.
    pub fn form(&self) -> Vec<(&'static str, String)> {
        let mut form = vec![
            ("tradingsymbol", self.tradingsymbol.clone()),
            ("exchange", self.exchange.clone()),
            (
                "transaction_type",
                match self.transaction_type {
                    TransactionType::Buy => "BUY".into(),
                    TransactionType::Sell => "SELL".into(),
                },
            ),
            ("order_type", self.order_type.as_str().into()),
            ("quantity", self.quantity.to_string()),
            ("product", self.product.clone()),
            ("validity", self.validity.clone()),
        ];
        if let Some(p) = self.price_paise {
            form.push(("price", Decimal::from_paise(p).0));
        }
        if let Some(p) = self.trigger_price_paise {
            form.push(("trigger_price", Decimal::from_paise(p).0));
        }
        if let Some(tag) = &self.tag {
            form.push(("tag", tag.clone()));
        }
        if self.order_type.needs_market_protection() {
            form.push(("market_protection", self.market_protection.wire()));
        }
        if let Some(id) = &self.algo_id {
            form.push(("algo_id", id.clone()));
        }
        form
    }

    /// Checks what Kite would reject before it costs a request.
    pub fn check(&self) -> Result<(), String> {
        if let Some(tag) = &self.tag {
            if tag.is_empty() || tag.len() > 20 || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err("tag must be 1-20 alphanumeric characters".into());
            }
        }
        if self.quantity == 0 {
            return Err("quantity must be positive".into());
        }
        if matches!(self.order_type, OrderType::Limit | OrderType::Sl) && self.price_paise.is_none()
        {
            return Err("LIMIT and SL orders need a price".into());
        }
        if matches!(self.order_type, OrderType::Sl | OrderType::SlM)
            && self.trigger_price_paise.is_none()
        {
            return Err("SL and SL-M orders need a trigger price".into());
        }
        Ok(())
    }
}

/// The fields of a working order to change (`PUT /orders/regular/{order_id}`); `None` leaves
/// a field as it is. Kite answers `{"order_id":"151220000000000"}` and records `MODIFIED` in
/// the order's history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModifyRequest {
    pub quantity: Option<u32>,
    pub price_paise: Option<i64>,
    pub trigger_price_paise: Option<i64>,
    pub order_type: Option<OrderType>,
    /// `DAY` or `IOC`.
    pub validity: Option<String>,
    /// Sent when given, and Kite needs it when the order becomes `MARKET` or `SL-M`.
    pub market_protection: Option<MarketProtection>,
}

impl ModifyRequest {
    /// The form fields Kite takes, only those given.
    pub fn form(&self) -> Vec<(&'static str, String)> {
        let mut form = Vec::new();
        if let Some(q) = self.quantity {
            form.push(("quantity", q.to_string()));
        }
        if let Some(p) = self.price_paise {
            form.push(("price", Decimal::from_paise(p).0));
        }
        if let Some(p) = self.trigger_price_paise {
            form.push(("trigger_price", Decimal::from_paise(p).0));
        }
        if let Some(t) = self.order_type {
            form.push(("order_type", t.as_str().into()));
        }
        if let Some(v) = &self.validity {
            form.push(("validity", v.clone()));
        }
        if let Some(m) = self.market_protection {
            form.push(("market_protection", m.wire()));
        }
        form
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_paise_exactly() {
        let d = |s: &str| serde_json::from_str::<Decimal>(s).expect("decimal").paise();
        assert_eq!(d("1573.7"), Some(157_370));
        assert_eq!(d("470"), Some(47_000));
        assert_eq!(d("1074.35"), Some(107_435));
        assert_eq!(d("0"), Some(0));
        assert_eq!(d("72.1234"), None, "currency prices are finer than paise");
        assert_eq!(Decimal::from_paise(350_005).as_str(), "3500.05");
        assert_eq!(Decimal::from_paise(5).as_str(), "0.05");
    }

    #[test]
    fn a_modification_sends_only_its_fields() {
        let m = ModifyRequest {
            quantity: Some(3),
            price_paise: Some(30_010),
            ..ModifyRequest::default()
        };
        assert_eq!(
            m.form(),
            [("quantity", "3".to_owned()), ("price", "300.10".to_owned())]
        );
        assert!(ModifyRequest::default().form().is_empty());
    }

    #[test]
    fn kite_times_are_ist() {
        let t = parse_kite_time("2021-05-31 09:18:57").expect("time");
        assert_eq!(t.to_rfc3339(), "2021-05-31T03:48:57+00:00");
        assert!(parse_kite_time("2021-05-31T09:18:57").is_none());
    }

    #[test]
    fn market_orders_carry_market_protection() {
        let mut req = OrderRequest {
            tradingsymbol: "TCS".into(),
            exchange: "NSE".into(),
            transaction_type: TransactionType::Buy,
            order_type: OrderType::Market,
            quantity: 1,
            product: "MIS".into(),
            validity: "DAY".into(),
            price_paise: None,
            trigger_price_paise: None,
            tag: Some("abc123".into()),
            market_protection: MarketProtection::Automatic,
            algo_id: None,
        };
        assert!(req.form().contains(&("market_protection", "-1".into())));
        assert!(req.check().is_ok());
        req.tag = Some("x".repeat(21));
        assert!(req.check().is_err());
        req.tag = Some("has-dash".into());
        assert!(req.check().is_err());
        req.tag = None;
        req.order_type = OrderType::Limit;
        assert!(req.check().is_err(), "LIMIT needs a price");
        req.price_paise = Some(350_000);
        assert!(!req.form().iter().any(|(k, _)| *k == "market_protection"));
        assert!(req.form().contains(&("price", "3500.00".into())));
    }
}
