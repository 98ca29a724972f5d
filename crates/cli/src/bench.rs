//! `algo bench …`: measured figures, printed as lines for people and one JSON line at the end.

use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use algo_app::stoploss::StopBook;
use algo_kite::ticker::{decode_frame_into, encode_frame, Depth, DepthLevel, Mode, Ohlc, Tick};
use anyhow::Context;
use chrono::Timelike;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// A full-mode tick for an NSE equity token with plausible values.
fn full_tick(rng: &mut SmallRng, token: u32, price: i64) -> Tick {
    let level = |rng: &mut SmallRng, p: i64| DepthLevel {
        quantity: rng.gen_range(1..5000),
        price: u32::try_from(p).unwrap_or(0),
        orders: rng.gen_range(1..50),
    };
    let buy = std::array::from_fn(|i| level(rng, price - 5 * (i as i64 + 1)));
    let sell = std::array::from_fn(|i| level(rng, price + 5 * (i as i64 + 1)));
    let depth = Depth::new(buy, sell);
    Tick {
        mode: Mode::Full,
        last_traded_quantity: Some(rng.gen_range(1..500)),
        average_traded_price: Some(price - 20),
        volume_traded: Some(rng.gen_range(1..10_000_000)),
        total_buy_quantity: Some(rng.gen_range(1..1_000_000)),
        total_sell_quantity: Some(rng.gen_range(1..1_000_000)),
        ohlc: Some(Ohlc {
            open: price - 100,
            high: price + 300,
            low: price - 400,
            close: price - 50,
        }),
        last_trade_time: Some(1_795_665_600),
        oi: Some(0),
        oi_day_high: Some(0),
        oi_day_low: Some(0),
        exchange_timestamp: Some(1_795_665_600),
        depth: Some(depth),
        ..Tick::ltp(token, price)
    }
}

/// NSE equity tokens (low byte 1) for `n` instruments.
fn tokens(n: usize) -> Vec<u32> {
    (0..n as u32).map(|i| ((100_000 + i) << 8) | 1).collect()
}

/// `frames` frames of `per_frame` full ticks over `instruments` instruments.
fn frames(instruments: usize, frames: usize, per_frame: usize) -> (Vec<Vec<u8>>, Vec<i64>) {
    let mut rng = SmallRng::seed_from_u64(7);
    let tokens = tokens(instruments);
    let prices: Vec<i64> = (0..instruments)
        .map(|_| rng.gen_range(10_000..500_000) / 5 * 5)
        .collect();
    let out = (0..frames)
        .map(|f| {
            let ticks: Vec<Tick> = (0..per_frame)
                .map(|k| {
                    let i = (f * per_frame + k) % instruments;
                    let wiggle = rng.gen_range(-20..=20) * 5;
                    full_tick(&mut rng, tokens[i], prices[i] + wiggle)
                })
                .collect();
            encode_frame(&ticks)
        })
        .collect();
    (out, prices)
}

/// Decodes (and with a book, applies) frames for `seconds`; ticks per second.
fn run_rust(frames: &[Vec<u8>], seconds: f64, mut book: Option<&mut StopBook>) -> (f64, u64) {
    let mut ticks = Vec::with_capacity(64);
    let mut fired = Vec::new();
    let mut count = 0u64;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < seconds {
        for frame in frames {
            ticks.clear();
            let n = decode_frame_into(frame, &mut ticks).unwrap_or(0);
            if let Some(book) = book.as_deref_mut() {
                for t in &ticks {
                    book.on_tick(t.instrument_token, t.last_price, &mut fired);
                }
            }
            count += n as u64;
        }
        black_box(&ticks);
    }
    (
        count as f64 / start.elapsed().as_secs_f64(),
        fired.len() as u64,
    )
}

fn python_ticks_per_sec(frames: &[Vec<u8>], seconds: f64, root: &Path) -> anyhow::Result<f64> {
    let path = std::env::temp_dir().join(format!("algo-bench-frames-{}.bin", std::process::id()));
    let mut file = std::fs::File::create(&path)?;
    for f in frames {
        file.write_all(&(f.len() as u32).to_be_bytes())?;
        file.write_all(f)?;
    }
    drop(file);
    let python = root.join(".venv-tools/bin/python");
    let out = std::process::Command::new(&python)
        .arg(root.join("scripts/bench/ticks_python.py"))
        .arg(&path)
        .arg(seconds.to_string())
        .output()
        .with_context(|| {
            format!(
                "running {} (scripts/services installs it)",
                python.display()
            )
        })?;
    let _ = std::fs::remove_file(&path);
    anyhow::ensure!(
        out.status.success(),
        "python parser failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("python output")?;
    v["ticks_per_sec"].as_f64().context("ticks_per_sec")
}

/// `algo bench ticks`.
pub fn ticks(vs_python: bool, with_book: bool, seconds: f64, root: &Path) -> anyhow::Result<()> {
    if with_book {
        let (instruments, stops) = (2_000usize, 100_000usize);
        let (frames, prices) = frames(instruments, 500, 40);
        let mut book = StopBook::new();
        let mut rng = SmallRng::seed_from_u64(11);
        let toks = tokens(instruments);
        for _ in 0..stops {
            let i = rng.gen_range(0..instruments);
            // Stops 5–30 % under the price: armed, and not crossed by normal ticks.
            let stop = prices[i] * rng.gen_range(70..95) / 100;
            book.arm(uuid::Uuid::new_v4(), toks[i], stop);
        }
        println!("bench ticks --book: {stops} stops across {instruments} instruments, full-mode frames of 40 ticks, one core, {seconds} s");
        let (rate, fired) = run_rust(&frames, seconds, Some(&mut book));
        println!(
            "  decode + stop book: {:.0} ticks/s ({fired} stops fired)",
            rate
        );
        println!(
            "{}",
            json!({ "bench": "ticks", "mode": "full", "book": true, "stops": stops, "instruments": instruments, "ticks_per_sec": rate.round() })
        );
        return Ok(());
    }
    // 50 frames (185 KB) stay in cache, as a frame just read from the socket is; cycling through
    // megabytes of frames would measure memory bandwidth instead of the decoder.
    let (frames, _) = frames(200, 50, 20);
    println!("bench ticks: decoding full-mode frames of 20 ticks on one core for {seconds} s");
    let (rust, _) = run_rust(&frames, seconds, None);
    println!("  rust codec:              {:.0} ticks/s", rust);
    if !vs_python {
        println!(
            "{}",
            json!({ "bench": "ticks", "mode": "full", "rust_ticks_per_sec": rust.round() })
        );
        return Ok(());
    }
    let python = python_ticks_per_sec(&frames, seconds, root)?;
    let ratio = rust / python;
    println!("  official python parser: {:.0} ticks/s", python);
    println!("  ratio:                  {:.0}x", ratio);
    println!(
        "{}",
        json!({ "bench": "ticks", "mode": "full", "rust_ticks_per_sec": rust.round(), "python_ticks_per_sec": python.round(), "ratio": (ratio * 10.0).round() / 10.0 })
    );
    Ok(())
}

/// The whole self-hosted system in this process on a throw-away database, with the simulator.
pub struct Bench {
    pub sim: algo_sim::RunningSim,
    pub system: algo_app::selfhosted::SelfHosted,
    pub app: axum::Router,
    pub http: reqwest::Client,
    pub tokens: algo_app::auth::tokens::TokenKeys,
    pub cipher: algo_app::broker::crypto::BrokerCipher,
    /// Events handed to each executor instance (the system's own first), with
    /// [`Bench::start_instances`].
    pub dealt: Option<std::sync::Arc<Dealer>>,
    /// The workers of the instances after the first; they stop with the system.
    instances: Vec<tokio::task::JoinHandle<()>>,
}

/// Hands the events pushed to it to several executor instances' queues in turn, as SQS hands
/// a FIFO queue's message groups (one per strategy) to separate executor Lambda instances.
/// Popping, acks and recovery are the first instance's.
pub struct Dealer {
    queues: Vec<std::sync::Arc<dyn algo_store::ports::OrderQueue>>,
    next: std::sync::atomic::AtomicUsize,
    dealt: Vec<std::sync::atomic::AtomicUsize>,
}

impl Dealer {
    fn new(queues: Vec<std::sync::Arc<dyn algo_store::ports::OrderQueue>>) -> Self {
        Self {
            dealt: queues.iter().map(|_| Default::default()).collect(),
            queues,
            next: Default::default(),
        }
    }

    /// How many events each instance was handed.
    pub fn dealt(&self) -> Vec<usize> {
        self.dealt
            .iter()
            .map(|n| n.load(std::sync::atomic::Ordering::Relaxed))
            .collect()
    }
}

#[async_trait::async_trait]
impl algo_store::ports::OrderQueue for Dealer {
    async fn push(&self, event: &algo_core::OrderEvent) -> Result<(), algo_store::StoreError> {
        use std::sync::atomic::Ordering;
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.queues.len();
        self.queues[i].push(event).await?;
        self.dealt[i].fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn pop(
        &self,
        max: usize,
        wait: std::time::Duration,
    ) -> Result<Vec<algo_store::ports::Delivery>, algo_store::StoreError> {
        self.queues[0].pop(max, wait).await
    }

    async fn ack(
        &self,
        delivery: &algo_store::ports::Delivery,
    ) -> Result<(), algo_store::StoreError> {
        self.queues[0].ack(delivery).await
    }

    async fn nack(
        &self,
        delivery: &algo_store::ports::Delivery,
    ) -> Result<(), algo_store::StoreError> {
        self.queues[0].nack(delivery).await
    }

    async fn recover(&self) -> Result<usize, algo_store::StoreError> {
        self.queues[0].recover().await
    }
}

/// The whole second `setup_secs` after `now` (IST), as the buy time, with a sell 30 minutes later.
fn due_after<Tz: chrono::TimeZone>(
    now: chrono::DateTime<Tz>,
    setup_secs: i64,
) -> anyhow::Result<(chrono::NaiveTime, String, String)> {
    let due = (now + chrono::Duration::seconds(setup_secs))
        .time()
        .with_nanosecond(0)
        .context("time")?;
    let sell = sell_after(due)?;
    Ok((
        due,
        due.format("%H:%M:%S").to_string(),
        sell.format("%H:%M:%S").to_string(),
    ))
}

/// A sell time 30 minutes after `buy`, or the day's last second when that is sooner: a
/// strategy's day ends at midnight IST, and a bench started late in the evening must not wrap.
fn sell_after(buy: chrono::NaiveTime) -> anyhow::Result<chrono::NaiveTime> {
    let last = chrono::NaiveTime::from_hms_opt(23, 59, 59).context("time")?;
    let (sell, wrapped) = buy.overflowing_add_signed(chrono::Duration::minutes(30));
    let sell = if wrapped != 0 { last } else { sell };
    anyhow::ensure!(
        sell - buy >= chrono::Duration::minutes(5),
        "the bench needs five minutes of the trading day after {buy} IST: run it after midnight"
    );
    Ok(sell)
}

/// A stop at half the price, on the tick: armed, and far from any price the bench moves to.
fn half_price_stop(price_paise: i64) -> anyhow::Result<algo_core::Price> {
    algo_core::Price::from_paise((price_paise / 2 / 5 * 5).max(5))
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Each order's arrival at the simulator after today's `due` (IST), in ms.
fn timing_errors_ms(orders: &[serde_json::Value], due: chrono::NaiveTime) -> Vec<f64> {
    let due_us = algo_core::TradingCalendar::instant(
        algo_core::TradingCalendar::trading_date(chrono::Utc::now()),
        due,
    )
    .timestamp_micros();
    orders
        .iter()
        .filter_map(|o| o["received_at_us"].as_i64())
        .map(|us| (us - due_us) as f64 / 1000.0)
        .collect()
}

/// The machine's CPU time so far from `/proc/stat`: (stolen by the hypervisor, all), in ticks;
/// `None` off Linux.
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is counted in user).
    Some((*cpu.get(7)?, cpu.iter().take(8).sum()))
}

/// The share of the machine's CPU time the hypervisor took between two [`cpu_ticks`], in %.
fn steal_pct(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    let ((s0, t0), (s1, t1)) = (before?, after?);
    (t1 > t0).then(|| (s1 - s0) as f64 * 100.0 / (t1 - t0) as f64)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

impl Bench {
    pub async fn start(executor: algo_app::executor::ExecutorConfig) -> anyhow::Result<Self> {
        Self::start_instances(executor, 1).await
    }

    /// The same with `instances` executor instances, as separate processes would be: each
    /// with its own queue of the events [`Dealer`] hands it, its own Kite client and its own
    /// Redis connection, sharing the Redis in which each user's orders are paced.
    pub async fn start_instances(
        executor: algo_app::executor::ExecutorConfig,
        instances: usize,
    ) -> anyhow::Result<Self> {
        use algo_app::config::{Config, Profile};
        use std::sync::Arc;
        let sim = algo_sim::spawn(algo_sim::SimConfig {
            walk_interval: None,
            ..Default::default()
        })
        .await;
        let server = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/algo".into());
        let db_url = algo_store::testing::replace_database(
            &server,
            &format!("algo_bench_{}", uuid::Uuid::new_v4().simple()),
        );
        let url = sim.base_url.clone();
        let db = db_url.clone();
        let config = Config::from_lookup(
            move |k| match k {
                "ALGO_KITE_URL" => Some(url.clone()),
                "DATABASE_URL" => Some(db.clone()),
                "ALGO_REDIS_PREFIX" => Some(format!("bench:{}:", uuid::Uuid::new_v4().simple())),
                "REDIS_URL" => std::env::var("REDIS_URL").ok(),
                _ => None,
            },
            Profile::SelfHosted,
            algo_core::CalendarKind::AlwaysOpen,
        )?;
        algo_store::postgres::ensure_database(&config.database_url, config.store_timeout).await?;
        let pg = algo_store::postgres::pool(&config.database_url, config.store_timeout)?;
        algo_store::postgres::migrate(&pg).await?;
        let redis = algo_store::redis::RedisStore::new(
            &config.redis_url,
            config.redis_prefix.clone(),
            config.store_timeout,
        )?;
        let store = |prefix: String| {
            algo_store::redis::RedisStore::new(&config.redis_url, prefix, config.store_timeout)
        };
        let mut adapters = algo_app::selfhosted::Adapters::self_hosted(&config, &pg, &redis)
            .map_err(anyhow::Error::msg)?;
        let mut dealt = None;
        let mut queues: Vec<Arc<dyn algo_store::ports::OrderQueue>> = Vec::new();
        if instances > 1 {
            for i in 0..instances {
                let own = store(format!("{}instance{i}:", config.redis_prefix))?;
                queues.push(Arc::new(algo_store::redis::queue::RedisQueue::new(own)));
            }
            let dealer = Arc::new(Dealer::new(queues.clone()));
            adapters.queue = dealer.clone();
            dealt = Some(dealer);
        }
        let system =
            algo_app::selfhosted::SelfHosted::start_with(&config, pg, redis, executor, adapters)
                .await
                .map_err(anyhow::Error::msg)?;
        let mut workers = Vec::new();
        for (i, queue) in queues.into_iter().enumerate().skip(1) {
            let first = &system.executor;
            let pacer =
                algo_app::broker::pacer::SharedOrderPacer::new(store(config.redis_prefix.clone())?);
            let broker = algo_kite::KiteHttp::new(&config.kite_url, config.kite_timeout)?
                .with_order_pacer(Arc::new(pacer));
            let executor = Arc::new(algo_app::executor::Executor {
                keys: first.keys.clone(),
                strategies: first.strategies.clone(),
                orders: first.orders.clone(),
                runtime: first.runtime.clone(),
                ledger: first.ledger.clone(),
                locks: first.locks.clone(),
                broker: Arc::new(broker),
                cipher: first.cipher.clone(),
                paper: first.paper.clone(),
                calendar: first.calendar.clone(),
                clock: first.clock.clone(),
                owner: format!("{}-instance{i}", first.owner),
                local: Default::default(),
                config: first.config.clone(),
            });
            workers.push(tokio::spawn(algo_app::worker::run(
                queue,
                executor,
                Arc::new(algo_app::worker::WorkerHealth::default()),
                system.shutdown.clone(),
                std::time::Duration::from_secs(10),
            )));
        }
        let key: [u8; 32] = config.broker_key.0.as_slice().try_into()?;
        Ok(Self {
            app: algo_app::router(system.state.clone()),
            sim,
            system,
            http: reqwest::Client::new(),
            tokens: algo_app::auth::tokens::TokenKeys::new(&config.jwt_secret.0),
            cipher: algo_app::broker::crypto::BrokerCipher::new(&key, config.broker_key_id.clone()),
            dealt,
            instances: workers,
        })
    }

    /// Stops the system and every executor instance.
    pub async fn shutdown(self) {
        self.system.shutdown().await;
        for worker in self.instances {
            let _ = worker.await;
        }
    }

    async fn call(
        &self,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        use tower::ServiceExt;
        let req = axum::http::Request::post(path)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::from(body.to_string()))?;
        let response = self.app.clone().oneshot(req).await?;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or_default()))
    }

    /// A trader with a simulator account of their own (Kite's limits are per account), created
    /// directly in the stores (argon2 for a thousand users would only measure argon2), then a
    /// strategy created and started through the API. Returns the strategy id.
    pub async fn trader_with_strategy(
        &self,
        i: usize,
        symbol: &str,
        buy: &str,
        sell: &str,
        stop: &str,
    ) -> anyhow::Result<String> {
        let jwt = self.trader(i).await?;
        self.strategy(&jwt, symbol, buy, sell, stop).await
    }

    /// A trader with a simulator account of their own and their broker connected; their API
    /// access token.
    pub async fn trader(&self, i: usize) -> anyhow::Result<String> {
        let (api_key, token) = (format!("bench_key_{i}"), format!("bench_token_{i}"));
        let r = self
            .http
            .post(format!("{}/_sim/accounts", self.sim.base_url))
            .json(&json!({ "api_key": api_key, "api_secret": "s", "access_token": token, "user_id": format!("B{i:05}") }))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "sim account: {}", r.status());
        let user = uuid::Uuid::new_v4();
        let pg = &self.system.state.pg;
        algo_store::postgres::users::insert(
            pg,
            user,
            &format!("bench{i}-{user}@example.com"),
            "$argon2id$v=19$m=19456,t=2,p=1$bm90dXNlZA$bm90dXNlZA",
        )
        .await?;
        let sealed = self
            .cipher
            .seal(
                user,
                &algo_app::broker::crypto::BrokerSecrets {
                    api_key,
                    secret_key: "s".into(),
                    access_token: token,
                },
            )
            .map_err(anyhow::Error::msg)?;
        algo_store::postgres::broker_keys::upsert(
            pg,
            &algo_store::postgres::broker_keys::BrokerKeysRow {
                user_id: user,
                ciphertext: sealed.ciphertext,
                nonce: sealed.nonce,
                key_id: sealed.key_id,
                broker_user_id: None,
                user_name: None,
                status: "connected".into(),
                status_reason: None,
                token_date: Some(algo_app::broker::session::token_day(chrono::Utc::now())),
                updated_at: chrono::Utc::now(),
            },
        )
        .await?;
        self.tokens
            .access_token(user, chrono::Utc::now())
            .map_err(anyhow::Error::msg)
    }

    /// A strategy of the trader `jwt` is for, created and started through the API; its id.
    pub async fn strategy(
        &self,
        jwt: &str,
        symbol: &str,
        buy: &str,
        sell: &str,
        stop: &str,
    ) -> anyhow::Result<String> {
        let (s, b) = self
            .call("/strategy/create", jwt, json!({ "symbol": symbol, "buy_time": buy, "sell_time": sell, "stop_loss": stop, "quantity": 1 }))
            .await?;
        anyhow::ensure!(s == 201, "create: {b}");
        let id = b["strategy_id"].as_str().context("id")?.to_owned();
        let (s, b) = self
            .call("/strategy/start", jwt, json!({ "strategy_id": id }))
            .await?;
        anyhow::ensure!(s == 200, "start: {b}");
        Ok(id)
    }

    /// Waits for `n` orders at the simulator, from today's `due` (IST) up to 20 s after it, and
    /// returns what arrived; an error when set-up already ran past `due`.
    pub async fn orders_after(
        &self,
        due: chrono::NaiveTime,
        n: usize,
    ) -> anyhow::Result<Vec<serde_json::Value>> {
        let due_utc = algo_core::TradingCalendar::instant(
            algo_core::TradingCalendar::trading_date(chrono::Utc::now()),
            due,
        );
        anyhow::ensure!(
            chrono::Utc::now() < due_utc,
            "set-up took longer than the lead; rerun with fewer strategies"
        );
        let deadline = Instant::now()
            + (due_utc - chrono::Utc::now()).to_std()?
            + std::time::Duration::from_secs(20);
        loop {
            let orders = self.sim_orders().await?;
            if orders.len() >= n || Instant::now() > deadline {
                return Ok(orders);
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    pub async fn sim_orders(&self) -> anyhow::Result<Vec<serde_json::Value>> {
        let v: serde_json::Value = self
            .http
            .get(format!("{}/_sim/orders", self.sim.base_url))
            .send()
            .await?
            .json()
            .await?;
        Ok(v.get("data")
            .cloned()
            .unwrap_or(v)
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    pub async fn symbols(&self, n: usize) -> anyhow::Result<Vec<(String, i64)>> {
        let client =
            algo_kite::KiteHttp::new(&self.sim.base_url, std::time::Duration::from_secs(5))?
                .client("sim_key", algo_kite::Secret::new("sim_token"));
        let dump = client.instruments("NSE").await?;
        let names: Vec<String> = dump
            .iter()
            .filter(|i| {
                i.segment != "INDICES" && algo_core::Symbol::parse(&i.tradingsymbol).is_ok()
            })
            .map(|i| format!("NSE:{}", i.tradingsymbol))
            .take(n)
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut out = Vec::new();
        for chunk in refs.chunks(200) {
            let ltp = client.ltp(chunk).await?;
            for name in chunk {
                if let Some(l) = ltp.get(*name).and_then(|l| l.last_price.paise()) {
                    out.push((name.trim_start_matches("NSE:").to_owned(), l));
                }
            }
        }
        Ok(out)
    }
}

/// `algo bench burst --strategies N [--vs-pooled]`: N strategies of N traders due at the same
/// second. With `--vs-pooled`, first the same burst with every order sent through the pooled
/// client (no armed orders: the baseline), then the real one, and the ratio of their p99s.
pub async fn burst(n: usize, vs_pooled: bool) -> anyhow::Result<()> {
    let armed = algo_app::executor::ExecutorConfig::default();
    if !vs_pooled {
        return burst_once(n, "armed", armed).await.map(|_| ());
    }
    let pooled = algo_app::executor::ExecutorConfig {
        arm_lead: std::time::Duration::ZERO,
        ..armed.clone()
    };
    let baseline = burst_once(n, "pooled", pooled).await?;
    let now = burst_once(n, "armed", armed).await?;
    println!(
        "  p99 armed / pooled: {:.2} (p50 {:.2}, max {:.2})",
        now.p99 / baseline.p99,
        now.p50 / baseline.p50,
        now.max / baseline.max
    );
    println!(
        "{}",
        json!({ "bench": "burst_vs_pooled", "strategies": n,
                "pooled_p99_ms": (baseline.p99 * 10.0).round() / 10.0,
                "armed_p99_ms": (now.p99 * 10.0).round() / 10.0,
                "p99_ratio": (now.p99 / baseline.p99 * 100.0).round() / 100.0 })
    );
    Ok(())
}

/// One burst's timing errors, in ms.
struct BurstStats {
    p50: f64,
    p99: f64,
    max: f64,
}

async fn burst_once(
    n: usize,
    mode: &str,
    executor: algo_app::executor::ExecutorConfig,
) -> anyhow::Result<BurstStats> {
    let bench = Bench::start(executor).await?;
    let symbols = bench.symbols(n.min(200)).await?;
    anyhow::ensure!(!symbols.is_empty(), "the simulator lists no symbols");
    let now = chrono::Utc::now().with_timezone(&algo_core::IST);
    let setup_secs = 10 + (n as i64) / 60;
    let (due, buy, sell) = due_after(now, setup_secs)?;
    println!(
        "bench burst ({mode}): {n} strategies of {n} traders, all buying at {buy} IST (in ~{setup_secs} s)"
    );
    let started = Instant::now();
    for i in 0..n {
        let (symbol, price) = &symbols[i % symbols.len()];
        let stop = half_price_stop(*price)?;
        bench
            .trader_with_strategy(i, symbol, &buy, &sell, &stop.to_string())
            .await?;
    }
    println!("  set up in {:.1} s", started.elapsed().as_secs_f64());
    let orders = bench.orders_after(due, n).await?;
    let mut errors = timing_errors_ms(&orders, due);
    errors.sort_by(|a, b| a.total_cmp(b));
    let (p50, p99, max) = (
        percentile(&errors, 50.0),
        percentile(&errors, 99.0),
        errors.last().copied().unwrap_or(f64::NAN),
    );
    let min = errors.first().copied().unwrap_or(f64::NAN);
    println!("  orders received: {} of {n}", errors.len());
    println!("  timing error (received − scheduled): min {min:.1} ms, p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms");
    println!(
        "  distribution: p10 {:.1}, p25 {:.1}, p75 {:.1}, p90 {:.1}, p95 {:.1} ms",
        percentile(&errors, 10.0),
        percentile(&errors, 25.0),
        percentile(&errors, 75.0),
        percentile(&errors, 90.0),
        percentile(&errors, 95.0)
    );
    println!("  all orders within {max:.0} ms of the instant");
    println!(
        "{}",
        json!({ "bench": "burst", "mode": mode, "strategies": n, "orders": errors.len(), "min_ms": (min * 10.0).round() / 10.0, "p50_ms": (p50 * 10.0).round() / 10.0,
                "p99_ms": (p99 * 10.0).round() / 10.0, "max_ms": (max * 10.0).round() / 10.0, "total_ms": max.round() })
    );
    bench.shutdown().await;
    anyhow::ensure!(
        errors.len() == n,
        "only {} of {n} orders arrived",
        errors.len()
    );
    Ok(BurstStats { p50, p99, max })
}

/// Executor instances in `algo bench burst --per-user`.
const PER_USER_INSTANCES: usize = 2;

/// How soon after the instant the last order of one user's burst must reach the exchange.
const PER_USER_WITHIN_MS: f64 = 3000.0;

/// `algo bench burst --per-user N`: one trader's N strategies due at the same instant, run by
/// two executor instances that pace the trader's orders together in Redis (as executor Lambda
/// instances do). Fails unless every order arrives, the exchange answers no 429, and the last
/// order arrives within 3 s of the instant.
pub async fn burst_per_user(n: usize) -> anyhow::Result<()> {
    let bench = Bench::start_instances(
        algo_app::executor::ExecutorConfig::default(),
        PER_USER_INSTANCES,
    )
    .await?;
    let symbols = bench.symbols(n).await?;
    anyhow::ensure!(
        symbols.len() >= n,
        "the simulator lists {} symbols; a trader's strategies need one each",
        symbols.len()
    );
    let now = chrono::Utc::now().with_timezone(&algo_core::IST);
    let setup_secs = 10 + (n as i64) / 20;
    let (due, buy, sell) = due_after(now, setup_secs)?;
    println!(
        "bench burst --per-user {n}: {n} strategies of one trader, all buying at {buy} IST (in ~{setup_secs} s), {PER_USER_INSTANCES} executor instances pacing the trader's orders in Redis"
    );
    let started = Instant::now();
    let jwt = bench.trader(0).await?;
    for (symbol, price) in symbols.iter().take(n) {
        let stop = half_price_stop(*price)?;
        bench
            .strategy(&jwt, symbol, &buy, &sell, &stop.to_string())
            .await?;
    }
    println!("  set up in {:.1} s", started.elapsed().as_secs_f64());
    let orders = bench.orders_after(due, n).await?;
    let refused = bench.sim.sim.rate_limited();
    let dealt = bench.dealt.as_ref().map(|d| d.dealt()).unwrap_or_default();
    let mut errors = timing_errors_ms(&orders, due);
    errors.sort_by(|a, b| a.total_cmp(b));
    let (p50, p99, last) = (
        percentile(&errors, 50.0),
        percentile(&errors, 99.0),
        errors.last().copied().unwrap_or(f64::NAN),
    );
    let first = errors.first().copied().unwrap_or(f64::NAN);
    let per_second: Vec<usize> = (0..=(last.max(0.0) / 1000.0) as usize)
        .map(|s| {
            errors
                .iter()
                .filter(|e| (**e / 1000.0).floor() as i64 == s as i64)
                .count()
        })
        .collect();
    println!("  events per executor instance: {dealt:?}");
    println!("  orders received: {} of {n}", errors.len());
    println!("  refused with 429 by the exchange: {refused}");
    println!("  orders per second after the instant: {per_second:?}");
    println!("  time from the instant to the last order: {last:.1} ms (first {first:.1} ms)");
    println!("  timing error (received − scheduled): p50 {p50:.1} ms, p99 {p99:.1} ms");
    println!(
        "{}",
        json!({ "bench": "burst_per_user", "strategies": n, "instances": PER_USER_INSTANCES, "dealt": dealt,
                "orders": errors.len(), "http_429": refused, "first_ms": (first * 10.0).round() / 10.0,
                "last_ms": (last * 10.0).round() / 10.0, "p50_ms": (p50 * 10.0).round() / 10.0,
                "p99_ms": (p99 * 10.0).round() / 10.0, "within_ms": PER_USER_WITHIN_MS })
    );
    bench.shutdown().await;
    anyhow::ensure!(
        errors.len() == n,
        "only {} of {n} orders arrived",
        errors.len()
    );
    anyhow::ensure!(
        refused == 0,
        "the exchange refused {refused} orders with 429"
    );
    anyhow::ensure!(
        last <= PER_USER_WITHIN_MS,
        "the last order arrived {last:.0} ms after the instant, not within {PER_USER_WITHIN_MS:.0} ms"
    );
    Ok(())
}

/// Waits for the simulator's update of a SELL order of `symbol`; `false` if its updates end.
async fn sell_update(
    updates: &mut tokio::sync::broadcast::Receiver<algo_sim::OrderUpdate>,
    symbol: &str,
) -> bool {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match updates.recv().await {
            Ok(update) => {
                let Ok(message) = serde_json::from_str::<serde_json::Value>(&update.message) else {
                    continue;
                };
                let order = &message["data"];
                if order["tradingsymbol"] == symbol && order["transaction_type"] == "SELL" {
                    return true;
                }
            }
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return false,
        }
    }
}

/// Between one exit's durable copy being queued and the next stop being crossed.
const SETTLE_AFTER_COPY: std::time::Duration = std::time::Duration::from_millis(30);

/// `algo bench stoploss --triggers N`: tick sent by the simulator → exit order received by it.
pub async fn stoploss(triggers: usize, back_to_back: bool) -> anyhow::Result<()> {
    use std::sync::Arc;
    let bench = Bench::start(algo_app::executor::ExecutorConfig::default()).await?;
    let symbols = bench.symbols(triggers).await?;
    let n = symbols.len().min(triggers);
    anyhow::ensure!(n > 0, "the simulator lists no symbols");
    let shutdown = tokio_util::sync::CancellationToken::new();
    let feed = algo_app::feed::FeedWorker::new(
        bench.system.state.redis.clone(),
        bench.system.queue.clone(),
        Arc::new(algo_core::SystemClock),
        algo_kite::KiteHttp::new(&bench.sim.base_url, std::time::Duration::from_secs(5))?,
        algo_app::feed::FeedConfig {
            ws_url: bench.sim.ws_url.clone(),
            api_key: "sim_key".into(),
            access_token: algo_kite::Secret::new("sim_token"),
        },
    );
    // As `algo serve` wires it: the feed hands a crossed stop to this process's executor.
    feed.exit_in_process(bench.system.executor.clone());
    let feed_task = tokio::spawn(feed.clone().run(shutdown.clone()));
    println!(
        "bench stoploss: {n} positions on {n} instruments, each stop crossed once, {}",
        if back_to_back {
            "as soon as the last exit reached the exchange"
        } else {
            "once the last exit's bookkeeping is over"
        }
    );
    let now = chrono::Utc::now().with_timezone(&algo_core::IST);
    let buy_at = (now + chrono::Duration::seconds(8 + n as i64 / 40)).time();
    let sell = sell_after(buy_at)?.format("%H:%M:%S").to_string();
    let buy = buy_at.format("%H:%M:%S").to_string();
    let mut ids = Vec::new();
    for (i, (symbol, price)) in symbols.iter().take(n).enumerate() {
        let stop = algo_core::Price::from_paise((price * 95 / 100) / 5 * 5)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        ids.push((
            bench
                .trader_with_strategy(i, symbol, &buy, &sell, &stop.to_string())
                .await?,
            symbol.clone(),
            stop,
        ));
    }
    // Wait for every buy to fill and every stop to be armed.
    let until = Instant::now() + std::time::Duration::from_secs(60 + n as u64 / 10);
    while feed.health().armed_stops < n && Instant::now() < until {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    anyhow::ensure!(
        feed.health().armed_stops == n,
        "only {} of {n} stops armed",
        feed.health().armed_stops
    );
    while feed.health().subscribed < n && Instant::now() < until {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The exit is waited for on the simulator's order updates in this process, and the next
    // stop is crossed only once the last exit's bookkeeping is over: its leg final in the
    // order log and its durable copy queued and handled. Polling the order list while an exit
    // goes out, or crossing the next stop in the middle of the last one's bookkeeping (its
    // stop leaves the book when it fires, long before), would measure the bench.
    let mut latencies = Vec::new();
    let cpu_before = cpu_ticks();
    let mut updates = bench.sim.sim.order_updates();
    for (strategy_id, symbol, stop) in &ids {
        let pushed = feed.health().events_pushed;
        let under =
            algo_core::Price::from_paise(stop.paise() - 5).map_err(|e| anyhow::anyhow!("{e}"))?;
        let r = bench
            .http
            .post(format!("{}/_sim/price", bench.sim.base_url))
            .json(&json!({ "symbol": symbol, "price": under.to_string() }))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "price: {}", r.status());
        let sent: serde_json::Value = r.json().await.unwrap_or_default();
        let tick_us = sent["data"]["broadcast_at_us"]
            .as_i64()
            .or(sent["broadcast_at_us"].as_i64());
        let seen = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            sell_update(&mut updates, symbol),
        )
        .await
        .unwrap_or(false);
        let received = seen
            .then(|| {
                bench.sim.sim.orders().into_iter().find(|o| {
                    o.request.tradingsymbol == *symbol
                        && o.request.transaction_type == algo_sim::orders::Side::Sell
                })
            })
            .flatten()
            .map(|o| o.received_at.timestamp_micros());
        match (received, tick_us) {
            (Some(received), Some(tick)) => latencies.push((received - tick) as f64 / 1000.0),
            (None, _) => println!("  no exit for {symbol}"),
            (_, None) => anyhow::bail!("the simulator did not say when it broadcast the tick"),
        }
        if back_to_back {
            continue;
        }
        let settle = Instant::now() + std::time::Duration::from_secs(5);
        let id: uuid::Uuid = strategy_id.parse()?;
        while Instant::now() < settle {
            let today = algo_core::TradingCalendar::trading_date(chrono::Utc::now());
            let legs = bench.system.executor.orders.day(id, today).await?;
            let recorded = legs
                .iter()
                .any(|l| l.event == "STOPLOSS" && l.status == "COMPLETE");
            if recorded && feed.health().events_pushed > pushed {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // The durable copy, queued a moment after the exit went out, is handled (found done)
        // by the worker within milliseconds of its push.
        tokio::time::sleep(SETTLE_AFTER_COPY).await;
    }
    let steal = steal_pct(cpu_before, cpu_ticks());
    latencies.sort_by(|a, b| a.total_cmp(b));
    let (p50, p99, max) = (
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(f64::NAN),
    );
    println!("  exits: {} of {n}", latencies.len());
    println!(
        "  tick → exit order at the exchange: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"
    );
    // A virtual machine's vCPUs taken away mid-exit stall it whatever the code does: the
    // figure says how much of that the run had.
    if let Some(steal) = steal {
        println!("  CPU time taken by the hypervisor (steal) during the run: {steal:.1}%");
    }
    println!(
        "{}",
        json!({ "bench": "stoploss", "back_to_back": back_to_back, "triggers": n, "exits": latencies.len(), "p50_ms": (p50 * 100.0).round() / 100.0, "p99_ms": (p99 * 100.0).round() / 100.0, "max_ms": (max * 100.0).round() / 100.0, "steal_pct": steal.map(|s| (s * 10.0).round() / 10.0) })
    );
    shutdown.cancel();
    let _ = feed_task.await;
    bench.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steal_is_the_stolen_share_of_the_ticks_between_two_reads() {
        assert_eq!(steal_pct(Some((10, 1_000)), Some((60, 2_000))), Some(5.0));
        assert_eq!(steal_pct(Some((10, 1_000)), Some((10, 1_000))), None);
        assert_eq!(steal_pct(None, Some((10, 1_000))), None);
        let (steal, total) = cpu_ticks().expect("/proc/stat on Linux");
        assert!(steal <= total && total > 0);
    }
}
