//! The ticker's JSON text messages: requests the client sends, and what the server sends back.

use serde_json::{json, Value};

use super::Mode;
use crate::types::Decimal;

/// A client request: `{"a":"subscribe","v":[408065]}`, `{"a":"unsubscribe","v":[…]}`,
/// `{"a":"mode","v":["full",[408065]]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientRequest {
    Subscribe(Vec<u32>),
    Unsubscribe(Vec<u32>),
    Mode(Mode, Vec<u32>),
}

/// Why a text message was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad ticker message: {0}")]
pub struct MessageError(pub String);

fn tokens(v: &Value) -> Result<Vec<u32>, MessageError> {
    v.as_array()
        .ok_or_else(|| MessageError("expected a list of instrument tokens".into()))?
        .iter()
        .map(|t| {
            t.as_u64()
                .and_then(|t| u32::try_from(t).ok())
                .ok_or_else(|| MessageError(format!("bad token {t}")))
        })
        .collect()
}

impl ClientRequest {
    pub fn to_json(&self) -> String {
        match self {
            ClientRequest::Subscribe(t) => json!({ "a": "subscribe", "v": t }),
            ClientRequest::Unsubscribe(t) => json!({ "a": "unsubscribe", "v": t }),
            ClientRequest::Mode(mode, t) => json!({ "a": "mode", "v": [mode, t] }),
        }
        .to_string()
    }

    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let v: Value = serde_json::from_str(text).map_err(|e| MessageError(e.to_string()))?;
        match v["a"].as_str() {
            Some("subscribe") => Ok(ClientRequest::Subscribe(tokens(&v["v"])?)),
            Some("unsubscribe") => Ok(ClientRequest::Unsubscribe(tokens(&v["v"])?)),
            Some("mode") => {
                let mode: Mode = serde_json::from_value(v["v"][0].clone())
                    .map_err(|e| MessageError(format!("bad mode: {e}")))?;
                Ok(ClientRequest::Mode(mode, tokens(&v["v"][1])?))
            }
            _ => Err(MessageError(format!("unknown action {}", v["a"]))),
        }
    }
}

/// An order update (`{"type":"order","data":{…}}`), shaped like a Kite postback.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderUpdate {
    pub order_id: String,
    pub status: String,
    pub tag: Option<String>,
    pub tradingsymbol: String,
    pub exchange: String,
    pub transaction_type: String,
    pub quantity: u32,
    pub filled_quantity: u32,
    pub pending_quantity: u32,
    pub status_message: Option<String>,
    pub order_timestamp: Option<String>,
    /// Exact, from the JSON number's decimal text; `None` when absent or finer than a paisa.
    pub average_price_paise: Option<i64>,
    /// The whole message data, as received.
    pub raw: Value,
}

impl OrderUpdate {
    pub fn from_value(data: Value) -> Result<Self, MessageError> {
        let s = |k: &str| data[k].as_str().map(str::to_owned);
        let n = |k: &str| {
            data[k]
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0)
        };
        let average_price_paise = match &data["average_price"] {
            Value::Number(num) => Decimal::from_text(num.to_string()).paise(),
            Value::String(text) => Decimal::from_text(text.clone()).paise(),
            _ => None,
        };
        Ok(Self {
            order_id: s("order_id")
                .ok_or_else(|| MessageError("order update without order_id".into()))?,
            status: s("status")
                .ok_or_else(|| MessageError("order update without status".into()))?,
            tag: s("tag"),
            tradingsymbol: s("tradingsymbol").unwrap_or_default(),
            exchange: s("exchange").unwrap_or_default(),
            transaction_type: s("transaction_type").unwrap_or_default(),
            quantity: n("quantity"),
            filled_quantity: n("filled_quantity"),
            pending_quantity: n("pending_quantity"),
            status_message: s("status_message"),
            order_timestamp: s("order_timestamp"),
            average_price_paise,
            raw: data,
        })
    }
}

/// A text message from the ticker.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage {
    Order(Box<OrderUpdate>),
    Error(String),
    Message(String),
    Other(Value),
}

impl ServerMessage {
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let mut v: Value = serde_json::from_str(text).map_err(|e| MessageError(e.to_string()))?;
        let data = v["data"].take();
        Ok(match v["type"].as_str() {
            Some("order") => ServerMessage::Order(Box::new(OrderUpdate::from_value(data)?)),
            Some("error") => ServerMessage::Error(data.as_str().unwrap_or_default().to_owned()),
            Some("message") => ServerMessage::Message(data.as_str().unwrap_or_default().to_owned()),
            _ => {
                v["data"] = data;
                ServerMessage::Other(v)
            }
        })
    }

    pub fn to_json(&self) -> String {
        match self {
            ServerMessage::Order(o) => json!({ "type": "order", "data": o.raw }),
            ServerMessage::Error(m) => json!({ "type": "error", "data": m }),
            ServerMessage::Message(m) => json!({ "type": "message", "data": m }),
            ServerMessage::Other(v) => v.clone(),
        }
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_requests_round_trip_in_kites_shape() {
        let sub = ClientRequest::Subscribe(vec![408065, 884737]);
        assert_eq!(sub.to_json(), r#"{"a":"subscribe","v":[408065,884737]}"#);
        let mode = ClientRequest::Mode(Mode::Full, vec![408065]);
        assert_eq!(mode.to_json(), r#"{"a":"mode","v":["full",[408065]]}"#);
        for r in [sub, mode, ClientRequest::Unsubscribe(vec![1])] {
            assert_eq!(ClientRequest::parse(&r.to_json()), Ok(r));
        }
        assert!(ClientRequest::parse(r#"{"a":"mode","v":["fast",[1]]}"#).is_err());
        assert!(ClientRequest::parse(r#"{"a":"subscribe","v":[-1]}"#).is_err());
        assert!(ClientRequest::parse("nope").is_err());
    }

    #[test]
    fn server_messages() {
        let order = r#"{"type":"order","data":{"order_id":"1","status":"COMPLETE","tag":"abc","average_price":1573.7,"quantity":5,"filled_quantity":5}}"#;
        match ServerMessage::parse(order) {
            Ok(ServerMessage::Order(o)) => {
                assert_eq!(
                    (o.order_id.as_str(), o.status.as_str(), o.tag.as_deref()),
                    ("1", "COMPLETE", Some("abc"))
                );
                assert_eq!(o.average_price_paise, Some(157_370));
                assert_eq!(o.filled_quantity, 5);
            }
            other => panic!("{other:?}"),
        }
        let fine =
            r#"{"type":"order","data":{"order_id":"1","status":"OPEN","average_price":72.1234}}"#;
        assert!(
            matches!(ServerMessage::parse(fine), Ok(ServerMessage::Order(o)) if o.average_price_paise.is_none())
        );
        assert_eq!(
            ServerMessage::parse(r#"{"type":"error","data":"bad"}"#),
            Ok(ServerMessage::Error("bad".into()))
        );
        let e = ServerMessage::Error("x".into());
        assert_eq!(ServerMessage::parse(&e.to_json()), Ok(e));
        assert!(ServerMessage::parse(r#"{"type":"order","data":{}}"#).is_err());
    }
}
