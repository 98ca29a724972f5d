//! Kite's error envelope as a typed error the executor can act on.

use serde::Deserialize;

/// What went wrong talking to Kite, sorted by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KiteError {
    /// `TokenException` (403): the access token is invalid or expired. Never retry with it.
    #[error("broker authentication failed: {message}")]
    Auth { message: String },
    /// `InputException`, `OrderException`, `PermissionException`, other 4xx: the broker refused
    /// this request and will refuse it again.
    #[error("broker rejected the request ({error_type}): {message}")]
    Rejected {
        status: u16,
        error_type: String,
        message: String,
    },
    /// 429, 5xx, `NetworkException`, `GeneralException`: worth another try later.
    #[error("broker unavailable ({status}, {error_type}): {message}")]
    Retryable {
        status: u16,
        error_type: String,
        message: String,
    },
    /// The connection could not be made; the request never reached the broker.
    #[error("cannot reach the broker: {message}")]
    Unreachable { message: String },
    /// The request was sent but no answer came (timeout, reset): it may have been processed.
    #[error("no answer from the broker: {message}")]
    NoAnswer { message: String },
    /// The broker answered something this client cannot read.
    #[error("unexpected broker response ({status}): {message}")]
    Protocol { status: u16, message: String },
}

impl KiteError {
    /// Whether the same request may succeed if tried again.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            KiteError::Retryable { .. }
                | KiteError::Unreachable { .. }
                | KiteError::NoAnswer { .. }
        )
    }

    /// Whether the broker may have acted on the request although no success came back:
    /// after this, look the order up by its tag before placing it again.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            KiteError::NoAnswer { .. } => true,
            KiteError::Retryable { status, .. } => *status >= 500,
            KiteError::Protocol { .. } => true,
            _ => false,
        }
    }

    /// Whether the broker answered, definitively, that it has no such order: Kite's
    /// "Couldn't find that `order_id`." (400 `InputException`, or 404 `GeneralException`). Only
    /// this answer lets a caller conclude an order was never placed; a timeout, a 5xx, a 429
    /// or a missing route ("Route not found") proves nothing.
    pub fn is_not_found(&self) -> bool {
        match self {
            KiteError::Rejected {
                status: 400 | 404,
                message,
                ..
            } => message
                .to_ascii_lowercase()
                .replace('`', "")
                .contains("couldn't find that order_id"),
            _ => false,
        }
    }

    pub fn is_auth(&self) -> bool {
        matches!(self, KiteError::Auth { .. })
    }

    /// Maps an HTTP status and Kite's `error_type` to the error's kind.
    pub fn from_response(status: u16, error_type: Option<&str>, message: String) -> Self {
        let error_type = error_type.unwrap_or("").to_owned();
        match (status, error_type.as_str()) {
            (_, "TokenException") => KiteError::Auth { message },
            (403, "") => KiteError::Auth { message },
            (429, _) | (500..=599, _) | (_, "NetworkException") => KiteError::Retryable {
                status,
                error_type,
                message,
            },
            (400..=499, _) => KiteError::Rejected {
                status,
                error_type,
                message,
            },
            _ => KiteError::Protocol { status, message },
        }
    }

    pub(crate) fn from_reqwest(err: &reqwest::Error) -> Self {
        // Never include the URL: it is harmless here, but the habit keeps tokens out of logs.
        let message = err.without_url_ref().to_string();
        if err.is_connect() {
            KiteError::Unreachable { message }
        } else if err.is_decode() {
            KiteError::Protocol {
                status: err.status().map(|s| s.as_u16()).unwrap_or(0),
                message,
            }
        } else {
            KiteError::NoAnswer { message }
        }
    }
}

trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(url.as_str(), "<kite>");
        }
        text
    }
}

/// Kite's error body: `{"status":"error","message":"…","error_type":"TokenException"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorEnvelope {
    pub message: Option<String>,
    pub error_type: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_kite_error_types() {
        let e = |status, t: &str| KiteError::from_response(status, Some(t), "m".into());
        assert!(e(403, "TokenException").is_auth());
        assert!(!e(403, "TokenException").is_retryable());
        assert!(matches!(
            e(400, "InputException"),
            KiteError::Rejected { .. }
        ));
        assert!(matches!(
            e(400, "OrderException"),
            KiteError::Rejected { .. }
        ));
        assert!(!e(400, "OrderException").is_retryable());
        assert!(e(429, "NetworkException").is_retryable());
        assert!(
            !e(429, "NetworkException").is_ambiguous(),
            "a 429 was not processed"
        );
        assert!(e(500, "GeneralException").is_retryable());
        assert!(e(503, "").is_ambiguous());
        assert!(e(502, "NetworkException").is_retryable());
        assert!(KiteError::NoAnswer {
            message: "t".into()
        }
        .is_ambiguous());
        assert!(!KiteError::Unreachable {
            message: "t".into()
        }
        .is_ambiguous());
    }

    #[test]
    fn only_a_definitive_answer_is_not_found() {
        let e = |status, t: &str, m: &str| KiteError::from_response(status, Some(t), m.into());
        let missing = "Couldn't find that `order_id`.";
        assert!(e(400, "InputException", missing).is_not_found());
        assert!(e(404, "GeneralException", missing).is_not_found());
        assert!(!e(400, "InputException", missing).is_retryable());
        for other in [
            e(404, "GeneralException", "Route not found"),
            e(400, "InputException", "Invalid `order_id`."),
            e(500, "GeneralException", missing),
            e(429, "NetworkException", "Too many requests"),
            e(403, "TokenException", missing),
            KiteError::NoAnswer {
                message: missing.into(),
            },
        ] {
            assert!(!other.is_not_found(), "{other:?}");
        }
    }
}
