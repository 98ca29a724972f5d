//! The ticker's JSON text messages: requests the client sends, and what the server sends back.

use serde::Deserialize;
use serde_json::{json, Value};

use super::Mode;
use crate::types::Decimal;

/// Why a text message was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("ticker message is not JSON: {0}")]
    NotJson(String),
    /// Valid JSON, but not the shape of a `kind` (e.g. "ticker request", "order update").
    #[error("not a valid {kind}: {reason}")]
    Shape { kind: &'static str, reason: String },
}

impl MessageError {
    fn shape(kind: &'static str) -> impl FnOnce(serde_json::Error) -> Self {
        move |e| MessageError::Shape {
            kind,
            reason: e.to_string(),
        }
    }
}

fn json_value(text: &str) -> Result<Value, MessageError> {
    serde_json::from_str(text).map_err(|e| MessageError::NotJson(e.to_string()))
}

/// A request the client sends, in Kite's wire shape:
///
/// ```json
/// {"a":"subscribe","v":[408065]}
/// {"a":"unsubscribe","v":[408065]}
/// {"a":"mode","v":["full",[408065]]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "a", content = "v", rename_all = "lowercase")]
pub enum ClientRequest {
    Subscribe(Vec<u32>),
    Unsubscribe(Vec<u32>),
    Mode(Mode, Vec<u32>),
}

impl ClientRequest {
    /// The request as Kite's JSON text.
    pub fn to_json(&self) -> String {
        match self {
            ClientRequest::Subscribe(tokens) => json!({ "a": "subscribe", "v": tokens }),
            ClientRequest::Unsubscribe(tokens) => json!({ "a": "unsubscribe", "v": tokens }),
            ClientRequest::Mode(mode, tokens) => json!({ "a": "mode", "v": [mode, tokens] }),
        }
        .to_string()
    }

    /// Parses a request; errors on text that is not a JSON object, on any other action, on a
    /// mode other than ltp/quote/full, and on a token that is not a `u32`.
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        const KIND: &str = "ticker request";
        let value = json_value(text)?;
        if !value.is_object() {
            return Err(MessageError::Shape {
                kind: KIND,
                reason: "not a JSON object".into(),
            });
        }
        ClientRequest::deserialize(&value).map_err(MessageError::shape(KIND))
    }
}

/// An order update: the `data` of `{"type":"order","data":{…}}`, shaped like a Kite postback:
///
/// ```json
/// {"order_id":"220303000308932","status":"COMPLETE","tag":null,"tradingsymbol":"SBIN",
///  "exchange":"NSE","transaction_type":"BUY","quantity":1,"filled_quantity":1,
///  "pending_quantity":0,"status_message":null,"order_timestamp":"2022-03-03 09:24:25",
///  "average_price":470, …}
/// ```
///
/// The typed fields are read from `raw` by [`OrderUpdate::from_data`]; [`ServerMessage::to_json`]
/// sends `raw`, so edit `raw` (not the typed fields) to change what is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderUpdate {
    pub order_id: String,
    /// Kite's status text (`OPEN`, `COMPLETE`, `CANCELLED`, `REJECTED`, `TRIGGER PENDING`, …).
    pub status: String,
    pub tag: Option<String>,
    pub tradingsymbol: String,
    pub exchange: String,
    /// `BUY` or `SELL`.
    pub transaction_type: String,
    pub quantity: u32,
    pub filled_quantity: u32,
    pub pending_quantity: u32,
    pub status_message: Option<String>,
    /// IST wall time as Kite writes it (`2022-03-03 09:24:25`).
    pub order_timestamp: Option<String>,
    /// `average_price` in paise, read exactly from the number's decimal text: 1573.7 is
    /// 157,370. `None` when absent, null or not a number, and when it has more than 2 decimals
    /// (currency derivatives quote to ₹0.0025): such a price is not a whole number of paise,
    /// and rejecting the whole update would lose its status. `raw` still holds the price.
    pub average_price_paise: Option<i64>,
    /// The whole `data` object, as received.
    pub raw: Value,
}

/// The fields of an order update we type; everything else stays in `raw`.
#[derive(Deserialize)]
struct OrderUpdateFields {
    order_id: String,
    status: String,
    #[serde(default)]
    tag: Option<String>,
    tradingsymbol: String,
    exchange: String,
    transaction_type: String,
    quantity: u32,
    filled_quantity: u32,
    pending_quantity: u32,
    #[serde(default)]
    status_message: Option<String>,
    #[serde(default)]
    order_timestamp: Option<String>,
    /// serde_json keeps a fractional number as the `f64` nearest its text (exactly so when the
    /// digits fit 2^53 and there are at most 22 decimals, as with any price: one correctly
    /// rounded division). `Decimal` prints that `f64` as the shortest text that reads back as
    /// it, which for up to 15 significant digits is the text Kite wrote, and takes the paise
    /// from those digits. Nothing is computed in floating point.
    #[serde(default)]
    average_price: Option<Decimal>,
}

impl OrderUpdate {
    /// Reads an order update from its `data` object. Errors when a typed field is missing or
    /// has the wrong type (the optional ones may be absent or null).
    pub fn from_data(data: Value) -> Result<Self, MessageError> {
        let f =
            OrderUpdateFields::deserialize(&data).map_err(MessageError::shape("order update"))?;
        Ok(Self {
            order_id: f.order_id,
            status: f.status,
            tag: f.tag,
            tradingsymbol: f.tradingsymbol,
            exchange: f.exchange,
            transaction_type: f.transaction_type,
            quantity: f.quantity,
            filled_quantity: f.filled_quantity,
            pending_quantity: f.pending_quantity,
            status_message: f.status_message,
            order_timestamp: f.order_timestamp,
            average_price_paise: f.average_price.and_then(|p| p.paise()),
            raw: data,
        })
    }
}

/// A text message from the ticker:
///
/// ```json
/// {"type":"order","data":{"order_id":"220303000308932","status":"COMPLETE",…}}
/// {"type":"error","data":"Invalid API key"}
/// {"type":"message","data":"…"}
/// ```
#[derive(Debug, Clone, PartialEq)]
// Text messages are rare and short-lived (parsed, handled, dropped); boxing the update would
// only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum ServerMessage {
    Order(OrderUpdate),
    Error(String),
    Message(String),
    /// Any other JSON (another `type`, or no `type`), kept whole.
    Other(Value),
}

impl ServerMessage {
    /// Parses a text message. Errors when the text is not JSON, when an `order` message's data
    /// is not an order update, or when an `error`/`message` message's data is not a string.
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let mut message = json_value(text)?;
        let kind = message.get("type").and_then(Value::as_str);
        let text_data = |message: &Value, kind| {
            message
                .get("data")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or(MessageError::Shape {
                    kind,
                    reason: "data is not a string".into(),
                })
        };
        Ok(match kind {
            Some("order") => {
                let data = message.get_mut("data").map(Value::take).unwrap_or_default();
                ServerMessage::Order(OrderUpdate::from_data(data)?)
            }
            Some("error") => ServerMessage::Error(text_data(&message, "error message")?),
            Some("message") => ServerMessage::Message(text_data(&message, "message")?),
            _ => ServerMessage::Other(message),
        })
    }

    /// The message as Kite's JSON text (an order update sends its `raw` data).
    pub fn to_json(&self) -> String {
        match self {
            ServerMessage::Order(update) => json!({ "type": "order", "data": update.raw }),
            ServerMessage::Error(text) => json!({ "type": "error", "data": text }),
            ServerMessage::Message(text) => json!({ "type": "message", "data": text }),
            ServerMessage::Other(value) => value.clone(),
        }
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_kites_shape() {
        let cases = [
            (
                ClientRequest::Subscribe(vec![408065, 884737]),
                r#"{"a":"subscribe","v":[408065,884737]}"#,
            ),
            (
                ClientRequest::Unsubscribe(vec![408065]),
                r#"{"a":"unsubscribe","v":[408065]}"#,
            ),
            (
                ClientRequest::Mode(Mode::Full, vec![408065]),
                r#"{"a":"mode","v":["full",[408065]]}"#,
            ),
            (
                ClientRequest::Mode(Mode::Ltp, vec![]),
                r#"{"a":"mode","v":["ltp",[]]}"#,
            ),
        ];
        for (request, text) in cases {
            assert_eq!(request.to_json(), text);
            assert_eq!(ClientRequest::parse(text), Ok(request));
        }
    }

    #[test]
    fn bad_requests_are_errors() {
        for text in [
            r#"{"a":"mode","v":["fast",[1]]}"#,
            r#"{"a":"subscribe","v":[-1]}"#,
            r#"{"a":"subscribe","v":[4294967296]}"#,
            r#"{"a":"subscribe","v":["408065"]}"#,
            r#"{"a":"subscribe"}"#,
            r#"{"a":"resubscribe","v":[1]}"#,
            r#"{"v":[1]}"#,
            r#"["subscribe",[1]]"#,
        ] {
            assert!(
                matches!(ClientRequest::parse(text), Err(MessageError::Shape { .. })),
                "{text}"
            );
        }
        assert!(matches!(
            ClientRequest::parse("nope"),
            Err(MessageError::NotJson(_))
        ));
    }

    #[test]
    fn non_object_and_untyped_messages_are_other() {
        for text in [
            "5",
            "null",
            "[1]",
            r#"{"data":"x"}"#,
            r#"{"type":"quote","data":{}}"#,
        ] {
            let message = ServerMessage::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(matches!(&message, ServerMessage::Other(_)), "{text}");
            assert_eq!(ServerMessage::parse(&message.to_json()), Ok(message));
        }
        assert!(matches!(
            ServerMessage::parse("{"),
            Err(MessageError::NotJson(_))
        ));
    }
}
