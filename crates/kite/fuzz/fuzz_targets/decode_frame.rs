//! Any bytes: decoding returns a frame or an error and never panics or reads past the input
//! (AddressSanitizer watches); `decode_frame` and `decode_frame_into` agree; and what decodes
//! survives re-encoding. The encoder picks each packet's layout from the tick's mode and segment,
//! so the first re-encoding may change a layout (a quote-sized packet for an index token); from
//! then on encode → decode is the identity.
#![no_main]

use algo_kite::ticker::{decode_frame, decode_frame_into, encode_frame, Frame, Tick};
use libfuzzer_sys::fuzz_target;

fn ticks_of(bytes: &[u8]) -> Vec<Tick> {
    match decode_frame(bytes) {
        Ok(Frame::Ticks(ticks)) => ticks,
        other => panic!("an encoded frame did not decode: {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let appended = decode_frame_into(data, &mut out);
    match decode_frame(data) {
        Ok(Frame::Heartbeat) => assert_eq!((data.len(), appended), (1, Ok(0))),
        Ok(Frame::Ticks(ticks)) => {
            assert_eq!(appended, Ok(ticks.len()));
            assert_eq!(out, ticks);
            let once = ticks_of(&encode_frame(&ticks));
            assert_eq!(once.len(), ticks.len());
            for (a, b) in ticks.iter().zip(&once) {
                assert_eq!(
                    (a.instrument_token, a.mode, a.tradable, a.last_price),
                    (b.instrument_token, b.mode, b.tradable, b.last_price)
                );
            }
            assert_eq!(ticks_of(&encode_frame(&once)), once);
        }
        Err(e) => {
            assert_eq!(appended, Err(e));
            assert!(out.is_empty(), "a failed decode appends nothing");
        }
    }
});
