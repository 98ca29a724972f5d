//! `algo serve` as its users start it: a separate process, configured by its environment.
//! It refuses to start without real secrets, and against a Kite (here the simulator, over real
//! HTTP) it serves the API with no demo user, and stops cleanly on SIGTERM.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const ALGO: &str = env!("CARGO_BIN_EXE_algo");

#[test]
fn serve_refuses_to_start_without_real_secrets() {
    let out = Command::new(ALGO)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("run algo");
    assert!(!out.status.success(), "it started without secrets");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in ["ALGO_JWT_SECRET", "ALGO_BROKER_KEY", "ALGO_KITE_API_KEY"] {
        assert!(stderr.contains(name), "{name} not named: {stderr}");
    }
    // A token that dies every morning is not a start-up requirement: the login brings it.
    assert!(
        !stderr.contains("ALGO_KITE_ACCESS_TOKEN"),
        "asks for a token: {stderr}"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn serve_runs_against_a_kite_with_no_demo_user_and_stops_on_sigterm() {
    let sim = algo_sim::spawn(algo_sim::SimConfig {
        walk_interval: None,
        ..Default::default()
    })
    .await;
    let (_, database_url) = algo_store::testing::fresh_database()
        .await
        .expect("database");
    let port = free_port();
    let prefix = format!("test:{}:", uuid::Uuid::new_v4().simple());
    let mut child = Command::new(ALGO)
        .args([
            "serve",
            "--port",
            &port.to_string(),
            "--calendar",
            "always-open",
        ])
        .env("DATABASE_URL", &database_url)
        .env("ALGO_REDIS_PREFIX", &prefix)
        .env("ALGO_KITE_URL", &sim.base_url)
        .env("ALGO_KITE_WS_URL", &sim.ws_url)
        .env("ALGO_JWT_SECRET", "a-real-secret-of-at-least-32-bytes-long")
        .env(
            "ALGO_BROKER_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        )
        .env("ALGO_KITE_API_KEY", "sim_key")
        .env_remove("ALGO_KITE_ACCESS_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start algo serve");
    let api = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http.get(format!("{api}/health")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(Instant::now() < until, "algo serve did not come up");
        assert!(
            child.try_wait().expect("status").is_none(),
            "algo serve exited"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let demo = http
        .post(format!("{api}/auth/login"))
        .json(&json!({ "email": "demo@algo.dev", "password": "demo-password" }))
        .send()
        .await
        .expect("login");
    assert_eq!(demo.status().as_u16(), 401, "serve created the demo user");
    let register = http
        .post(format!("{api}/auth/register"))
        .json(&json!({ "email": "trader@example.com", "password": "long enough pw" }))
        .send()
        .await
        .expect("register");
    assert_eq!(register.status().as_u16(), 201);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let until = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("status") {
            break status;
        }
        assert!(Instant::now() < until, "algo serve did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status:?}");
}
