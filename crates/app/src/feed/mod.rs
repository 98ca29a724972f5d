//! The stop-loss watcher (the feed worker's body): live ticks in, one STOPLOSS event out per
//! crossed stop.
//!
//! - The book of stops follows the strategies: a strategy whose position is `bought` today is
//!   armed at its instrument. The worker learns of changes from the executor's pub/sub message,
//!   which names the strategy: only that strategy's two hashes are read again. It heals lost
//!   messages with a full resync from `symbol:{symbol}:strategies` every few seconds, whenever
//!   its subscription is new, when the day's login arrives and after a pass that could not
//!   finish; it builds the same book.
//! - Subscriptions follow the book: the instruments with armed stops, split across connections
//!   of at most [`MAX_PER_CONNECTION`] instruments.
//! - A tick costs a map lookup and a split of an ordered set; crossed stops become STOPLOSS
//!   events (id derived from strategy and date, so duplicates deduplicate) on the order queue.
//! - Last prices reach `runtime:{id}.last_price` in pipelined batches a few times a second.

pub mod connection;
pub mod token;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use algo_core::{Clock, EventKind, OrderEvent, TradingCalendar};
use algo_kite::ticker::Tick;
use algo_kite::{Instruments, KiteHttp, Secret};
use algo_store::ports::OrderQueue;
use algo_store::redis::RedisStore;
use algo_store::StoreError;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::{mpsc, watch, Notify};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::stoploss::{Exit, Fired, Guard, StopBook};
use token::{FixedToken, MarketDataToken, MarketToken};

/// Kite's limit of instruments on one ticker connection.
pub const MAX_PER_CONNECTION: usize = 3000;
/// Kite's limit of ticker connections per api_key.
pub const MAX_CONNECTIONS: usize = 3;
/// How often the book is rebuilt from Redis even without a message.
pub const RESYNC: Duration = Duration::from_secs(3);
/// How often last prices are written.
pub const PRICE_FLUSH: Duration = Duration::from_millis(250);

/// Counters for the health endpoint.
#[derive(Debug)]
pub struct FeedStats {
    started: Instant,
    pub connected: AtomicUsize,
    /// Instruments subscribed, per connection.
    pub subscribed: [AtomicUsize; MAX_CONNECTIONS],
    pub ticks: AtomicU64,
    pub invalid_ticks: AtomicU64,
    pub invalid_frames: AtomicU64,
    pub events_pushed: AtomicU64,
    pub reconnects: AtomicU64,
    pub auth_failed: AtomicBool,
    /// Passes that read the whole book again (the periodic resync, a new subscription).
    pub full_syncs: AtomicU64,
    /// Passes that read only the strategies named by position messages.
    pub strategy_syncs: AtomicU64,
    last_frame_ms: AtomicU64,
}

impl Default for FeedStats {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            connected: AtomicUsize::new(0),
            subscribed: Default::default(),
            ticks: AtomicU64::new(0),
            invalid_ticks: AtomicU64::new(0),
            invalid_frames: AtomicU64::new(0),
            events_pushed: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            auth_failed: AtomicBool::new(false),
            full_syncs: AtomicU64::new(0),
            strategy_syncs: AtomicU64::new(0),
            last_frame_ms: AtomicU64::new(0),
        }
    }
}

impl FeedStats {
    /// A frame (or heartbeat) arrived now.
    pub fn touch(&self) {
        self.last_frame_ms
            .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    pub fn last_frame_age(&self) -> Duration {
        Duration::from_millis(
            (self.started.elapsed().as_millis() as u64)
                .saturating_sub(self.last_frame_ms.load(Ordering::Relaxed)),
        )
    }
}

/// What the health endpoint answers.
#[derive(Debug, Serialize)]
pub struct FeedHealth {
    pub healthy: bool,
    /// No live Kite session to watch with (nobody logged in today, or the ticker refused the
    /// token): stops are not watched until a login.
    pub waiting_for_login: bool,
    pub connections: usize,
    pub subscribed: usize,
    pub armed_stops: usize,
    pub last_tick_age_ms: u64,
    pub ticks_per_sec: f64,
    pub ticks: u64,
    pub invalid_ticks: u64,
    pub events_pushed: u64,
    pub reconnects: u64,
}

/// A strategy the worker watches: its guard, and the high the cache kept for its trailing
/// stop (a hint for a restarted worker; the book keeps the higher of it and what it saw).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Watched {
    guard: Guard,
    cached_high: Option<i64>,
}

/// The stop-loss watcher.
pub struct FeedWorker {
    redis: RedisStore,
    queue: Arc<dyn OrderQueue>,
    clock: Arc<dyn Clock>,
    kite: KiteHttp,
    /// Where the ticker's token comes from (see [`token`]), and the one in use.
    token_source: Mutex<Arc<dyn MarketDataToken>>,
    token: watch::Sender<Option<MarketToken>>,
    ws_url: String,
    book: Mutex<StopBook>,
    watched: Mutex<HashMap<Uuid, Watched>>,
    instruments: Mutex<Option<(chrono::NaiveDate, Arc<Instruments>)>>,
    last_prices: Mutex<HashMap<u32, i64>>,
    desired: Vec<watch::Sender<Vec<u32>>>,
    fired_tx: mpsc::Sender<Fired>,
    fired_rx: Mutex<Option<mpsc::Receiver<Fired>>>,
    /// The price grid trailing stops and targets are rounded to.
    tick_paise: i64,
    /// Stops that fired: when, and how many times today. One still wanted (its position still
    /// open) [`REARM_AFTER`] after it fired is armed again: its exit was lost or refused.
    fired: Mutex<HashMap<Uuid, (Instant, u32)>>,
    rearm_after_ms: AtomicU64,
    /// Rung when a message names a strategy or asks for the whole book.
    resync: Notify,
    /// Strategies named by position messages since the last pass.
    changed: Mutex<HashSet<Uuid>>,
    /// The next pass reads the whole book: the subscription is new (messages may have been
    /// missed while it was down), the day's login arrived, a message named no strategy, or a
    /// pass failed or found no instrument list.
    full_due: AtomicBool,
    resync_every_ms: AtomicU64,
    /// Where the ids of orders that reached a final status on the ticker go (the reconciler).
    order_updates: Mutex<Option<mpsc::Sender<String>>>,
    /// The executor of this same process, when there is one (`algo serve`, `algo dev`): a
    /// crossed stop is handed to it at once, and queued as well for the event's durability.
    exits_here: Mutex<Option<Arc<crate::executor::Executor>>>,
    pub stats: Arc<FeedStats>,
    ticks_window: Mutex<(Instant, u64, f64)>,
}

/// How long after a stop fired it is armed again if its position is still open: the exit it
/// asked for was dropped (a queue that lost it, an executor that refused it), and the position
/// must not stay unguarded. The ledger's EXIT key keeps a second fire from a second exit.
pub const REARM_AFTER: Duration = Duration::from_secs(10);

/// How long after a stop fired in a process that exits it directly its durable copy is
/// queued: the direct exit has taken its claim by then and sent its order (a few
/// milliseconds), so the copy finds the leg held or done instead of racing it.
pub const QUEUE_COPY_AFTER: Duration = Duration::from_millis(100);

/// Where the ticker is and whose token it takes.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// `wss://ws.kite.trade` or the simulator's `ws://…/ws`.
    pub ws_url: String,
    pub api_key: String,
    pub access_token: Secret,
}

impl FeedWorker {
    pub fn new(
        redis: RedisStore,
        queue: Arc<dyn OrderQueue>,
        clock: Arc<dyn Clock>,
        kite: KiteHttp,
        config: FeedConfig,
    ) -> Arc<Self> {
        let (fired_tx, fired_rx) = mpsc::channel(10_000);
        let desired = (0..MAX_CONNECTIONS)
            .map(|_| watch::channel(Vec::new()).0)
            .collect();
        Arc::new(Self {
            redis,
            queue,
            clock,
            kite,
            token_source: Mutex::new(Arc::new(FixedToken(MarketToken {
                api_key: config.api_key,
                access_token: config.access_token,
            }))),
            token: watch::channel(None).0,
            ws_url: config.ws_url,
            book: Mutex::new(StopBook::new()),
            watched: Mutex::new(HashMap::new()),
            instruments: Mutex::new(None),
            last_prices: Mutex::new(HashMap::new()),
            desired,
            fired_tx,
            fired_rx: Mutex::new(Some(fired_rx)),
            tick_paise: algo_core::StrategyRules::nse().tick_paise,
            fired: Mutex::new(HashMap::new()),
            rearm_after_ms: AtomicU64::new(REARM_AFTER.as_millis() as u64),
            resync: Notify::new(),
            changed: Mutex::new(HashSet::new()),
            full_due: AtomicBool::new(false),
            resync_every_ms: AtomicU64::new(RESYNC.as_millis() as u64),
            order_updates: Mutex::new(None),
            exits_here: Mutex::new(None),
            stats: Arc::new(FeedStats::default()),
            ticks_window: Mutex::new((Instant::now(), 0, 0.0)),
        })
    }

    /// Sets how long after a stop fired it is armed again while its position stays open
    /// (default [`REARM_AFTER`]).
    pub fn set_rearm_after(&self, after: Duration) {
        self.rearm_after_ms
            .store(after.as_millis() as u64, Ordering::Relaxed);
    }

    /// Sets how often the whole book is read again (default [`RESYNC`]). Set it before
    /// [`FeedWorker::run`].
    pub fn set_resync_every(&self, every: Duration) {
        self.resync_every_ms
            .store(every.as_millis() as u64, Ordering::Relaxed);
    }

    /// Takes the ticker's token from `source` instead of the configuration's (see [`token`]).
    /// Set it before [`FeedWorker::run`].
    pub fn use_token_source(&self, source: Arc<dyn MarketDataToken>) {
        *self.token_source.lock().unwrap_or_else(|p| p.into_inner()) = source;
    }

    /// Asks the token source every [`token::TOKEN_CHECK`] and publishes a changed token to the
    /// connections, which re-dial with it.
    async fn follow_token(
        self: Arc<Self>,
        urls: watch::Sender<Option<String>>,
        shutdown: CancellationToken,
    ) {
        loop {
            let source = self
                .token_source
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            match source.current().await {
                Ok(token) => {
                    if *self.token.borrow() != token {
                        match &token {
                            Some(t) => {
                                tracing::info!(api_key = %t.api_key, "market-data token in use")
                            }
                            None => tracing::warn!(
                                event_type = "feed_waiting_for_login",
                                "no live Kite session: the ticker waits for a login"
                            ),
                        }
                        let url = token.as_ref().map(|t| {
                            format!(
                                "{}?api_key={}&access_token={}",
                                self.ws_url,
                                t.api_key,
                                t.access_token.expose()
                            )
                        });
                        self.token.send_replace(token);
                        self.stats.auth_failed.store(false, Ordering::Relaxed);
                        urls.send_replace(url);
                        // The instrument list may be readable now: the whole book is built.
                        self.full_due.store(true, Ordering::Relaxed);
                        self.resync.notify_one();
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "market-data token not read; keeping the current one")
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(token::TOKEN_CHECK) => {}
            }
        }
    }

    /// Hands the ids of the account's orders that the ticker reports final (`COMPLETE`,
    /// `REJECTED`, `CANCELLED`) to `to`: the reconciler records them at once rather than at its
    /// next poll. Set it before [`FeedWorker::run`].
    /// Hands each crossed stop or target to `executor` directly, besides queueing it: the
    /// exit skips the queue's round trips. The queued copy is what recovers it if this
    /// handling is refused or handed back (its claim makes the two one exit).
    pub fn exit_in_process(&self, executor: Arc<crate::executor::Executor>) {
        *self.exits_here.lock().unwrap_or_else(|p| p.into_inner()) = Some(executor);
    }

    pub fn forward_order_updates(&self, to: mpsc::Sender<String>) {
        *self.order_updates.lock().unwrap_or_else(|p| p.into_inner()) = Some(to);
    }

    /// Handles the ticks of one frame: the hot path.
    pub fn on_ticks(&self, ticks: &[Tick]) {
        let mut fired = Vec::new();
        {
            let mut book = self.book.lock().unwrap_or_else(|p| p.into_inner());
            let mut prices = self.last_prices.lock().unwrap_or_else(|p| p.into_inner());
            for tick in ticks {
                match tick.last_price_paise() {
                    Some(price) if price > 0 => {
                        book.on_tick(tick.instrument_token, price, &mut fired);
                        prices.insert(tick.instrument_token, price);
                    }
                    _ => {
                        self.stats.invalid_ticks.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
        self.stats
            .ticks
            .fetch_add(ticks.len() as u64, Ordering::Relaxed);
        if !fired.is_empty() {
            let now = Instant::now();
            let mut times = self.fired.lock().unwrap_or_else(|p| p.into_inner());
            for f in &fired {
                let count = times.get(&f.strategy).map_or(0, |(_, n)| *n);
                times.insert(f.strategy, (now, count + 1));
            }
        }
        for f in fired {
            if self.fired_tx.try_send(f).is_err() {
                tracing::error!(strategy_id = %f.strategy, "stop-loss channel full; the resync re-arms it");
            }
        }
    }

    /// The stop in force for a strategy's open position (its trailing stop when that is
    /// higher than the fixed one) and the high it trails; `None` when nothing is armed.
    pub fn levels(&self, strategy: Uuid) -> Option<(i64, Option<i64>)> {
        self.book
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .levels(strategy)
    }

    /// Runs everything until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let (urls, url) = watch::channel(None);
        let mut tasks = vec![tokio::spawn(
            self.clone().follow_token(urls, shutdown.clone()),
        )];
        for (index, desired) in self.desired.iter().enumerate() {
            let me = self.clone();
            let sink: connection::TickSink = Arc::new(move |ticks| me.on_ticks(ticks));
            // Every connection of the account receives its order updates: one hands them on.
            let forward = self
                .order_updates
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .filter(|_| index == 0);
            let orders: connection::OrderSink = forward.map(|to| {
                Arc::new(move |update: algo_kite::ticker::OrderUpdate| {
                    let last = algo_kite::types::order_state(&update.status);
                    if last == algo_kite::types::OrderState::Pending {
                        return;
                    }
                    tracing::debug!(broker_order_id = %update.order_id, status = %update.status, "order update on the ticker");
                    if to.try_send(update.order_id).is_err() {
                        tracing::warn!("order updates channel full; the reconciler's poll follows the order");
                    }
                }) as Arc<dyn Fn(algo_kite::ticker::OrderUpdate) + Send + Sync>
            });
            tasks.push(tokio::spawn(connection::run(
                index,
                url.clone(),
                desired.subscribe(),
                sink,
                orders,
                self.stats.clone(),
                shutdown.clone(),
            )));
        }
        tasks.push(tokio::spawn(self.clone().push_fired(shutdown.clone())));
        tasks.push(tokio::spawn(self.clone().flush_prices(shutdown.clone())));
        tasks.push(tokio::spawn(self.clone().listen(shutdown.clone())));
        let every = Duration::from_millis(self.resync_every_ms.load(Ordering::Relaxed));
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let full = tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = interval.tick() => true,
                _ = self.resync.notified() => self.full_due.swap(false, Ordering::Relaxed),
            };
            let synced = if full {
                // What was named before this read is in it; what is named after waits.
                self.changed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clear();
                self.sync().await
            } else {
                self.sync_changed().await
            };
            if let Err(e) = synced {
                self.full_due.store(true, Ordering::Relaxed);
                tracing::warn!(error = %e, "stop-loss book resync failed; the book keeps its last state");
            }
        }
        for t in tasks {
            let _ = t.await;
        }
    }

    async fn instruments(&self) -> Result<Arc<Instruments>, String> {
        let today = TradingCalendar::trading_date(self.clock.now());
        if let Some((day, dump)) = self
            .instruments
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            if *day == today {
                return Ok(dump.clone());
            }
        }
        let Some(token) = self.token.borrow().clone() else {
            return Err("no live Kite session for the instrument list: log in to Kite".into());
        };
        let client = self.kite.client(&token.api_key, token.access_token);
        let mut dump = client.instruments("NSE").await.map_err(|e| e.to_string())?;
        if let Ok(bse) = client.instruments("BSE").await {
            dump.extend(bse);
        }
        let dump = Arc::new(dump);
        *self.instruments.lock().unwrap_or_else(|p| p.into_inner()) = Some((today, dump.clone()));
        Ok(dump)
    }

    /// Rebuilds the book from Redis: every running strategy whose position is `bought` today.
    pub async fn sync(&self) -> Result<(), StoreError> {
        self.stats.full_syncs.fetch_add(1, Ordering::Relaxed);
        let keys = self.redis.keys();
        let mut conn = self.redis.conn().await?;
        let rd = |e: redis::RedisError| StoreError::RedisDown(e.to_string());
        let sets = self
            .redis
            .scan_keys(&format!("{}symbol:*:strategies", keys.prefix()))
            .await?;
        // One round trip for every instrument's set: a resync runs every few seconds, beside
        // the exits it must not hold up.
        let mut members = redis::pipe();
        for set in &sets {
            members.smembers(set);
        }
        let members: Vec<Vec<String>> = if sets.is_empty() {
            Vec::new()
        } else {
            members.query_async(&mut conn).await.map_err(rd)?
        };
        let ids: HashSet<Uuid> = members
            .iter()
            .flatten()
            .filter_map(|m| Uuid::parse_str(m).ok())
            .collect();
        let ids: Vec<Uuid> = ids.into_iter().collect();
        let maps = self.read_strategies(&ids).await?;
        let Some(instruments) = self.instruments_or_keep().await else {
            return Ok(());
        };
        self.apply(self.rewatched(HashMap::new(), &ids, &maps, &instruments));
        Ok(())
    }

    /// Reads again only the strategies position messages named since the last pass, and
    /// changes the book for them alone. A strategy is in its symbol's set exactly while its
    /// hash says `running` (both are written together), so what this arms is what a full
    /// resync would.
    async fn sync_changed(&self) -> Result<(), StoreError> {
        let ids: Vec<Uuid> =
            std::mem::take(&mut *self.changed.lock().unwrap_or_else(|p| p.into_inner()))
                .into_iter()
                .collect();
        if ids.is_empty() {
            return Ok(());
        }
        self.stats.strategy_syncs.fetch_add(1, Ordering::Relaxed);
        let maps = self.read_strategies(&ids).await?;
        let Some(instruments) = self.instruments_or_keep().await else {
            return Ok(());
        };
        let watched = self
            .watched
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        self.apply(self.rewatched(watched, &ids, &maps, &instruments));
        Ok(())
    }

    /// `want` with each of `ids` watched as its two hashes in `maps` now say (or not at all).
    fn rewatched(
        &self,
        mut want: HashMap<Uuid, Watched>,
        ids: &[Uuid],
        maps: &[HashMap<String, String>],
        instruments: &Instruments,
    ) -> HashMap<Uuid, Watched> {
        let today = TradingCalendar::trading_date(self.clock.now())
            .format("%Y-%m-%d")
            .to_string();
        for (i, id) in ids.iter().enumerate() {
            match self.watched_of(id, &maps[2 * i], &maps[2 * i + 1], instruments, &today) {
                Some(w) => want.insert(*id, w),
                None => want.remove(id),
            };
        }
        want
    }

    /// Each strategy's hash and its runtime hash, in one round trip.
    async fn read_strategies(
        &self,
        ids: &[Uuid],
    ) -> Result<Vec<HashMap<String, String>>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys = self.redis.keys();
        let mut pipe = redis::pipe();
        for id in ids {
            pipe.hgetall(keys.strategy(id)).hgetall(keys.runtime(id));
        }
        let mut conn = self.redis.conn().await?;
        pipe.query_async(&mut conn)
            .await
            .map_err(|e| StoreError::RedisDown(e.to_string()))
    }

    /// The instrument list, or `None` to keep the book as it is: then the next pass reads the
    /// whole book (what this one read is in it).
    async fn instruments_or_keep(&self) -> Option<Arc<Instruments>> {
        match self.instruments().await {
            Ok(i) => Some(i),
            Err(e) => {
                self.full_due.store(true, Ordering::Relaxed);
                tracing::warn!(error = %e, "instrument list unavailable; keeping the current book");
                None
            }
        }
    }

    /// What the book watches for strategy `id` given its two hashes: `None` unless it is
    /// running with a position bought today on an instrument the list knows.
    fn watched_of(
        &self,
        id: &Uuid,
        strategy: &HashMap<String, String>,
        runtime: &HashMap<String, String>,
        instruments: &Instruments,
        today: &str,
    ) -> Option<Watched> {
        {
            let open = runtime.get("position").map(String::as_str) == Some("bought")
                && runtime.get("trading_date").map(String::as_str) == Some(today)
                && strategy.get("status").map(String::as_str) == Some("running");
            if !open {
                return None;
            }
            // The position's own instrument first: the strategy may have been edited since.
            let exits = algo_core::strategy::ExitRules {
                target: strategy
                    .get("target")
                    .and_then(|t| algo_core::strategy::Offset::parse(t).ok()),
                trailing_stop: strategy
                    .get("trailing_stop")
                    .and_then(|t| algo_core::strategy::Offset::parse(t).ok()),
            };
            let entry_paise = runtime.get("entry_price").and_then(|p| p.parse().ok());
            // A running strategy cannot be edited: its direction is its position's.
            let direction = strategy
                .get("direction")
                .and_then(|d| algo_core::strategy::Direction::parse(d))
                .unwrap_or_default();
            let cached_high = runtime.get("trail_high").and_then(|p| p.parse().ok());
            let (Some(symbol), Some(exchange), Some(stop)) = (
                runtime
                    .get("position_symbol")
                    .or_else(|| strategy.get("symbol")),
                runtime
                    .get("position_exchange")
                    .or_else(|| strategy.get("exchange")),
                strategy.get("stop_loss").and_then(|s| s.parse().ok()),
            ) else {
                return None;
            };
            match instruments.get(exchange, symbol) {
                Some(instrument) => Some(Watched {
                    guard: Guard {
                        token: instrument.instrument_token,
                        stop_paise: stop,
                        exits,
                        entry_paise,
                        tick_paise: self.tick_paise,
                        direction,
                    },
                    cached_high,
                }),
                None => {
                    tracing::warn!(strategy_id = %id, symbol = %symbol, "symbol not in the instrument list; its stop cannot be watched");
                    None
                }
            }
        }
    }

    /// Makes the book hold exactly `want` (a stop that already fired stays fired until its
    /// position changes) and the subscriptions follow.
    fn apply(&self, want: HashMap<Uuid, Watched>) {
        let tokens: Vec<u32> = {
            let mut book = self.book.lock().unwrap_or_else(|p| p.into_inner());
            let mut watched = self.watched.lock().unwrap_or_else(|p| p.into_inner());
            let mut fired = self.fired.lock().unwrap_or_else(|p| p.into_inner());
            let rearm_after = Duration::from_millis(self.rearm_after_ms.load(Ordering::Relaxed));
            for (id, w) in &want {
                let lost_exit = !book.is_armed(*id)
                    && fired
                        .get(id)
                        .is_some_and(|(at, _)| at.elapsed() >= rearm_after);
                if lost_exit {
                    tracing::warn!(event_type = "stoploss_rearmed", strategy_id = %id, "stop fired but the position is still open; armed again");
                }
                // A changed high alone is the book's own write coming back: nothing to arm.
                let changed = watched.get(id).map(|old| old.guard) != Some(w.guard);
                if changed || lost_exit {
                    book.arm_guard(*id, w.guard, w.cached_high);
                }
            }
            for id in watched.keys() {
                if !want.contains_key(id) {
                    book.disarm(*id);
                }
            }
            // A position that closed forgets its fires.
            fired.retain(|id, _| want.contains_key(id));
            // The exits this process would send have their claims taken now, not when crossed.
            if let Some(executor) = self
                .exits_here
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
            {
                executor.keep_exits_prepared(&want.keys().copied().collect::<Vec<_>>());
            }
            *watched = want;
            let mut tokens: Vec<u32> = watched
                .values()
                .map(|w| w.guard.token)
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            tokens.sort_unstable();
            tokens
        };
        for (i, desired) in self.desired.iter().enumerate() {
            let chunk: Vec<u32> = tokens
                .iter()
                .skip(i * MAX_PER_CONNECTION)
                .take(MAX_PER_CONNECTION)
                .copied()
                .collect();
            desired.send_if_modified(|current| {
                if *current == chunk {
                    false
                } else {
                    *current = chunk;
                    true
                }
            });
        }
        if tokens.len() > MAX_PER_CONNECTION * MAX_CONNECTIONS {
            tracing::error!(
                instruments = tokens.len(),
                "more instruments than Kite's ticker allows; some stops are not watched"
            );
        }
    }

    /// Pushes a STOPLOSS event for each fired stop, retrying while the queue is down.
    async fn push_fired(self: Arc<Self>, shutdown: CancellationToken) {
        let Some(mut rx) = self
            .fired_rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return;
        };
        loop {
            let Fired { strategy: id, exit } = tokio::select! {
                _ = shutdown.cancelled() => return,
                f = rx.recv() => match f { Some(f) => f, None => return },
            };
            let now = self.clock.now();
            let kind = match exit {
                Exit::StopLoss => EventKind::StopLoss,
                Exit::Target => EventKind::Target,
            };
            let mut event = OrderEvent::new(id, kind, TradingCalendar::trading_date(now), now);
            // A second fire of the same day needs its own event id, or the queue would drop
            // it as a duplicate of the lost first one; the EXIT key still allows one exit.
            let fires = self
                .fired
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&id)
                .map_or(1, |(_, n)| *n);
            if fires > 1 {
                event.event_id = format!("{}:fire{fires}", event.event_id);
            }
            let here = self
                .exits_here
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            match here {
                Some(executor) => {
                    // The exit goes out from here at once; its durable copy is queued a moment
                    // later, once this handling holds the leg, so the two do not race for the
                    // cores and the database while the order is being sent.
                    let direct = event.clone();
                    tokio::spawn(async move { executor.handle(&direct).await });
                    let worker = self.clone();
                    let shutdown = shutdown.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(QUEUE_COPY_AFTER).await;
                        worker.queue_fired(&event, exit, &shutdown).await;
                    });
                }
                None => self.queue_fired(&event, exit, &shutdown).await,
            }
        }
    }

    /// Queues a fired stop's or target's exit, retrying while the queue is down.
    async fn queue_fired(&self, event: &OrderEvent, exit: Exit, shutdown: &CancellationToken) {
        let id = event.strategy_id;
        let mut delay = Duration::from_millis(20);
        loop {
            match self.queue.push(event).await {
                Ok(()) => {
                    self.stats.events_pushed.fetch_add(1, Ordering::Relaxed);
                    match exit {
                        Exit::StopLoss => {
                            tracing::info!(event_type = "stoploss_fired", strategy_id = %id, "stop-loss crossed; exit queued")
                        }
                        Exit::Target => {
                            tracing::info!(event_type = "target_fired", strategy_id = %id, "target reached; exit queued")
                        }
                    }
                    return;
                }
                Err(e) => {
                    tracing::error!(strategy_id = %id, error = %e, "could not queue a stop-loss exit; retrying");
                    tokio::select! { _ = shutdown.cancelled() => return, _ = tokio::time::sleep(delay) => {} }
                    delay = (delay * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    /// Writes the last price of every watched strategy whose instrument ticked.
    async fn flush_prices(self: Arc<Self>, shutdown: CancellationToken) {
        let mut interval = tokio::time::interval(PRICE_FLUSH);
        loop {
            tokio::select! { _ = shutdown.cancelled() => return, _ = interval.tick() => {} }
            let prices =
                std::mem::take(&mut *self.last_prices.lock().unwrap_or_else(|p| p.into_inner()));
            if prices.is_empty() {
                continue;
            }
            let writes: Vec<(Uuid, i64)> = self
                .watched
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .filter_map(|(id, w)| prices.get(&w.guard.token).map(|p| (*id, *p)))
                .collect();
            if writes.is_empty() {
                continue;
            }
            // The trailing stops' highs and levels: what a restarted worker starts from, and
            // what the app shows.
            let levels: Vec<Option<(i64, Option<i64>)>> = {
                let book = self.book.lock().unwrap_or_else(|p| p.into_inner());
                writes.iter().map(|(id, _)| book.levels(*id)).collect()
            };
            let keys = self.redis.keys();
            let mut pipe = redis::pipe();
            for ((id, price), level) in writes.iter().zip(levels) {
                pipe.hset(keys.runtime(id), "last_price", *price).ignore();
                if let Some((stop, Some(high))) = level {
                    pipe.hset_multiple(
                        keys.runtime(id),
                        &[("trail_high", high), ("trail_stop", stop)],
                    )
                    .ignore();
                }
            }
            if let Ok(mut conn) = self.redis.conn().await {
                if let Err(e) = pipe.query_async::<()>(&mut conn).await {
                    tracing::debug!(error = %e, "last prices not written this round");
                }
            }
        }
    }

    /// Resyncs as soon as the executor announces a position change.
    async fn listen(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            let subscribed = async {
                let mut pubsub = self.redis.client().get_async_pubsub().await?;
                pubsub
                    .subscribe(self.redis.keys().position_channel())
                    .await?;
                Ok::<_, redis::RedisError>(pubsub)
            };
            match subscribed.await {
                Ok(mut pubsub) => {
                    // What changed while there was no subscription is found by reading it all.
                    self.full_due.store(true, Ordering::Relaxed);
                    self.resync.notify_one();
                    let mut messages = pubsub.on_message();
                    loop {
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            m = messages.next() => match m {
                                Some(m) => {
                                    match m.get_payload::<String>().ok().and_then(|p| Uuid::parse_str(&p).ok()) {
                                        Some(id) => {
                                            self.changed.lock().unwrap_or_else(|p| p.into_inner()).insert(id);
                                        }
                                        None => self.full_due.store(true, Ordering::Relaxed),
                                    }
                                    self.resync.notify_one();
                                }
                                None => break,
                            },
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "position channel unavailable; relying on the periodic resync")
                }
            }
            tokio::select! { _ = shutdown.cancelled() => return, _ = tokio::time::sleep(Duration::from_secs(2)) => {} }
        }
    }

    /// The health figures; healthy when connected (or nothing to watch) with frames flowing.
    pub fn health(&self) -> FeedHealth {
        let ticks = self.stats.ticks.load(Ordering::Relaxed);
        let ticks_per_sec = {
            let mut w = self.ticks_window.lock().unwrap_or_else(|p| p.into_inner());
            let elapsed = w.0.elapsed().as_secs_f64();
            if elapsed >= 1.0 {
                w.2 = (ticks - w.1) as f64 / elapsed;
                *w = (Instant::now(), ticks, w.2);
            }
            w.2
        };
        let connections = self.stats.connected.load(Ordering::Relaxed);
        let subscribed = self
            .stats
            .subscribed
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .sum();
        let age = self.stats.last_frame_age();
        let armed = self.book.lock().map(|b| b.len()).unwrap_or(0);
        let healthy = !self.stats.auth_failed.load(Ordering::Relaxed)
            && connections > 0
            && age < connection::SILENCE;
        let waiting_for_login =
            self.token.borrow().is_none() || self.stats.auth_failed.load(Ordering::Relaxed);
        FeedHealth {
            healthy,
            waiting_for_login,
            connections,
            subscribed,
            armed_stops: armed,
            last_tick_age_ms: age.as_millis() as u64,
            ticks_per_sec,
            ticks,
            invalid_ticks: self.stats.invalid_ticks.load(Ordering::Relaxed),
            events_pushed: self.stats.events_pushed.load(Ordering::Relaxed),
            reconnects: self.stats.reconnects.load(Ordering::Relaxed),
        }
    }
}

/// `GET /health` for the ECS health check: 200 when healthy or waiting for a login, 503
/// otherwise. Waiting for the day's login (every morning until the trader logs in, all weekend)
/// passes the check: a replacement task would wait for the same login, and replacing the task
/// every few minutes would only raise alarms. The body says `waiting_for_login` either way.
pub fn health_router(worker: Arc<FeedWorker>) -> axum::Router {
    axum::Router::new().route(
        "/health",
        axum::routing::get(move || {
            let worker = worker.clone();
            async move {
                let h = worker.health();
                let status = if h.healthy || h.waiting_for_login {
                    axum::http::StatusCode::OK
                } else {
                    axum::http::StatusCode::SERVICE_UNAVAILABLE
                };
                (status, axum::Json(h))
            }
        }),
    )
}
