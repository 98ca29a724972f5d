//! `GET /health`: whether Postgres and Redis answer.

use algo_core::ErrorCode;
use algo_store::postgres;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::dto::{ErrorDetail, Health};
use super::AppState;

/// 200 with both stores up; 503 naming the first store that is down (`DB_DOWN`, `REDIS_DOWN`).
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, body = Health), (status = 503, description = "DB_DOWN or REDIS_DOWN", body = Health)))]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (pg, redis) = tokio::join!(postgres::ping(&state.pg), state.redis.ping());
    let word = |ok: bool| if ok { "up" } else { "down" }.to_owned();
    let down = match (&pg, &redis) {
        (Err(e), _) => Some((ErrorCode::DbDown, "postgres", e.to_string())),
        (_, Err(e)) => Some((ErrorCode::RedisDown, "redis", e.to_string())),
        _ => None,
    };
    let mut body = Health {
        status: "ok".into(),
        postgres: word(pg.is_ok()),
        redis: word(redis.is_ok()),
        calendar: state.calendar.kind().as_str().into(),
        error: None,
    };
    match down {
        None => (StatusCode::OK, Json(body)),
        Some((code, store, cause)) => {
            tracing::warn!(error.code = %code, error.cause = %cause, "health check failed");
            body.status = "degraded".into();
            body.error = Some(ErrorDetail {
                code: code.as_str().into(),
                message: format!("{store} is down"),
                fields: None,
            });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body))
        }
    }
}
