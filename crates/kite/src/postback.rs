//! Postback checksum: Kite signs each postback with `sha256(order_id + order_timestamp + api_secret)`.

use sha2::{Digest, Sha256};

/// The checksum Kite computes for a postback.
pub fn checksum(order_id: &str, order_timestamp: &str, api_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(order_id.as_bytes());
    h.update(order_timestamp.as_bytes());
    h.update(api_secret.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `given` is the postback's checksum, compared in constant time.
pub fn verify(order_id: &str, order_timestamp: &str, api_secret: &str, given: &str) -> bool {
    let expected = checksum(order_id, order_timestamp, api_secret);
    let given = given.trim().to_ascii_lowercase();
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The session checksum `POST /session/token` takes: `sha256(api_key + request_token + api_secret)`.
pub fn session_checksum(api_key: &str, request_token: &str, api_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(api_key.as_bytes());
    h.update(request_token.as_bytes());
    h.update(api_secret.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_and_rejects_tampering() {
        let sum = checksum("220303000308932", "2022-03-03 09:24:25", "secret");
        assert_eq!(sum.len(), 64);
        assert!(verify(
            "220303000308932",
            "2022-03-03 09:24:25",
            "secret",
            &sum
        ));
        assert!(verify(
            "220303000308932",
            "2022-03-03 09:24:25",
            "secret",
            &sum.to_uppercase()
        ));
        assert!(!verify(
            "220303000308933",
            "2022-03-03 09:24:25",
            "secret",
            &sum
        ));
        assert!(!verify(
            "220303000308932",
            "2022-03-03 09:24:26",
            "secret",
            &sum
        ));
        assert!(!verify(
            "220303000308932",
            "2022-03-03 09:24:25",
            "other",
            &sum
        ));
        assert!(!verify(
            "220303000308932",
            "2022-03-03 09:24:25",
            "secret",
            ""
        ));
    }

    #[test]
    fn matches_a_known_sha256() {
        // sha256("abc"), split across the three parts.
        assert_eq!(
            checksum("a", "b", "c"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(session_checksum("a", "b", "c"), checksum("a", "b", "c"));
    }
}
