//! Kite's daily login, as Kite Connect defines it:
//!
//! 1. `POST /broker/keys {api_key, secret_key}` saves the trader's Kite app keys, sealed, with no
//!    session yet (`not_connected`).
//! 2. `GET /broker/login` → `{login_url}`: Kite's login page for that api_key, with
//!    `redirect_params` carrying a signed `state` (the user and a one-time nonce, 10 minutes).
//! 3. Kite sends the browser to the redirect URL registered for the app (this server's
//!    `GET /broker/callback`) with `request_token`, `status` and the `state`. The callback checks
//!    the state's signature and expiry, uses its nonce up (a replay finds it used), exchanges the
//!    request token at `POST /session/token` (checksum `sha256(api_key + request_token +
//!    api_secret)`), and stores the access token sealed with its trading date. It answers a page
//!    that returns to the app (`algo://broker/connected`). A bad or replayed state, a cancelled
//!    login or a failed exchange answer an error page and save nothing.

use algo_core::ErrorCode;
use algo_kite::Secret;
use algo_store::postgres::broker_keys::{self, BrokerKeysRow};
use algo_store::postgres::broker_logins;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::broker::field;
use super::dto::ErrorBody;
use super::extract::{ApiJson, AuthUser};
use super::{ApiError, AppState};
use crate::auth::tokens::{LoginState, TokenError, LOGIN_STATE_TTL};
use crate::broker::crypto::{BrokerSecrets, Sealed};
use crate::broker::session::token_day;

/// The app's deep link once a login is done.
pub const CONNECTED_DEEP_LINK: &str = "algo://broker/connected";

/// A Kite Connect app's keys (from the Kite developer console).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeysRequest {
    api_key: String,
    secret_key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeysSaved {
    /// `not_connected` until the first login.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginUrl {
    /// Kite's login page for this user's app; open it in the system browser.
    pub login_url: String,
}

/// `POST /broker/keys`: seals and saves the app's keys; any earlier session is dropped (its
/// token belonged to the keys being replaced).
#[utoipa::path(post, path = "/broker/keys", tag = "broker", security(("bearer" = [])), request_body = KeysRequest,
    responses((status = 200, body = KeysSaved), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn save_keys(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<KeysRequest>,
) -> Result<Json<KeysSaved>, ApiError> {
    let secrets = BrokerSecrets {
        api_key: field("api_key", &body.api_key)?,
        secret_key: field("secret_key", &body.secret_key)?,
        access_token: String::new(),
    };
    let sealed = state
        .cipher
        .seal(user, &secrets)
        .map_err(ApiError::internal)?;
    broker_keys::upsert(
        &state.pg,
        &BrokerKeysRow {
            status_reason: Some("log in to Kite to connect".into()),
            ..sealed.into_row(user, state.clock.now())
        },
    )
    .await?;
    tracing::info!(event_type = "broker_keys_saved", user_id = %user, "broker keys saved");
    Ok(Json(KeysSaved {
        status: "not_connected".into(),
    }))
}

/// `GET /broker/login` → Kite's login page for the user's app, with a signed, one-time state.
#[utoipa::path(get, path = "/broker/login", tag = "broker", security(("bearer" = [])),
    responses((status = 200, body = LoginUrl), (status = 401, body = ErrorBody),
        (status = 409, description = "BROKER_NOT_CONNECTED: no keys saved", body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<LoginUrl>, ApiError> {
    let secrets = saved_secrets(&state, user).await?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::BrokerNotConnected,
            "save your Kite app's api_key and secret first (POST /broker/keys)",
        )
    })?;
    let now = state.clock.now();
    let nonce = Uuid::new_v4();
    broker_logins::begin(&state.pg, nonce, user, now + LOGIN_STATE_TTL).await?;
    let signed = state
        .tokens
        .login_state(LoginState { user, nonce }, now)
        .map_err(ApiError::internal)?;
    let redirect_params = form_urlencoded::Serializer::new(String::new())
        .append_pair("state", &signed)
        .finish();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("v", "3")
        .append_pair("api_key", &secrets.api_key)
        .append_pair("redirect_params", &redirect_params)
        .finish();
    let separator = if state.kite_login_url.contains('?') {
        '&'
    } else {
        '?'
    };
    Ok(Json(LoginUrl {
        login_url: format!("{}{separator}{query}", state.kite_login_url),
    }))
}

/// The user's saved keys, opened; `None` when there are none.
async fn saved_secrets(state: &AppState, user: Uuid) -> Result<Option<BrokerSecrets>, ApiError> {
    let Some(row) = broker_keys::get(&state.pg, user).await? else {
        return Ok(None);
    };
    let sealed = Sealed {
        ciphertext: row.ciphertext,
        nonce: row.nonce,
        key_id: row.key_id,
    };
    state
        .cipher
        .open(user, &sealed)
        .map(Some)
        .map_err(ApiError::internal)
}

/// What Kite appends to the redirect URL (and our `redirect_params`).
#[derive(Deserialize)]
pub struct Callback {
    request_token: Option<String>,
    status: Option<String>,
    state: Option<String>,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    (status, Html(html)).into_response()
}

fn failed(why: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "Kite login failed",
        &format!(
            "<p>{}</p><p>Nothing was saved. Go back to the app and tap “Log in to Kite” again.</p>",
            why.replace('<', "&lt;")
        ),
    )
}

/// `GET /broker/callback`: Kite's redirect after a login (see the module doc). Always an HTML
/// page: the browser shows it, not the app.
pub async fn callback(State(state): State<AppState>, Query(query): Query<Callback>) -> Response {
    let now = state.clock.now();
    let Some(signed) = query.state.as_deref().filter(|s| !s.is_empty()) else {
        return failed("The login came back without its state: it was not started from the app.");
    };
    let login = match state.tokens.verify_login_state(signed, now) {
        Ok(login) => login,
        Err(TokenError::Expired) => return failed("The login took too long (over 10 minutes)."),
        Err(TokenError::Invalid) => {
            return failed("The login's state is not one this server signed.")
        }
    };
    match broker_logins::consume(&state.pg, login.nonce, login.user, now).await {
        Ok(true) => {}
        Ok(false) => return failed("This login was already used (or it expired)."),
        Err(e) => {
            tracing::warn!(error = %e, "login state not checked");
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "<p>The server could not check the login; try again in a moment.</p>",
            );
        }
    }
    if query.status.as_deref() != Some("success") {
        tracing::info!(event_type = "broker_login_cancelled", user_id = %login.user, "Kite login cancelled");
        return failed("The login was cancelled on Kite's page.");
    }
    let Some(request_token) = query
        .request_token
        .as_deref()
        .filter(|t| !t.is_empty() && t.len() <= 256)
    else {
        return failed("Kite sent no request token.");
    };
    match finish_login(&state, login.user, request_token).await {
        Ok(name) => {
            tracing::info!(event_type = "broker_connected", user_id = %login.user, "broker connected by login");
            queue_what_waited(&state, login.user).await;
            page(
                StatusCode::OK,
                "Connected to Kite",
                &format!(
                    "<p>Logged in as {}. Today's session is saved; it lasts until 06:00 IST tomorrow.</p>\
                     <p><a href=\"{CONNECTED_DEEP_LINK}\">Return to the app</a></p>",
                    name.replace('<', "&lt;")
                ),
            )
        }
        Err(why) => failed(&why),
    }
}

/// Exchanges the request token and saves the session; the trader's name, or why not.
async fn finish_login(state: &AppState, user: Uuid, request_token: &str) -> Result<String, String> {
    let secrets = match saved_secrets(state, user).await {
        Ok(Some(secrets)) => secrets,
        Ok(None) => return Err("No Kite keys are saved for this account any more.".into()),
        Err(_) => return Err("The saved Kite keys cannot be read.".into()),
    };
    let session = state
        .kite
        .generate_session(&secrets.api_key, request_token, &Secret::new(secrets.secret_key.clone()))
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, user_id = %user, "request token exchange failed");
            if e.is_auth() {
                "Kite refused the login (the request token was already used or expired, or the secret is wrong).".to_owned()
            } else {
                "Kite did not answer; try the login again.".to_owned()
            }
        })?;
    let now = state.clock.now();
    let sealed = state
        .cipher
        .seal(
            user,
            &BrokerSecrets {
                access_token: session.access_token.clone(),
                ..secrets
            },
        )
        .map_err(|_| "The session could not be sealed.".to_owned())?;
    broker_keys::upsert(
        &state.pg,
        &BrokerKeysRow {
            broker_user_id: Some(session.user_id.clone()),
            user_name: Some(session.user_name.clone()),
            status: "connected".into(),
            token_date: Some(token_day(now)),
            ..sealed.into_row(user, now)
        },
    )
    .await
    .map_err(|_| "The session could not be saved; try the login again.".to_owned())?;
    Ok(session.user_name)
}

/// What waited for a session goes now that one started: an entry whose window is still open,
/// an exit past its time. A failure is only logged: the next start-up recovers them.
pub(super) async fn queue_what_waited(state: &AppState, user: Uuid) {
    match crate::executor::after_login(
        &state.pg,
        &state.calendar,
        state.clock.as_ref(),
        state.queue.as_ref(),
        user,
    )
    .await
    {
        Ok(queued) if !queued.is_empty() => {
            tracing::info!(event_type = "legs_after_login", user_id = %user, count = queued.len(), "queued what waited for the login")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "legs waiting for the login not queued"),
    }
}
