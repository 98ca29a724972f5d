//! `GET /health` with both stores up, and with each down.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::time::Duration;

use algo_app::AppState;
use algo_store::redis::RedisStore;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

async fn get_health(state: AppState) -> (StatusCode, serde_json::Value) {
    let response = algo_app::router(state)
        .oneshot(
            Request::get("/health")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (status, serde_json::from_slice(&bytes).expect("json body"))
}

async fn state() -> AppState {
    support::spawn_app_with("http://127.0.0.1:1", algo_core::CalendarKind::AlwaysOpen)
        .await
        .state
}

#[tokio::test]
async fn health_reports_both_stores_up() {
    let (status, body) = get_health(state().await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["postgres"], "up");
    assert_eq!(body["redis"], "up");
    assert_eq!(body["calendar"], "always-open");
}

#[tokio::test]
async fn health_reports_redis_down_instead_of_crashing() {
    let mut state = state().await;
    state.redis =
        RedisStore::new("redis://127.0.0.1:1", "x:", Duration::from_millis(300)).expect("client");
    let (status, body) = get_health(state).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["code"], "REDIS_DOWN");
    assert_eq!(body["postgres"], "up");
    assert_eq!(body["redis"], "down");
}

#[tokio::test]
async fn health_reports_db_down() {
    let mut state = state().await;
    state.pg = algo_store::postgres::pool(
        "postgres://postgres@127.0.0.1:1/x",
        Duration::from_millis(300),
    )
    .expect("lazy pool");
    let (status, body) = get_health(state).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["code"], "DB_DOWN");
    assert_eq!(body["redis"], "up");
}
