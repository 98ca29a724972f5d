//! `/notifications`: the in-app channel. Notifications are written by the order path in the
//! same transaction as the event that causes them (`algo_store::postgres::notifications`);
//! here the trader lists them and marks them read. Scoped by the caller's user id.

use std::collections::HashMap;

use algo_core::ErrorCode;
use algo_store::postgres::notifications;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{ApiJson, AuthUser};
use super::{ApiError, AppState};

/// One notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: Uuid,
    pub strategy_id: Option<Uuid>,
    /// `entry_filled`, `exit_filled`, `stop_loss_hit`, `order_rejected`, `exit_unfilled`,
    /// `login_needed`, `strategy_failed` or `daily_summary`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// What the app needs to open the right screen (`strategy_id`, `event`, `pnl_paise`, …).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    /// Newest first.
    pub notifications: Vec<NotificationOut>,
    /// How many are unread in all.
    pub unread: i64,
}

/// `POST /notifications/read`: the ids to mark read, or `all`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    #[serde(default)]
    pub ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub all: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    /// How many changed from unread to read.
    pub marked: u64,
    pub unread: i64,
}

const MAX_LIMIT: i64 = 200;

/// `GET /notifications?unread=true&limit=50`.
#[utoipa::path(get, path = "/notifications", tag = "notifications", security(("bearer" = [])),
    params(("unread" = Option<bool>, Query, description = "only unread ones"),
           ("limit" = Option<i64>, Query, description = "at most this many (1–200, default 50)")),
    responses((status = 200, body = NotificationList), (status = 400, body = super::dto::ErrorBody),
        (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<NotificationList>, ApiError> {
    let Query(query) = query
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "the query string cannot be read"))?;
    let unread_only = match query.get("unread").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "unread must be true or false",
            ))
        }
    };
    let limit = match query.get("limit") {
        None => 50,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::BadRequest,
                    format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                )
            })?,
    };
    let rows = notifications::list(&state.pg, user, unread_only, limit).await?;
    let unread = notifications::unread(&state.pg, user).await?;
    Ok(Json(NotificationList {
        notifications: rows
            .into_iter()
            .map(|r| NotificationOut {
                id: r.id,
                strategy_id: r.strategy_id,
                kind: r.kind,
                title: r.title,
                body: r.body,
                data: r.data,
                created_at: r.created_at,
                read_at: r.read_at,
            })
            .collect(),
        unread,
    }))
}

/// `POST /notifications/read {ids}` or `{all: true}`.
#[utoipa::path(post, path = "/notifications/read", tag = "notifications", security(("bearer" = [])),
    request_body = MarkRead,
    responses((status = 200, body = Marked), (status = 400, body = super::dto::ErrorBody),
        (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<MarkRead>,
) -> Result<Json<Marked>, ApiError> {
    let ids = match (body.ids, body.all) {
        (Some(ids), None | Some(false)) if !ids.is_empty() && ids.len() <= 500 => Some(ids),
        (None, Some(true)) => None,
        _ => {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "give ids (1 to 500 of them) or all: true",
            ))
        }
    };
    let marked =
        notifications::mark_read(&state.pg, user, ids.as_deref(), state.clock.now()).await?;
    let unread = notifications::unread(&state.pg, user).await?;
    Ok(Json(Marked { marked, unread }))
}

/// `POST /devices`: the app's Expo push token for this phone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceIn {
    /// `ExponentPushToken[…]` (or `ExpoPushToken[…]`), from `getExpoPushTokenAsync`.
    pub expo_push_token: String,
    /// `ios`, `android` or `web`.
    pub platform: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceOut {
    pub expo_push_token: String,
    pub registered: bool,
}

fn push_token(text: &str) -> Result<&str, ApiError> {
    let t = text.trim();
    let inner = t
        .strip_prefix("ExponentPushToken[")
        .or_else(|| t.strip_prefix("ExpoPushToken["))
        .and_then(|rest| rest.strip_suffix(']'));
    match inner {
        Some(i)
            if !i.is_empty()
                && t.len() <= 200
                && i.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_:".contains(c)) =>
        {
            Ok(t)
        }
        _ => Err(ApiError::new(
            ErrorCode::BadRequest,
            "expo_push_token must be an Expo push token: ExponentPushToken[…]",
        )),
    }
}

/// `POST /devices {expo_push_token, platform}`: push notifications go to this phone (a token
/// another user registered moves to the caller: one phone, one signed-in user).
#[utoipa::path(post, path = "/devices", tag = "notifications", security(("bearer" = [])),
    request_body = DeviceIn,
    responses((status = 200, body = DeviceOut), (status = 400, body = super::dto::ErrorBody),
        (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn register_device(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<DeviceIn>,
) -> Result<Json<DeviceOut>, ApiError> {
    let token = push_token(&body.expo_push_token)?;
    if !matches!(body.platform.as_str(), "ios" | "android" | "web") {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "platform must be ios, android or web",
        ));
    }
    algo_store::postgres::push::register_device(
        &state.pg,
        user,
        token,
        &body.platform,
        state.clock.now(),
    )
    .await?;
    Ok(Json(DeviceOut {
        expo_push_token: token.to_owned(),
        registered: true,
    }))
}

/// `POST /devices/remove {expo_push_token}`: this phone signs out; no more pushes to it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceRemove {
    pub expo_push_token: String,
}

#[utoipa::path(post, path = "/devices/remove", tag = "notifications", security(("bearer" = [])),
    request_body = DeviceRemove,
    responses((status = 200, body = DeviceOut), (status = 400, body = super::dto::ErrorBody),
        (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn remove_device(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<DeviceRemove>,
) -> Result<Json<DeviceOut>, ApiError> {
    let token = push_token(&body.expo_push_token)?;
    algo_store::postgres::push::remove_device(&state.pg, user, token).await?;
    Ok(Json(DeviceOut {
        expo_push_token: token.to_owned(),
        registered: false,
    }))
}

/// Which notifications are pushed: in-app always keeps every one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Push notifications at all.
    pub push: bool,
    /// Telegram messages to the linked chat, if any.
    pub telegram: bool,
    /// Kinds never pushed (still listed in the app).
    pub muted_kinds: Vec<String>,
}

/// `GET /notifications/preferences`.
#[utoipa::path(get, path = "/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Preferences), (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn preferences(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Preferences>, ApiError> {
    let p = algo_store::postgres::push::prefs(&state.pg, user).await?;
    Ok(Json(Preferences {
        push: p.push,
        telegram: p.telegram,
        muted_kinds: p.muted_kinds,
    }))
}

/// `PUT /notifications/preferences {push, muted_kinds}`.
#[utoipa::path(put, path = "/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 400, body = super::dto::ErrorBody),
        (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn set_preferences(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<Preferences>,
) -> Result<Json<Preferences>, ApiError> {
    let mut muted = Vec::new();
    for kind in &body.muted_kinds {
        let Some(k) = algo_core::notify::NoticeKind::parse(kind) else {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                format!(
                    "muted_kinds: {kind:?} is not a kind ({})",
                    algo_core::notify::NoticeKind::ALL
                        .map(|k| k.as_str())
                        .join(", ")
                ),
            ));
        };
        if !muted.contains(&k.as_str().to_owned()) {
            muted.push(k.as_str().to_owned());
        }
    }
    let prefs = algo_store::postgres::push::Prefs {
        push: body.push,
        telegram: body.telegram,
        muted_kinds: muted,
    };
    algo_store::postgres::push::set_prefs(&state.pg, user, &prefs).await?;
    Ok(Json(Preferences {
        push: prefs.push,
        telegram: prefs.telegram,
        muted_kinds: prefs.muted_kinds,
    }))
}

/// Whether this deployment has a Telegram bot, and whether the caller's chat is linked.
#[derive(Debug, Serialize, ToSchema)]
pub struct TelegramStatus {
    pub configured: bool,
    pub linked: bool,
}

/// A one-time link: open it on the phone (or send the bot `/start <code>`) within 10 minutes.
#[derive(Debug, Serialize, ToSchema)]
pub struct TelegramLink {
    pub code: String,
    /// `https://t.me/<bot>?start=<code>`, when the bot's name is configured.
    pub link: Option<String>,
    pub expires_at: DateTime<Utc>,
}

fn no_bot() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "Telegram is not set up on this deployment (ALGO_TELEGRAM_BOT_TOKEN)",
    )
}

/// `GET /telegram`.
#[utoipa::path(get, path = "/telegram", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = TelegramStatus), (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn telegram_status(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<TelegramStatus>, ApiError> {
    let linked = algo_store::postgres::push::telegram_chat(&state.pg, user)
        .await?
        .is_some();
    Ok(Json(TelegramStatus {
        configured: state.telegram.is_some(),
        linked,
    }))
}

/// `POST /telegram/link`: a one-time code that links the chat which sends it to the bot.
#[utoipa::path(post, path = "/telegram/link", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = TelegramLink), (status = 401, body = super::dto::ErrorBody),
        (status = 404, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn telegram_link(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<TelegramLink>, ApiError> {
    let Some(bot) = &state.telegram else {
        return Err(no_bot());
    };
    let code = crate::auth::tokens::new_refresh_token()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(24)
        .collect::<String>();
    let expires_at = state.clock.now() + chrono::Duration::minutes(10);
    algo_store::postgres::push::telegram_code(&state.pg, user, &code, expires_at).await?;
    Ok(Json(TelegramLink {
        link: bot
            .as_deref()
            .map(|name| format!("https://t.me/{name}?start={code}")),
        code,
        expires_at,
    }))
}

/// `POST /telegram/unlink`: no more messages to the linked chat.
#[utoipa::path(post, path = "/telegram/unlink", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = TelegramStatus), (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn telegram_unlink(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<TelegramStatus>, ApiError> {
    algo_store::postgres::push::unlink_telegram(
        &state.pg,
        Some(user),
        None,
        "unlinked by the user",
    )
    .await?;
    Ok(Json(TelegramStatus {
        configured: state.telegram.is_some(),
        linked: false,
    }))
}
