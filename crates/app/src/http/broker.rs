//! `/broker*`: connect (validated against the broker first), status, disconnect.

use algo_core::ErrorCode;
use algo_kite::{KiteError, Secret};
use algo_store::postgres::broker_keys::{self, BrokerKeysRow};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::extract::{ApiJson, AuthUser};
use super::{ApiError, AppState};
use crate::broker::crypto::BrokerSecrets;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    api_key: String,
    secret_key: String,
    access_token: String,
}

/// Maps a broker failure while validating keys.
pub fn broker_error(e: &KiteError) -> ApiError {
    match e {
        KiteError::Auth { .. } | KiteError::Rejected { .. } => {
            ApiError::new(ErrorCode::BrokerAuthFailed, "the broker refused these keys; re-enter your access token (Kite tokens expire every morning)")
        }
        other => {
            tracing::warn!(error.cause = %other, "broker unavailable");
            ApiError::new(ErrorCode::BrokerUnavailable, "the broker did not answer; try again shortly")
        }
    }
}

/// `POST /broker/connect`: checks the keys with the broker's profile call, then seals and saves
/// them. Invalid keys save nothing.
pub async fn connect(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<ConnectRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let field = |name: &str, value: &str| {
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
    };
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
            user_id: user,
            ciphertext: sealed.ciphertext,
            nonce: sealed.nonce,
            key_id: sealed.key_id,
            broker_user_id: Some(profile.user_id.clone()),
            user_name: Some(profile.user_name.clone()),
            status: "connected".into(),
            status_reason: None,
            updated_at: state.clock.now(),
        },
    )
    .await?;
    tracing::info!(event_type = "broker_connected", user_id = %user, broker_user_id = %profile.user_id, "broker connected");
    Ok(Json(
        json!({ "status": "connected", "broker_user_id": profile.user_id, "user_name": profile.user_name }),
    ))
}

/// `GET /broker/status` → `connected | expired | not_connected`.
pub async fn status(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(match broker_keys::get(&state.pg, user).await? {
        None => json!({ "status": "not_connected" }),
        Some(row) => json!({
            "status": row.status,
            "broker_user_id": row.broker_user_id,
            "user_name": row.user_name,
            "reason": row.status_reason,
        }),
    }))
}

/// `DELETE /broker` → 204; the keys are gone.
pub async fn disconnect(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<StatusCode, ApiError> {
    broker_keys::delete(&state.pg, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
