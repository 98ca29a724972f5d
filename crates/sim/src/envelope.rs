//! Kite's response envelopes, with Kite's status codes and error types, in one place.
//!
//! Success: `{"status":"success","data":…}`. Error:
//! `{"status":"error","message":"Incorrect `api_key` or `access_token`.","data":null,"error_type":"TokenException"}`.

use std::fmt;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Serialize)]
struct Success<T> {
    status: &'static str,
    data: T,
}

/// `{"status":"success","data":data}` with 200.
pub fn ok<T: Serialize>(data: T) -> Response {
    (
        StatusCode::OK,
        Json(Success {
            status: "success",
            data,
        }),
    )
        .into_response()
}

/// Kite's `error_type` values, as the official clients map them to exception classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ErrorType {
    TokenException,
    InputException,
    OrderException,
    NetworkException,
    GeneralException,
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A Kite error response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {error_type}: {message}")]
pub struct KiteError {
    pub status: StatusCode,
    pub error_type: ErrorType,
    pub message: String,
}

impl KiteError {
    pub fn new(status: StatusCode, error_type: ErrorType, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type,
            message: message.into(),
        }
    }

    /// 403: a missing, unknown or expired access token (Kite's exact message).
    pub fn token() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorType::TokenException,
            "Incorrect `api_key` or `access_token`.",
        )
    }

    /// 400: a request Kite refuses to accept.
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorType::InputException, message)
    }

    /// 429: over the rate limit.
    pub fn too_many_requests() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorType::NetworkException,
            "Too many requests",
        )
    }

    /// 500: Kite's generic failure.
    pub fn server() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::GeneralException,
            "Something went wrong. Please try again.",
        )
    }

    /// 404 for a path Kite does not have.
    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorType::GeneralException,
            "Route not found",
        )
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    status: &'static str,
    message: &'a str,
    data: Option<()>,
    error_type: ErrorType,
}

impl IntoResponse for KiteError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            status: "error",
            message: &self.message,
            data: None,
            error_type: self.error_type,
        };
        (self.status, Json(body)).into_response()
    }
}

/// Unknown paths answer in Kite's envelope too.
pub async fn fallback() -> KiteError {
    KiteError::route_not_found()
}

/// A known path with the wrong method.
pub async fn method_not_allowed() -> KiteError {
    KiteError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorType::GeneralException,
        "Method not allowed",
    )
}
