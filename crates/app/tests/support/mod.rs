//! `spawn_app`: the whole Router on a fresh database and Redis prefix, driven with `oneshot`.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use algo_app::config::{Config, Profile};
use algo_app::ports::Scheduler;
use algo_app::{router, AppState};
use algo_core::CalendarKind;
use algo_store::postgres::strategies::StrategyRow;
use algo_store::testing;
use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;

/// A scheduler that records what it was asked to arm: the timers themselves are the execution
/// issue's, and these tests check that the API asks for them.
#[derive(Default)]
pub struct RecordingScheduler {
    pub armed: Mutex<Vec<Uuid>>,
}

#[async_trait]
impl Scheduler for RecordingScheduler {
    async fn arm(&self, strategy: &StrategyRow) -> Result<(), String> {
        let mut armed = self.armed.lock().map_err(|e| e.to_string())?;
        if !armed.contains(&strategy.id) {
            armed.push(strategy.id);
        }
        Ok(())
    }

    async fn disarm(&self, strategy_id: Uuid) -> Result<(), String> {
        self.armed
            .lock()
            .map_err(|e| e.to_string())?
            .retain(|id| *id != strategy_id);
        Ok(())
    }
}

pub struct TestApp {
    pub state: AppState,
    pub scheduler: Arc<RecordingScheduler>,
    pub config: Config,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// The app, with the broker at `kite_url` (a simulator) or nowhere.
pub async fn spawn_app_with(kite_url: &str, calendar: CalendarKind) -> TestApp {
    let (pg, _) = testing::fresh_database().await.expect("fresh database");
    let redis = testing::fresh_redis().expect("redis");
    let url = kite_url.to_owned();
    let cal = calendar.as_str().to_owned();
    let config = Config::from_lookup(
        move |k| match k {
            "ALGO_KITE_URL" => Some(url.clone()),
            "ALGO_CALENDAR" => Some(cal.clone()),
            // A configured market-data token, the fallback `algo serve` may keep: these tests
            // create strategies with no login (tests/kite_login.rs runs on the login's token
            // with none configured, as the AWS profile does).
            "ALGO_KITE_ACCESS_TOKEN" => Some("sim_token".into()),
            _ => None,
        },
        Profile::SelfHosted,
        calendar,
    )
    .expect("config");
    let scheduler = Arc::new(RecordingScheduler::default());
    let queue = Arc::new(algo_store::redis::queue::RedisQueue::new(redis.clone()));
    let state = AppState::new(
        &config,
        pg,
        redis,
        scheduler.clone(),
        queue,
        Arc::new(algo_core::SystemClock),
    )
    .expect("state");
    TestApp {
        state,
        scheduler,
        config,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with("http://127.0.0.1:1", CalendarKind::Nse).await
}

impl TestApp {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header("Content-Type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.raw(req.body(body).expect("request")).await
    }

    pub async fn raw(&self, req: Request<Body>) -> Reply {
        let response = router(self.state.clone())
            .oneshot(req)
            .await
            .expect("response");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
            .await
            .expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply { status, body }
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// Registers a fresh user; returns (access token, refresh token, user id).
    pub async fn register(&self, email: &str) -> (String, String, String) {
        let r = self
            .post(
                "/auth/register",
                None,
                serde_json::json!({ "email": email, "password": "correct horse battery" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        (
            r.body["access_token"].as_str().expect("access").to_owned(),
            r.body["refresh_token"]
                .as_str()
                .expect("refresh")
                .to_owned(),
            r.body["user_id"].as_str().expect("user").to_owned(),
        )
    }
}

/// POSTs JSON to the Router of `state` (optionally as a signed-in user).
pub async fn post_json(
    state: &AppState,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let req = Request::post(path).header("content-type", "application/json");
    send_json(state, req, token, Body::from(body.to_string())).await
}

/// PUTs JSON to the Router of `state` as a signed-in user.
pub async fn put_json(
    state: &AppState,
    path: &str,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    let req = Request::put(path).header("content-type", "application/json");
    send_json(state, req, Some(token), Body::from(body.to_string())).await
}

/// GETs a path of the Router of `state` as a signed-in user.
pub async fn get_json(state: &AppState, path: &str, token: &str) -> (StatusCode, Value) {
    send_json(state, Request::get(path), Some(token), Body::empty()).await
}

async fn send_json(
    state: &AppState,
    mut req: axum::http::request::Builder,
    token: Option<&str>,
    body: Body,
) -> (StatusCode, Value) {
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let response = router(state.clone())
        .oneshot(req.body(body).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
pub mod system;
