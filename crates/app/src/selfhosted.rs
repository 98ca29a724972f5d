//! The self-hosted profile assembled: the API's state, the timers, the Redis queue, the Postgres
//! ledger, the executor worker and the reconciler, in one process. `algo dev` and the end-to-end tests use it.

use std::sync::Arc;
use std::time::Duration;

use algo_core::{Clock, SystemClock};
use algo_kite::{BrokerSessions, KiteHttp};
use algo_store::ports::{
    BrokerKeys, Ledger, OrderLog, OrderQueue, RuntimeCache, Scheduler, StrategyLocks, StrategyRepo,
};
use algo_store::postgres::broker_keys::PgBrokerKeys;
use algo_store::postgres::ledger::PgLedger;
use algo_store::postgres::order_logs::PgOrderLog;
use algo_store::postgres::strategies::PgStrategies;
use algo_store::postgres::{self, PgPool};
use algo_store::redis::locks::RedisLocks;
use algo_store::redis::queue::RedisQueue;
use algo_store::redis::runtime::RedisRuntime;
use algo_store::redis::RedisStore;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::broker::crypto::BrokerCipher;
use crate::broker::pacer::SharedOrderPacer;
use crate::config::Config;
use crate::executor::{self, Executor, ExecutorConfig};
use crate::http::AppState;
use crate::timers::LocalScheduler;
use crate::worker::{self, WorkerHealth};

/// Everything running; [`SelfHosted::shutdown`] stops it cleanly.
pub struct SelfHosted {
    pub state: AppState,
    pub queue: Arc<dyn OrderQueue>,
    pub scheduler: Arc<LocalScheduler>,
    pub worker_health: Arc<WorkerHealth>,
    pub executor: Arc<Executor>,
    /// Ids of orders the ticker reports final, for the reconciler (hand it to the stop-loss
    /// watcher: [`crate::feed::FeedWorker::forward_order_updates`]).
    pub order_updates: mpsc::Sender<String>,
    pub shutdown: CancellationToken,
    worker: JoinHandle<()>,
    reconciler: JoinHandle<()>,
    cache: JoinHandle<()>,
    missed_pass: JoinHandle<()>,
    /// The daily loss limit's check, every second.
    loss_watch: JoinHandle<()>,
    /// Sends the notification outbox's push deliveries (its loop runs every 2 s).
    pub push: Arc<crate::notify::PushWorker>,
    pusher: JoinHandle<()>,
}

/// The ports the self-hosted system runs on, one adapter each.
pub struct Adapters {
    pub queue: Arc<dyn OrderQueue>,
    pub ledger: Arc<dyn Ledger>,
    pub locks: Arc<dyn StrategyLocks>,
    pub orders: Arc<dyn OrderLog>,
    pub strategies: Arc<dyn StrategyRepo>,
    pub runtime: Arc<dyn RuntimeCache>,
    pub keys: Arc<dyn BrokerKeys>,
    pub broker: Arc<dyn BrokerSessions>,
    pub paper: Arc<dyn algo_store::ports::PaperBook>,
    pub clock: Arc<dyn Clock>,
}

impl Adapters {
    /// The Redis queue, the Postgres ledger and order log, Kite's REST API at `config.kite_url`
    /// with each user's orders paced in Redis (shared with any other process placing them), the
    /// system clock.
    pub fn self_hosted(config: &Config, pg: &PgPool, redis: &RedisStore) -> Result<Self, String> {
        Ok(Self {
            queue: Arc::new(RedisQueue::new(redis.clone())),
            ledger: Arc::new(PgLedger::new(pg.clone())),
            locks: Arc::new(RedisLocks::new(redis.clone())),
            orders: Arc::new(PgOrderLog::new(pg.clone())),
            strategies: Arc::new(PgStrategies::new(pg.clone())),
            runtime: Arc::new(RedisRuntime::new(redis.clone())),
            keys: Arc::new(PgBrokerKeys::new(pg.clone())),
            broker: Arc::new(
                KiteHttp::new(&config.kite_url, config.kite_timeout)
                    .map_err(|e| e.to_string())?
                    .with_order_pacer(Arc::new(SharedOrderPacer::new(redis.clone()))),
            ),
            paper: Arc::new(algo_store::postgres::paper::PgPaperBook::new(pg.clone())),
            clock: Arc::new(SystemClock),
        })
    }
}

/// How often the runtime cache is checked (and rebuilt from Postgres when it is gone).
const CACHE_CHECK_EVERY: Duration = Duration::from_secs(1);

/// Between two passes over missed triggers while running (start-up has its own).
const MISSED_SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Runs [`executor::sweep_missed`] every `every` (the first pass after `every`) until `shutdown`.
async fn sweep_missed_every(
    pg: PgPool,
    calendar: Arc<algo_core::TradingCalendar>,
    clock: Arc<dyn Clock>,
    queue: Arc<dyn OrderQueue>,
    every: Duration,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        if let Err(e) = executor::sweep_missed(
            &pg,
            &calendar,
            clock.as_ref(),
            queue.as_ref(),
            crate::sweep::GRACE,
        )
        .await
        {
            tracing::warn!(error = %e, "missed-trigger pass failed; trying again");
        }
    }
}

/// Order updates waiting for the reconciler before the ticker's are dropped (the poll still
/// follows those orders).
const ORDER_UPDATES_BUFFER: usize = 1024;

impl SelfHosted {
    /// Starts the timers, the worker and recovery on stores that are already migrated, with the
    /// self-hosted adapters (see [`Adapters::self_hosted`]).
    pub async fn start(
        config: &Config,
        pg: PgPool,
        redis: RedisStore,
        executor_config: ExecutorConfig,
    ) -> Result<Self, String> {
        let adapters = Adapters::self_hosted(config, &pg, &redis)?;
        Self::start_with(config, pg, redis, executor_config, adapters).await
    }

    /// The same with any adapters: the AWS queue and ledger on the emulator, the simulator in
    /// process as the broker, a clock a test controls.
    pub async fn start_with(
        config: &Config,
        pg: PgPool,
        redis: RedisStore,
        executor_config: ExecutorConfig,
        adapters: Adapters,
    ) -> Result<Self, String> {
        let Adapters {
            queue,
            ledger,
            locks,
            orders,
            strategies,
            runtime,
            keys,
            broker,
            paper,
            clock,
        } = adapters;
        let calendar = Arc::new(config.trading_calendar().map_err(|e| e.to_string())?);
        let scheduler = Arc::new(LocalScheduler::new(
            queue.clone(),
            calendar.clone(),
            clock.clone(),
        ));
        let state = AppState::new(
            config,
            pg.clone(),
            redis.clone(),
            scheduler.clone(),
            queue.clone(),
            clock.clone(),
        )?;
        let key: [u8; 32] = config
            .broker_key
            .0
            .as_slice()
            .try_into()
            .map_err(|_| "broker key must be 32 bytes".to_owned())?;
        // One executor process per self-hosted deployment: every other claim in the ledger is a
        // dead predecessor's, and a restart takes them over at once instead of after their
        // leases.
        let owner = format!("dev-{}", uuid::Uuid::new_v4());
        match ledger.fence_others(&format!("{owner}/")).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(claims = n, "took over the claims of the previous run"),
            Err(e) => {
                tracing::warn!(error = %e, "previous run's claims not fenced; they expire by themselves")
            }
        }
        if let Err(e) = locks.clear_all().await {
            tracing::warn!(error = %e, "previous run's strategy locks not cleared; they expire by themselves");
        }
        let executor = Arc::new(Executor {
            keys,
            orders,
            strategies,
            runtime,
            ledger,
            locks,
            broker,
            cipher: BrokerCipher::new(&key, config.broker_key_id.clone()),
            paper,
            calendar: calendar.clone(),
            clock: clock.clone(),
            owner,
            local: Default::default(),
            config: executor_config,
        });
        let shutdown = CancellationToken::new();
        let worker_health = Arc::new(WorkerHealth::default());
        let worker = tokio::spawn(worker::run(
            queue.clone(),
            executor.clone(),
            worker_health.clone(),
            shutdown.clone(),
            Duration::from_secs(10),
        ));
        let (order_updates, updates) = mpsc::channel(ORDER_UPDATES_BUFFER);
        let reconciler = tokio::spawn(executor::reconcile::run(
            executor.clone(),
            executor.config.reconcile_every,
            updates,
            shutdown.clone(),
        ));
        let cache = tokio::spawn(crate::runtime::keep_built(
            pg.clone(),
            state.redis.clone(),
            clock.clone(),
            CACHE_CHECK_EVERY,
            shutdown.clone(),
        ));
        let push = Arc::new(crate::notify::PushWorker::from_config(
            config,
            pg.clone(),
            calendar.clone(),
            clock.clone(),
        )?);
        let pusher = tokio::spawn(push.clone().run(shutdown.clone()));
        // The timers fire every instant; this catches what none delivered (an event queued in
        // Redis when the cache was flushed, say), by the AWS sweep's rules.
        let missed_pass = tokio::spawn(sweep_missed_every(
            pg.clone(),
            calendar.clone(),
            clock.clone(),
            queue.clone(),
            MISSED_SWEEP_EVERY,
            shutdown.clone(),
        ));
        let loss_watch = tokio::spawn(
            crate::risk::LossWatch {
                pg: pg.clone(),
                redis: state.redis.clone(),
                queue: queue.clone(),
                clock: clock.clone(),
                scheduler: Some(scheduler.clone() as Arc<dyn algo_store::ports::Scheduler>),
            }
            .run(crate::risk::CHECK_EVERY, shutdown.clone()),
        );
        for row in postgres::strategies::all_running(&pg)
            .await
            .map_err(|e| e.to_string())?
        {
            scheduler.arm(&row).await?;
        }
        let missed = executor::recover_missed(&pg, &calendar, clock.as_ref(), queue.as_ref())
            .await
            .map_err(|e| e.to_string())?;
        if !missed.is_empty() {
            tracing::warn!(
                count = missed.len(),
                "queued missed triggers from before this start"
            );
        }
        Ok(Self {
            state,
            queue,
            scheduler,
            worker_health,
            executor,
            order_updates,
            shutdown,
            worker,
            reconciler,
            cache,
            missed_pass,
            loss_watch,
            push,
            pusher,
        })
    }

    /// Stops the timers, lets the worker finish the events in flight, and returns.
    pub async fn shutdown(self) {
        self.scheduler.disarm_all();
        self.shutdown.cancel();
        let _ = self.worker.await;
        let _ = self.reconciler.await;
        let _ = self.cache.await;
        let _ = self.missed_pass.await;
        let _ = self.loss_watch.await;
        let _ = self.pusher.await;
    }
}
