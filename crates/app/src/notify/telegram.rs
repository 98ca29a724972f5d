//! Telegram's Bot API (core.telegram.org/bots/api): `POST /bot<token>/sendMessage {chat_id,
//! text}` and `POST /bot<token>/getUpdates {offset, timeout, allowed_updates}`, each answering
//! `{"ok": true, "result": …}` or `{"ok": false, "error_code", "description", "parameters":
//! {"retry_after"}}`. A user links a chat by sending the bot `/start <code>`.

use std::time::Duration;

use serde::Deserialize;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelegramError {
    /// Network trouble, 429 (with `retry_after` seconds) or 5xx: try again later.
    #[error("Telegram is unavailable: {0}")]
    Transient(String, Option<u64>),
    /// The chat is gone for this bot (blocked, deleted, not found): unlink it.
    #[error("the chat cannot be reached: {0}")]
    ChatGone(String),
    /// Any other refusal.
    #[error("Telegram refused: {0}")]
    Refused(String),
}

#[derive(Deserialize)]
struct Answer<T> {
    ok: bool,
    result: Option<T>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

/// One update from getUpdates: only messages matter here.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Update {
    pub update_id: i64,
    pub message: Option<IncomingMessage>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct IncomingMessage {
    pub chat: Chat,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Chat {
    pub id: i64,
}

/// A bot at `base` (`https://api.telegram.org`, or a test's server).
#[derive(Clone)]
pub struct Telegram {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl std::fmt::Debug for Telegram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bot token is a secret and part of every URL: never shown.
        f.debug_struct("Telegram")
            .field("base", &self.base)
            .finish()
    }
}

impl Telegram {
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        body: &serde_json::Value,
    ) -> Result<T, TelegramError> {
        let response = self
            .http
            .post(format!("{}/bot{}/{method}", self.base, self.token))
            .json(body)
            .send()
            .await
            // Without the URL: it carries the bot token.
            .map_err(|e| TelegramError::Transient(e.without_url().to_string(), None))?;
        let status = response.status();
        let answer: Answer<T> = response.json().await.map_err(|e| {
            TelegramError::Transient(format!("HTTP {status}: {}", e.without_url()), None)
        })?;
        if answer.ok {
            return answer
                .result
                .ok_or_else(|| TelegramError::Refused("ok without a result".into()));
        }
        let code = answer.error_code.unwrap_or(status.as_u16());
        let why = format!(
            "{code} {}",
            answer
                .description
                .unwrap_or_else(|| "no description".into())
        );
        let lower = why.to_lowercase();
        Err(match code {
            429 => TelegramError::Transient(why, answer.parameters.and_then(|p| p.retry_after)),
            500..=599 => TelegramError::Transient(why, None),
            403 => TelegramError::ChatGone(why),
            400 if lower.contains("chat not found") => TelegramError::ChatGone(why),
            _ => TelegramError::Refused(why),
        })
    }

    pub async fn send_message(&self, chat_id: i64, text: &str) -> Result<(), TelegramError> {
        let _: serde_json::Value = self
            .call(
                "sendMessage",
                &serde_json::json!({ "chat_id": chat_id, "text": text }),
            )
            .await?;
        Ok(())
    }

    /// Updates from `offset` on, without waiting.
    pub async fn updates(&self, offset: i64) -> Result<Vec<Update>, TelegramError> {
        self.call(
            "getUpdates",
            &serde_json::json!({ "offset": offset, "timeout": 0, "allowed_updates": ["message"] }),
        )
        .await
    }
}

/// The code in a `/start <code>` message (Telegram's deep link `t.me/<bot>?start=<code>`
/// sends exactly that).
pub fn start_code(text: &str) -> Option<&str> {
    let rest = text.trim().strip_prefix("/start")?;
    let code = rest.trim();
    (!code.is_empty() && code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric()))
        .then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_message_carries_the_code() {
        assert_eq!(start_code("/start abc123"), Some("abc123"));
        assert_eq!(start_code("  /start   abc123 "), Some("abc123"));
        assert_eq!(start_code("/start"), None);
        assert_eq!(start_code("/start a-b"), None);
        assert_eq!(start_code("hello"), None);
    }
}
