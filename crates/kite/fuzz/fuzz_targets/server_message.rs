//! Any text from the ticker: parsed or refused, never a panic.
#![no_main]

use algo_kite::ticker::{ClientRequest, ServerMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ServerMessage::parse(text);
        let _ = ClientRequest::parse(text);
    }
});
