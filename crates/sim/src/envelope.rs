//! Kite's response envelope and error types, with Kite's status codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// `{"status":"success","data":…}`.
pub fn ok(data: Value) -> Response {
    (
        StatusCode::OK,
        Json(json!({ "status": "success", "data": data })),
    )
        .into_response()
}

/// A Kite error: `{"status":"error","message":…,"data":null,"error_type":…}`.
#[derive(Debug, Clone)]
pub struct KiteError {
    pub status: StatusCode,
    pub error_type: &'static str,
    pub message: String,
}

impl KiteError {
    pub fn token() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            error_type: "TokenException",
            message: "Incorrect `api_key` or `access_token`.".into(),
        }
    }

    pub fn input(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error_type: "InputException",
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            error_type: "GeneralException",
            message: message.into(),
        }
    }

    pub fn too_many() -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            error_type: "NetworkException",
            message: "Too many requests".into(),
        }
    }

    pub fn server() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error_type: "GeneralException",
            message: "Something went wrong. Please try again.".into(),
        }
    }
}

impl IntoResponse for KiteError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "status": "error", "message": self.message, "data": null, "error_type": self.error_type }))).into_response()
    }
}
