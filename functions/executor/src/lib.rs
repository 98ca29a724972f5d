//! The executor Lambda's wiring and its batch handler.
//!
//! SQS FIFO delivers batches; each record is one order event (or an EventBridge timer message).
//! Records run concurrently (FIFO message groups keep one strategy's events in order across
//! batches), and only the records that must be retried are reported as failures, so one bad
//! message never redelivers the others. Terraform enables `ReportBatchItemFailures`.

use std::sync::Arc;

// Used by main.rs only.
use {lambda_runtime as _, tokio as _, tracing_subscriber as _};

use algo_app::config::{AwsSettings, Config, Profile};
use algo_app::executor::{Executor, ExecutorConfig, Handled};
use algo_core::{decode_queue_message, CalendarKind, SystemClock};
use algo_kite::KiteHttp;
use algo_store::aws::dynamodb::DynamoLedger;
use algo_store::postgres;
use algo_store::redis::RedisStore;
use anyhow::Context;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};

/// Builds the executor from the environment (fails fast on a missing or bad setting).
pub async fn build() -> anyhow::Result<Executor> {
    let sdk = algo_store::aws::sdk_config().await;
    // Secrets come from Secrets Manager where their *_SECRET_ARN is set (infra/ sets them all).
    let env = algo_store::aws::secrets::env_with_secrets(&sdk).await?;
    let config = Config::from_lookup(&env, Profile::Aws, CalendarKind::Nse)?;
    let aws = AwsSettings::from_lookup(&env)?;
    let key: [u8; 32] = config
        .broker_key
        .0
        .as_slice()
        .try_into()
        .context("ALGO_BROKER_KEY must be 32 bytes")?;
    let pg = postgres::pool(&config.database_url, config.store_timeout).context("DATABASE_URL")?;
    // A timer can fire before the API's first cold start after a deploy: migrate here too.
    postgres::migrate(&pg)
        .await
        .context("applying migrations")?;
    let redis = RedisStore::new(
        &config.redis_url,
        config.redis_prefix.clone(),
        config.store_timeout,
    )
    .context("REDIS_URL")?;
    Ok(Executor {
        strategies: Arc::new(algo_store::postgres::strategies::PgStrategies::new(
            pg.clone(),
        )),
        orders: Arc::new(postgres::order_logs::PgOrderLog::new(pg.clone())),
        keys: Arc::new(algo_store::postgres::broker_keys::PgBrokerKeys::new(
            pg.clone(),
        )),
        locks: Arc::new(algo_store::redis::locks::RedisLocks::new(redis.clone())),
        runtime: Arc::new(algo_store::redis::runtime::RedisRuntime::new(redis)),
        ledger: Arc::new(DynamoLedger::new(&sdk, aws.ledger_table)),
        broker: Arc::new(KiteHttp::new(&config.kite_url, config.kite_timeout)?),
        cipher: algo_app::broker::crypto::BrokerCipher::new(&key, config.broker_key_id.clone()),
        calendar: Arc::new(config.trading_calendar()?),
        clock: Arc::new(SystemClock),
        owner: format!("lambda-{}", uuid::Uuid::new_v4()),
        config: ExecutorConfig::default(),
    })
}

/// Runs every record; returns the ids of those to deliver again.
pub async fn handle_batch(executor: &Executor, event: SqsEvent) -> SqsBatchResponse {
    let runs = event.records.into_iter().map(|record| async move {
        let id = record.message_id.unwrap_or_default();
        let Some(body) = record.body else {
            tracing::error!(message_id = %id, "SQS record without a body");
            return Some(id);
        };
        match decode_queue_message(&body) {
            Ok(order_event) => match executor.handle(&order_event).await {
                Handled::Done(_) => None,
                Handled::Retry(why) => {
                    tracing::warn!(message_id = %id, reason = %why, "record handed back");
                    Some(id)
                }
            },
            Err(e) => {
                // Failed until SQS's maxReceiveCount moves it to the dead-letter queue (alarmed).
                tracing::error!(message_id = %id, error = %e, "unreadable order message");
                Some(id)
            }
        }
    });
    let failed = futures_util::future::join_all(runs).await;
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .flatten()
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    response
}
