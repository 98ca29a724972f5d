//! Expo's push API (docs.expo.dev, "Send notifications with Expo's Push API"): `POST
//! /--/api/v2/push/send` with up to 100 messages answers one ticket per message, in order
//! (`{"status":"ok","id"}` or `{"status":"error","message","details":{"error"}}`); `POST
//! /--/api/v2/push/getReceipts {ids}` answers `{"data":{id: receipt}}` once Expo has handed
//! the message on. `DeviceNotRegistered`, in a ticket or a receipt, means: stop sending to
//! that token. 429 and 5xx are worth a retry with back-off.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One push message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Message {
    pub to: String,
    pub title: String,
    pub body: String,
    pub data: serde_json::Value,
    pub sound: &'static str,
}

/// What Expo said about one message (a ticket) or its delivery (a receipt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Taken; a ticket carries the receipt id.
    Ok(Option<String>),
    /// The device is gone: forget the token.
    DeviceNotRegistered(String),
    /// Refused for another reason (`MessageTooBig`, `InvalidCredentials`, …).
    Error(String),
}

/// Why a request failed as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// Network trouble, a timeout, 429 or 5xx: try again later.
    #[error("Expo push is unavailable: {0}")]
    Transient(String),
    /// 4xx other than 429: the request itself is wrong.
    #[error("Expo push refused the request: {0}")]
    Refused(String),
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: Option<T>,
    errors: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct Entry {
    status: String,
    id: Option<String>,
    message: Option<String>,
    details: Option<Details>,
}

#[derive(Deserialize)]
struct Details {
    error: Option<String>,
}

impl Entry {
    fn answer(self) -> Answer {
        if self.status == "ok" {
            return Answer::Ok(self.id);
        }
        let message = self.message.unwrap_or_else(|| "no message".into());
        match self.details.and_then(|d| d.error) {
            Some(e) if e == "DeviceNotRegistered" => Answer::DeviceNotRegistered(message),
            Some(e) => Answer::Error(format!("{e}: {message}")),
            None => Answer::Error(message),
        }
    }
}

/// A client of Expo's push API at `base` (`https://exp.host`, or a test's server).
#[derive(Clone)]
pub struct ExpoPush {
    http: reqwest::Client,
    base: String,
    access_token: Option<String>,
}

impl std::fmt::Debug for ExpoPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExpoPush")
            .field("base", &self.base)
            .finish()
    }
}

/// Expo takes at most this many messages, and this many receipt ids, per request.
pub const MAX_BATCH: usize = 100;

impl ExpoPush {
    pub fn new(
        base: &str,
        access_token: Option<String>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            access_token,
        })
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, PushError> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Accept", "application/json")
            .json(body);
        if let Some(token) = &self.access_token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| PushError::Transient(e.without_url().to_string()))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| PushError::Transient(e.without_url().to_string()))?;
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(PushError::Transient(format!("HTTP {status}")));
        }
        let envelope: Envelope<T> = serde_json::from_str(&text)
            .map_err(|e| PushError::Refused(format!("HTTP {status}, unreadable answer: {e}")))?;
        match (status.is_success(), envelope.data, envelope.errors) {
            (true, Some(data), _) => Ok(data),
            (_, _, Some(errors)) => Err(PushError::Refused(format!(
                "HTTP {status}: {}",
                serde_json::Value::Array(errors)
            ))),
            _ => Err(PushError::Refused(format!("HTTP {status} with no data"))),
        }
    }

    /// Sends up to [`MAX_BATCH`] messages; one answer per message, in order.
    pub async fn send(&self, messages: &[Message]) -> Result<Vec<Answer>, PushError> {
        let tickets: Vec<Entry> = self.post("/--/api/v2/push/send", &messages).await?;
        if tickets.len() != messages.len() {
            return Err(PushError::Transient(format!(
                "{} tickets for {} messages",
                tickets.len(),
                messages.len()
            )));
        }
        Ok(tickets.into_iter().map(Entry::answer).collect())
    }

    /// The receipts Expo has for `ids` (a missing id: not ready yet).
    pub async fn receipts(&self, ids: &[String]) -> Result<HashMap<String, Answer>, PushError> {
        let receipts: HashMap<String, Entry> = self
            .post(
                "/--/api/v2/push/getReceipts",
                &serde_json::json!({ "ids": ids }),
            )
            .await?;
        Ok(receipts
            .into_iter()
            .map(|(id, entry)| (id, entry.answer()))
            .collect())
    }
}
