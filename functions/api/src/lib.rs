//! The API Lambda's wiring: configuration and adapters of the AWS profile around the app's Router.

use std::sync::Arc;

// Used by main.rs only.
use {lambda_http as _, tokio as _, tracing as _, tracing_subscriber as _};

use algo_app::config::{AwsSettings, Config, Profile};
use algo_app::{router, AppState};
use algo_core::{CalendarKind, SystemClock};
use algo_store::aws::eventbridge::{EventBridgeConfig, EventBridgeScheduler};
use algo_store::aws::sqs::SqsQueue;
use algo_store::postgres;
use algo_store::redis::RedisStore;
use anyhow::Context;

/// Builds the Router from the environment (fails fast on a missing or bad setting).
pub async fn build() -> anyhow::Result<algo_app::http::Router> {
    let sdk = algo_store::aws::sdk_config().await;
    // Secrets come from Secrets Manager where their *_SECRET_ARN is set (infra/ sets them all).
    let env = algo_store::aws::secrets::env_with_secrets(&sdk).await?;
    let config = Config::from_lookup(&env, Profile::Aws, CalendarKind::Nse)?;
    let aws = AwsSettings::from_lookup(&env)?;
    let scheduler = EventBridgeScheduler::new(
        &sdk,
        EventBridgeConfig {
            group: aws.schedule_group,
            queue_arn: aws.orders_queue_arn,
            role_arn: aws.scheduler_role_arn,
            dead_letter_arn: aws.scheduler_dlq_arn,
        },
    );
    let pg = postgres::pool_sized(
        &config.database_url,
        config.store_timeout,
        config.database_pool_size,
    )
    .context("DATABASE_URL")?;
    // Migrations run once per deploy (scripts/deploy invokes the executor with {"migrate": {}});
    // a cold start only refuses a database older than its code, loudly (the api-errors alarm).
    postgres::ensure_current(&pg)
        .await
        .context("checking the database schema")?;
    let redis = RedisStore::new(
        &config.redis_url,
        config.redis_prefix.clone(),
        config.store_timeout,
    )
    .context("REDIS_URL")?;
    let state = AppState::new(
        &config,
        pg,
        redis,
        Arc::new(scheduler),
        Arc::new(SqsQueue::new(&sdk, aws.orders_queue_url.clone())),
        Arc::new(SystemClock),
    )
    .map_err(anyhow::Error::msg)?;
    Ok(router(state))
}
