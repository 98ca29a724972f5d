//! `/auth/*`: register, login (both limited per source address, login per email too, and
//! bounded in argon2 work), refresh (rotating within a family), logout, me.

use algo_core::ErrorCode;
use algo_store::postgres::{broker_keys, refresh_tokens, users};
use algo_store::StoreError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::client_addr::ClientAddr;
use super::dto::{BrokerSummary, ErrorBody, Me, TokenPair};
use super::extract::{ApiJson, AuthUser};
use super::{ApiError, AppState};
use crate::auth::hash_pool::HashPermit;
use crate::auth::login_limits::{self, Attempt, Subject};
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

/// "Now" as Postgres stores it (microseconds), so a pair issued again from a stored instant
/// (a refresh's retry) is signed with the same `iat`.
fn now_stored(state: &AppState) -> DateTime<Utc> {
    state.clock.now().trunc_subsecs(6)
}

fn pair(
    state: &AppState,
    user_id: Uuid,
    refresh_token: String,
    issued_at: DateTime<Utc>,
) -> Result<TokenPair, ApiError> {
    let access_token = state
        .tokens
        .access_token(user_id, issued_at)
        .map_err(ApiError::internal)?;
    Ok(TokenPair {
        user_id,
        access_token,
        refresh_token,
        expires_in: tokens::ACCESS_TTL.num_seconds(),
    })
}

/// A sign-in: a new refresh-token family and its first pair.
async fn issue_pair(state: &AppState, user_id: Uuid) -> Result<TokenPair, ApiError> {
    let now = now_stored(state);
    let refresh_token = tokens::new_refresh_token();
    refresh_tokens::insert(
        &state.pg,
        user_id,
        &tokens::refresh_hash(&refresh_token),
        now + tokens::REFRESH_TTL,
    )
    .await?;
    pair(state, user_id, refresh_token, now)
}

/// A slot in this process's argon2 bound, or 429 `TOO_MANY_LOGINS` at once.
fn hash_slot(state: &AppState, source: &ClientAddr) -> Result<HashPermit, ApiError> {
    state.hashes.try_start().ok_or_else(|| {
        tracing::warn!(event_type = "hashes_busy", source = %source, "every password hash slot is busy");
        ApiError::new(
            ErrorCode::TooManyLogins,
            "the server is busy signing others in; try again in a second",
        )
        .retry_after(1)
    })
}

/// Counts the attempt, or 429 `RATE_LIMITED` with how long to wait (`Retry-After`).
async fn count_attempt(
    state: &AppState,
    email: Option<&str>,
    source: &ClientAddr,
) -> Result<Attempt, ApiError> {
    let bucket = source.bucket();
    let subject = Subject {
        email,
        source: &bucket,
    };
    match login_limits::begin(&state.redis, subject, state.clock.now()).await? {
        Ok(attempt) => Ok(attempt),
        Err(wait) => {
            tracing::info!(event_type = "login_throttled", source = %source, wait_ms = wait.as_millis() as u64, "attempt refused");
            let secs = login_limits::retry_after_secs(wait);
            Err(ApiError::new(
                ErrorCode::RateLimited,
                format!("too many attempts; try again in {}", wait_words(secs)),
            )
            .retry_after(secs))
        }
    }
}

fn wait_words(secs: u64) -> String {
    match secs {
        0..=1 => "a second".into(),
        2..=90 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

/// Takes back an attempt that was no failed guess. A Redis failure here costs the user one
/// counted attempt, never the answer they earned.
async fn forgive(state: &AppState, attempt: Attempt) {
    if let Err(e) = login_limits::forgive(&state.redis, attempt).await {
        tracing::warn!(error.cause = %e, "could not take back a login attempt");
    }
}

/// `POST /auth/register {email, password}` → 201 with a token pair. An email already registered
/// answers 409 `EMAIL_TAKEN`, and counts against the source address as a failed login does, so
/// register is no faster a way to sweep for registered emails than login.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = Credentials,
    responses((status = 201, body = TokenPair), (status = 400, description = "BAD_REQUEST, WEAK_PASSWORD", body = ErrorBody),
        (status = 409, description = "EMAIL_TAKEN", body = ErrorBody),
        (status = 429, description = "RATE_LIMITED (wait `Retry-After` seconds), TOO_MANY_LOGINS", body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    source: ClientAddr,
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
    let slot = hash_slot(&state, &source)?;
    let attempt = count_attempt(&state, None, &source).await?;
    let hash = match slot.hash(body.password).await {
        Ok(hash) => hash,
        Err(e) => {
            forgive(&state, attempt).await;
            return Err(ApiError::internal(e));
        }
    };
    let user_id = Uuid::new_v4();
    match users::insert(&state.pg, user_id, &email, &hash).await {
        Ok(()) => forgive(&state, attempt).await,
        Err(StoreError::Conflict(c)) if c == "users_email_key" => {
            tracing::info!(event_type = "register_email_taken", source = %source, "email taken");
            return Err(ApiError::new(
                ErrorCode::EmailTaken,
                "an account with this email already exists",
            ));
        }
        Err(e) => {
            forgive(&state, attempt).await;
            return Err(e.into());
        }
    }
    tracing::info!(event_type = "user_registered", user_id = %user_id, "registered");
    Ok((
        StatusCode::CREATED,
        Json(issue_pair(&state, user_id).await?),
    ))
}

#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = Credentials,
    responses((status = 200, body = TokenPair), (status = 400, body = ErrorBody), (status = 401, description = "INVALID_CREDENTIALS", body = ErrorBody),
        (status = 429, description = "RATE_LIMITED (wait `Retry-After` seconds), TOO_MANY_LOGINS", body = ErrorBody), (status = 503, body = ErrorBody)))]
/// `POST /auth/login {email, password}` → 200 with a token pair; the same 401 for a wrong email
/// and a wrong password, after the same work. Each attempt counts against the email and the
/// source address before the password is checked; past the free attempts each answers 429
/// `RATE_LIMITED` until a back-off that doubles (see [`login_limits`]). A right password takes
/// its attempt back. With every argon2 slot of the process busy: 429 `TOO_MANY_LOGINS` at once.
pub async fn login(
    State(state): State<AppState>,
    source: ClientAddr,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Json<TokenPair>, ApiError> {
    let wrong = || ApiError::new(ErrorCode::InvalidCredentials, "wrong email or password");
    let Ok(email) = normalise_email(&body.email) else {
        return Err(wrong());
    };
    let slot = hash_slot(&state, &source)?;
    let attempt = count_attempt(&state, Some(&email), &source).await?;
    let user = match users::by_email(&state.pg, &email).await {
        Ok(user) => user,
        Err(e) => {
            forgive(&state, attempt).await;
            return Err(e.into());
        }
    };
    let matches = slot
        .verify(
            body.password,
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await;
    match user {
        Some(user) if matches => {
            forgive(&state, attempt).await;
            Ok(Json(issue_pair(&state, user.id).await?))
        }
        _ => {
            tracing::info!(event_type = "login_failed", source = %source, "login failed");
            Err(wrong())
        }
    }
}

/// `POST /auth/refresh {refresh_token}` → a new pair; the presented token stops working. The
/// same token again within [`tokens::REFRESH_REUSE_GRACE`], its successor unused (the retry of
/// an answer that was lost), gets the same pair; later, it is a replay and ends that session's
/// family of tokens (not the user's other sessions).
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 400, body = ErrorBody), (status = 401, description = "UNAUTHORIZED", body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    let now = now_stored(&state);
    let successor = state
        .tokens
        .successor_refresh_token(&body.refresh_token)
        .map_err(ApiError::internal)?;
    let rotated = refresh_tokens::rotate(
        &state.pg,
        &tokens::refresh_hash(&body.refresh_token),
        &tokens::refresh_hash(&successor),
        now,
        now + tokens::REFRESH_TTL,
        tokens::REFRESH_REUSE_GRACE,
    )
    .await?;
    match rotated {
        refresh_tokens::Rotated::New { user } => Ok(Json(pair(&state, user, successor, now)?)),
        refresh_tokens::Rotated::Retry { user, at } => {
            tracing::info!(event_type = "refresh_retried", user_id = %user, "a rotation was retried; same pair");
            Ok(Json(pair(&state, user, successor, at)?))
        }
        refresh_tokens::Rotated::Reused => {
            tracing::warn!(
                event_type = "refresh_replayed",
                "a spent refresh token was presented; its session was revoked"
            );
            Err(ApiError::new(
                ErrorCode::Unauthorized,
                "this refresh token was already used; sign in again",
            ))
        }
        refresh_tokens::Rotated::Invalid => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "the refresh token is not valid; sign in again",
        )),
    }
}

/// `POST /auth/logout {refresh_token}` → 204: this session ends (its refresh token, and every
/// token rotated from the same sign-in, stop working). The refresh token is the credential, so
/// an expired access token does not stand in the way; an unknown token also answers 204.
/// Access tokens already issued live out their 15 minutes.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "the session's refresh tokens are revoked"), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let ended =
        refresh_tokens::revoke_family_of(&state.pg, &tokens::refresh_hash(&body.refresh_token))
            .await?;
    tracing::info!(event_type = "signed_out", ended, "logout");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/logout-all` → 204: every session of the caller ends (all refresh tokens).
#[utoipa::path(post, path = "/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "every refresh token of the caller is revoked"),
        (status = 401, description = "UNAUTHORIZED, TOKEN_EXPIRED", body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn logout_all(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<StatusCode, ApiError> {
    let families = refresh_tokens::revoke_user(&state.pg, user).await?;
    tracing::info!(event_type = "signed_out_everywhere", user_id = %user, families, "logout-all");
    Ok(StatusCode::NO_CONTENT)
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
