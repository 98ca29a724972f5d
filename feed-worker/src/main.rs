//! `feed-worker`: the one long-running service (ECS Fargate in AWS). Reads configuration,
//! builds the adapters and runs the app's stop-loss watcher with a health endpoint; SIGTERM
//! stops it within a deadline.
//!
//! `ALGO_KITE_WS_URL` is the ticker (`wss://ws.kite.trade`), `ALGO_ORDERS_QUEUE_URL` the SQS
//! FIFO queue (when unset, the self-hosted Redis queue), `ALGO_FEED_HEALTH_PORT` the health port.
//! The ticker's token is the trader's login of the day, read from Postgres (`DATABASE_URL`;
//! in AWS its credentials come from `DATABASE_SECRET_ARN`) and opened with `ALGO_BROKER_KEY` /
//! `ALGO_BROKER_KEY_ID`; `ALGO_KITE_ACCESS_TOKEN`, when set, is used only while there is none.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use algo_app::broker::crypto::BrokerCipher;
use algo_app::config::{Config, Profile};
use algo_app::feed::token::{deployment_token, StoredToken};
use algo_app::feed::{health_router, FeedConfig, FeedWorker};
use algo_core::{CalendarKind, Clock, SystemClock};
use algo_kite::{KiteHttp, Secret};
use algo_store::ports::OrderQueue;
use algo_store::redis::queue::RedisQueue;
use algo_store::redis::RedisStore;
use anyhow::Context;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let queue_url = env("ALGO_ORDERS_QUEUE_URL");
    let sdk = match queue_url {
        Some(_) => Some(algo_store::aws::sdk_config().await),
        None => None,
    };
    let config = match &sdk {
        // The AWS profile: settings whose *_SECRET_ARN is set come from Secrets Manager (the
        // database credentials); ECS injects the other secrets as variables.
        Some(sdk) => Config::from_lookup(
            algo_store::aws::secrets::env_with_secrets(sdk).await?,
            Profile::Aws,
            CalendarKind::Nse,
        )?,
        None => Config::from_env(Profile::SelfHosted, CalendarKind::Nse)?,
    };
    let pg = algo_store::postgres::pool_sized(
        &config.database_url,
        config.store_timeout,
        config.database_pool_size,
    )
    .context("DATABASE_URL")?;
    let key: [u8; 32] = config
        .broker_key
        .0
        .as_slice()
        .try_into()
        .context("ALGO_BROKER_KEY must be 32 bytes")?;
    let redis = RedisStore::new(
        &config.redis_url,
        config.redis_prefix.clone(),
        config.store_timeout,
    )
    .context("REDIS_URL")?;
    let queue: Arc<dyn OrderQueue> = match (queue_url, &sdk) {
        (Some(url), Some(sdk)) => Arc::new(algo_store::aws::sqs::SqsQueue::new(sdk, url)),
        _ => Arc::new(RedisQueue::new(redis.clone())),
    };
    let ws_url = env("ALGO_KITE_WS_URL").unwrap_or_else(|| "wss://ws.kite.trade".into());
    let token = Secret::new(String::from_utf8_lossy(&config.kite_access_token.0).into_owned());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // The daily loss limit is watched here every second, beside the prices it depends on (the
    // AWS sweep checks it each minute as well).
    let losses = algo_app::risk::LossWatch {
        pg: pg.clone(),
        redis: redis.clone(),
        queue: queue.clone(),
        clock: clock.clone(),
        scheduler: None,
    };
    let worker = FeedWorker::new(
        redis,
        queue,
        clock.clone(),
        KiteHttp::new(&config.kite_url, config.kite_timeout)?,
        FeedConfig {
            ws_url,
            api_key: config.kite_api_key.clone(),
            access_token: token,
        },
    );
    // The trader's login of the day, picked up within seconds; until one exists the worker
    // connects to nothing and its health says waiting_for_login.
    worker.use_token_source(deployment_token(
        StoredToken {
            pg,
            cipher: BrokerCipher::new(&key, config.broker_key_id.clone()),
            clock,
        },
        &config,
    ));
    let port: u16 = env("ALGO_FEED_HEALTH_PORT")
        .map(|p| p.parse())
        .transpose()
        .context("ALGO_FEED_HEALTH_PORT")?
        .unwrap_or(8081);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], port)))
        .await
        .context("health port")?;
    let shutdown = CancellationToken::new();
    let health = tokio::spawn({
        let (router, shutdown) = (health_router(worker.clone()), shutdown.clone());
        async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown.cancelled_owned())
                .await
        }
    });
    let run = tokio::spawn(worker.run(shutdown.clone()));
    let loss_watch = tokio::spawn(losses.run(algo_app::risk::CHECK_EVERY, shutdown.clone()));
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("SIGTERM handler")?;
    tokio::select! {
        _ = sigterm.recv() => tracing::info!("SIGTERM: stopping"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: stopping"),
    }
    shutdown.cancel();
    if tokio::time::timeout(Duration::from_secs(10), async {
        let _ = run.await;
        let _ = loss_watch.await;
        let _ = health.await;
    })
    .await
    .is_err()
    {
        tracing::warn!("shutdown deadline passed");
    }
    Ok(())
}
