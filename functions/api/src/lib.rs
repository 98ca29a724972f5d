//! The API Lambda's wiring: configuration and adapters of the AWS profile around the app's Router.

use std::net::IpAddr;
use std::sync::Arc;

// Used by main.rs only.
use {tokio as _, tracing as _, tracing_subscriber as _};

use algo_app::config::{AwsSettings, Config, Profile};
use algo_app::http::client_addr::with_source_ip;
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
    Ok(with_source_ip(router(state), source_ip))
}

/// The client's address as API Gateway saw it (`requestContext.http.sourceIp` of an HTTP API
/// event), never a header the client sets. The login limits count by it.
// With only the HTTP API events compiled in (`apigw_http`), the context has one variant.
#[allow(irrefutable_let_patterns)]
pub fn source_ip(extensions: &lambda_http::http::Extensions) -> Option<IpAddr> {
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt;
    let RequestContext::ApiGatewayV2(context) = extensions.request_context_ref()? else {
        return None;
    };
    context.http.source_ip.as_deref()?.parse().ok()
}
