//! `GET` and `PUT /account/risk`: the trader's daily loss limit (see [`crate::risk`]).

use algo_core::{ErrorCode, FieldError, Price, TradingCalendar};
use algo_store::postgres::users;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{ApiJson, AuthUser};
use super::{ApiError, AppState};

/// The daily loss limit and where today stands against it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Risk {
    /// Rupees with two decimals; null for no limit.
    pub daily_loss_limit: Option<String>,
    /// Today's realised plus open P&L (open at the last prices seen), signed rupees.
    pub pnl_today: String,
    /// Whether the limit was hit today: everything was squared off and stopped.
    pub limit_hit_today: bool,
}

/// The limit to set; null removes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskIn {
    /// Rupees, e.g. "5000" or "5000.50"; null for no limit.
    pub daily_loss_limit: Option<String>,
}

async fn risk_of(state: &AppState, user: Uuid) -> Result<Risk, ApiError> {
    let today = TradingCalendar::trading_date(state.clock.now());
    let limit = users::loss_limit(&state.pg, user).await?;
    let loss = crate::risk::day_loss(&state.pg, &state.redis, user, today).await?;
    Ok(Risk {
        daily_loss_limit: limit
            .limit_paise
            .and_then(|p| Price::from_paise(p).ok())
            .map(|p| p.to_string()),
        pnl_today: signed(loss.total_paise()),
        limit_hit_today: limit.hit_on == Some(today),
    })
}

/// Paise as signed rupees with two decimals: `-1234.50`.
fn signed(paise: i64) -> String {
    let sign = if paise < 0 { "-" } else { "" };
    let abs = paise.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `GET /account/risk`.
#[utoipa::path(get, path = "/account/risk", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Risk), (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn risk(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Risk>, ApiError> {
    Ok(Json(risk_of(&state, user).await?))
}

/// `PUT /account/risk {daily_loss_limit}`.
#[utoipa::path(put, path = "/account/risk", tag = "auth", security(("bearer" = [])),
    request_body = RiskIn,
    responses((status = 200, body = Risk), (status = 400, body = super::dto::ErrorBody),
        (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn set_risk(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<RiskIn>,
) -> Result<Json<Risk>, ApiError> {
    let limit = match body.daily_loss_limit.as_deref().map(str::trim) {
        None => None,
        Some(text) => match Price::parse(text) {
            Ok(price) => Some(price.paise()),
            Err(e) => {
                return Err(ApiError::invalid(
                    ErrorCode::BadRequest,
                    "the daily loss limit is not a positive amount",
                    vec![FieldError::new(
                        "daily_loss_limit",
                        format!("a positive amount in rupees, like 5000 or 5000.50: {e}"),
                    )],
                ))
            }
        },
    };
    users::set_loss_limit(&state.pg, user, limit).await?;
    tracing::info!(event_type = "loss_limit_set", user_id = %user, limit_paise = ?limit, "daily loss limit set");
    Ok(Json(risk_of(&state, user).await?))
}
