//! The stop-loss watcher against the simulator over a real WebSocket, with the executor running:
//! a price under the stop produces exactly one STOPLOSS exit; a dropped connection comes back
//! and a later stop still fires; subscriptions follow the strategies.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use support::system::TestSystem;

use std::sync::Arc;
use std::time::{Duration, Instant};

use algo_app::executor::{ExecutorConfig, Handled};
use algo_app::feed::{FeedConfig, FeedWorker};
use algo_app::selfhosted::SelfHosted;
use algo_core::{EventKind, OrderEvent, SystemClock, TradingCalendar};
use axum::http::StatusCode;
use chrono::Utc;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

struct World {
    sim: algo_sim::RunningSim,
    system: SelfHosted,
    feed: Arc<FeedWorker>,
    stop: CancellationToken,
    http: reqwest::Client,
    token: String,
}

async fn post(
    system: &SelfHosted,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    support::post_json(&system.state, path, token, body).await
}

async fn world() -> World {
    world_with(ExecutorConfig {
        backoff: Duration::from_millis(50),
        poll_interval: Duration::from_millis(20),
        ..Default::default()
    })
    .await
}

async fn world_with(exec: ExecutorConfig) -> World {
    world_from(TestSystem::builder().executor(exec).with_feed()).await
}

async fn world_from(builder: support::system::Builder) -> World {
    let s = builder.start().await;
    let token = s.trader().await;
    let feed = s.feed.clone().expect("built with the watcher");
    World {
        feed,
        stop: s.feed_stop.clone(),
        sim: s.sim,
        system: s.system,
        http: s.http,
        token,
    }
}

impl World {
    /// A running strategy on `symbol` with its stop at `stop`, bought now.
    async fn bought(&self, symbol: &str, stop: &str) -> String {
        let (id, buy) = self.started(symbol, stop, 1).await;
        assert_eq!(
            self.system.executor.handle(&buy).await,
            Handled::Done("order COMPLETE".into())
        );
        id
    }

    /// A running strategy on `symbol` with its stop at `stop`, and the BUY that enters it now.
    async fn started(&self, symbol: &str, stop: &str, quantity: u32) -> (String, OrderEvent) {
        self.started_with(symbol, json!({ "stop_loss": stop, "quantity": quantity }))
            .await
    }

    /// A running strategy on `symbol` with the fields of `fields` (a stop-loss at least), and
    /// the BUY that enters it now.
    async fn started_with(&self, symbol: &str, fields: Value) -> (String, OrderEvent) {
        let (buy, sell) = support::system::quiet_times().await;
        let mut body =
            json!({ "symbol": symbol, "buy_time": buy, "sell_time": sell, "quantity": 1 });
        for (k, v) in fields.as_object().expect("fields") {
            body[k] = v.clone();
        }
        let (status, body) = post(&self.system, "/strategy/create", Some(&self.token), body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["strategy_id"].as_str().expect("id").to_owned();
        let (status, _) = post(
            &self.system,
            "/strategy/start",
            Some(&self.token),
            json!({ "strategy_id": id }),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let buy = OrderEvent::new(
            id.parse().expect("uuid"),
            EventKind::Buy,
            TradingCalendar::trading_date(Utc::now()),
            Utc::now(),
        );
        (id, buy)
    }

    /// A watcher of the test's own on the simulator, queueing to `queue` (the world's own
    /// watcher stopped first), and the token that stops it.
    fn own_watcher(
        &self,
        queue: Arc<dyn algo_store::ports::OrderQueue>,
    ) -> (Arc<FeedWorker>, CancellationToken) {
        self.stop.cancel();
        let feed = FeedWorker::new(
            self.system.state.redis.clone(),
            queue,
            Arc::new(SystemClock),
            algo_kite::KiteHttp::new(&self.sim.base_url, Duration::from_secs(2)).expect("http"),
            FeedConfig {
                ws_url: self.sim.ws_url.clone(),
                api_key: "sim_key".into(),
                access_token: algo_kite::Secret::new("sim_token"),
            },
        );
        (feed, CancellationToken::new())
    }

    /// Waits until `feed` has the one stop armed and its instrument subscribed.
    async fn armed_on(&self, feed: &FeedWorker) {
        let until = Instant::now() + Duration::from_secs(10);
        while !(feed.health().armed_stops == 1 && feed.health().subscribed == 1) {
            assert!(Instant::now() < until, "armed: {:?}", feed.health());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn until(&self, what: &str, deadline: Duration, cond: impl Fn(&FeedWorker) -> bool) {
        let until = Instant::now() + deadline;
        while !cond(&self.feed) {
            assert!(
                Instant::now() < until,
                "timed out waiting for {what}: {:?}",
                self.feed.health()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn price(&self, symbol: &str, price: &str) {
        let r = self
            .http
            .post(format!("{}/_sim/price", self.sim.base_url))
            .json(&json!({ "symbol": symbol, "price": price }))
            .send()
            .await
            .expect("sim");
        assert!(r.status().is_success());
    }

    async fn sells(&self, symbol: &str) -> usize {
        self.sell_orders(symbol).await.len()
    }

    async fn wait_sells(&self, symbol: &str, want: usize, deadline: Duration) -> usize {
        let until = Instant::now() + deadline;
        loop {
            let n = self.sells(symbol).await;
            if n >= want || Instant::now() > until {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_price_under_the_stop_exits_exactly_once() {
    let w = world().await;
    let id = w.bought("TCS", "3400.00").await;
    w.until(
        "the stop armed and subscribed",
        Duration::from_secs(10),
        |f| f.health().armed_stops == 1 && f.health().subscribed == 1,
    )
    .await;
    let status_of = |id: String| {
        let (state, token) = (w.system.state.clone(), w.token.clone());
        async move {
            support::get_json(&state, &format!("/strategy/status/{id}"), &token)
                .await
                .1
        }
    };
    assert_eq!(
        status_of(id.clone()).await["stop_in_force"],
        "3400.00",
        "the fixed stop while open"
    );
    w.price("TCS", "3400.05").await;
    assert_eq!(
        w.wait_sells("TCS", 1, Duration::from_millis(800)).await,
        0,
        "above the stop: nothing"
    );
    w.price("TCS", "3399.95").await;
    assert_eq!(w.wait_sells("TCS", 1, Duration::from_secs(5)).await, 1);
    // More ticks under the stop add nothing.
    for p in ["3390.00", "3380.00", "3370.00"] {
        w.price("TCS", p).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(w.sells("TCS").await, 1, "one exit, however many ticks");
    let (_, status) = post(
        &w.system,
        "/strategy/stop",
        Some(&w.token),
        json!({ "strategy_id": id }),
    )
    .await;
    assert_eq!(status["position"], "sold");
    assert_eq!(
        status_of(id.clone()).await["stop_in_force"],
        Value::Null,
        "nothing open, no stop"
    );
    assert!(w.feed.health().events_pushed >= 1);
    w.stop.cancel();
    w.system.shutdown().await;
}

impl World {
    /// Waits until the ledger's record of `key` satisfies `cond`.
    async fn until_ledger(
        &self,
        what: &str,
        key: &algo_core::LedgerKey,
        cond: impl Fn(Option<&algo_store::ports::LedgerRecord>) -> bool,
    ) {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let record = self.system.executor.ledger.get(key).await.expect("ledger");
            if cond(record.as_ref()) {
                return;
            }
            assert!(Instant::now() < until, "{what}: {record:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

// An armed stop's exit is claimed before the stop is crossed, by this process's executor, so
// a crossing only takes the strategy's lock: the prepared claim becomes the crossing's exit,
// one sale. A stop disarmed without an exit (the strategy stopped, its position left) gives
// its claim back, and the day's exit can still be claimed. Red before exits were prepared:
// nothing in the ledger until the crossing.
#[tokio::test]
async fn an_armed_stops_exit_is_claimed_ahead_and_given_back_when_disarmed() {
    use algo_core::{LedgerKey, Leg};
    use algo_store::ports::LedgerState;
    let w = world().await;
    let today = TradingCalendar::trading_date(Utc::now());
    let mine = format!("{}/", w.system.executor.owner);
    let id = w.bought("TCS", "3400.00").await;
    let key = LedgerKey::new(id.parse().expect("uuid"), today, Leg::Exit);
    w.until_ledger("the exit claimed once the stop is armed", &key, |r| {
        r.is_some_and(|r| r.state == LedgerState::InProgress && r.owner.starts_with(&mine))
    })
    .await;
    w.price("TCS", "3399.95").await;
    assert_eq!(w.wait_sells("TCS", 1, Duration::from_secs(5)).await, 1);
    w.until_ledger("the prepared claim completed by the exit", &key, |r| {
        r.is_some_and(|r| r.state == LedgerState::Completed)
    })
    .await;
    assert_eq!(w.sells("TCS").await, 1, "one exit");

    let other = w.bought("INFY", "1450.00").await;
    let key = LedgerKey::new(other.parse().expect("uuid"), today, Leg::Exit);
    w.until_ledger("the second exit claimed", &key, |r| {
        r.is_some_and(|r| r.state == LedgerState::InProgress)
    })
    .await;
    let (status, body) = post(
        &w.system,
        "/strategy/stop",
        Some(&w.token),
        json!({ "strategy_id": other, "exit_position": false }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    w.until_ledger("the claim given back once disarmed", &key, |r| r.is_none())
        .await;
    assert_eq!(
        w.system
            .executor
            .ledger
            .claim(&key, "someone-else", Duration::from_secs(1))
            .await
            .expect("claim"),
        algo_store::ports::Claim::Acquired { resumed: false },
        "the day's exit is free to claim"
    );
    assert_eq!(w.sells("INFY").await, 0, "nothing sold");
    w.stop.cancel();
    w.system.shutdown().await;
}

// A dead run's claim on the day's exit (a restart fenced it) may cover an exit that run sent:
// preparing the exit looks its tag up once, off the crossing's path, and finding nothing, the
// crossing sends at once rather than waiting for the book to settle. Red before the look-up:
// the prepared exit stayed one to look up.
#[tokio::test]
async fn a_dead_runs_claim_is_looked_up_when_the_exit_is_prepared() {
    use algo_core::{LedgerKey, Leg};
    let w = world_with(ExecutorConfig {
        backoff: Duration::from_millis(50),
        poll_interval: Duration::from_millis(20),
        book_settle: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let (id, buy) = w.started("TCS", "3400.00", 1).await;
    let key = LedgerKey::new(
        id.parse().expect("uuid"),
        TradingCalendar::trading_date(Utc::now()),
        Leg::Exit,
    );
    w.system
        .executor
        .ledger
        .claim(&key, "dead-run/exit", Duration::from_millis(1))
        .await
        .expect("claim");
    assert_eq!(
        w.system.executor.handle(&buy).await,
        Handled::Done("order COMPLETE".into())
    );
    let until = Instant::now() + Duration::from_secs(10);
    while w.system.executor.prepared_exits() != (1, 0) {
        assert!(
            Instant::now() < until,
            "prepared and looked up: {:?}",
            w.system.executor.prepared_exits()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.price("TCS", "3399.95").await;
    assert_eq!(w.wait_sells("TCS", 1, Duration::from_secs(5)).await, 1);
    w.stop.cancel();
    w.system.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connection_comes_back_and_a_later_stop_still_fires() {
    let w = world().await;
    w.bought("INFY", "1450.00").await;
    w.until(
        "the stop armed and subscribed",
        Duration::from_secs(10),
        |f| f.health().subscribed == 1,
    )
    .await;
    let before = w.feed.health().reconnects;
    let r = w
        .http
        .post(format!("{}/_sim/disconnect", w.sim.base_url))
        .send()
        .await
        .expect("sim");
    assert!(r.status().is_success());
    w.until(
        "a reconnect with the subscription restored",
        Duration::from_secs(15),
        |f| {
            let h = f.health();
            h.reconnects > before && h.connections == 3 && h.subscribed == 1
        },
    )
    .await;
    w.price("INFY", "1449.95").await;
    assert_eq!(w.wait_sells("INFY", 1, Duration::from_secs(5)).await, 1);
    w.stop.cancel();
    w.system.shutdown().await;
}

#[tokio::test]
async fn subscriptions_follow_the_strategies() {
    let w = world().await;
    w.until("connected", Duration::from_secs(10), |f| {
        f.health().connections > 0
    })
    .await;
    assert_eq!(
        w.feed.health().subscribed,
        0,
        "nothing open, nothing subscribed"
    );
    let id = w.bought("SBIN", "700.00").await;
    w.until("subscribed", Duration::from_secs(10), |f| {
        f.health().subscribed == 1
    })
    .await;
    let (status, _) = post(
        &w.system,
        "/strategy/stop",
        Some(&w.token),
        json!({ "strategy_id": id }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    w.until(
        "unsubscribed after the stop",
        Duration::from_secs(10),
        |f| f.health().subscribed == 0 && f.health().armed_stops == 0,
    )
    .await;
    // With no stop armed, the price falling through it does nothing.
    w.price("SBIN", "600.00").await;
    assert_eq!(w.wait_sells("SBIN", 1, Duration::from_millis(800)).await, 0);
    w.stop.cancel();
    w.system.shutdown().await;
}

/// Deletes every key of this test's Redis prefix: what a FLUSHALL or a replaced cache node
/// does to this system, without touching the other tests running beside it.
async fn flush(redis: &algo_store::redis::RedisStore) {
    let keys = redis
        .scan_keys(&format!("{}*", redis.keys().prefix()))
        .await
        .expect("scan");
    if !keys.is_empty() {
        let mut conn = redis.conn().await.expect("redis");
        let _: () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .expect("del");
    }
}

// Issue #15, scenario 5: the cache vanishes mid-day; within 5 s the open position shows again
// and its stop is armed again from Postgres, and a later stop fires once.
#[tokio::test]
async fn a_flushed_cache_is_rebuilt_and_the_stop_armed_again_within_5_s() {
    let w = world().await;
    let id = w.bought("TCS", "3400.00").await;
    w.until("the stop armed", Duration::from_secs(10), |f| {
        f.health().armed_stops == 1
    })
    .await;
    flush(&w.system.state.redis).await;
    let flushed = Instant::now();
    let until = flushed + Duration::from_secs(5);
    loop {
        w.feed.sync().await.expect("resync");
        if w.feed.health().armed_stops == 1 {
            break;
        }
        assert!(
            Instant::now() < until,
            "the stop was not armed again within 5 s of the flush"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let runtime = algo_app::runtime::get(&w.system.state.redis, id.parse().expect("uuid"))
        .await
        .expect("runtime");
    assert_eq!(runtime.position, algo_core::Position::Bought);
    w.price("TCS", "3399.00").await;
    assert_eq!(w.wait_sells("TCS", 1, Duration::from_secs(5)).await, 1);
    w.stop.cancel();
    w.system.shutdown().await;
}

/// A queue that loses the first event pushed to it, then passes the rest on.
struct LosesFirst {
    inner: Arc<dyn algo_store::ports::OrderQueue>,
    lost: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl algo_store::ports::OrderQueue for LosesFirst {
    async fn push(&self, event: &OrderEvent) -> Result<(), algo_store::StoreError> {
        if !self.lost.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        self.inner.push(event).await
    }
    async fn pop(
        &self,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<algo_store::ports::Delivery>, algo_store::StoreError> {
        self.inner.pop(max, wait).await
    }
    async fn ack(&self, d: &algo_store::ports::Delivery) -> Result<(), algo_store::StoreError> {
        self.inner.ack(d).await
    }
    async fn nack(&self, d: &algo_store::ports::Delivery) -> Result<(), algo_store::StoreError> {
        self.inner.nack(d).await
    }
    async fn recover(&self) -> Result<usize, algo_store::StoreError> {
        self.inner.recover().await
    }
}

// Issue #15, scenario 13: the STOPLOSS event of a fired stop is lost; the position is still
// open, so the stop is armed again and the next tick under it exits, once.
#[tokio::test]
async fn a_fired_stop_whose_exit_was_lost_is_armed_again() {
    let w = world().await;
    let (feed, stop) = w.own_watcher(Arc::new(LosesFirst {
        inner: w.system.queue.clone(),
        lost: std::sync::atomic::AtomicBool::new(false),
    }));
    feed.set_rearm_after(Duration::from_millis(500));
    tokio::spawn(feed.clone().run(stop.clone()));
    w.bought("TCS", "3400.00").await;
    w.armed_on(&feed).await;
    w.price("TCS", "3399.00").await;
    // The first fire is lost; the price stays under the stop and ticks again until the stop,
    // armed again, fires an exit that arrives.
    let until = Instant::now() + Duration::from_secs(15);
    while w.sells("TCS").await == 0 {
        assert!(
            Instant::now() < until,
            "no exit after the lost one: {:?}",
            feed.health()
        );
        w.price("TCS", "3398.00").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    w.price("TCS", "3397.00").await;
    assert_eq!(
        w.wait_sells("TCS", 2, Duration::from_secs(1)).await,
        1,
        "one exit"
    );
    stop.cancel();
    w.system.shutdown().await;
}

/// An executor of the same process that dies right after it claimed the leg, as a SIGKILL of
/// the exit's task there would: nothing sent, the claim left to run out.
fn dies_after_claim(system: &SelfHosted) -> algo_app::executor::Executor {
    let mut e = support::system::copy_executor(&system.executor, "dies-after-claim");
    e.config.crash_after = Some(algo_app::executor::Step::Claimed);
    e
}

// The stop handed straight to the executor of its process is also queued: when that direct
// handling dies holding the leg, the queued copy takes the leg over once the claim runs out
// and sells, once. Red with the copy not queued: no exit at all.
#[tokio::test]
async fn a_direct_exit_that_dies_holding_the_leg_is_finished_by_its_queued_copy() {
    let w = world_with(ExecutorConfig {
        backoff: Duration::from_millis(50),
        poll_interval: Duration::from_millis(20),
        lease: Duration::from_millis(900),
        ..Default::default()
    })
    .await;
    let (feed, stop) = w.own_watcher(w.system.queue.clone());
    feed.exit_in_process(Arc::new(dies_after_claim(&w.system)));
    tokio::spawn(feed.clone().run(stop.clone()));
    w.bought("TCS", "3400.00").await;
    w.armed_on(&feed).await;
    w.price("TCS", "3399.00").await;
    assert_eq!(
        w.wait_sells("TCS", 1, Duration::from_secs(10)).await,
        1,
        "the queued copy sells: {:?}",
        feed.health()
    );
    for p in ["3390.00", "3380.00"] {
        w.price("TCS", p).await;
    }
    assert_eq!(
        w.wait_sells("TCS", 2, Duration::from_secs(2)).await,
        1,
        "one exit"
    );
    assert!(feed.health().events_pushed >= 1, "the copy was queued");
    stop.cancel();
    w.system.shutdown().await;
}

// Scenario 3 (slow fills), over the ticker: the executor stops following an entry after its
// fill timeout and the reconciler's poll is an hour away, so only the order update the ticker
// sends when the order fills can record it. Red before the watcher handed updates on: the leg
// stayed `buying`.
#[tokio::test]
async fn a_slow_fill_is_recorded_from_the_tickers_order_update() {
    let w = world_with(ExecutorConfig {
        backoff: Duration::from_millis(50),
        poll_interval: Duration::from_millis(20),
        fill_timeout: Duration::from_millis(300),
        reconcile_every: Duration::from_secs(3600),
        ..Default::default()
    })
    .await;
    w.until("the ticker connected", Duration::from_secs(10), |f| {
        f.health().connections >= 1
    })
    .await;
    let (id, buy) = w.started("TCS", "3000.00", 2).await;
    let r = w
        .http
        .post(format!("{}/_sim/behaviour", w.sim.base_url))
        .json(&json!({ "fill_delay_ms": 1500 }))
        .send()
        .await
        .expect("sim");
    assert!(r.status().is_success());
    let handled = w.system.executor.handle(&buy).await;
    assert!(
        matches!(&handled, Handled::Done(m) if m.contains("the reconciler follows it")),
        "handed to the reconciler: {handled:?}"
    );
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, status) =
            support::get_json(&w.system.state, &format!("/strategy/status/{id}"), &w.token).await;
        if status["position"] == "bought" {
            break;
        }
        assert!(Instant::now() < until, "never recorded: {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.stop.cancel();
    w.system.shutdown().await;
}

// Moving the stop while running is its own call: PATCH /strategy/{id} {stop_loss} moves the
// armed stop at the watcher, so a price between the old and the new stop exits, once. Anything
// but the stop-loss in the body is refused. Red before the route existed (405).
#[tokio::test]
async fn a_stop_moved_while_running_exits_at_the_new_level() {
    let w = world().await;
    let id = w.bought("TCS", "3400.00").await;
    w.until("the stop armed", Duration::from_secs(10), |f| {
        f.health().armed_stops == 1 && f.health().subscribed == 1
    })
    .await;
    let patch = |body: Value| {
        let req = axum::http::Request::patch(format!("/strategy/{id}"))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", w.token))
            .body(axum::body::Body::from(body.to_string()))
            .expect("request");
        let app = algo_app::router(w.system.state.clone());
        async move {
            let response = tower::ServiceExt::oneshot(app, req)
                .await
                .expect("response");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .expect("body");
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = patch(json!({ "stop_loss": "3450.00", "quantity": 99 })).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "only the stop moves: {body}"
    );
    let (status, body) = patch(json!({ "stop_loss": "3450.03" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("STRATEGY_INVALID")),
        "{body}"
    );
    let (status, body) = patch(json!({ "stop_loss": "3450.00" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["stop_loss"].as_str(), body["status"].as_str()),
        (Some("3450.00"), Some("running"))
    );

    // 3420 is above the old stop and under the new one.
    let until = Instant::now() + Duration::from_secs(10);
    while w.sells("TCS").await == 0 {
        assert!(
            Instant::now() < until,
            "the moved stop never fired: {:?}",
            w.feed.health()
        );
        w.price("TCS", "3420.00").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        w.wait_sells("TCS", 2, Duration::from_secs(1)).await,
        1,
        "one exit"
    );
    w.stop.cancel();
    w.system.shutdown().await;
}

impl World {
    /// Enters a strategy with `fields` at the simulator's price `entry` and waits until its
    /// guard is armed; returns its id and the entry's fill price in paise.
    async fn entered_at(&self, symbol: &str, entry: &str, fields: Value) -> (String, i64) {
        self.price(symbol, entry).await;
        let (id, buy) = self.started_with(symbol, fields).await;
        assert_eq!(
            self.system.executor.handle(&buy).await,
            Handled::Done("order COMPLETE".into())
        );
        let fill: Option<i64> = sqlx::query_scalar(
            "SELECT average_price_paise FROM order_logs WHERE strategy_id = $1 AND event = 'BUY'",
        )
        .bind(id.parse::<uuid::Uuid>().expect("uuid"))
        .fetch_one(&self.system.state.pg)
        .await
        .expect("the entry's log");
        let uuid = id.parse().expect("uuid");
        self.until(
            "the guard armed and subscribed",
            Duration::from_secs(10),
            |f| f.levels(uuid).is_some() && f.health().subscribed >= 1,
        )
        .await;
        (id, fill.expect("a filled entry has its price"))
    }

    /// The exits the order log holds for a strategy, by event.
    async fn exit_events(&self, id: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT event FROM order_logs WHERE strategy_id = $1 AND event <> 'BUY' ORDER BY created_at",
        )
        .bind(id.parse::<uuid::Uuid>().expect("uuid"))
        .fetch_all(&self.system.state.pg)
        .await
        .expect("order log")
    }
}

impl World {
    /// The watcher's process dies and a new one starts (an ECS task replaced), with the rest of
    /// the system up: it knows only what Redis and Postgres hold.
    fn restart_feed(&mut self) {
        self.stop.cancel();
        let feed = FeedWorker::new(
            self.system.state.redis.clone(),
            self.system.queue.clone(),
            self.system.executor.clock.clone(),
            algo_kite::KiteHttp::new(&self.sim.base_url, Duration::from_secs(2)).expect("http"),
            FeedConfig {
                ws_url: self.sim.ws_url.clone(),
                api_key: "sim_key".into(),
                access_token: algo_kite::Secret::new("sim_token"),
            },
        );
        feed.use_token_source(Arc::new(algo_app::feed::token::StoredToken {
            pg: self.system.state.pg.clone(),
            cipher: self.system.executor.cipher.clone(),
            clock: self.system.executor.clock.clone(),
        }));
        self.stop = CancellationToken::new();
        tokio::spawn(feed.clone().run(self.stop.clone()));
        self.feed = feed;
    }

    /// Waits until the strategy's trailing stop, as the watcher wrote it, is `paise`.
    async fn until_trail(&self, id: &str, paise: i64) {
        let want = paise.to_string();
        let until = Instant::now() + Duration::from_secs(5);
        while self.runtime_field(id, "trail_stop").await.as_deref() != Some(want.as_str()) {
            assert!(Instant::now() < until, "the trail never reached {want}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A field of the strategy's runtime hash in Redis.
    async fn runtime_field(&self, id: &str, field: &str) -> Option<String> {
        let redis = &self.system.state.redis;
        let mut conn = redis.conn().await.expect("redis");
        redis::cmd("HGET")
            .arg(
                redis
                    .keys()
                    .runtime(id.parse::<uuid::Uuid>().expect("uuid")),
            )
            .arg(field)
            .query_async(&mut conn)
            .await
            .expect("hget")
    }
}

fn rupees(paise: i64) -> String {
    algo_core::Price::from_paise(paise)
        .expect("a positive price")
        .to_string()
}

// Issue #18: a trailing stop follows a rising price, never falls back, and exits on the
// pullback at the level it trailed to, once; the exit is a stop-loss.
#[tokio::test]
async fn a_trailing_stop_follows_the_rise_and_exits_on_the_pullback() {
    let w = world().await;
    let (id, entry) = w
        .entered_at(
            "TCS",
            "3500.00",
            json!({ "stop_loss": "3400.00", "trailing_stop": "20" }),
        )
        .await;
    let uuid = id.parse().expect("uuid");
    assert_eq!(
        w.feed.levels(uuid).map(|l| l.0),
        Some(entry - 2_000),
        "the trail starts 20 under the entry, above the fixed stop"
    );
    // Up 30, down 10 (above the trail), up to 40 over the entry: the stop follows the high.
    for (price, stop) in [
        (entry + 3_000, entry + 1_000),
        (entry + 2_000, entry + 1_000),
        (entry + 4_000, entry + 2_000),
    ] {
        w.price("TCS", &rupees(price)).await;
        w.until(
            &format!("the trail at {} after {}", rupees(stop), rupees(price)),
            Duration::from_secs(5),
            |f| f.levels(uuid).map(|l| l.0) == Some(stop),
        )
        .await;
    }
    assert_eq!(w.sells("TCS").await, 0, "no exit while above the trail");
    // The status shows the stop where the trail took it, once the watcher has written it.
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, status) =
            support::get_json(&w.system.state, &format!("/strategy/status/{id}"), &w.token).await;
        if status["stop_in_force"] == rupees(entry + 2_000).as_str() {
            break;
        }
        assert!(
            Instant::now() < until,
            "the trailed stop never showed: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // One paisa-tick above the trail holds; the trail itself exits.
    w.price("TCS", &rupees(entry + 2_005)).await;
    assert_eq!(
        w.wait_sells("TCS", 1, Duration::from_millis(800)).await,
        0,
        "above the trail: nothing"
    );
    w.price("TCS", &rupees(entry + 2_000)).await;
    assert_eq!(w.wait_sells("TCS", 1, Duration::from_secs(5)).await, 1);
    for p in [entry, entry - 5_000] {
        w.price("TCS", &rupees(p)).await;
    }
    assert_eq!(
        w.wait_sells("TCS", 2, Duration::from_millis(800)).await,
        1,
        "one exit"
    );
    assert_eq!(w.exit_events(&id).await, vec!["STOPLOSS"]);
    w.stop.cancel();
    w.system.shutdown().await;
}

// Issue #18: a target in per cent exits once when a price reaches it, recorded as a TARGET exit
// and told as "target reached"; the ticks after it add nothing.
#[tokio::test]
async fn a_target_exits_once() {
    let w = world().await;
    let (id, entry) = w
        .entered_at(
            "INFY",
            "1500.00",
            json!({ "stop_loss": "1400.00", "target": "1%" }),
        )
        .await;
    // 1% of the fill, rounded up to the tick.
    let target = (entry + entry / 100 + 4) / 5 * 5;
    w.price("INFY", &rupees(target - 5)).await;
    assert_eq!(
        w.wait_sells("INFY", 1, Duration::from_millis(800)).await,
        0,
        "under the target: nothing"
    );
    w.price("INFY", &rupees(target)).await;
    assert_eq!(w.wait_sells("INFY", 1, Duration::from_secs(5)).await, 1);
    for p in [target + 500, target + 1_000, 130_000] {
        w.price("INFY", &rupees(p)).await;
    }
    assert_eq!(
        w.wait_sells("INFY", 2, Duration::from_millis(800)).await,
        1,
        "one exit, and the stop left with the target"
    );
    assert_eq!(w.exit_events(&id).await, vec!["TARGET"]);
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let kinds: Vec<String> = sqlx::query_scalar(
            "SELECT kind FROM notifications WHERE strategy_id = $1 ORDER BY created_at",
        )
        .bind(id.parse::<uuid::Uuid>().expect("uuid"))
        .fetch_all(&w.system.state.pg)
        .await
        .expect("notifications");
        if kinds.contains(&"target_hit".to_owned()) {
            assert_eq!(kinds, vec!["entry_filled", "target_hit"]);
            break;
        }
        assert!(Instant::now() < until, "no target notice: {kinds:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, status) = post(
        &w.system,
        "/strategy/stop",
        Some(&w.token),
        json!({ "strategy_id": id }),
    )
    .await;
    assert_eq!(status["position"], "sold");
    w.stop.cancel();
    w.system.shutdown().await;
}

// Issue #18: the watcher restarts mid-trail (a replaced task): the new one resumes the stop at
// the level the trail reached, from the high kept in runtime:{id}, not at the entry's level, and
// a pullback to it exits once. Red with the cached high ignored: the new worker trailed from
// the price it first saw, 10 under the high, so its stop was 10 lower.
#[tokio::test]
async fn a_restarted_watcher_resumes_the_trail_where_it_was() {
    let mut w = world().await;
    let (id, entry) = w
        .entered_at(
            "TCS",
            "3500.00",
            json!({ "stop_loss": "3400.00", "trailing_stop": "20" }),
        )
        .await;
    let uuid = id.parse().expect("uuid");
    w.price("TCS", &rupees(entry + 4_000)).await;
    w.until("the trail raised", Duration::from_secs(5), |f| {
        f.levels(uuid) == Some((entry + 2_000, Some(entry + 4_000)))
    })
    .await;
    let until = Instant::now() + Duration::from_secs(5);
    while w.runtime_field(&id, "trail_high").await != Some((entry + 4_000).to_string()) {
        assert!(Instant::now() < until, "the high never reached the cache");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        w.runtime_field(&id, "trail_stop").await,
        Some((entry + 2_000).to_string())
    );
    // The price eases back (still above the trail): a new watcher sees only this price.
    w.price("TCS", &rupees(entry + 3_000)).await;
    w.restart_feed();
    w.until(
        "the new watcher armed at the trailed level",
        Duration::from_secs(10),
        |f| f.levels(uuid) == Some((entry + 2_000, Some(entry + 4_000))),
    )
    .await;
    w.price("TCS", &rupees(entry + 1_995)).await;
    assert_eq!(w.wait_sells("TCS", 1, Duration::from_secs(5)).await, 1);
    assert_eq!(w.exit_events(&id).await, vec!["STOPLOSS"]);
    w.stop.cancel();
    w.system.shutdown().await;
}

// Issue #18: the stop-loss resting at the exchange.

/// A world whose entries put a stop-loss order at the exchange once they fill.
async fn guarded_world() -> World {
    guarded_world_passing_every(Duration::from_millis(100)).await
}

/// A world with resting stops whose own reconciler passes every `every`.
async fn guarded_world_passing_every(every: Duration) -> World {
    world_with(ExecutorConfig {
        backoff: Duration::from_millis(50),
        poll_interval: Duration::from_millis(20),
        fill_timeout: Duration::from_secs(2),
        reconcile_every: every,
        resting_stop: true,
        ..Default::default()
    })
    .await
}

impl World {
    /// The simulator's orders of `symbol` on the SELL side.
    async fn sell_orders(&self, symbol: &str) -> Vec<Value> {
        support::system::orders_at(&self.http, &self.sim.base_url)
            .await
            .into_iter()
            .filter(|o| o["tradingsymbol"] == symbol && o["transaction_type"] == "SELL")
            .collect()
    }

    /// Waits until the simulator's one SELL order of `symbol` satisfies `cond`.
    async fn until_sell(&self, symbol: &str, what: &str, cond: impl Fn(&Value) -> bool) -> Value {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let sells = self.sell_orders(symbol).await;
            if let [only] = sells.as_slice() {
                if cond(only) {
                    return only.clone();
                }
            }
            assert!(sells.len() <= 1, "one sell order at most: {sells:?}");
            assert!(
                Instant::now() < until,
                "timed out waiting for {what}: {sells:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The account's net position in `symbol` at the simulator.
    async fn net(&self, symbol: &str) -> i64 {
        support::system::net_at(&self.http, &self.sim.base_url, symbol).await
    }

    /// Waits until the order log's exits of `id` are `want` (event, status) pairs.
    async fn until_exits(&self, id: &str, want: &[(&str, &str)]) {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT event, status FROM order_logs WHERE strategy_id = $1 AND event <> 'BUY' ORDER BY created_at",
            )
            .bind(id.parse::<uuid::Uuid>().expect("uuid"))
            .fetch_all(&self.system.state.pg)
            .await
            .expect("order log");
            let got: Vec<(&str, &str)> =
                rows.iter().map(|(e, s)| (e.as_str(), s.as_str())).collect();
            if got == want {
                return;
            }
            assert!(Instant::now() < until, "exits {got:?}, want {want:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The timed SELL of `id`, due now.
    fn sell_event(id: &str) -> OrderEvent {
        OrderEvent::new(
            id.parse().expect("uuid"),
            EventKind::Sell,
            TradingCalendar::trading_date(Utc::now()),
            Utc::now(),
        )
    }
}

#[tokio::test]
async fn the_resting_stop_sells_while_the_bot_is_down_and_the_day_ends_flat() {
    let w = guarded_world().await;
    w.price("TCS", "3500.00").await;
    let id = w.bought("TCS", "3400.00").await;
    let resting = w
        .until_sell("TCS", "the resting stop", |o| {
            o["status"] == "TRIGGER PENDING"
        })
        .await;
    assert_eq!(
        (
            resting["order_type"].as_str(),
            resting["trigger_price"].as_f64(),
            resting["quantity"].as_u64()
        ),
        (Some("SL-M"), Some(3400.0), Some(1)),
        "{resting}"
    );
    w.until_exits(&id, &[("GUARD", "PLACED")]).await;
    let (_, now) =
        support::get_json(&w.system.state, &format!("/strategy/status/{id}"), &w.token).await;
    assert_eq!(now["resting_stop_order"], resting["order_id"], "{now}");
    // The bot goes down; the exchange still guards the position.
    w.stop.cancel();
    w.price("TCS", "3390.00").await;
    w.until_sell("TCS", "the resting stop to fill", |o| {
        o["status"] == "COMPLETE"
    })
    .await;
    // Its fill is the day's stop-loss exit.
    w.until_exits(&id, &[("STOPLOSS", "COMPLETE")]).await;
    assert_eq!(w.net("TCS").await, 0, "flat");
    let status = w.system.state.clone();
    let (_, now) = support::get_json(&status, &format!("/strategy/status/{id}"), &w.token).await;
    assert_eq!(now["position"], "sold", "{now}");
    assert_eq!(
        now["resting_stop_order"],
        Value::Null,
        "nothing rests once sold"
    );
    // The sell time finds nothing to sell.
    let sell = w.system.executor.handle(&World::sell_event(&id)).await;
    assert!(matches!(sell, Handled::Done(_)), "{sell:?}");
    assert_eq!(w.sell_orders("TCS").await.len(), 1, "exactly one exit");
    assert_eq!(w.net("TCS").await, 0);
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM notifications WHERE strategy_id = $1 ORDER BY created_at",
    )
    .bind(id.parse::<uuid::Uuid>().expect("uuid"))
    .fetch_all(&w.system.state.pg)
    .await
    .expect("notices");
    assert!(kinds.iter().any(|k| k == "stop_loss_hit"), "{kinds:?}");
    w.system.shutdown().await;
}

#[tokio::test]
async fn the_bots_stop_and_the_resting_stop_racing_sell_once() {
    let w = guarded_world().await;
    w.price("INFY", "1500.00").await;
    let id = w.bought("INFY", "1450.00").await;
    w.until_exits(&id, &[("GUARD", "PLACED")]).await;
    w.until(
        "the stop armed and subscribed",
        Duration::from_secs(10),
        |f| f.health().armed_stops == 1 && f.health().subscribed == 1,
    )
    .await;
    // One tick through the stop: the exchange triggers its order, the bot sends its exit.
    w.price("INFY", "1440.00").await;
    let filled = w
        .until_sell("INFY", "the one exit to fill", |o| {
            o["status"] == "COMPLETE"
        })
        .await;
    assert_eq!(filled["quantity"].as_u64(), Some(1));
    // Whoever recorded it, the day has one exit, and it sold.
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, now) =
            support::get_json(&w.system.state, &format!("/strategy/status/{id}"), &w.token).await;
        if now["position"] == "sold" {
            break;
        }
        assert!(Instant::now() < until, "{now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let exits = w.exit_events(&id).await;
    assert_eq!(exits.len(), 1, "one exit row: {exits:?}");
    assert_eq!(exits[0], "STOPLOSS", "whoever won, a stop-loss exit");
    for p in ["1430.00", "1420.00"] {
        w.price("INFY", p).await;
    }
    let sell = w.system.executor.handle(&World::sell_event(&id)).await;
    assert!(matches!(sell, Handled::Done(_)), "{sell:?}");
    assert_eq!(w.sell_orders("INFY").await.len(), 1, "exactly one exit");
    assert_eq!(w.net("INFY").await, 0);
    w.stop.cancel();
    w.system.shutdown().await;
}

#[tokio::test]
async fn the_sell_time_turns_the_resting_stop_into_the_exit() {
    let w = guarded_world().await;
    w.price("TCS", "3500.00").await;
    let id = w.bought("TCS", "3400.00").await;
    w.until_exits(&id, &[("GUARD", "PLACED")]).await;
    let sell = w.system.executor.handle(&World::sell_event(&id)).await;
    assert_eq!(sell, Handled::Done("order COMPLETE".into()));
    let sold = w
        .until_sell("TCS", "the exit", |o| o["status"] == "COMPLETE")
        .await;
    assert_eq!(
        sold["order_type"], "MARKET",
        "modified into the exit: {sold}"
    );
    w.until_exits(&id, &[("SELL", "COMPLETE")]).await;
    assert_eq!(w.net("TCS").await, 0);
    w.stop.cancel();
    w.system.shutdown().await;
}

#[tokio::test]
async fn a_moved_stop_moves_the_resting_order() {
    let w = guarded_world().await;
    w.price("TCS", "3500.00").await;
    let id = w.bought("TCS", "3400.00").await;
    w.until_sell("TCS", "the resting stop", |o| {
        o["trigger_price"].as_f64() == Some(3400.0)
    })
    .await;
    let req = axum::http::Request::patch(format!("/strategy/{id}"))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", w.token))
        .body(axum::body::Body::from(
            json!({ "stop_loss": "3450.00" }).to_string(),
        ))
        .expect("request");
    let response = tower::ServiceExt::oneshot(algo_app::router(w.system.state.clone()), req)
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let moved = w
        .until_sell("TCS", "the resting stop to move", |o| {
            o["trigger_price"].as_f64() == Some(3450.0)
        })
        .await;
    assert_eq!(
        moved["status"], "TRIGGER PENDING",
        "moved, not sold: {moved}"
    );
    assert_eq!(w.net("TCS").await, 1);
    w.stop.cancel();
    w.system.shutdown().await;
}

// Kite takes 25 modifications per order: a trailing stop moves the resting order in steps and
// leaves the exit its own, so the sell time still turns it into the exit. Without the budget,
// every pass moved it, the 26th modification was refused, and the exit never sold.
#[tokio::test]
async fn a_trailing_stop_moves_the_resting_order_within_kites_modifications() {
    let w = guarded_world().await;
    let (id, entry) = w
        .entered_at(
            "TCS",
            "3500.00",
            json!({ "stop_loss": "3400.00", "trailing_stop": "10.00" }),
        )
        .await;
    w.until_exits(&id, &[("GUARD", "PLACED")]).await;
    // Sixty rises of a rupee, each seen by the watcher and then by a reconciler pass.
    for i in 1..=60 {
        let price = entry + i * 100;
        w.price("TCS", &rupees(price)).await;
        w.until_trail(&id, price - 1_000).await;
        w.system.executor.reconcile_once().await.expect("a pass");
    }
    let resting = w
        .until_sell("TCS", "the resting stop", |o| {
            o["status"] == "TRIGGER PENDING"
        })
        .await;
    let trigger = (resting["trigger_price"].as_f64().expect("trigger") * 100.0).round() as i64;
    let modifications = resting["modifications"].as_u64().expect("count");
    assert!(
        trigger > 340_000 && trigger <= entry + 6_000 - 1_000,
        "it followed the trail: {resting}"
    );
    assert!(
        (1..=23).contains(&modifications),
        "two of Kite's 25 kept: {resting}"
    );
    let sell = w.system.executor.handle(&World::sell_event(&id)).await;
    assert_eq!(sell, Handled::Done("order COMPLETE".into()));
    let sold = w
        .until_sell("TCS", "the exit", |o| o["status"] == "COMPLETE")
        .await;
    assert_eq!(sold["order_type"], "MARKET", "{sold}");
    assert_eq!(w.net("TCS").await, 0);
    w.stop.cancel();
    w.system.shutdown().await;
}

// Two reconciler passes at once (a process's own loop and a sweep, or two processes) see the
// same resting stop behind the trail: it moves once. Both used to modify it, spending two of
// Kite's 25 modifications on one move (the trailing test above then ran out of them).
#[tokio::test]
async fn two_passes_at_once_move_a_resting_stop_once() {
    // Only the test's passes run after the guard is armed.
    let w = guarded_world_passing_every(Duration::from_secs(3600)).await;
    let (id, entry) = w
        .entered_at(
            "TCS",
            "3500.00",
            json!({ "stop_loss": "3400.00", "trailing_stop": "10.00" }),
        )
        .await;
    w.until_exits(&id, &[("GUARD", "PLACED")]).await;
    w.price("TCS", &rupees(entry + 5_000)).await;
    w.until_trail(&id, entry + 4_000).await;
    let e = &w.system.executor;
    let (a, b, c) = tokio::join!(e.reconcile_once(), e.reconcile_once(), e.reconcile_once());
    for pass in [a, b, c] {
        pass.expect("a pass");
    }
    let resting = w
        .until_sell("TCS", "the resting stop", |o| {
            o["status"] == "TRIGGER PENDING"
        })
        .await;
    let trigger = (resting["trigger_price"].as_f64().expect("trigger") * 100.0).round() as i64;
    assert_eq!(trigger, entry + 4_000, "it moved to the trail: {resting}");
    assert_eq!(resting["modifications"], 1, "moved once: {resting}");
    let counted: i32 = sqlx::query_scalar(
        "SELECT modifications FROM order_logs WHERE strategy_id = $1 AND event = 'GUARD'",
    )
    .bind(id.parse::<uuid::Uuid>().expect("uuid"))
    .fetch_one(&w.system.state.pg)
    .await
    .expect("the guard's row");
    assert_eq!(counted, 1, "the count is Kite's");
    w.stop.cancel();
    w.system.shutdown().await;
}

// The trader cancels the resting stop in the Kite app: it is told, left alone, and the sell
// time places an exit of its own, once.
#[tokio::test]
async fn a_resting_stop_cancelled_in_kite_leaves_the_exit_its_own_order() {
    let w = guarded_world().await;
    w.price("TCS", "3500.00").await;
    let id = w.bought("TCS", "3400.00").await;
    let resting = w
        .until_sell("TCS", "the resting stop", |o| {
            o["status"] == "TRIGGER PENDING"
        })
        .await;
    let order_id = resting["order_id"].as_str().expect("id");
    let r = w
        .http
        .delete(format!("{}/orders/regular/{order_id}", w.sim.base_url))
        .header("authorization", "token sim_key:sim_token")
        .send()
        .await
        .expect("sim");
    assert!(r.status().is_success());
    w.until_exits(&id, &[("GUARD", "CANCELLED")]).await;
    let sell = w.system.executor.handle(&World::sell_event(&id)).await;
    assert_eq!(sell, Handled::Done("order COMPLETE".into()));
    let statuses: Vec<String> = w
        .sell_orders("TCS")
        .await
        .iter()
        .map(|o| o["status"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(statuses, ["CANCELLED", "COMPLETE"], "one exit of its own");
    assert_eq!(w.net("TCS").await, 0);
    w.until_exits(&id, &[("GUARD", "CANCELLED"), ("SELL", "COMPLETE")])
        .await;
    let titles: Vec<String> = sqlx::query_scalar(
        "SELECT title FROM notifications WHERE strategy_id = $1 ORDER BY created_at",
    )
    .bind(id.parse::<uuid::Uuid>().expect("uuid"))
    .fetch_all(&w.system.state.pg)
    .await
    .expect("notices");
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Resting stop-loss on TCS not in place")),
        "{titles:?}"
    );
    w.stop.cancel();
    w.system.shutdown().await;
}

// A position message names its strategy, and the watcher reads that strategy alone: the whole
// book (a SCAN of the keyspace for the symbols' sets, two hashes per strategy) is read again
// only by the periodic resync, here once an hour (and as the watcher starts, subscribes and
// finds the day's login). That resync, run at the end, builds the book the messages built. Before, every
// message re-read the whole book, several times for each exit.
#[tokio::test]
async fn a_position_message_rereads_its_strategy_alone_and_a_full_resync_agrees() {
    use std::sync::atomic::Ordering::Relaxed;
    let w = world_from(
        TestSystem::builder()
            .executor(ExecutorConfig {
                backoff: Duration::from_millis(50),
                poll_interval: Duration::from_millis(20),
                ..Default::default()
            })
            .with_feed_resyncing_every(Duration::from_secs(3600)),
    )
    .await;
    w.price("TCS", "3500.00").await;
    w.price("INFY", "1500.00").await;
    let tcs: uuid::Uuid = w.bought("TCS", "3000.00").await.parse().expect("id");
    let infy: uuid::Uuid = w.bought("INFY", "1000.00").await.parse().expect("id");
    w.until("both stops armed", Duration::from_secs(10), |f| {
        f.health().armed_stops == 2
    })
    .await;
    // The book is built (the login's instrument list read): from here only messages change it.
    let (full, one) = (
        w.feed.stats.full_syncs.load(Relaxed),
        w.feed.stats.strategy_syncs.load(Relaxed),
    );
    // INFY's stop is crossed: its exit is recorded, and its message disarms it.
    w.price("INFY", "990.00").await;
    assert_eq!(w.wait_sells("INFY", 1, Duration::from_secs(10)).await, 1);
    w.until("INFY disarmed", Duration::from_secs(10), |f| {
        f.health().armed_stops == 1 && f.levels(infy).is_none()
    })
    .await;
    assert_eq!(
        w.feed.stats.full_syncs.load(Relaxed),
        full,
        "no message read the whole book"
    );
    assert!(w.feed.stats.strategy_syncs.load(Relaxed) > one);
    let book = |f: &FeedWorker| {
        let h = f.health();
        (f.levels(tcs), f.levels(infy), h.armed_stops, h.subscribed)
    };
    let by_messages = book(&w.feed);
    assert_eq!(by_messages.0.map(|(stop, _)| stop), Some(300_000));
    w.feed.sync().await.expect("full resync");
    assert_eq!(book(&w.feed), by_messages);
    w.stop.cancel();
    w.system.shutdown().await;
}

// Issue #18: the daily loss limit. When the day's P&L (open at the watcher's last prices)
// reaches minus the limit, every position is squared off and every strategy stopped, once, and
// the trader is told; the strategies' timers are disarmed as a stop from the app does (red
// before: both still armed).
#[tokio::test]
async fn the_daily_loss_limit_squares_off_and_stops_everything_once() {
    let w = world().await;
    let state = w.system.state.clone();
    w.price("TCS", "3500.00").await;
    w.price("INFY", "1500.00").await;
    let tcs = w.bought("TCS", "3000.00").await;
    let infy = w.bought("INFY", "1000.00").await;
    let (status, body) = support::put_json(
        &state,
        "/account/risk",
        &w.token,
        json!({ "daily_loss_limit": "-5" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["fields"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("daily_loss_limit")),
        "{body}"
    );
    let (status, body) = support::put_json(
        &state,
        "/account/risk",
        &w.token,
        json!({ "daily_loss_limit": "100.00" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["daily_loss_limit"].as_str(),
            body["limit_hit_today"].as_bool()
        ),
        (Some("100.00"), Some(false)),
        "{body}"
    );
    w.until("both stops armed", Duration::from_secs(10), |f| {
        f.health().armed_stops == 2
    })
    .await;
    assert_eq!(w.system.scheduler.armed(), 2, "both strategies' timers");
    // Down 90: within the limit, nothing happens.
    w.price("TCS", "3410.00").await;
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, risk) = support::get_json(&state, "/account/risk", &w.token).await;
        if risk["pnl_today"] == "-90.00" {
            break;
        }
        assert!(Instant::now() < until, "{risk}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(w.wait_sells("TCS", 1, Duration::from_millis(1500)).await, 0);
    // Down 150, above the stop: the limit squares off both.
    w.price("TCS", "3350.00").await;
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, a) = support::get_json(&state, &format!("/strategy/status/{tcs}"), &w.token).await;
        let (_, b) = support::get_json(&state, &format!("/strategy/status/{infy}"), &w.token).await;
        if a["position"] == "sold" && b["position"] == "sold" {
            assert_eq!(
                (a["status"].as_str(), b["status"].as_str()),
                (Some("stopped"), Some("stopped"))
            );
            assert!(
                a["failure_reason"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("DAILY_LOSS_LIMIT"),
                "{a}"
            );
            break;
        }
        assert!(Instant::now() < until, "{a} {b}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, risk) = support::get_json(&state, "/account/risk", &w.token).await;
    assert_eq!(risk["limit_hit_today"], true, "{risk}");
    // Their timers are gone, as a stop from the app leaves them: nothing fires for them again.
    assert_eq!(w.system.scheduler.armed(), 0, "timers disarmed");
    // Nothing starts again today: it would trade with no limit left to stop it.
    let (status, body) = post(
        &w.system,
        "/strategy/start",
        Some(&w.token),
        json!({ "strategy_id": tcs }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("LOSS_LIMIT_HIT")),
        "{body}"
    );
    // Further falls add nothing: one exit each, one notice.
    w.price("TCS", "3300.00").await;
    assert_eq!(w.wait_sells("TCS", 2, Duration::from_millis(1500)).await, 1);
    assert_eq!(w.sells("INFY").await, 1);
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM notifications WHERE user_id = (SELECT user_id FROM strategies WHERE id = $1) AND kind = 'loss_limit_hit'",
    )
    .bind(tcs.parse::<uuid::Uuid>().expect("uuid"))
    .fetch_all(&state.pg)
    .await
    .expect("notices");
    assert_eq!(kinds.len(), 1);
    w.stop.cancel();
    w.system.shutdown().await;
}

impl World {
    /// The trader sells `quantity` of `symbol` by hand in the Kite app.
    async fn sell_by_hand(&self, symbol: &str, quantity: u32) {
        self.by_hand(symbol, "SELL", quantity).await
    }

    /// A market order of the trader's own in the Kite app, on `side`.
    async fn by_hand(&self, symbol: &str, side: &str, quantity: u32) {
        let r = self
            .http
            .post(format!("{}/orders/regular", self.sim.base_url))
            .header("authorization", "token sim_key:sim_token")
            .form(&[
                ("tradingsymbol", symbol),
                ("exchange", "NSE"),
                ("transaction_type", side),
                ("order_type", "MARKET"),
                ("quantity", &quantity.to_string()),
                ("product", "MIS"),
                ("validity", "DAY"),
                ("market_protection", "-1"),
            ])
            .send()
            .await
            .expect("sim");
        assert!(r.status().is_success(), "{:?}", r.text().await);
    }
}

// An exit never sells more than the broker says is held: shares sold by hand in the Kite app
// shrink the resting stop (it would sell short when triggered), and the exit it becomes sells
// only what is left; with nothing left it is cancelled and the day is flat, never short.
#[tokio::test]
async fn shares_sold_by_hand_shrink_the_resting_stop_and_the_exit_never_goes_short() {
    let w = guarded_world().await;
    w.price("TCS", "3500.00").await;
    let (id, buy) = w.started("TCS", "3400.00", 5).await;
    assert_eq!(
        w.system.executor.handle(&buy).await,
        Handled::Done("order COMPLETE".into())
    );
    w.until_exits(&id, &[("GUARD", "PLACED")]).await;
    w.sell_by_hand("TCS", 2).await;
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let guard = w
            .sell_orders("TCS")
            .await
            .into_iter()
            .find(|o| o["order_type"] == "SL-M")
            .expect("the guard");
        if guard["quantity"] == 3 {
            break;
        }
        assert!(Instant::now() < until, "the guard never shrank: {guard}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(w.net("TCS").await, 3);
    let sell = w.system.executor.handle(&World::sell_event(&id)).await;
    assert_eq!(sell, Handled::Done("order COMPLETE".into()));
    assert_eq!(w.net("TCS").await, 0, "flat, not short");

    // Everything sold by hand: the guard is cancelled, and the exit sells nothing.
    w.price("INFY", "1500.00").await;
    let (id, buy) = w.started("INFY", "1400.00", 4).await;
    assert_eq!(
        w.system.executor.handle(&buy).await,
        Handled::Done("order COMPLETE".into())
    );
    w.until_exits(&id, &[("GUARD", "PLACED")]).await;
    w.sell_by_hand("INFY", 4).await;
    w.until_exits(&id, &[("GUARD", "CANCELLED")]).await;
    let sell = w.system.executor.handle(&World::sell_event(&id)).await;
    assert!(matches!(sell, Handled::Done(_)), "{sell:?}");
    w.until_exits(&id, &[("GUARD", "CANCELLED"), ("SELL", "CLOSED_OUTSIDE")])
        .await;
    assert_eq!(w.net("INFY").await, 0, "flat, not short");
    w.stop.cancel();
    w.system.shutdown().await;
}

impl World {
    /// The simulator's orders of `symbol` on `side`.
    async fn orders_on(&self, symbol: &str, side: &str) -> Vec<Value> {
        support::system::orders_at(&self.http, &self.sim.base_url)
            .await
            .into_iter()
            .filter(|o| o["tradingsymbol"] == symbol && o["transaction_type"] == side)
            .collect()
    }

    /// Waits until the simulator has `want` orders of `symbol` on `side`; how many it has.
    async fn wait_orders_on(
        &self,
        symbol: &str,
        side: &str,
        want: usize,
        deadline: Duration,
    ) -> usize {
        let until = Instant::now() + deadline;
        loop {
            let n = self.orders_on(symbol, side).await.len();
            if n >= want || Instant::now() > until {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The trader's notices of a strategy, oldest first: (kind, title, body).
    async fn notices(&self, id: &str) -> Vec<(String, String, String)> {
        sqlx::query_as(
            "SELECT kind, title, body FROM notifications WHERE strategy_id = $1 ORDER BY created_at",
        )
        .bind(id.parse::<uuid::Uuid>().expect("uuid"))
        .fetch_all(&self.system.state.pg)
        .await
        .expect("notices")
    }
}

// Issue #18: a short-first day sells at the entry time, buys back at the exit time and ends
// flat; the history, the P&L and the notices read as a short. Red on main: `direction` is an
// unknown field there (400).
#[tokio::test]
async fn a_short_first_day_sells_first_buys_back_at_the_exit_and_ends_flat() {
    let w = world().await;
    w.price("TCS", "3500.00").await;
    let (id, entry) = w
        .started_with(
            "TCS",
            json!({ "direction": "SHORT", "stop_loss": "3600.00", "quantity": 3 }),
        )
        .await;
    let (_, listed) = support::get_json(&w.system.state, "/strategies", &w.token).await;
    assert_eq!(listed["strategies"][0]["direction"], "SHORT", "{listed}");
    assert_eq!(
        w.system.executor.handle(&entry).await,
        Handled::Done("order COMPLETE".into())
    );
    let sells = w.orders_on("TCS", "SELL").await;
    assert_eq!(sells.len(), 1, "the entry sells: {sells:?}");
    assert!(w.orders_on("TCS", "BUY").await.is_empty());
    assert_eq!(w.net("TCS").await, -3, "short 3");
    let uuid = id.parse().expect("uuid");
    w.until("the short's stop armed", Duration::from_secs(10), |f| {
        f.levels(uuid).is_some()
    })
    .await;
    // A fall is a gain for a short: its stop above does not fire.
    w.price("TCS", "3450.00").await;
    assert_eq!(
        w.wait_orders_on("TCS", "BUY", 1, Duration::from_millis(800))
            .await,
        0,
        "a fall does not stop a short"
    );
    assert_eq!(
        w.system.executor.handle(&World::sell_event(&id)).await,
        Handled::Done("order COMPLETE".into())
    );
    assert_eq!(
        w.orders_on("TCS", "BUY").await.len(),
        1,
        "the exit buys back"
    );
    assert_eq!(w.net("TCS").await, 0, "flat");
    // Sold at the entry's price, bought back at the exit's: entry − exit, per share.
    let (_, days) =
        support::get_json(&w.system.state, &format!("/strategy/{id}/days"), &w.token).await;
    let day = &days["days"][0];
    assert_eq!(day["direction"], "SHORT", "{days}");
    assert_eq!(
        (
            day["sold_quantity"].as_i64(),
            day["bought_quantity"].as_i64()
        ),
        (Some(3), Some(3))
    );
    let paise = |v: &Value| {
        algo_core::Price::parse(v.as_str().expect("a price"))
            .expect("price")
            .paise()
    };
    let (sold_at, bought_at) = (
        paise(&day["sell_average_price"]),
        paise(&day["buy_average_price"]),
    );
    assert_eq!(
        day["realised_pnl_paise"].as_i64(),
        Some((sold_at - bought_at) * 3),
        "{days}"
    );
    assert!(
        bought_at < sold_at,
        "bought back lower after the fall: {days}"
    );
    let notices = w.notices(&id).await;
    let titles: Vec<&str> = notices.iter().map(|n| n.1.as_str()).collect();
    assert_eq!(
        titles,
        vec!["Sold TCS short", "Bought back TCS"],
        "{notices:?}"
    );
    assert!(notices[1].2.contains("P&L +"), "{notices:?}");
    let (_, now) =
        support::get_json(&w.system.state, &format!("/strategy/status/{id}"), &w.token).await;
    assert_eq!(now["position"], "sold", "{now}");
    w.stop.cancel();
    w.system.shutdown().await;
}

// Issue #18: a short's stop fires on a rise, its trailing stop follows the lows and exits on the
// bounce at the level it trailed to, once, by buying back.
#[tokio::test]
async fn a_short_trailing_stop_follows_the_fall_and_buys_back_on_the_bounce() {
    let w = world().await;
    let (id, entry) = w
        .entered_at(
            "TCS",
            "3500.00",
            json!({ "direction": "SHORT", "stop_loss": "3600.00", "trailing_stop": "20" }),
        )
        .await;
    let uuid = id.parse().expect("uuid");
    assert_eq!(w.net("TCS").await, -1);
    assert_eq!(
        w.feed.levels(uuid).map(|l| l.0),
        Some(entry + 2_000),
        "the trail starts 20 over the entry, under the fixed stop"
    );
    // Down 30, back up 10 (under the trail), down to 40 under the entry.
    for (price, stop) in [
        (entry - 3_000, entry - 1_000),
        (entry - 2_000, entry - 1_000),
        (entry - 4_000, entry - 2_000),
    ] {
        w.price("TCS", &rupees(price)).await;
        w.until(
            &format!("the trail at {} after {}", rupees(stop), rupees(price)),
            Duration::from_secs(5),
            |f| f.levels(uuid).map(|l| l.0) == Some(stop),
        )
        .await;
    }
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, status) =
            support::get_json(&w.system.state, &format!("/strategy/status/{id}"), &w.token).await;
        if status["stop_in_force"] == rupees(entry - 2_000).as_str() {
            break;
        }
        assert!(
            Instant::now() < until,
            "the trailed stop never showed: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.price("TCS", &rupees(entry - 2_005)).await;
    assert_eq!(
        w.wait_orders_on("TCS", "BUY", 1, Duration::from_millis(800))
            .await,
        0,
        "under the trail: nothing"
    );
    w.price("TCS", &rupees(entry - 2_000)).await;
    assert_eq!(
        w.wait_orders_on("TCS", "BUY", 1, Duration::from_secs(5))
            .await,
        1
    );
    for p in [entry, entry + 15_000] {
        w.price("TCS", &rupees(p)).await;
    }
    assert_eq!(
        w.wait_orders_on("TCS", "BUY", 2, Duration::from_millis(800))
            .await,
        1,
        "one exit"
    );
    assert_eq!(w.exit_events(&id).await, vec!["STOPLOSS"]);
    assert_eq!(w.net("TCS").await, 0, "flat");
    w.stop.cancel();
    w.system.shutdown().await;
}

// Issue #18: a short's target is under its entry and buys back once a price falls to it.
#[tokio::test]
async fn a_short_target_buys_back_once_under_the_entry() {
    let w = world().await;
    let (id, entry) = w
        .entered_at(
            "INFY",
            "1500.00",
            json!({ "direction": "SHORT", "stop_loss": "1600.00", "target": "1%" }),
        )
        .await;
    // 1% under the fill, rounded down to the tick.
    let target = (entry - entry / 100) / 5 * 5;
    w.price("INFY", &rupees(target + 5)).await;
    assert_eq!(
        w.wait_orders_on("INFY", "BUY", 1, Duration::from_millis(800))
            .await,
        0,
        "over the target: nothing"
    );
    w.price("INFY", &rupees(target)).await;
    assert_eq!(
        w.wait_orders_on("INFY", "BUY", 1, Duration::from_secs(5))
            .await,
        1
    );
    for p in [target - 500, 170_000] {
        w.price("INFY", &rupees(p)).await;
    }
    assert_eq!(
        w.wait_orders_on("INFY", "BUY", 2, Duration::from_millis(800))
            .await,
        1,
        "one exit, and the stop left with the target"
    );
    assert_eq!(w.exit_events(&id).await, vec!["TARGET"]);
    assert_eq!(w.net("INFY").await, 0);
    w.stop.cancel();
    w.system.shutdown().await;
}

// Issue #18: a short's resting stop is an SL-M BUY over the price; it buys back while the bot is
// down, and the day ends flat with exactly one exit.
#[tokio::test]
async fn a_shorts_resting_stop_buys_back_while_the_bot_is_down() {
    let w = guarded_world().await;
    w.price("TCS", "3500.00").await;
    let (id, entry) = w
        .started_with(
            "TCS",
            json!({ "direction": "SHORT", "stop_loss": "3600.00", "quantity": 2 }),
        )
        .await;
    assert_eq!(
        w.system.executor.handle(&entry).await,
        Handled::Done("order COMPLETE".into())
    );
    w.until_exits(&id, &[("GUARD", "PLACED")]).await;
    let resting = w.orders_on("TCS", "BUY").await;
    assert_eq!(resting.len(), 1, "{resting:?}");
    assert_eq!(
        (
            resting[0]["order_type"].as_str(),
            resting[0]["status"].as_str(),
            resting[0]["trigger_price"].as_f64(),
            resting[0]["quantity"].as_u64()
        ),
        (Some("SL-M"), Some("TRIGGER PENDING"), Some(3600.0), Some(2)),
        "{resting:?}"
    );
    w.stop.cancel();
    w.price("TCS", "3610.00").await;
    w.until_exits(&id, &[("STOPLOSS", "COMPLETE")]).await;
    assert_eq!(w.net("TCS").await, 0, "flat");
    let sell = w.system.executor.handle(&World::sell_event(&id)).await;
    assert!(matches!(sell, Handled::Done(_)), "{sell:?}");
    assert_eq!(w.orders_on("TCS", "BUY").await.len(), 1, "exactly one exit");
    assert_eq!(w.net("TCS").await, 0);
    let notices = w.notices(&id).await;
    assert!(
        notices
            .iter()
            .any(|n| n.0 == "stop_loss_hit" && n.2.starts_with("Bought back 2 TCS")),
        "{notices:?}"
    );
    w.system.shutdown().await;
}

// An exit never buys back more than the broker says is short: shares bought back by hand shrink
// the short's resting stop and its exit, and the day ends flat, never long.
#[tokio::test]
async fn a_short_bought_back_by_hand_shrinks_the_resting_stop_and_never_goes_long() {
    let w = guarded_world().await;
    w.price("TCS", "3500.00").await;
    let (id, entry) = w
        .started_with(
            "TCS",
            json!({ "direction": "SHORT", "stop_loss": "3600.00", "quantity": 5 }),
        )
        .await;
    assert_eq!(
        w.system.executor.handle(&entry).await,
        Handled::Done("order COMPLETE".into())
    );
    w.until_exits(&id, &[("GUARD", "PLACED")]).await;
    w.by_hand("TCS", "BUY", 2).await;
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let guard = w
            .orders_on("TCS", "BUY")
            .await
            .into_iter()
            .find(|o| o["order_type"] == "SL-M")
            .expect("the guard");
        if guard["quantity"] == 3 {
            break;
        }
        assert!(Instant::now() < until, "the guard never shrank: {guard}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(w.net("TCS").await, -3);
    let exit = w.system.executor.handle(&World::sell_event(&id)).await;
    assert_eq!(exit, Handled::Done("order COMPLETE".into()));
    assert_eq!(w.net("TCS").await, 0, "flat, not long");
    w.stop.cancel();
    w.system.shutdown().await;
}
