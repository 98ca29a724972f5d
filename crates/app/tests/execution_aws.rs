//! The same timed buy and sell with the AWS profile's queue and ledger adapters, on the local
//! AWS emulator: SQS FIFO `orders.fifo` and the DynamoDB idempotency table.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use algo_app::config::{Config, Profile};
use algo_app::executor::ExecutorConfig;
use algo_app::selfhosted::{Adapters, SelfHosted};
use algo_core::{CalendarKind, IST};
use algo_store::aws::dynamodb::DynamoLedger;
use algo_store::aws::sqs::SqsQueue;
use algo_store::testing;
use axum::http::StatusCode;
use chrono::{Timelike, Utc};
use serde_json::{json, Value};

async fn post(
    system: &SelfHosted,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    support::post_json(&system.state, path, token, body).await
}

#[tokio::test]
async fn a_timed_buy_and_sell_through_sqs_fifo_and_the_dynamodb_ledger() {
    let sdk = testing::aws::config().await;
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let queue_url = testing::aws::fifo_queue(&sdk, 30).await;
    let table = testing::aws::ledger_table(&sdk).await;

    let sim = algo_sim::spawn(algo_sim::SimConfig {
        walk_interval: None,
        ..Default::default()
    })
    .await;
    let (pg, _) = testing::fresh_database().await.expect("database");
    let redis = testing::fresh_redis().expect("redis");
    let url = sim.base_url.clone();
    let config = Config::from_lookup(
        move |k| (k == "ALGO_KITE_URL").then(|| url.clone()),
        Profile::SelfHosted,
        CalendarKind::AlwaysOpen,
    )
    .expect("config");
    let exec = ExecutorConfig {
        backoff: Duration::from_millis(50),
        poll_interval: Duration::from_millis(50),
        ..Default::default()
    };
    let adapters = Adapters {
        queue: Arc::new(SqsQueue::new(&sdk, queue_url)),
        ledger: Arc::new(DynamoLedger::new(&sdk, table)),
        ..Adapters::self_hosted(&config, &pg, &redis).expect("adapters")
    };
    let system = SelfHosted::start_with(&config, pg, redis, exec, adapters)
        .await
        .expect("system");

    let (_, body) = post(
        &system,
        "/auth/register",
        None,
        json!({ "email": format!("{suffix}@example.com"), "password": "long enough pw" }),
    )
    .await;
    let token = body["access_token"].as_str().expect("token").to_owned();
    let (status, _) = post(
        &system,
        "/broker/connect",
        Some(&token),
        json!({ "api_key": "sim_key", "secret_key": "sim_secret", "access_token": "sim_token" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut now = Utc::now().with_timezone(&IST);
    while now.hour() == 23 && now.minute() == 59 && now.second() > 40 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        now = Utc::now().with_timezone(&IST);
    }
    let at = |s: i64| {
        (now + chrono::Duration::seconds(s))
            .format("%H:%M:%S")
            .to_string()
    };
    let (status, body) =
        post(&system, "/strategy/create", Some(&token), json!({ "symbol": "TCS", "buy_time": at(4), "sell_time": at(8), "stop_loss": "1.00", "quantity": 2 })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["strategy_id"].as_str().expect("id").to_owned();
    let (status, _) = post(
        &system,
        "/strategy/start",
        Some(&token),
        json!({ "strategy_id": id }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let http = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(25);
    let orders = loop {
        let v: Value = http
            .get(format!("{}/_sim/orders", sim.base_url))
            .send()
            .await
            .expect("sim")
            .json()
            .await
            .expect("json");
        let orders = v["data"].as_array().cloned().unwrap_or_default();
        if orders.iter().any(|o| o["transaction_type"] == "SELL") || Instant::now() > until {
            break orders;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let count = |side: &str| {
        orders
            .iter()
            .filter(|o| o["transaction_type"] == side)
            .count()
    };
    assert_eq!((count("BUY"), count("SELL")), (1, 1), "{orders:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let v: Value = http
        .get(format!("{}/_sim/orders", sim.base_url))
        .send()
        .await
        .expect("sim")
        .json()
        .await
        .expect("json");
    assert_eq!(
        v["data"].as_array().map(Vec::len),
        Some(2),
        "nothing more arrives"
    );
    system.shutdown().await;
}
