//! `/auth/*`: register, login (rate-limited per email), refresh (rotating), me.

use algo_core::ErrorCode;
use algo_store::postgres::{broker_keys, refresh_tokens, users};
use algo_store::StoreError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use redis::AsyncCommands;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{BrokerSummary, ErrorBody, Me, TokenPair};
use super::extract::{ApiJson, AuthUser};
use super::{ApiError, AppState};
use crate::auth::{password, tokens};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[schema(example = "trader@example.com")]
    email: String,
    /// 8 to 128 characters.
    #[schema(example = "correct horse battery")]
    password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// Failed logins allowed per email in [`LOGIN_WINDOW_SECS`] before answering `RATE_LIMITED`.
const MAX_LOGIN_FAILURES: i64 = 5;
const LOGIN_WINDOW_SECS: i64 = 15 * 60;

fn normalise_email(email: &str) -> Result<String, ApiError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(ApiError::invalid(
            ErrorCode::BadRequest,
            "email is not a valid address",
            vec![algo_core::FieldError::new(
                "email",
                "enter an email address like name@example.com",
            )],
        ))
    }
}

async fn issue_pair(state: &AppState, user_id: Uuid) -> Result<TokenPair, ApiError> {
    let now = state.clock.now();
    let access_token = state
        .tokens
        .access_token(user_id, now)
        .map_err(ApiError::internal)?;
    let refresh_token = tokens::new_refresh_token();
    refresh_tokens::insert(
        &state.pg,
        user_id,
        &tokens::refresh_hash(&refresh_token),
        now + tokens::REFRESH_TTL,
    )
    .await?;
    Ok(TokenPair {
        user_id,
        access_token,
        refresh_token,
        expires_in: tokens::ACCESS_TTL.num_seconds(),
    })
}

/// `POST /auth/register {email, password}` → 201 with a token pair.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = Credentials,
    responses((status = 201, body = TokenPair), (status = 400, description = "BAD_REQUEST, WEAK_PASSWORD", body = ErrorBody),
        (status = 409, description = "EMAIL_TAKEN", body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<TokenPair>), ApiError> {
    let email = normalise_email(&body.email)?;
    password::check_strength(&body.password).map_err(|m| {
        ApiError::invalid(
            ErrorCode::WeakPassword,
            m,
            vec![algo_core::FieldError::new("password", m)],
        )
    })?;
    let hash = password::hash(body.password)
        .await
        .map_err(ApiError::internal)?;
    let user_id = Uuid::new_v4();
    match users::insert(&state.pg, user_id, &email, &hash).await {
        Ok(()) => {}
        Err(StoreError::Conflict(c)) if c == "users_email_key" => {
            return Err(ApiError::new(
                ErrorCode::EmailTaken,
                "an account with this email already exists",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(event_type = "user_registered", user_id = %user_id, "registered");
    Ok((
        StatusCode::CREATED,
        Json(issue_pair(&state, user_id).await?),
    ))
}

#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = Credentials,
    responses((status = 200, body = TokenPair), (status = 400, body = ErrorBody), (status = 401, description = "INVALID_CREDENTIALS", body = ErrorBody),
        (status = 429, description = "RATE_LIMITED", body = ErrorBody), (status = 503, body = ErrorBody)))]
/// `POST /auth/login {email, password}` → 200 with a token pair; the same 401 for a wrong email
/// and a wrong password, after the same work; 429 after too many failures for one email.
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Json<TokenPair>, ApiError> {
    let wrong = || ApiError::new(ErrorCode::InvalidCredentials, "wrong email or password");
    let Ok(email) = normalise_email(&body.email) else {
        return Err(wrong());
    };
    let key = format!("{}login_fail:{email}", state.redis.keys().prefix());
    let mut conn = state.redis.conn().await?;
    let failures: Option<i64> = conn.get(&key).await?;
    if failures.unwrap_or(0) >= MAX_LOGIN_FAILURES {
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            "too many failed sign-ins for this email; try again in 15 minutes",
        ));
    }
    let user = users::by_email(&state.pg, &email).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_owned());
    let matches = password::verify(body.password, hash).await;
    match user {
        Some(user) if matches => {
            let _: () = conn.del(&key).await?;
            Ok(Json(issue_pair(&state, user.id).await?))
        }
        _ => {
            let count: i64 = conn.incr(&key, 1).await?;
            if count == 1 {
                let _: () = conn.expire(&key, LOGIN_WINDOW_SECS).await?;
            }
            tracing::info!(
                event_type = "login_failed",
                failures = count,
                "login failed"
            );
            Err(wrong())
        }
    }
}

/// `POST /auth/refresh {refresh_token}` → a new pair; the presented token stops working.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 400, body = ErrorBody), (status = 401, description = "UNAUTHORIZED", body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    let now = state.clock.now();
    match refresh_tokens::redeem(&state.pg, &tokens::refresh_hash(&body.refresh_token), now).await?
    {
        refresh_tokens::Redeemed::User(user) => Ok(Json(issue_pair(&state, user).await?)),
        refresh_tokens::Redeemed::Replayed => {
            tracing::warn!(
                event_type = "refresh_replayed",
                "a spent refresh token was presented; the user's sessions were revoked"
            );
            Err(ApiError::new(
                ErrorCode::Unauthorized,
                "this refresh token was already used; sign in again",
            ))
        }
        refresh_tokens::Redeemed::Invalid => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "the refresh token is not valid; sign in again",
        )),
    }
}

/// `GET /auth/me` → the caller's email and broker connection status.
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "UNAUTHORIZED, TOKEN_EXPIRED", body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Me>, ApiError> {
    let row = users::by_id(&state.pg, user)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "the account no longer exists"))?;
    let broker = broker_keys::get(&state.pg, user).await?;
    Ok(Json(Me {
        user_id: row.id,
        email: row.email,
        broker: BrokerSummary {
            status: broker
                .map(|b| b.status)
                .unwrap_or_else(|| "not_connected".into()),
        },
    }))
}
