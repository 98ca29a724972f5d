//! The same timed buy and sell with the AWS profile's queue and ledger adapters, on the local
//! AWS emulator: SQS FIFO `orders.fifo` and the DynamoDB idempotency table.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use support::system::TestSystem;

use std::sync::Arc;
use std::time::{Duration, Instant};

use algo_app::executor::ExecutorConfig;
use algo_core::IST;
use algo_store::aws::dynamodb::DynamoLedger;
use algo_store::aws::sqs::SqsQueue;
use algo_store::testing;
use axum::http::StatusCode;
use chrono::{Timelike, Utc};
use serde_json::{json, Value};

#[tokio::test]
async fn a_timed_buy_and_sell_through_sqs_fifo_and_the_dynamodb_ledger() {
    let sdk = testing::aws::config().await;
    let queue_url = testing::aws::fifo_queue(&sdk, 30).await;
    let table = testing::aws::ledger_table(&sdk).await;
    let s = TestSystem::builder()
        .executor(ExecutorConfig {
            backoff: Duration::from_millis(50),
            poll_interval: Duration::from_millis(50),
            ..Default::default()
        })
        .queue_and_ledger(
            Arc::new(SqsQueue::new(&sdk, queue_url)),
            Arc::new(DynamoLedger::new(&sdk, table)),
        )
        .start()
        .await;
    let token = s.trader().await;
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
        post(&s, "/strategy/create", Some(&token), json!({ "symbol": "TCS", "buy_time": at(4), "sell_time": at(8), "stop_loss": "1.00", "quantity": 2 })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["strategy_id"].as_str().expect("id").to_owned();
    let (status, _) = post(
        &s,
        "/strategy/start",
        Some(&token),
        json!({ "strategy_id": id }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let http = &s.http;
    let until = Instant::now() + Duration::from_secs(25);
    let orders = loop {
        let v: Value = http
            .get(format!("{}/_sim/orders", s.sim.base_url))
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
        .get(format!("{}/_sim/orders", s.sim.base_url))
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
    s.shutdown().await;
}

async fn post(s: &TestSystem, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    support::post_json(&s.system.state, path, token, body).await
}
