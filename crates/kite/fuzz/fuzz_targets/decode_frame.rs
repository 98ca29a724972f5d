//! Any bytes: decoding returns a frame or an error, never panics or over-reads (ASan watches);
//! and what decodes survives a round trip through the encoder. (Not byte for byte: depth padding
//! is ignored, and an index token re-encodes in the index layout.)
#![no_main]

use algo_kite::ticker::{decode_frame, encode_frame, Frame, Segment};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Frame::Ticks(ticks)) = decode_frame(data) {
        if ticks.iter().all(|t| t.segment() != Segment::Indices) {
            assert_eq!(decode_frame(&encode_frame(&ticks)), Ok(Frame::Ticks(ticks)));
        }
    }
});
