//! Any text: a ticker message or request is parsed or refused, never a panic; and what parses
//! serializes to text that parses back the same. (An `Other` message is compared by kind only,
//! and an order update without its `raw` copy: serde_json's default float parsing is not exact
//! for numbers beyond 2^53 or 10^22, so such a number may not survive print-and-parse. Prices,
//! with fewer digits, do: see `OrderUpdate::average_price_paise`.)
#![no_main]

use algo_kite::ticker::{ClientRequest, ServerMessage};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn comparable(message: ServerMessage) -> ServerMessage {
    match message {
        ServerMessage::Order(mut update) => {
            update.raw = Value::Null;
            ServerMessage::Order(update)
        }
        ServerMessage::Other(_) => ServerMessage::Other(Value::Null),
        other => other,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = ServerMessage::parse(text) {
        let again = ServerMessage::parse(&message.to_json()).map(comparable);
        assert_eq!(again, Ok(comparable(message)));
    }
    if let Ok(request) = ClientRequest::parse(text) {
        assert_eq!(ClientRequest::parse(&request.to_json()), Ok(request));
    }
});
