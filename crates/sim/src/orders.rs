//! Orders: Kite's order vocabulary as enums, the validated order request (with Kite's rules:
//! market protection, the 20-character tag, tick sizes), the order itself, and its wire shapes
//! (`GET /orders`, postbacks and order updates, the control API's view).

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use crate::envelope::KiteError;
use crate::instruments::Instruments;
use crate::money::{parse_paise, rupee_text, Rupees};

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Kite's spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// From Kite's spelling.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// `transaction_type`.
    Side { Buy => "BUY", Sell => "SELL" }
);
wire_enum!(
    /// `order_type`.
    OrderType { Market => "MARKET", Limit => "LIMIT", Sl => "SL", SlM => "SL-M" }
);
wire_enum!(
    /// `product`.
    Product { Mis => "MIS", Cnc => "CNC", Nrml => "NRML" }
);
wire_enum!(
    /// `validity`.
    Validity { Day => "DAY", Ioc => "IOC" }
);
wire_enum!(
    /// `status`, including the steps Kite records in an order's history before it reaches the
    /// exchange.
    Status {
        PutOrderReqReceived => "PUT ORDER REQ RECEIVED",
        ValidationPending => "VALIDATION PENDING",
        OpenPending => "OPEN PENDING",
        TriggerPending => "TRIGGER PENDING",
        Open => "OPEN",
        Complete => "COMPLETE",
        Rejected => "REJECTED",
        Cancelled => "CANCELLED",
        ModifyValidationPending => "MODIFY VALIDATION PENDING",
        ModifyPending => "MODIFY PENDING",
        Modified => "MODIFIED",
    }
);

impl OrderType {
    /// Kite refuses `MARKET` and `SL-M` orders without `market_protection`.
    pub fn needs_market_protection(self) -> bool {
        matches!(self, OrderType::Market | OrderType::SlM)
    }

    fn needs_price(self) -> bool {
        matches!(self, OrderType::Limit | OrderType::Sl)
    }

    fn needs_trigger(self) -> bool {
        matches!(self, OrderType::Sl | OrderType::SlM)
    }
}

impl Status {
    /// Still at the exchange: it can fill, trigger or be cancelled.
    pub fn is_working(self) -> bool {
        matches!(self, Status::Open | Status::TriggerPending)
    }

    /// A status that order updates announce (the pre-exchange steps are only in the history).
    pub fn is_announced(self) -> bool {
        matches!(
            self,
            Status::Open
                | Status::TriggerPending
                | Status::Complete
                | Status::Rejected
                | Status::Cancelled
        )
    }
}

/// The longest `tag` Kite accepts.
pub const MAX_TAG_LEN: usize = 20;

/// A placement request that passed Kite's checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    pub instrument_token: u32,
    pub tradingsymbol: String,
    pub exchange: String,
    pub transaction_type: Side,
    pub order_type: OrderType,
    pub product: Product,
    pub validity: Validity,
    pub quantity: u32,
    /// Paise; 0 when the order type takes no price.
    pub price: i64,
    /// Paise; 0 when the order type takes no trigger.
    pub trigger_price: i64,
    pub tag: Option<String>,
    /// `-1` (automatic) or 1–100 (%); 0 when not given.
    pub market_protection: i32,
}

/// The fields `PUT /orders/{variety}/{order_id}` may change.
pub const MODIFIABLE: [&str; 6] = [
    "quantity",
    "price",
    "trigger_price",
    "order_type",
    "validity",
    "market_protection",
];

impl OrderRequest {
    /// This request with a modify form's fields applied, checked by Kite's placement rules
    /// (so a modification cannot make an order Kite would not have placed).
    pub fn modified(
        &self,
        form: &HashMap<String, String>,
        instruments: &Instruments,
    ) -> Result<Self, KiteError> {
        let mut merged: HashMap<String, String> = [
            ("exchange", self.exchange.clone()),
            ("tradingsymbol", self.tradingsymbol.clone()),
            (
                "transaction_type",
                self.transaction_type.as_str().to_owned(),
            ),
            ("order_type", self.order_type.as_str().to_owned()),
            ("product", self.product.as_str().to_owned()),
            ("validity", self.validity.as_str().to_owned()),
            ("quantity", self.quantity.to_string()),
            ("price", rupee_text(self.price)),
            ("trigger_price", rupee_text(self.trigger_price)),
            ("market_protection", self.market_protection.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(tag) = &self.tag {
            merged.insert("tag".into(), tag.clone());
        }
        for key in MODIFIABLE {
            if let Some(v) = form.get(key).filter(|v| !v.trim().is_empty()) {
                merged.insert(key.to_owned(), v.clone());
            }
        }
        Self::parse(&merged, instruments)
    }

    /// Checks a `POST /orders/regular` form as Kite does; every refusal is a 400
    /// `InputException` with Kite's wording where Kite's is known.
    pub fn parse(
        form: &HashMap<String, String>,
        instruments: &Instruments,
    ) -> Result<Self, KiteError> {
        let field = |k: &str| form.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let need = |k: &str| field(k).ok_or_else(|| KiteError::input(format!("Missing `{k}`.")));
        let invalid = |k: &str| KiteError::input(format!("Invalid `{k}`."));

        let exchange = need("exchange")?;
        let symbol = need("tradingsymbol")?;
        let instrument = instruments
            .get(exchange, symbol)
            .filter(|i| i.tradable)
            .ok_or_else(|| {
                KiteError::input(
                    "The instrument you are placing an order for has either expired or does not exist.",
                )
            })?;
        let transaction_type =
            Side::parse(need("transaction_type")?).ok_or_else(|| invalid("transaction_type"))?;
        let order_type =
            OrderType::parse(need("order_type")?).ok_or_else(|| invalid("order_type"))?;
        let product = Product::parse(need("product")?).ok_or_else(|| invalid("product"))?;
        let validity = match field("validity") {
            None => Validity::Day,
            Some(v) => Validity::parse(v).ok_or_else(|| invalid("validity"))?,
        };
        let quantity: u32 = need("quantity")?
            .parse()
            .ok()
            .filter(|q| *q > 0 && q % instrument.lot_size == 0)
            .ok_or_else(|| invalid("quantity"))?;
        let amount = |k: &str| match field(k) {
            None => Ok(0),
            Some(text) => parse_paise(text).ok_or_else(|| invalid(k)),
        };
        let mut price = amount("price")?;
        let mut trigger_price = amount("trigger_price")?;
        if order_type.needs_price() && price == 0 {
            return Err(invalid("price"));
        }
        if order_type.needs_trigger() && trigger_price == 0 {
            return Err(invalid("trigger_price"));
        }
        // Kite ignores the fields an order type does not use.
        if !order_type.needs_price() {
            price = 0;
        }
        if !order_type.needs_trigger() {
            trigger_price = 0;
        }
        if price % instrument.tick_paise != 0 || trigger_price % instrument.tick_paise != 0 {
            return Err(KiteError::input(format!(
                "Tick size for this script is {}. Kindly enter price in the multiple of tick size for this script",
                rupee_text(instrument.tick_paise)
            )));
        }
        let tag = match field("tag") {
            None => None,
            Some(t) if t.len() <= MAX_TAG_LEN && t.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Some(t.to_owned())
            }
            Some(_) => {
                return Err(KiteError::input(format!(
                "Invalid `tag`. A tag is alphanumeric and at most {MAX_TAG_LEN} characters long."
            )))
            }
        };
        let market_protection = match field("market_protection") {
            None => 0,
            Some(text) => text
                .parse::<i32>()
                .ok()
                .filter(|m| *m == -1 || (0..=100).contains(m))
                .ok_or_else(|| invalid("market_protection"))?,
        };
        if order_type.needs_market_protection() && market_protection == 0 {
            return Err(KiteError::input(format!(
                "Market orders without market protection are not allowed. Set `market_protection` to -1 (automatic) or 1-100 for {} orders.",
                order_type.as_str()
            )));
        }
        Ok(Self {
            instrument_token: instrument.token,
            tradingsymbol: instrument.symbol.clone(),
            exchange: instrument.exchange.clone(),
            transaction_type,
            order_type,
            product,
            validity,
            quantity,
            price,
            trigger_price,
            tag,
            market_protection,
        })
    }
}

/// One order as it stands (or stood, in a history). Prices in paise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub order_id: String,
    /// Set once the order reaches the exchange.
    pub exchange_order_id: Option<String>,
    pub api_key: String,
    pub user_id: String,
    pub request: OrderRequest,
    pub status: Status,
    pub status_message: Option<String>,
    pub filled_quantity: u32,
    /// Paise; 0 until filled.
    pub average_price: i64,
    /// When the request arrived, taken first thing in the handler (microseconds matter).
    pub received_at: DateTime<Utc>,
    /// When it reached the exchange.
    pub exchange_at: Option<DateTime<Utc>>,
    /// When its status last changed.
    pub updated_at: DateTime<Utc>,
    /// Whether it was ever modified.
    pub modified: bool,
    /// How many modifications it took (Kite takes at most [`MAX_MODIFICATIONS`]).
    pub modifications: u32,
}

/// Kite's limit of modifications per order; the next is refused with "Maximum allowed order
/// modifications exceeded." (Zerodha on the Kite Connect forum, 2021: "A maximum of 25
/// modification requests can be sent per order"; a fresh order gets 25 more).
pub const MAX_MODIFICATIONS: u32 = 25;

/// Kite's wall-clock times: IST without an offset (`2021-05-31 09:18:57`).
pub fn kite_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&algo_core::IST)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The IST trading date as order ids begin with it (`yymmdd`).
pub fn order_id_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&algo_core::IST)
        .format("%y%m%d")
        .to_string()
}

impl Order {
    pub fn pending_quantity(&self) -> u32 {
        if self.status.is_working() || !self.status.is_announced() {
            self.request.quantity - self.filled_quantity
        } else {
            0
        }
    }

    pub fn cancelled_quantity(&self) -> u32 {
        if self.status == Status::Cancelled {
            self.request.quantity - self.filled_quantity
        } else {
            0
        }
    }

    /// Kite's order shape (`GET /orders`, each state of `GET /orders/{id}`).
    pub fn kite(&self) -> KiteOrder<'_> {
        let r = &self.request;
        KiteOrder {
            placed_by: &self.user_id,
            order_id: &self.order_id,
            exchange_order_id: self.exchange_order_id.as_deref(),
            parent_order_id: None,
            status: self.status,
            status_message: self.status_message.as_deref(),
            status_message_raw: self.status_message.as_deref(),
            order_timestamp: kite_time(self.received_at),
            exchange_update_timestamp: self
                .exchange_at
                .filter(|_| self.updated_at != self.received_at)
                .map(|_| kite_time(self.updated_at)),
            exchange_timestamp: self.exchange_at.map(kite_time),
            variety: "regular",
            modified: self.modified,
            exchange: &r.exchange,
            tradingsymbol: &r.tradingsymbol,
            instrument_token: r.instrument_token,
            order_type: r.order_type,
            transaction_type: r.transaction_type,
            validity: r.validity,
            validity_ttl: 0,
            product: r.product,
            quantity: r.quantity,
            disclosed_quantity: 0,
            price: Rupees(r.price),
            trigger_price: Rupees(r.trigger_price),
            average_price: Rupees(self.average_price),
            filled_quantity: self.filled_quantity,
            pending_quantity: self.pending_quantity(),
            cancelled_quantity: self.cancelled_quantity(),
            market_protection: r.market_protection,
            meta: Empty {},
            tag: r.tag.as_deref(),
            tags: r.tag.as_deref().map(|t| [t]),
            guid: format!("sim-{}", self.order_id),
        }
    }

    /// The control API's view: Kite's shape plus the account and the exact receive time.
    pub fn control(&self) -> ControlOrder<'_> {
        ControlOrder {
            order: self.kite(),
            api_key: &self.api_key,
            received_at: self
                .received_at
                .to_rfc3339_opts(SecondsFormat::Micros, true),
            received_at_us: self.received_at.timestamp_micros(),
            modifications: self.modifications,
        }
    }

    /// A postback (and ticker order update) body, with Kite's checksum
    /// `sha256(order_id + order_timestamp + api_secret)`.
    pub fn postback(&self, checksum: String, app_id: u32) -> Postback<'_> {
        Postback {
            user_id: &self.user_id,
            unfilled_quantity: self.request.quantity - self.filled_quantity,
            app_id,
            checksum,
            order: self.kite(),
        }
    }
}

/// `{}`.
#[derive(Debug, Serialize)]
pub struct Empty {}

/// An order on the wire, as Kite sends it, e.g.
/// `{"order_id":"151220000000001","status":"COMPLETE","average_price":1489.95,"tag":"t1",…}`.
#[derive(Debug, Serialize)]
pub struct KiteOrder<'a> {
    pub placed_by: &'a str,
    pub order_id: &'a str,
    pub exchange_order_id: Option<&'a str>,
    pub parent_order_id: Option<&'a str>,
    pub status: Status,
    pub status_message: Option<&'a str>,
    pub status_message_raw: Option<&'a str>,
    pub order_timestamp: String,
    pub exchange_update_timestamp: Option<String>,
    pub exchange_timestamp: Option<String>,
    pub variety: &'static str,
    pub modified: bool,
    pub exchange: &'a str,
    pub tradingsymbol: &'a str,
    pub instrument_token: u32,
    pub order_type: OrderType,
    pub transaction_type: Side,
    pub validity: Validity,
    pub validity_ttl: u32,
    pub product: Product,
    pub quantity: u32,
    pub disclosed_quantity: u32,
    pub price: Rupees,
    pub trigger_price: Rupees,
    pub average_price: Rupees,
    pub filled_quantity: u32,
    pub pending_quantity: u32,
    pub cancelled_quantity: u32,
    pub market_protection: i32,
    pub meta: Empty,
    pub tag: Option<&'a str>,
    pub tags: Option<[&'a str; 1]>,
    pub guid: String,
}

/// `GET /_sim/orders`: Kite's shape plus `api_key`, `received_at` (RFC 3339, microseconds) and
/// `received_at_us` (unix microseconds).
#[derive(Debug, Serialize)]
pub struct ControlOrder<'a> {
    #[serde(flatten)]
    pub order: KiteOrder<'a>,
    pub api_key: &'a str,
    pub received_at: String,
    pub received_at_us: i64,
    /// How many modifications it took (Kite shows only whether it was modified).
    pub modifications: u32,
}

/// A postback body, as in Kite's `postback.json`.
#[derive(Debug, Serialize)]
pub struct Postback<'a> {
    pub user_id: &'a str,
    pub unfilled_quantity: u32,
    pub app_id: u32,
    pub checksum: String,
    #[serde(flatten)]
    pub order: KiteOrder<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut f: HashMap<String, String> = [
            ("tradingsymbol", "TCS"),
            ("exchange", "NSE"),
            ("transaction_type", "BUY"),
            ("order_type", "MARKET"),
            ("quantity", "2"),
            ("product", "MIS"),
            ("market_protection", "-1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            f.insert(k.to_string(), v.to_string());
        }
        f
    }

    #[test]
    fn applies_kites_rules() {
        let list = Instruments::load();
        let parse = |pairs: &[(&str, &str)]| OrderRequest::parse(&form(pairs), &list);
        let market = parse(&[]).expect("a valid market order");
        assert_eq!(
            (market.quantity, market.market_protection, market.validity),
            (2, -1, Validity::Day)
        );
        for bad in [
            &[("market_protection", "0")][..],
            &[("market_protection", "")],
            &[("market_protection", "101")],
            &[
                ("order_type", "SL-M"),
                ("trigger_price", "3400"),
                ("market_protection", "0"),
            ],
            &[("tag", "abcdefghijklmnopqrstu")],
            &[("tag", "has space")],
            &[("tradingsymbol", "NOPE")],
            &[("tradingsymbol", "NIFTY 50")],
            &[("quantity", "0")],
            &[("quantity", "-1")],
            &[("order_type", "LIMIT")],
            &[("order_type", "LIMIT"), ("price", "3500.03")],
            &[("order_type", "SL"), ("price", "3500")],
            &[("transaction_type", "HOLD")],
            &[("product", "BO")],
            &[("validity", "TTL")],
        ] {
            let e = parse(bad).expect_err(&format!("{bad:?} is refused"));
            assert_eq!(e.status.as_u16(), 400, "{bad:?}");
        }
        let limit = parse(&[
            ("order_type", "LIMIT"),
            ("price", "3499.95"),
            ("trigger_price", "1"),
            ("tag", "abcdefghijklmnopqrst"),
        ])
        .expect("limit");
        assert_eq!(
            (limit.price, limit.trigger_price, limit.tag.as_deref()),
            (349_995, 0, Some("abcdefghijklmnopqrst"))
        );
        let slm = parse(&[("order_type", "SL-M"), ("trigger_price", "3400.05")]).expect("SL-M");
        assert_eq!((slm.price, slm.trigger_price), (0, 340_005));
    }

    #[test]
    fn kite_times_are_ist_wall_clock() {
        let t = DateTime::parse_from_rfc3339("2024-01-02T03:45:06.123456Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(kite_time(t), "2024-01-02 09:15:06");
        let late = DateTime::parse_from_rfc3339("2024-01-02T20:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(order_id_date(late), "240103", "IST is already the next day");
    }
}
