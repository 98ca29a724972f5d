//! The batch handler as SQS FIFO requires: records of one message group in order, nothing new
//! after the first failure, the failed record and the ones not run reported, a failed record
//! back on the queue within seconds, and a late record acked as missed, not retried.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use algo_app::executor::{Executor, ExecutorConfig};
use algo_app::sweep::Sweeper;
use algo_core::{CalendarKind, EventKind, OffsetClock, OrderEvent, TradingCalendar};
use algo_store::aws::dynamodb::DynamoLedger;
use algo_store::aws::sqs::SqsQueue;
use algo_store::postgres::PgPool;
use algo_store::testing;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use executor::{run_fifo, Failure, Function, Outcome, Retry};

struct Parts {
    function: Function,
    pg: PgPool,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

async fn function(clock: Arc<dyn algo_core::Clock>, visibility_secs: u32) -> Parts {
    let (pg, _) = testing::fresh_database().await.expect("database");
    function_on(pg, clock, visibility_secs).await
}

async fn function_on(pg: PgPool, clock: Arc<dyn algo_core::Clock>, visibility_secs: u32) -> Parts {
    let sdk = testing::aws::config().await;
    let table = testing::aws::ledger_table(&sdk).await;
    let queue_url = testing::aws::fifo_queue(&sdk, visibility_secs).await;
    let redis = testing::fresh_redis().expect("redis");
    let executor = Arc::new(Executor {
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
        runtime: Arc::new(algo_store::redis::runtime::RedisRuntime::new(redis.clone())),
        ledger: Arc::new(DynamoLedger::new(&sdk, table)),
        // Nothing here reaches a broker.
        broker: Arc::new(
            algo_kite::KiteHttp::new("http://127.0.0.1:1", Duration::from_secs(1)).expect("http"),
        ),
        cipher: algo_app::broker::crypto::BrokerCipher::new(&[1u8; 32], "test"),
        paper: Arc::new(algo_store::postgres::paper::PgPaperBook::new(pg.clone())),
        calendar: Arc::new(TradingCalendar::new(CalendarKind::Nse)),
        clock,
        owner: "test".into(),
        local: Default::default(),
        config: ExecutorConfig::default(),
    });
    let queue = SqsQueue::new(&sdk, queue_url.clone());
    let sqs = queue.client().clone();
    let sweeper = Sweeper {
        executor: executor.clone(),
        pg: pg.clone(),
        redis,
        queue: Arc::new(queue),
        push: None,
    };
    let retry = Retry {
        sqs: sqs.clone(),
        queue_url: queue_url.clone(),
    };
    Parts {
        function: Function::new(executor, sweeper, Some(retry)),
        pg,
        sqs,
        queue_url,
    }
}

fn record(id: &str, group: &str, body: &str) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.into());
    m.body = Some(body.into());
    m.attributes.insert("MessageGroupId".into(), group.into());
    m.attributes
        .insert("ApproximateReceiveCount".into(), "1".into());
    m
}

fn failed_ids(failures: &[Failure]) -> Vec<(&str, bool)> {
    failures
        .iter()
        .map(|f| (f.message_id.as_str(), f.skipped))
        .collect()
}

// a1 b1 a2 a3 b2, groups a and b; a2 fails while b1 is still running. a1 runs before a2, a3
// never runs; b1 finishes (it had started) and b2 never starts. Reported: a2 (failed), a3 and
// b2 (not run), in batch order; a1 and b1 are not.
#[tokio::test]
async fn a_fifo_batch_keeps_order_and_stops_at_the_first_failure() {
    let records = vec![
        record("a1", "a", "a1"),
        record("b1", "b", "b1"),
        record("a2", "a", "a2"),
        record("a3", "a", "a3"),
        record("b2", "b", "b2"),
    ];
    let ran = Arc::new(Mutex::new(Vec::<String>::new()));
    let a2_failed = Arc::new(tokio::sync::Notify::new());
    let b1_started = Arc::new(tokio::sync::Notify::new());
    let failures = run_fifo(records, |r| {
        let ran = ran.clone();
        let a2_failed = a2_failed.clone();
        let b1_started = b1_started.clone();
        async move {
            let id = r.body.unwrap_or_default();
            ran.lock().expect("lock").push(id.clone());
            match id.as_str() {
                // Both groups are under way before anything fails.
                "a1" => {
                    tokio::time::timeout(Duration::from_secs(10), b1_started.notified())
                        .await
                        .expect("b1 starts while a1 runs");
                    Outcome::Done
                }
                "a2" => {
                    a2_failed.notify_one();
                    Outcome::Retry("the broker's book is unreadable".into())
                }
                // Still running when a2 fails.
                "b1" => {
                    b1_started.notify_one();
                    tokio::time::timeout(Duration::from_secs(10), a2_failed.notified())
                        .await
                        .expect("a2 runs while b1 does");
                    Outcome::Done
                }
                _ => Outcome::Done,
            }
        }
    })
    .await;
    assert_eq!(
        failed_ids(&failures),
        vec![("a2", false), ("a3", true), ("b2", true)]
    );
    let ran = ran.lock().expect("lock").clone();
    let position = |id: &str| ran.iter().position(|r| r == id);
    assert!(position("a1") < position("a2"), "group a in order: {ran:?}");
    assert_eq!(position("a3"), None, "{ran:?}");
    assert_eq!(position("b2"), None, "{ran:?}");
    assert!(position("b1").is_some(), "{ran:?}");
    // Back-off by receive count; a record that never ran comes back at once.
    assert_eq!(failures[0].visible_again_after(), Duration::from_secs(1));
    assert_eq!(failures[1].visible_again_after(), Duration::ZERO);
    let tenth = Failure {
        receive_count: 10,
        ..failures[0].clone()
    };
    assert_eq!(tenth.visible_again_after(), Duration::from_secs(30));
}

// A record that fails comes back on the queue within seconds, though the queue's visibility
// timeout is 15 minutes.
#[tokio::test]
async fn a_failed_record_comes_back_within_seconds() {
    let parts = function(Arc::new(algo_core::SystemClock), 900).await;
    parts
        .sqs
        .send_message()
        .queue_url(&parts.queue_url)
        .message_body("{not an order")
        .message_group_id("g")
        .message_deduplication_id(uuid::Uuid::new_v4().to_string())
        .send()
        .await
        .expect("send");
    let first = receive(&parts, Duration::from_secs(5))
        .await
        .expect("delivered");
    let mut event = SqsEvent::default();
    event.records = vec![first.clone()];
    let started = Instant::now();
    let response = parts.function.handle_batch(event).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(
        failed,
        vec![first.message_id.as_deref().unwrap_or_default()]
    );
    let again = receive(&parts, Duration::from_secs(20))
        .await
        .expect("delivered again");
    assert_eq!(again.message_id, first.message_id);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "back after {:?}, not after the queue's 15 minutes",
        started.elapsed()
    );
    assert_eq!(
        again
            .attributes
            .get("ApproximateReceiveCount")
            .map(String::as_str),
        Some("2")
    );
}

/// Receives one message as the Lambda event source would hand it over (receipt handle and
/// system attributes), waiting up to `within`.
async fn receive(parts: &Parts, within: Duration) -> Option<SqsMessage> {
    let until = Instant::now() + within;
    while Instant::now() < until {
        let out = parts
            .sqs
            .receive_message()
            .queue_url(&parts.queue_url)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .max_number_of_messages(1)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive");
        if let Some(m) = out.messages.unwrap_or_default().into_iter().next() {
            let mut record = SqsMessage::default();
            record.message_id = m.message_id;
            record.receipt_handle = m.receipt_handle;
            record.body = m.body;
            for (k, v) in m.attributes.unwrap_or_default() {
                record.attributes.insert(k.as_str().to_owned(), v);
            }
            return Some(record);
        }
    }
    None
}

// A BUY delivered after its window (a redrive, a backlog) is recorded missed with the reason and
// acked: it is not placed, and not handed back to come again.
#[tokio::test]
async fn a_late_record_is_recorded_missed_and_not_retried() {
    let now = TradingCalendar::instant(
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"),
        chrono::NaiveTime::from_hms_opt(12, 0, 0).expect("time"),
    );
    let parts = function(Arc::new(OffsetClock::at(now)), 30).await;
    let user = uuid::Uuid::new_v4();
    algo_store::postgres::users::insert(&parts.pg, user, &format!("{user}@example.com"), "x")
        .await
        .expect("user");
    let id = uuid::Uuid::new_v4();
    let spec = algo_core::StrategySpec {
        symbol: algo_core::Symbol::parse("TCS").expect("symbol"),
        exchange: algo_core::Exchange::Nse,
        buy_time: chrono::NaiveTime::from_hms_opt(9, 30, 0).expect("time"),
        sell_time: chrono::NaiveTime::from_hms_opt(11, 0, 0).expect("time"),
        stop_loss: algo_core::Price::parse("1.00").expect("price"),
        quantity: 5,
        product: algo_core::Product::Mis,
        exits: Default::default(),
        direction: Default::default(),
        paper: false,
    };
    algo_store::postgres::strategies::create(&parts.pg, user, id, &spec)
        .await
        .expect("strategy");
    algo_store::postgres::strategies::set_status(
        &parts.pg,
        user,
        id,
        algo_store::ports::Status::Running,
        None,
    )
    .await
    .expect("running");
    let late = OrderEvent::new(
        id,
        EventKind::Buy,
        TradingCalendar::trading_date(now),
        TradingCalendar::instant(TradingCalendar::trading_date(now), spec.buy_time),
    );
    let mut event = SqsEvent::default();
    event.records = vec![record(
        "late-1",
        &id.to_string(),
        &serde_json::to_string(&late).expect("json"),
    )];
    let response = parts.function.handle_batch(event).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "acked, not retried"
    );
    let legs =
        algo_store::postgres::order_logs::day(&parts.pg, id, TradingCalendar::trading_date(now))
            .await
            .expect("legs");
    assert_eq!(legs.len(), 1, "{legs:?}");
    assert_eq!(legs[0].status, "MISSED", "{legs:?}");
}

// The function takes the sweep schedule's input as well as SQS batches, and refuses anything
// else with a clear error.
#[tokio::test]
async fn the_function_takes_a_batch_or_a_sweep() {
    let parts = function(Arc::new(algo_core::SystemClock), 30).await;
    let report = parts
        .function
        .invoke(serde_json::json!({ "sweep": {} }))
        .await
        .expect("a sweep");
    assert_eq!(report["failed"], serde_json::json!([]), "{report}");
    assert_eq!(report["queued"], serde_json::json!([]), "{report}");
    let batch = parts
        .function
        .invoke(serde_json::json!({ "Records": [] }))
        .await
        .expect("a batch");
    assert_eq!(batch["batchItemFailures"], serde_json::json!([]), "{batch}");
    let err = parts
        .function
        .invoke(serde_json::json!({ "detail-type": "something else" }))
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("neither an SQS batch, a sweep"),
        "{err}"
    );
}

// Migrations run once per deploy ({"migrate": {}} from scripts/deploy), not at a cold start:
// on a database behind the code, batches and sweeps are refused with the versions missing;
// after the migration they run.
#[tokio::test]
async fn work_waits_for_the_deploys_migration() {
    let name = format!("algo_test_unmigrated_{}", uuid::Uuid::new_v4().simple());
    let url = testing::replace_database(&testing::database_server_url(), &name);
    algo_store::postgres::ensure_database(&url, Duration::from_secs(10))
        .await
        .expect("database");
    let pg = algo_store::postgres::pool(&url, Duration::from_secs(10)).expect("pool");
    let parts = function_on(pg.clone(), Arc::new(algo_core::SystemClock), 30).await;
    let refused = parts
        .function
        .invoke(serde_json::json!({ "sweep": {} }))
        .await
        .expect_err("an empty database is behind the code");
    assert!(
        format!("{refused:#}").contains("lacks migrations"),
        "{refused:#}"
    );
    let refused = parts
        .function
        .invoke(serde_json::json!({ "Records": [] }))
        .await
        .expect_err("a batch too");
    assert!(
        format!("{refused:#}").contains("lacks migrations"),
        "{refused:#}"
    );
    let migrated = parts
        .function
        .invoke(serde_json::json!({ "migrate": {} }))
        .await
        .expect("migrated");
    assert_eq!(migrated["migrated"], true, "{migrated}");
    assert_eq!(
        algo_store::postgres::pending_migrations(&pg)
            .await
            .expect("pending"),
        Vec::<i64>::new()
    );
    let report = parts
        .function
        .invoke(serde_json::json!({ "sweep": {} }))
        .await
        .expect("a sweep on the current schema");
    assert_eq!(report["failed"], serde_json::json!([]), "{report}");
}
