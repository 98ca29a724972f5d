//! `/broker*`: connect (validated against the broker first), status, disconnect.

use algo_core::ErrorCode;
use algo_kite::{KiteError, Secret};
use algo_store::postgres::broker_keys::{self, BrokerKeysRow};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::dto::{BrokerConnected, BrokerStatus, ErrorBody};
use super::extract::{ApiJson, AuthUser};
use super::{ApiError, AppState};
use crate::broker::crypto::BrokerSecrets;
use crate::broker::session::SessionState;

/// Kite Connect keys: the app's api_key and api_secret, and today's access token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    api_key: String,
    secret_key: String,
    access_token: String,
}

/// Maps a broker failure while validating keys.
pub fn broker_error(e: &KiteError) -> ApiError {
    match e {
        KiteError::Auth { .. } | KiteError::Rejected { .. } => ApiError::new(
            ErrorCode::BrokerAuthFailed,
            "the broker refused these keys; re-enter your access token (Kite tokens expire every morning)",
        ),
        other => {
            tracing::warn!(error.cause = %other, "broker unavailable");
            ApiError::new(ErrorCode::BrokerUnavailable, "the broker did not answer; try again shortly")
        }
    }
}

pub(super) fn field(name: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() || v.len() > 256 || !v.bytes().all(|b| b.is_ascii_graphic()) {
        Err(ApiError::invalid(
            ErrorCode::BadRequest,
            format!("{name} is missing or malformed"),
            vec![algo_core::FieldError::new(
                name,
                format!("enter your {name}"),
            )],
        ))
    } else {
        Ok(v.to_owned())
    }
}

/// `POST /broker/connect`: checks the keys with the broker's profile call, then seals and saves
/// them. Invalid keys save nothing.
#[utoipa::path(post, path = "/broker/connect", tag = "broker", security(("bearer" = [])), request_body = ConnectRequest,
    responses((status = 200, body = BrokerConnected), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 424, description = "BROKER_AUTH_FAILED", body = ErrorBody),
        (status = 502, description = "BROKER_UNAVAILABLE", body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn connect(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<ConnectRequest>,
) -> Result<Json<BrokerConnected>, ApiError> {
    let secrets = BrokerSecrets {
        api_key: field("api_key", &body.api_key)?,
        secret_key: field("secret_key", &body.secret_key)?,
        access_token: field("access_token", &body.access_token)?,
    };
    let profile = state
        .kite
        .client(&secrets.api_key, Secret::new(secrets.access_token.clone()))
        .profile()
        .await
        .map_err(|e| broker_error(&e))?;
    let sealed = state
        .cipher
        .seal(user, &secrets)
        .map_err(ApiError::internal)?;
    broker_keys::upsert(
        &state.pg,
        &BrokerKeysRow {
            broker_user_id: Some(profile.user_id.clone()),
            user_name: Some(profile.user_name.clone()),
            status: "connected".into(),
            token_date: Some(crate::broker::session::token_day(state.clock.now())),
            ..sealed.into_row(user, state.clock.now())
        },
    )
    .await?;
    tracing::info!(event_type = "broker_connected", user_id = %user, broker_user_id = %profile.user_id, "broker connected");
    super::broker_login::queue_what_waited(&state, user).await;
    Ok(Json(BrokerConnected {
        status: "connected".into(),
        broker_user_id: profile.user_id,
        user_name: profile.user_name,
    }))
}

/// `GET /broker/status` → `connected | expired | not_connected` and, while connected, when the
/// session dies. A session of an earlier Kite day is `expired` without waiting for a failure.
#[utoipa::path(get, path = "/broker/status", tag = "broker", security(("bearer" = [])),
    responses((status = 200, body = BrokerStatus), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<BrokerStatus>, ApiError> {
    let row = broker_keys::get(&state.pg, user).await?;
    let session = SessionState::of(row.as_ref(), state.clock.now());
    let (broker_user_id, user_name) = row
        .map(|r| (r.broker_user_id, r.user_name))
        .unwrap_or_default();
    Ok(Json(BrokerStatus {
        status: session.as_str().into(),
        broker_user_id,
        user_name,
        reason: match &session {
            SessionState::Expired { reason } => Some(reason.clone()),
            SessionState::NotConnected => Some("log in to Kite to connect".into()),
            SessionState::Live { .. } => None,
        },
        valid_until: match session {
            SessionState::Live { valid_until } => valid_until,
            _ => None,
        },
    }))
}

/// `DELETE /broker` → 204; the keys are gone.
#[utoipa::path(delete, path = "/broker", tag = "broker", security(("bearer" = [])),
    responses((status = 204, description = "keys removed"), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn disconnect(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<StatusCode, ApiError> {
    broker_keys::delete(&state.pg, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
