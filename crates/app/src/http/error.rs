//! The API's one error type, mapped to HTTP in one place.

use algo_core::{ErrorCode, FieldError};
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
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // 5xx bodies say nothing specific; the cause is logged where it was handled.
        let message = if status.is_server_error() && self.code == ErrorCode::Internal {
            "internal error".to_owned()
        } else {
            self.message
        };
        let mut error = json!({ "code": self.code, "message": message });
        if !self.fields.is_empty() {
            error["fields"] = json!(self.fields);
        }
        (status, Json(json!({ "error": error }))).into_response()
    }
}
