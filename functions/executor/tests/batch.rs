//! The batch handler reports exactly the records to retry: a good and a bad message in one
//! batch, only the bad one's id comes back.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::sync::Arc;

use algo_app::executor::{Executor, ExecutorConfig};
use algo_core::{CalendarKind, EventKind, OrderEvent, SystemClock, TradingCalendar};
use algo_store::aws::dynamodb::DynamoLedger;
use algo_store::testing;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};

async fn executor() -> Executor {
    let (pg, _) = testing::fresh_database().await.expect("database");
    let sdk = testing::aws::config().await;
    let table = testing::aws::ledger_table(&sdk).await;
    let redis = testing::fresh_redis().expect("redis");
    Executor {
        strategies: Arc::new(algo_store::postgres::strategies::PgStrategies::new(
            pg.clone(),
        )),
        orders: Arc::new(algo_store::postgres::order_logs::PgOrderLog::new(
            pg.clone(),
        )),
        keys: Arc::new(algo_store::postgres::broker_keys::PgBrokerKeys::new(
            pg.clone(),
        )),
        locks: Arc::new(algo_store::redis::locks::RedisLocks::new(redis.clone())),
        runtime: Arc::new(algo_store::redis::runtime::RedisRuntime::new(redis)),
        ledger: Arc::new(DynamoLedger::new(&sdk, table)),
        broker: Arc::new(
            algo_kite::KiteHttp::new("http://127.0.0.1:1", std::time::Duration::from_secs(1))
                .expect("http"),
        ),
        cipher: algo_app::broker::crypto::BrokerCipher::new(&[1u8; 32], "test"),
        calendar: Arc::new(TradingCalendar::new(CalendarKind::AlwaysOpen)),
        clock: Arc::new(SystemClock),
        owner: "test".into(),
        config: ExecutorConfig::default(),
    }
}

fn record(id: &str, body: &str) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.into());
    m.body = Some(body.into());
    m
}

#[tokio::test]
async fn only_the_bad_record_is_reported() {
    let executor = executor().await;
    // A well-formed event for a strategy that does not exist: handled (dropped), not retried.
    let good = OrderEvent::new(
        uuid::Uuid::new_v4(),
        EventKind::Buy,
        chrono::Utc::now().date_naive(),
        chrono::Utc::now(),
    );
    let mut event = SqsEvent::default();
    event.records = vec![
        record("good-1", &serde_json::to_string(&good).expect("json")),
        record("bad-1", "{not an order"),
    ];
    let response = executor::handle_batch(&executor, event).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, vec!["bad-1"]);
}
