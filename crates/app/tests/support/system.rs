//! The whole self-hosted system (API, timers, Redis queue, executor, stop-loss watcher) on a
//! fresh database and Redis prefix, against a simulated exchange over real HTTP.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use algo_app::config::{Config, Profile};
use algo_app::executor::ExecutorConfig;
use algo_app::feed::{FeedConfig, FeedWorker};
use algo_app::router;
use algo_app::selfhosted::{Adapters, SelfHosted};
use algo_core::{CalendarKind, Clock, EventKind, OrderEvent, TradingCalendar, IST};
use algo_store::ports::{Ledger, OrderQueue};
use algo_store::testing;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{Timelike, Utc};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

pub struct TestSystem {
    pub sim: algo_sim::RunningSim,
    pub system: SelfHosted,
    pub http: reqwest::Client,
    pub config: Config,
    /// The stop-loss watcher on the simulator's ticker, when built [`Builder::with_feed`].
    pub feed: Option<Arc<FeedWorker>>,
    /// Stops the watcher.
    pub feed_stop: CancellationToken,
    built: Builder,
}

/// The one way tests assemble the system: `TestSystem::builder()…start().await`.
#[derive(Clone)]
pub struct Builder {
    calendar: CalendarKind,
    executor: ExecutorConfig,
    in_process: bool,
    clock: Option<Arc<dyn Clock>>,
    feed: bool,
    /// The watcher's full resync period, when not its default.
    feed_resync: Option<Duration>,
    queue: Option<Arc<dyn OrderQueue>>,
    ledger: Option<Arc<dyn Ledger>>,
    /// More configuration, as environment variables would give it.
    env: Vec<(String, String)>,
    /// Each user's refresh token by their latest access token: the app's keychain, kept over
    /// restarts, so a test whose clock moves past the access token's life refreshes as the app
    /// does ([`TestSystem::refreshed`]).
    refresh: Arc<std::sync::Mutex<HashMap<String, String>>>,
}

impl TestSystem {
    /// Always open, [`fast`] executor settings, the simulator over HTTP, the system clock, no
    /// stop-loss watcher, the self-hosted queue and ledger.
    pub fn builder() -> Builder {
        Builder {
            calendar: CalendarKind::AlwaysOpen,
            executor: fast(),
            in_process: false,
            clock: None,
            feed: false,
            feed_resync: None,
            queue: None,
            ledger: None,
            env: Vec::new(),
            refresh: Arc::default(),
        }
    }
}

impl Builder {
    pub fn calendar(mut self, calendar: CalendarKind) -> Self {
        self.calendar = calendar;
        self
    }

    pub fn executor(mut self, executor: ExecutorConfig) -> Self {
        self.executor = executor;
        self
    }

    /// The executor talks to the simulator in process ([`algo_sim::InProcessBroker`]) instead of
    /// over HTTP; the API and the watcher still use HTTP and the WebSocket.
    pub fn in_process_broker(mut self) -> Self {
        self.in_process = true;
        self
    }

    /// One clock for the API, the timers, the executor, the cache rebuild and the watcher.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Runs the stop-loss watcher on the simulator's ticker, handing order updates on.
    /// A configuration variable, as the environment would set it.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn with_feed(mut self) -> Self {
        self.feed = true;
        self
    }

    /// The stop-loss watcher, reading its whole book again only every `every`.
    pub fn with_feed_resyncing_every(mut self, every: Duration) -> Self {
        self.feed = true;
        self.feed_resync = Some(every);
        self
    }

    /// Another queue and ledger (the AWS adapters on the emulator).
    pub fn queue_and_ledger(mut self, queue: Arc<dyn OrderQueue>, ledger: Arc<dyn Ledger>) -> Self {
        self.queue = Some(queue);
        self.ledger = Some(ledger);
        self
    }

    pub async fn start(self) -> TestSystem {
        // The system's logs go with a failing test's output (the harness shows them only then).
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("ALGO_TEST_LOG")
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
            )
            .try_init();
        let sim = algo_sim::spawn_with_clock(
            algo_sim::SimConfig {
                walk_interval: None,
                ..Default::default()
            },
            self.clock
                .clone()
                .unwrap_or_else(|| Arc::new(algo_core::SystemClock)),
        )
        .await;
        let (pg, _) = testing::fresh_database().await.expect("database");
        let redis = testing::fresh_redis().expect("redis");
        let url = sim.base_url.clone();
        let env = self.env.clone();
        let config = Config::from_lookup(
            move |k| match k {
                "ALGO_KITE_URL" => Some(url.clone()),
                "ALGO_KITE_TIMEOUT_MS" => Some("1500".into()),
                _ => env.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()),
            },
            Profile::SelfHosted,
            self.calendar,
        )
        .expect("config");
        self.assemble(sim, config, pg, redis).await
    }

    async fn assemble(
        self,
        sim: algo_sim::RunningSim,
        config: Config,
        pg: algo_store::postgres::PgPool,
        redis: algo_store::redis::RedisStore,
    ) -> TestSystem {
        let mut adapters = Adapters::self_hosted(&config, &pg, &redis).expect("adapters");
        if self.in_process {
            adapters.broker = Arc::new(sim.sim.sessions(config.kite_timeout));
        }
        if let Some(clock) = &self.clock {
            adapters.clock = clock.clone();
        }
        if let (Some(queue), Some(ledger)) = (&self.queue, &self.ledger) {
            adapters.queue = queue.clone();
            adapters.ledger = ledger.clone();
        }
        let clock = adapters.clock.clone();
        let system =
            SelfHosted::start_with(&config, pg, redis.clone(), self.executor.clone(), adapters)
                .await
                .expect("self-hosted system");
        let feed_stop = CancellationToken::new();
        let feed = self.feed.then(|| {
            let feed = FeedWorker::new(
                redis,
                system.queue.clone(),
                clock,
                algo_kite::KiteHttp::new(&sim.base_url, Duration::from_secs(2)).expect("http"),
                FeedConfig {
                    ws_url: sim.ws_url.clone(),
                    api_key: "sim_key".into(),
                    access_token: algo_kite::Secret::new("sim_token"),
                },
            );
            if let Some(every) = self.feed_resync {
                feed.set_resync_every(every);
            }
            feed.forward_order_updates(system.order_updates.clone());
            feed.exit_in_process(system.executor.clone());
            feed.use_token_source(Arc::new(algo_app::feed::token::StoredToken {
                pg: system.state.pg.clone(),
                cipher: system.executor.cipher.clone(),
                clock: system.executor.clock.clone(),
            }));
            tokio::spawn(feed.clone().run(feed_stop.clone()));
            feed
        });
        TestSystem {
            sim,
            system,
            http: reqwest::Client::new(),
            config,
            feed,
            feed_stop,
            built: self,
        }
    }
}

/// The self-hosted system on the simulator with `executor`'s settings.
pub async fn start(calendar: CalendarKind, executor: ExecutorConfig) -> TestSystem {
    TestSystem::builder()
        .calendar(calendar)
        .executor(executor)
        .start()
        .await
}

pub fn fast() -> ExecutorConfig {
    ExecutorConfig {
        backoff: Duration::from_millis(50),
        poll_interval: Duration::from_millis(50),
        ..Default::default()
    }
}

impl TestSystem {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = req
            .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
            .expect("request");
        let response = router(self.system.state.clone())
            .oneshot(req)
            .await
            .expect("response");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// A page of the API (not JSON): status and text.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let req = Request::get(path).body(Body::empty()).expect("request");
        let response = router(self.system.state.clone())
            .oneshot(req)
            .await
            .expect("response");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// A registered user with no broker keys; returns the access token.
    pub async fn user(&self) -> String {
        let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
        let (_, body) = self
            .call(
                Method::POST,
                "/auth/register",
                None,
                Some(json!({ "email": email, "password": "long enough pw" })),
            )
            .await;
        let access = body["access_token"].as_str().expect("token").to_owned();
        let refresh = body["refresh_token"].as_str().expect("refresh token");
        self.keychain().insert(access.clone(), refresh.to_owned());
        access
    }

    fn keychain(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.built
            .refresh
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The user's app after the access token's 15 minutes (a test's clock moved to the next
    /// morning): `POST /auth/refresh` with the refresh token kept from the sign-up or the last
    /// refresh; returns the new access token.
    pub async fn refreshed(&self, token: &str) -> String {
        let refresh = self
            .keychain()
            .remove(token)
            .expect("a token from user(), trader() or refreshed()");
        let (status, body) = self
            .call(
                Method::POST,
                "/auth/refresh",
                None,
                Some(json!({ "refresh_token": refresh })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let access = body["access_token"].as_str().expect("token").to_owned();
        let refresh = body["refresh_token"].as_str().expect("refresh token");
        self.keychain().insert(access.clone(), refresh.to_owned());
        access
    }

    /// A registered user with the simulated broker connected; returns the access token.
    pub async fn trader(&self) -> String {
        let token = self.user().await;
        let (status, body) = self
            .call(Method::POST, "/broker/connect", Some(&token), Some(json!({ "api_key": "sim_key", "secret_key": "sim_secret", "access_token": "sim_token" })))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        token
    }

    /// Creates and starts a strategy; returns its id.
    pub async fn running(&self, token: &str, symbol: &str, buy: &str, sell: &str) -> String {
        self.running_with(token, json!({ "symbol": symbol, "buy_time": buy, "sell_time": sell, "stop_loss": "1.00", "quantity": 5 }))
            .await
    }

    /// A running strategy created from `body`.
    pub async fn running_with(&self, token: &str, body: Value) -> String {
        let (status, body) = self
            .call(Method::POST, "/strategy/create", Some(token), Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["strategy_id"].as_str().expect("id").to_owned();
        let (status, body) = self
            .call(
                Method::POST,
                "/strategy/start",
                Some(token),
                Some(json!({ "strategy_id": id })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        id
    }

    pub async fn sim_orders(&self) -> Vec<Value> {
        orders_at(&self.http, &self.sim.base_url).await
    }

    pub async fn fault(&self, kind: &str, count: u32) {
        let r = self
            .http
            .post(format!("{}/_sim/faults", self.sim.base_url))
            .json(&json!({ "kind": kind, "count": count, "delay_ms": 4000 }))
            .send()
            .await
            .expect("sim");
        assert!(r.status().is_success());
    }

    /// How many requests the simulator refused for their access token.
    pub async fn sim_refused_tokens(&self) -> u64 {
        let v: Value = self
            .http
            .get(format!("{}/_sim/tokens", self.sim.base_url))
            .send()
            .await
            .expect("sim")
            .json()
            .await
            .expect("json");
        v["data"]["refused"].as_u64().expect("a count")
    }

    /// Polls until `cond` holds on the sim's orders or the deadline passes.
    pub async fn wait_orders(
        &self,
        deadline: Duration,
        cond: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let until = Instant::now() + deadline;
        loop {
            let orders = self.sim_orders().await;
            if cond(&orders) || Instant::now() >= until {
                return orders;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn status(&self, token: &str, id: &str) -> Value {
        self.call(
            Method::GET,
            &format!("/strategy/status/{id}"),
            Some(token),
            None,
        )
        .await
        .1
    }

    pub async fn wait_status(
        &self,
        token: &str,
        id: &str,
        deadline: Duration,
        cond: impl Fn(&Value) -> bool,
    ) -> Value {
        let until = Instant::now() + deadline;
        loop {
            let s = self.status(token, id).await;
            if cond(&s) || Instant::now() >= until {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl TestSystem {
    /// POSTs `body` to the simulator's `path` (`/_sim/faults`, `/_sim/behaviour`, …).
    pub async fn sim_post(&self, path: &str, body: Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.sim.base_url))
            .json(&body)
            .send()
            .await
            .expect("sim");
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }

    /// An order placed on the simulator's default account directly, as a trader in the Kite
    /// app (or a worker that died before recording it) would; returns its order id.
    pub async fn place_by_hand(
        &self,
        symbol: &str,
        side: algo_kite::TransactionType,
        quantity: u32,
        tag: Option<String>,
    ) -> String {
        let kite =
            algo_kite::KiteHttp::new(&self.sim.base_url, Duration::from_secs(2)).expect("http");
        kite.client("sim_key", algo_kite::Secret::new("sim_token"))
            .place_order(&algo_kite::OrderRequest {
                tradingsymbol: symbol.into(),
                exchange: "NSE".into(),
                transaction_type: side,
                order_type: algo_kite::OrderType::Market,
                quantity,
                product: "MIS".into(),
                validity: "DAY".into(),
                price_paise: None,
                trigger_price_paise: None,
                tag,
                market_protection: algo_kite::MarketProtection::Automatic,
                algo_id: None,
            })
            .await
            .expect("an order placed by hand")
    }

    /// The SELL of `buy`'s strategy and day, due now, handled by the system's executor.
    pub async fn sell_now(&self, buy: &OrderEvent) -> algo_app::executor::Handled {
        let sell = OrderEvent::new(
            buy.strategy_id,
            EventKind::Sell,
            buy.trading_date,
            Utc::now(),
        );
        self.system.executor.handle(&sell).await
    }
}

/// Every order the simulator at `base_url` holds (`GET /_sim/orders`).
pub async fn orders_at(http: &reqwest::Client, base_url: &str) -> Vec<Value> {
    let v: Value = http
        .get(format!("{base_url}/_sim/orders"))
        .send()
        .await
        .expect("sim")
        .json()
        .await
        .expect("json");
    v.get("data")
        .cloned()
        .unwrap_or(v)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The default account's net position in `symbol` at the simulator at `base_url`.
pub async fn net_at(http: &reqwest::Client, base_url: &str, symbol: &str) -> i64 {
    let v: Value = http
        .get(format!("{base_url}/portfolio/positions"))
        .header("Authorization", "token sim_key:sim_token")
        .header("X-Kite-Version", "3")
        .send()
        .await
        .expect("sim")
        .json()
        .await
        .expect("json");
    v["data"]["net"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["tradingsymbol"] == symbol)
        .filter_map(|p| p["quantity"].as_i64())
        .sum()
}

pub fn side(orders: &[Value], side: &str) -> usize {
    orders
        .iter()
        .filter(|o| o["transaction_type"] == side)
        .count()
}

/// `HH:MM:SS` IST `secs` from now; waits out the last seconds before IST midnight first.
pub async fn ist_in(secs: i64) -> String {
    loop {
        let now = Utc::now().with_timezone(&IST);
        if now.hour() == 23 && now.minute() == 59 && now.second() > 40 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        return (now + chrono::Duration::seconds(secs))
            .format("%H:%M:%S")
            .to_string();
    }
}

/// A strategy's buy and sell times (IST) whose timers stay quiet during a test, with an event
/// due now inside the entry window: three hours ahead; or, late in the evening when that would
/// run past midnight (and the sell would come before the buy), a buy already past today and a
/// sell at 23:59:30.
pub async fn quiet_times() -> (String, String) {
    let now = Utc::now().with_timezone(&IST);
    let late = now + chrono::Duration::seconds(3600 * 3 + 60);
    if late.date_naive() == now.date_naive() {
        (ist_in(3600 * 3).await, ist_in(3600 * 3 + 60).await)
    } else {
        ("00:00:01".into(), "23:59:30".into())
    }
}

/// A BUY event for a running strategy, due now.
pub async fn buy_now(s: &TestSystem, token: &str, symbol: &str) -> (String, OrderEvent) {
    buy_in(s, token, symbol, Duration::ZERO).await
}

/// A BUY event for a running strategy, due `ahead` from now (an early delivery).
pub async fn buy_in(
    s: &TestSystem,
    token: &str,
    symbol: &str,
    ahead: Duration,
) -> (String, OrderEvent) {
    // Times far away so the timers stay quiet; the event is injected directly.
    let (buy, sell) = quiet_times().await;
    let id = s.running(token, symbol, &buy, &sell).await;
    let due = Utc::now() + chrono::Duration::from_std(ahead).expect("duration");
    let event = OrderEvent::new(
        id.parse().expect("uuid"),
        EventKind::Buy,
        TradingCalendar::trading_date(due),
        due,
    );
    (id, event)
}

pub fn received_at_us(orders: &[Value]) -> Vec<i64> {
    orders
        .iter()
        .filter_map(|o| o["received_at_us"].as_i64())
        .collect()
}

pub fn clone_executor(s: &TestSystem) -> algo_app::executor::Executor {
    copy_executor(&s.system.executor, "second-worker")
}

/// Another executor on the same stores and broker as `e`, under the owner name `owner`.
pub fn copy_executor(
    e: &algo_app::executor::Executor,
    owner: &str,
) -> algo_app::executor::Executor {
    algo_app::executor::Executor {
        keys: e.keys.clone(),
        orders: e.orders.clone(),
        strategies: e.strategies.clone(),
        runtime: e.runtime.clone(),
        ledger: e.ledger.clone(),
        locks: e.locks.clone(),
        broker: e.broker.clone(),
        cipher: e.cipher.clone(),
        paper: e.paper.clone(),
        calendar: e.calendar.clone(),
        clock: e.clock.clone(),
        owner: owner.into(),
        local: Default::default(),
        config: e.config.clone(),
    }
}

/// A system whose process is down: the simulator still answers.
pub struct Stopped {
    pub sim: algo_sim::RunningSim,
    pub http: reqwest::Client,
    config: Config,
    built: Builder,
    pg: algo_store::postgres::PgPool,
    redis: algo_store::redis::RedisStore,
}

impl Stopped {
    /// The process starts again on the same stores, built as before.
    pub async fn start(self) -> TestSystem {
        let mut s = self
            .built
            .assemble(self.sim, self.config, self.pg, self.redis)
            .await;
        s.http = self.http;
        s
    }
}

impl TestSystem {
    /// The process stops (timers, worker and watcher with it) and starts again on the same
    /// stores and simulator, built as before.
    pub async fn restart(self) -> TestSystem {
        let (pg, redis) = (
            self.system.state.pg.clone(),
            self.system.state.redis.clone(),
        );
        self.feed_stop.cancel();
        self.system.shutdown().await;
        self.built.assemble(self.sim, self.config, pg, redis).await
    }

    /// The process stops; the simulator and the stores stay, for [`Stopped::start`].
    pub async fn stopped(self) -> Stopped {
        let (pg, redis) = (
            self.system.state.pg.clone(),
            self.system.state.redis.clone(),
        );
        self.feed_stop.cancel();
        self.system.shutdown().await;
        Stopped {
            sim: self.sim,
            http: self.http,
            config: self.config,
            built: self.built,
            pg,
            redis,
        }
    }

    /// Shuts everything down, waiting for the tasks.
    pub async fn shutdown(self) {
        self.feed_stop.cancel();
        self.system.shutdown().await;
    }
}

/// An IST wall time on a date, as an instant.
pub fn ist(date: (i32, u32, u32), time: (u32, u32, u32)) -> chrono::DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(date.0, date.1, date.2)
        .and_then(|d| d.and_hms_opt(time.0, time.1, time.2))
        .and_then(|t| t.and_local_timezone(IST).single())
        .expect("an instant IST has")
        .with_timezone(&Utc)
}
