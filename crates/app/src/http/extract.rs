//! Extractors that answer bad input with the API's error codes.

use algo_core::ErrorCode;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{ApiError, AppState};
use crate::auth::tokens::TokenError;

/// A JSON body; malformed JSON, wrong types and unknown fields answer 400 `BAD_REQUEST`,
/// a body over the limit 413 `PAYLOAD_TOO_LARGE`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

fn json_error(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "request body is larger than {} bytes",
                super::MAX_BODY_BYTES
            ),
        );
    }
    let message = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "send Content-Type: application/json".to_owned()
        }
        JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON".to_owned(),
        // serde's message names the field and what was wrong with it, never a value's secret.
        JsonRejection::JsonDataError(e) => e.body_text().replace(
            "Failed to deserialize the JSON body into the target type: ",
            "",
        ),
        other => other.body_text(),
    };
    ApiError::new(ErrorCode::BadRequest, message)
}

/// The caller, from `Authorization: Bearer <access token>`.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub Uuid);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::new(ErrorCode::Unauthorized, "sign in first (no access token)")
            })?;
        let token = header.strip_prefix("Bearer ").ok_or_else(|| {
            ApiError::new(ErrorCode::Unauthorized, "use Authorization: Bearer <token>")
        })?;
        match state.tokens.verify(token.trim(), state.clock.now()) {
            Ok(user) => {
                tracing::Span::current().record("user_id", tracing::field::display(user));
                Ok(AuthUser(user))
            }
            Err(TokenError::Expired) => Err(ApiError::new(
                ErrorCode::TokenExpired,
                "the access token expired; refresh it",
            )),
            Err(TokenError::Invalid) => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "the access token is not valid",
            )),
        }
    }
}

/// A resource id from the path; anything that is not a UUID is simply not found.
pub fn parse_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::not_found())
}
