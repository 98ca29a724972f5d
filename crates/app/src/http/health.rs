//! `GET /health`: whether Postgres and Redis answer.

use algo_core::ErrorCode;
use algo_store::postgres;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::AppState;

/// 200 with both stores up; 503 naming the first store that is down (`DB_DOWN`, `REDIS_DOWN`).
pub async fn health(State(state): State<AppState>) -> Response {
    let (pg, redis) = tokio::join!(postgres::ping(&state.pg), state.redis.ping());
    let word = |ok: bool| if ok { "up" } else { "down" };
    let mut body = json!({
        "status": "ok",
        "postgres": word(pg.is_ok()),
        "redis": word(redis.is_ok()),
        "calendar": state.calendar.kind().as_str(),
    });
    let down = match (&pg, &redis) {
        (Err(e), _) => Some((ErrorCode::DbDown, e.to_string())),
        (_, Err(e)) => Some((ErrorCode::RedisDown, e.to_string())),
        _ => None,
    };
    match down {
        None => (StatusCode::OK, Json(body)).into_response(),
        Some((code, cause)) => {
            tracing::warn!(error.code = %code, error.cause = %cause, "health check failed");
            body["status"] = json!("degraded");
            body["error"] = json!({ "code": code, "message": format!("{} is down", if code == ErrorCode::DbDown { "postgres" } else { "redis" }) });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
