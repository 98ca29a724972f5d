//! The API's one error type, mapped to HTTP in one place.

use algo_core::{ErrorCode, FieldError};
use algo_store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error answered to the client as `{"error": {"code", "message", "fields"?}}`.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Vec<FieldError>,
    /// Seconds the client should wait before trying again, sent as `Retry-After` (429s).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    pub fn invalid(code: ErrorCode, message: impl Into<String>, fields: Vec<FieldError>) -> Self {
        Self {
            code,
            message: message.into(),
            fields,
            retry_after: None,
        }
    }

    /// An unexpected failure: logged here with its cause, answered without it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error.cause = %cause, "internal error");
        Self::new(ErrorCode::Internal, "internal error")
    }

    /// The same error, telling the client to wait `seconds` (at least one) before retrying.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "not found")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::DbDown(cause) | StoreError::Migration(cause) => {
                tracing::error!(error.code = "DB_DOWN", error.cause = %cause, "postgres call failed");
                ApiError::new(
                    ErrorCode::DbDown,
                    "the database is unavailable; try again shortly",
                )
            }
            StoreError::RedisDown(cause) => {
                tracing::error!(error.code = "REDIS_DOWN", error.cause = %cause, "redis call failed");
                ApiError::new(
                    ErrorCode::RedisDown,
                    "runtime state is unavailable; try again shortly",
                )
            }
            StoreError::QueueDown(cause) => {
                tracing::error!(error.code = "ORDER_FAILED", error.cause = %cause, "queue call failed");
                ApiError::new(
                    ErrorCode::OrderFailed,
                    "the order queue is unavailable; try again shortly",
                )
            }
            // Secrets are read at start-up only; a request never gets here, but stays a 500.
            StoreError::Secret(cause) => {
                tracing::error!(error.code = "INTERNAL", error.cause = %cause, "secret unavailable");
                ApiError::new(ErrorCode::Internal, "internal error")
            }
            StoreError::Conflict(constraint) => {
                ApiError::internal(format!("unmapped constraint {constraint}"))
            }
        }
    }
}

impl From<redis::RedisError> for ApiError {
    fn from(e: redis::RedisError) -> Self {
        StoreError::RedisDown(e.to_string()).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut error = json!({ "code": self.code, "message": self.message });
        if !self.fields.is_empty() {
            error["fields"] = json!(self.fields);
        }
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
