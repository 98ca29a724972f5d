//! The feed worker as ECS runs it: a separate process configured by its environment, with no
//! `ALGO_KITE_ACCESS_TOKEN`, on real Postgres and Redis and the simulator over real HTTP and
//! WebSocket. It waits for a login, dials the ticker with the session a login saves within
//! seconds (no restart), stops dialling when Kite refuses that session, takes the next login's,
//! and stops cleanly on SIGTERM. Waiting for a login keeps its health check passing: a new task
//! would wait too.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use algo_app::config::{Config, Profile};
use algo_app::{router, AppState};
use algo_core::CalendarKind;
use algo_store::postgres::strategies::StrategyRow;
use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use tower::ServiceExt;

const FEED_WORKER: &str = env!("CARGO_BIN_EXE_feed-worker");
const BROKER_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const BROKER_KEY_ID: &str = "feed-test-v1";
/// How soon a login must reach the watcher (issue #16).
const PICKED_UP_WITHIN: Duration = Duration::from_secs(5);

/// The strategy routes are not used here: nothing to arm.
struct NoTimers;

#[async_trait::async_trait]
impl algo_store::ports::Scheduler for NoTimers {
    async fn arm(&self, _: &StrategyRow) -> Result<(), String> {
        Ok(())
    }
    async fn disarm(&self, _: uuid::Uuid) -> Result<(), String> {
        Ok(())
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn post(app: &axum::Router, path: &str, token: Option<&str>, body: Value) -> Value {
    let mut req = Request::post(path).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let response = app
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// Polls the worker's health until `cond` holds on its status and body; returns how long that
/// took.
async fn health_until(port: u16, what: &str, cond: impl Fn(u16, &Value) -> bool) -> Duration {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut last = (0, Value::Null);
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(r) = http
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .await
        {
            last = (r.status().as_u16(), r.json().await.unwrap_or(Value::Null));
            if cond(last.0, &last.1) {
                return started.elapsed();
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}: {} {}", last.0, last.1);
}

/// Connected to nothing, saying it waits for a login, and passing the health check (200).
fn waiting(status: u16, h: &Value) -> bool {
    status == 200 && h["waiting_for_login"] == true && h["connections"] == 0
}

fn connected(status: u16, h: &Value) -> bool {
    status == 200 && h["waiting_for_login"] == false && h["connections"].as_u64().unwrap_or(0) >= 1
}

#[tokio::test]
async fn the_worker_runs_on_the_days_login_from_the_store() {
    let sim = algo_sim::spawn(algo_sim::SimConfig {
        walk_interval: None,
        ..Default::default()
    })
    .await;
    let (pg, database_url) = algo_store::testing::fresh_database()
        .await
        .expect("database");
    let redis = algo_store::testing::fresh_redis().expect("redis");
    let port = free_port();
    let child = Command::new(FEED_WORKER)
        .env("DATABASE_URL", &database_url)
        .env("ALGO_REDIS_PREFIX", redis.keys().prefix())
        .env("ALGO_KITE_URL", &sim.base_url)
        .env("ALGO_KITE_WS_URL", &sim.ws_url)
        .env("ALGO_BROKER_KEY", BROKER_KEY)
        .env("ALGO_BROKER_KEY_ID", BROKER_KEY_ID)
        .env("ALGO_KITE_API_KEY", "sim_key")
        .env("ALGO_FEED_HEALTH_PORT", port.to_string())
        .env_remove("ALGO_KITE_ACCESS_TOKEN")
        .env_remove("ALGO_ORDERS_QUEUE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the feed worker");
    let mut child = Killed(child);

    // The API on the same database and broker key: its logins are what the worker reads.
    let url = sim.base_url.clone();
    let db = database_url.clone();
    let config = Config::from_lookup(
        move |k| match k {
            "DATABASE_URL" => Some(db.clone()),
            "ALGO_KITE_URL" => Some(url.clone()),
            "ALGO_BROKER_KEY" => Some(BROKER_KEY.into()),
            "ALGO_BROKER_KEY_ID" => Some(BROKER_KEY_ID.into()),
            _ => None,
        },
        Profile::SelfHosted,
        CalendarKind::AlwaysOpen,
    )
    .expect("config");
    let queue = Arc::new(algo_store::redis::queue::RedisQueue::new(redis.clone()));
    let state = AppState::new(
        &config,
        pg,
        redis,
        Arc::new(NoTimers),
        queue,
        Arc::new(algo_core::SystemClock),
    )
    .expect("state");
    let app = router(state);

    health_until(port, "waiting before any login", waiting).await;
    let user = post(
        &app,
        "/auth/register",
        None,
        json!({ "email": "owner@example.com", "password": "long enough pw" }),
    )
    .await;
    let token = user["access_token"].as_str().expect("token").to_owned();
    post(
        &app,
        "/broker/connect",
        Some(&token),
        json!({ "api_key": "sim_key", "secret_key": "sim_secret", "access_token": "sim_token" }),
    )
    .await;
    let took = health_until(port, "connected on the login's session", connected).await;
    assert!(
        took < PICKED_UP_WITHIN,
        "the login reached the worker after {took:?}"
    );

    // Kite kills the session and drops the ticker: the worker does not dial with it again.
    let http = reqwest::Client::new();
    for (path, body) in [
        ("/_sim/tokens/expire", json!({ "api_key": "sim_key" })),
        ("/_sim/disconnect", json!({})),
    ] {
        let r = http
            .post(format!("{}{path}", sim.base_url))
            .json(&body)
            .send()
            .await
            .expect("sim");
        assert!(r.status().is_success(), "{path}");
    }
    health_until(port, "the refused session noticed", waiting).await;

    // The next login (a new token) reaches it without a restart.
    let r = http
        .post(format!("{}/_sim/accounts", sim.base_url))
        .json(&json!({ "api_key": "sim_key", "api_secret": "sim_secret", "access_token": "sim_token_2",
                       "user_id": "SIM001", "user_name": "Sim Trader" }))
        .send()
        .await
        .expect("sim");
    assert!(r.status().is_success());
    post(
        &app,
        "/broker/connect",
        Some(&token),
        json!({ "api_key": "sim_key", "secret_key": "sim_secret", "access_token": "sim_token_2" }),
    )
    .await;
    let took = health_until(port, "connected on the new login", connected).await;
    assert!(
        took < PICKED_UP_WITHIN,
        "the login reached the worker after {took:?}"
    );
    assert!(
        child.0.try_wait().expect("status").is_none(),
        "the same process"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let until = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("status") {
            break status;
        }
        assert!(Instant::now() < until, "the worker did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status:?}");
}
