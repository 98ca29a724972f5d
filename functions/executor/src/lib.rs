//! The executor Lambda's wiring: SQS FIFO batches of order events, and the sweep.
//!
//! **Batches.** SQS FIFO delivers batches that may hold several message groups (one per
//! strategy). Groups run concurrently; the records of one group run in order. As AWS requires
//! for FIFO, processing stops at the first failure: that record and every record not yet
//! started are reported (`ReportBatchItemFailures`), and the ones already done are not. A
//! failed record comes back in seconds, not after the queue's visibility timeout: its
//! visibility is cut to a short back-off by its receive count (1, 2, 4 … 30 s), and a record
//! that never ran is made visible at once. A record too late for its window is not a failure:
//! the executor records it missed and acks it.
//!
//! **The sweep.** A schedule invokes the function every minute with `{"sweep": {}}`, and the
//! first invocation of each instance runs a sweep beside its work (the cold start):
//! [`algo_app::sweep`].

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

// Used by main.rs only.
use {lambda_runtime as _, tracing_subscriber as _};

use algo_app::broker::pacer::SharedOrderPacer;
use algo_app::config::{AwsSettings, Config, Profile};
use algo_app::executor::{Executor, ExecutorConfig, Handled};
use algo_app::sweep::{SweepReport, Sweeper};
use algo_core::{decode_queue_message, CalendarKind, SystemClock};
use algo_kite::KiteHttp;
use algo_store::aws::dynamodb::DynamoLedger;
use algo_store::aws::sqs::SqsQueue;
use algo_store::postgres;
use algo_store::redis::RedisStore;
use anyhow::Context;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use serde::Deserialize;

/// What the function is invoked with.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Invocation {
    /// scripts/deploy's, once per deploy: `{"migrate": {}}` applies the migrations not yet
    /// applied (under sqlx's advisory lock).
    Migrate {
        #[allow(dead_code)]
        migrate: serde_json::Value,
    },
    /// The sweep schedule's input: `{"sweep": {}}`.
    Sweep {
        #[allow(dead_code)]
        sweep: serde_json::Value,
    },
    /// The SQS event source's batch.
    Sqs(SqsEvent),
}

/// Where a failed record's visibility is cut short.
pub struct Retry {
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
}

/// The function's state, built once per cold start.
pub struct Function {
    pub executor: Arc<Executor>,
    pub sweeper: Sweeper,
    pub retry: Option<Retry>,
    swept: AtomicBool,
    /// The schema was found current (checked until it is, then no more).
    schema_current: AtomicBool,
}

impl Function {
    pub fn new(executor: Arc<Executor>, sweeper: Sweeper, retry: Option<Retry>) -> Self {
        Self {
            executor,
            sweeper,
            retry,
            swept: AtomicBool::new(false),
            schema_current: AtomicBool::new(false),
        }
    }

    /// Builds the function from the environment (fails fast on a missing or bad setting).
    pub async fn from_env() -> anyhow::Result<Self> {
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
        let pg = postgres::pool_sized(
            &config.database_url,
            config.store_timeout,
            config.database_pool_size,
        )
        .context("DATABASE_URL")?;
        let redis = RedisStore::new(
            &config.redis_url,
            config.redis_prefix.clone(),
            config.store_timeout,
        )
        .context("REDIS_URL")?;
        let calendar = Arc::new(config.trading_calendar()?);
        let clock: Arc<dyn algo_core::Clock> = Arc::new(SystemClock);
        let executor = Arc::new(Executor {
            strategies: Arc::new(postgres::strategies::PgStrategies::new(pg.clone())),
            orders: Arc::new(postgres::order_logs::PgOrderLog::new(pg.clone())),
            keys: Arc::new(postgres::broker_keys::PgBrokerKeys::new(pg.clone())),
            locks: Arc::new(algo_store::redis::locks::RedisLocks::new(redis.clone())),
            runtime: Arc::new(algo_store::redis::runtime::RedisRuntime::new(redis.clone())),
            ledger: Arc::new(DynamoLedger::new(&sdk, aws.ledger_table.clone())),
            // Instances pace each user's orders together, in Redis: Kite's limit is per user.
            broker: Arc::new(
                KiteHttp::new(&config.kite_url, config.kite_timeout)?
                    .with_order_pacer(Arc::new(SharedOrderPacer::new(redis.clone()))),
            ),
            cipher: algo_app::broker::crypto::BrokerCipher::new(&key, config.broker_key_id.clone()),
            paper: Arc::new(postgres::paper::PgPaperBook::new(pg.clone())),
            calendar: calendar.clone(),
            clock: clock.clone(),
            owner: format!("lambda-{}", uuid::Uuid::new_v4()),
            local: Default::default(),
            config: ExecutorConfig {
                algo_id: config.algo_id.clone(),
                resting_stop: config.resting_stop,
                ..ExecutorConfig::default()
            },
        });
        let queue = SqsQueue::new(&sdk, aws.orders_queue_url.clone());
        let retry = Retry {
            sqs: queue.client().clone(),
            queue_url: aws.orders_queue_url.clone(),
        };
        let push = algo_app::notify::PushWorker::from_config(&config, pg.clone(), calendar, clock)
            .map_err(anyhow::Error::msg)?;
        let sweeper = Sweeper {
            executor: executor.clone(),
            pg,
            redis,
            queue: Arc::new(queue),
            push: Some(Arc::new(push)),
        };
        Ok(Self::new(executor, sweeper, Some(retry)))
    }

    /// One invocation: a batch or a sweep; the first of this instance also sweeps (its cold
    /// start), beside the batch so no order waits for it.
    pub async fn invoke(&self, payload: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        let invocation: Invocation = serde_json::from_value(payload).context(
            "neither an SQS batch, a sweep ({\"sweep\": {}}) nor a migration ({\"migrate\": {}})",
        )?;
        // Boxed: the executor's futures are deep, and the runtime's service nests them further.
        match invocation {
            Invocation::Migrate { .. } => self.migrate().await,
            Invocation::Sweep { .. } => {
                self.ensure_schema().await?;
                self.swept.store(true, Ordering::SeqCst);
                Ok(serde_json::to_value(Box::pin(self.sweep()).await)?)
            }
            Invocation::Sqs(event) => {
                self.ensure_schema().await?;
                if self.swept.swap(true, Ordering::SeqCst) {
                    return Ok(serde_json::to_value(
                        Box::pin(self.handle_batch(event)).await,
                    )?);
                }
                let (response, _) =
                    tokio::join!(Box::pin(self.handle_batch(event)), Box::pin(self.sweep()));
                Ok(serde_json::to_value(response)?)
            }
        }
    }

    /// Applies the migrations not yet applied (scripts/deploy's step, once per deploy).
    async fn migrate(&self) -> anyhow::Result<serde_json::Value> {
        postgres::migrate(&self.sweeper.pg)
            .await
            .context("applying migrations")?;
        self.schema_current.store(true, Ordering::SeqCst);
        let latest = postgres::MIGRATOR.iter().map(|m| m.version).max();
        tracing::info!(event_type = "migrated", ?latest, "database schema current");
        Ok(serde_json::json!({ "migrated": true, "latest": latest }))
    }

    /// Migrations run once per deploy, not at a cold start: work on an older schema is refused
    /// (a batch's records come back, and the executor-errors alarm says why).
    async fn ensure_schema(&self) -> anyhow::Result<()> {
        if !self.schema_current.load(Ordering::SeqCst) {
            postgres::ensure_current(&self.sweeper.pg).await?;
            self.schema_current.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    pub async fn sweep(&self) -> SweepReport {
        self.sweeper.run_once().await
    }

    /// Runs a batch as FIFO requires (see the module doc) and returns the records to deliver
    /// again, each made visible again soon.
    pub async fn handle_batch(&self, event: SqsEvent) -> SqsBatchResponse {
        let executor = &self.executor;
        let failures = run_fifo(event.records, |record| async move {
            let id = record.message_id.clone().unwrap_or_default();
            let Some(body) = record.body.as_deref() else {
                return Outcome::Retry("SQS record without a body".into());
            };
            match decode_queue_message(body) {
                Ok(order_event) => match executor.handle(&order_event).await {
                    Handled::Done(_) => Outcome::Done,
                    Handled::Retry(why) => {
                        tracing::warn!(message_id = %id, reason = %why, "record handed back");
                        Outcome::Retry(why)
                    }
                },
                // Failed until SQS's maxReceiveCount moves it to the dead-letter queue (alarmed).
                Err(e) => {
                    tracing::error!(message_id = %id, error = %e, "unreadable order message");
                    Outcome::Retry(format!("unreadable order message: {e}"))
                }
            }
        })
        .await;
        if let Some(retry) = &self.retry {
            for failure in &failures {
                let Some(receipt) = &failure.receipt_handle else {
                    continue;
                };
                let after = failure.visible_again_after();
                let changed = retry
                    .sqs
                    .change_message_visibility()
                    .queue_url(&retry.queue_url)
                    .receipt_handle(receipt)
                    .visibility_timeout(after.as_secs() as i32)
                    .send()
                    .await;
                if let Err(e) = changed {
                    // The record still comes back, after the queue's own visibility timeout.
                    tracing::warn!(message_id = %failure.message_id, error = %aws_sdk_sqs::error::DisplayErrorContext(e), "visibility not shortened");
                }
            }
        }
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failures
            .into_iter()
            .map(|f| {
                let mut item = BatchItemFailure::default();
                item.item_identifier = f.message_id;
                item
            })
            .collect();
        response
    }
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Deliver it again (the reason is logged).
    Retry(String),
}

/// A record to deliver again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message_id: String,
    pub receipt_handle: Option<String>,
    /// SQS's `ApproximateReceiveCount` (1 on the first delivery).
    pub receive_count: u32,
    /// `false`: it failed; `true`: it never ran, because a record before it failed.
    pub skipped: bool,
}

/// The longest a failed record waits before it is delivered again.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

impl Failure {
    /// `record` as a failure: failed itself, or `skipped` behind one that did.
    fn of(record: &SqsMessage, skipped: bool) -> Self {
        Self {
            message_id: record.message_id.clone().unwrap_or_default(),
            receipt_handle: record.receipt_handle.clone(),
            receive_count: record
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1),
            skipped,
        }
    }

    /// A record that failed waits 1, 2, 4 … up to 30 s by its receive count; one that never
    /// ran is visible again at once (its group still delivers it only after the failed one).
    pub fn visible_again_after(&self) -> Duration {
        if self.skipped {
            return Duration::ZERO;
        }
        let exponent = self.receive_count.saturating_sub(1).min(5);
        Duration::from_secs(1 << exponent).min(MAX_RETRY_AFTER)
    }
}

/// Runs `process` over a FIFO batch: groups concurrently, each group's records in order, and
/// nothing new once a record failed. Returns the failed and the skipped records, in batch order.
pub async fn run_fifo<F, Fut>(records: Vec<SqsMessage>, process: F) -> Vec<Failure>
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let mut groups: Vec<(String, Vec<(usize, SqsMessage)>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (position, record) in records.into_iter().enumerate() {
        let group = record
            .attributes
            .get("MessageGroupId")
            .cloned()
            .unwrap_or_default();
        let slot = *index.entry(group.clone()).or_insert_with(|| {
            groups.push((group, Vec::new()));
            groups.len() - 1
        });
        groups[slot].1.push((position, record));
    }
    let stopped = AtomicBool::new(false);
    let (stopped, process) = (&stopped, &process);
    let runs = groups.into_iter().map(|(_, records)| async move {
        let mut failures = Vec::new();
        for (position, record) in records {
            if stopped.load(Ordering::SeqCst) {
                failures.push((position, Failure::of(&record, true)));
                continue;
            }
            // Taken before the record moves into `process`.
            let failed = Failure::of(&record, false);
            match process(record).await {
                Outcome::Done => {}
                Outcome::Retry(_) => {
                    stopped.store(true, Ordering::SeqCst);
                    failures.push((position, failed));
                }
            }
        }
        failures
    });
    let mut failures: Vec<(usize, Failure)> = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .flatten()
        .collect();
    failures.sort_by_key(|(position, _)| *position);
    failures.into_iter().map(|(_, f)| f).collect()
}
