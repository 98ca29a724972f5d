//! `algo`: the self-hosted profile in one binary.
//!
//! - `algo dev`: everything in one process: the simulated exchange, migrations, the API, the
//!   timers, the executor, the stop-loss watcher, a demo user with the broker connected.
//! - `algo serve`: the same against real Kite (`ALGO_KITE_URL`, `ALGO_KITE_WS_URL`), for a
//!   trader's own server with a static IP: no simulator, no demo user, no development secrets.
//! - `algo sim`: the simulated Kite exchange alone.
//! - `algo demo`: a scripted session against a running `algo dev`.
//! - `algo migrate`: apply the SQL migrations and exit.
//! - `algo bench ticks|burst|stoploss`: measurements (`burst --per-user N`: one trader's burst
//!   across two executor instances).

mod bench;
mod calendar;
mod demo;

use std::net::SocketAddr;
use std::sync::Arc;

use algo_app::config::Profile;
use algo_app::executor::ExecutorConfig;
use algo_app::feed::{FeedConfig, FeedWorker};
use algo_app::selfhosted::SelfHosted;
use algo_app::{router, Config};
use algo_core::{CalendarKind, SystemClock};
use algo_store::{postgres, redis::RedisStore};
use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

#[derive(Parser)]
#[command(
    name = "algo",
    version,
    about = "Time-based intraday strategies on Zerodha Kite, self-hosted"
)]
struct Cli {
    /// Log lines for people (`text`) or machines (`json`).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "ALGO_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole system locally on Postgres and Redis, with the simulated exchange.
    Dev {
        /// API port on 127.0.0.1.
        #[arg(long, default_value_t = 8080, env = "ALGO_PORT")]
        port: u16,
        /// Simulated exchange port on 127.0.0.1 (REST and /ws).
        #[arg(long, default_value_t = 8090, env = "ALGO_SIM_PORT")]
        sim_port: u16,
        /// Trading calendar: `always-open` (default in dev) or `nse`.
        #[arg(long, env = "ALGO_CALENDAR", default_value = "always-open")]
        calendar: String,
    },
    /// Run the whole system against real Kite (or any Kite at ALGO_KITE_URL): the API, timers,
    /// executor, reconciler and stop-loss watcher in one process. Needs ALGO_JWT_SECRET,
    /// ALGO_BROKER_KEY and ALGO_KITE_API_KEY; market data runs on the trader's Kite login of the
    /// day (ALGO_KITE_ACCESS_TOKEN, optional, is used only while there is none).
    Serve {
        /// API port.
        #[arg(long, default_value_t = 8080, env = "ALGO_PORT")]
        port: u16,
        /// Address to listen on (put a TLS proxy in front of it for the phone).
        #[arg(long, default_value = "127.0.0.1", env = "ALGO_BIND")]
        bind: std::net::IpAddr,
        /// Trading calendar: `nse` (default) or `always-open`.
        #[arg(long, env = "ALGO_CALENDAR", default_value = "nse")]
        calendar: String,
    },
    /// Run the simulated Kite exchange alone.
    Sim {
        #[arg(long, default_value_t = 8090, env = "ALGO_SIM_PORT")]
        port: u16,
        /// Random-walk step interval in milliseconds; 0 freezes prices.
        #[arg(long, default_value_t = 1000)]
        walk_ms: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Walk a scripted session against a running `algo dev`.
    Demo {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        api: String,
        #[arg(long, default_value = "http://127.0.0.1:8090")]
        sim: String,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Print the trading sessions of a range of dates (holidays, special sessions, MIS
    /// cut-offs) from the calendar data (ALGO_CALENDAR_FILE, or the shipped list), and warn
    /// when this year's or the coming year's list is provisional.
    Calendar {
        /// First date, YYYY-MM-DD (default: today, IST).
        #[arg(long)]
        from: Option<String>,
        /// Last date, YYYY-MM-DD (default: 30 days after --from).
        #[arg(long)]
        to: Option<String>,
        /// Segment: NSE or BSE.
        #[arg(long, default_value = "NSE")]
        exchange: String,
    },
    /// Measure.
    Bench {
        #[command(subcommand)]
        which: BenchCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Full-mode frames through the codec (and, with --book, the stop-loss book), ticks/s.
    Ticks {
        /// Also run Kite's official Python parser on the same frames and print the ratio.
        #[arg(long)]
        vs_python: bool,
        /// 100,000 armed stops across 2,000 instruments behind the decoder.
        #[arg(long)]
        book: bool,
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
    /// N strategies due at the same instant: timing error at the exchange, p50/p99/max.
    Burst {
        #[arg(long, default_value_t = 1000)]
        strategies: usize,
        /// First the same burst with no armed orders (every order through the pooled client),
        /// as the baseline; then the ratio.
        #[arg(long)]
        vs_pooled: bool,
        /// Instead: one trader's N strategies due at the same instant, run by two executor
        /// instances pacing the trader's orders in Redis; fails on any 429 or an order later
        /// than 3 s.
        #[arg(long, value_name = "N", conflicts_with_all = ["strategies", "vs_pooled"])]
        per_user: Option<usize>,
    },
    /// Tick sent by the simulator → exit order received by it, over many triggers.
    Stoploss {
        #[arg(long, default_value_t = 200)]
        triggers: usize,
        /// Cross each stop as soon as the last exit reached the exchange, its bookkeeping
        /// still running (a cascade), rather than on a system done with the last one.
        #[arg(long)]
        back_to_back: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    match cli.command {
        Command::Migrate => {
            let config = Config::from_env(Profile::SelfHosted, CalendarKind::Nse)?;
            prepare_database(&config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Bench {
            which:
                BenchCommand::Ticks {
                    vs_python,
                    book,
                    seconds,
                },
        } => bench::ticks(vs_python, book, seconds, &std::env::current_dir()?),
        Command::Bench {
            which:
                BenchCommand::Burst {
                    strategies,
                    vs_pooled,
                    per_user,
                },
        } => match per_user {
            Some(n) => bench::burst_per_user(n).await,
            None => bench::burst(strategies, vs_pooled).await,
        },
        Command::Bench {
            which:
                BenchCommand::Stoploss {
                    triggers,
                    back_to_back,
                },
        } => bench::stoploss(triggers, back_to_back).await,
        Command::Demo { api, sim } => demo::run(&api, &sim).await,
        Command::Calendar { from, to, exchange } => {
            let config = Config::from_env(Profile::SelfHosted, CalendarKind::Nse)?;
            let calendar = config.trading_calendar()?;
            let segment = algo_core::Exchange::parse(&exchange)
                .with_context(|| format!("--exchange must be NSE or BSE, not {exchange:?}"))?;
            let date = |flag: &str, text: &str| {
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .with_context(|| format!("{flag} must be YYYY-MM-DD, not {text:?}"))
            };
            let today = algo_core::TradingCalendar::trading_date(chrono::Utc::now());
            let from = from
                .map(|f| date("--from", &f))
                .transpose()?
                .unwrap_or(today);
            let to = match to {
                Some(t) => date("--to", &t)?,
                None => from + chrono::Days::new(30),
            };
            let (lines, warnings) = calendar::render(&calendar, segment, from, to, today)
                .map_err(anyhow::Error::msg)?;
            for line in lines {
                println!("{line}");
            }
            for warning in warnings {
                eprintln!("warning: {warning}");
            }
            Ok(())
        }
        Command::Sim {
            port,
            walk_ms,
            seed,
        } => {
            let config = algo_sim::SimConfig {
                seed,
                walk_interval: (walk_ms > 0).then(|| std::time::Duration::from_millis(walk_ms)),
                ..Default::default()
            };
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            println!("simulated Kite exchange on http://{addr} (ticker ws://{addr}/ws); api_key sim_key, access_token sim_token");
            algo_sim::Sim::new(config)
                .serve(listener, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
            Ok(())
        }
        Command::Serve {
            port,
            bind,
            calendar,
        } => {
            let calendar =
                CalendarKind::parse(&calendar).context("--calendar must be nse or always-open")?;
            serve(calendar, SocketAddr::new(bind, port)).await
        }
        Command::Dev {
            port,
            sim_port,
            calendar,
        } => {
            let calendar =
                CalendarKind::parse(&calendar).context("--calendar must be nse or always-open")?;
            let mut config = Config::from_env(Profile::SelfHosted, calendar)?;
            config.set_calendar(calendar)?;
            dev(config, port, sim_port).await
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

async fn prepare_database(config: &Config) -> anyhow::Result<postgres::PgPool> {
    postgres::ensure_database(&config.database_url, config.store_timeout)
        .await
        .context("cannot reach Postgres (is it running? scripts/services starts it)")?;
    let pool = postgres::pool_sized(
        &config.database_url,
        config.store_timeout,
        config.database_pool_size,
    )?;
    postgres::migrate(&pool)
        .await
        .context("applying migrations")?;
    Ok(pool)
}

const DEMO_EMAIL: &str = "demo@algo.dev";
const DEMO_PASSWORD: &str = "demo-password";

/// Registers (or signs in) the demo user through the API and connects the simulated broker.
async fn demo_user(app: &axum::Router) -> anyhow::Result<()> {
    let call = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut req = axum::http::Request::post(path).header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = req.body(axum::body::Body::from(body.to_string()));
        let app = app.clone();
        async move {
            let response = app.oneshot(req?).await?;
            let status = response.status().as_u16();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
            anyhow::Ok((
                status,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default(),
            ))
        }
    };
    let creds = serde_json::json!({ "email": DEMO_EMAIL, "password": DEMO_PASSWORD });
    let (status, body) = match call("/auth/register", None, creds.clone()).await? {
        (201, body) => (201, body),
        _ => call("/auth/login", None, creds).await?,
    };
    let token = body["access_token"]
        .as_str()
        .with_context(|| format!("demo user sign-in failed ({status}): {body}"))?
        .to_owned();
    let (status, body) = call(
        "/broker/connect",
        Some(&token),
        serde_json::json!({ "api_key": "sim_key", "secret_key": "sim_secret", "access_token": "sim_token" }),
    )
    .await?;
    anyhow::ensure!(
        status == 200,
        "demo broker connect failed ({status}): {body}"
    );
    Ok(())
}

/// What `algo serve` needs from the environment, with no development fallback for any of it.
const SERVE_REQUIRED: [(&str, &str); 3] = [
    (
        "ALGO_JWT_SECRET",
        "at least 32 random bytes, e.g. `openssl rand -base64 48`",
    ),
    (
        "ALGO_BROKER_KEY",
        "base64 of 32 random bytes, e.g. `openssl rand -base64 32`",
    ),
    (
        "ALGO_KITE_API_KEY",
        "the api_key of your Kite Connect app (market data for stop-losses)",
    ),
];

async fn serve(calendar: CalendarKind, addr: SocketAddr) -> anyhow::Result<()> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let missing: Vec<String> = SERVE_REQUIRED
        .iter()
        .filter(|(k, _)| get(k).is_none())
        .map(|(k, how)| format!("  {k}: {how}"))
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "algo serve trades real money and uses no development defaults; set:\n{}",
        missing.join("\n")
    );
    let mut config = Config::from_env(Profile::SelfHosted, calendar)?;
    config.set_calendar(calendar)?;
    config.kite_url = get("ALGO_KITE_URL").unwrap_or_else(|| algo_kite::KITE_API_URL.into());
    config.kite_login_url = get("ALGO_KITE_LOGIN_URL").unwrap_or_else(|| {
        if config.kite_url == algo_kite::KITE_API_URL {
            algo_app::config::KITE_LOGIN_URL.into()
        } else {
            format!("{}/connect/login", config.kite_url.trim_end_matches('/'))
        }
    });
    let ws_url = get("ALGO_KITE_WS_URL").unwrap_or_else(|| "wss://ws.kite.trade".into());
    let feed = FeedConfig {
        ws_url,
        api_key: config.kite_api_key.clone(),
        access_token: algo_kite::Secret::new(
            String::from_utf8_lossy(&config.kite_access_token.0).into_owned(),
        ),
    };
    let executor = ExecutorConfig {
        algo_id: config.algo_id.clone(),
        resting_stop: config.resting_stop,
        ..ExecutorConfig::default()
    };
    run(config, feed, executor, addr, false).await
}

async fn dev(mut config: Config, port: u16, sim_port: u16) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    println!("[0/5] simulated exchange");
    let sim_addr = SocketAddr::from(([127, 0, 0, 1], sim_port));
    let sim_listener = algo_sim::listen(sim_addr)
        .with_context(|| format!("binding the simulated exchange to {sim_addr}"))?;
    let sim = algo_sim::Sim::new(algo_sim::SimConfig::default());
    // The simulated Kite app redirects its logins to this server, as the redirect URL a trader
    // registers in Kite's developer console would.
    sim.add_account(algo_sim::Account {
        redirect_url: Some(format!("http://127.0.0.1:{port}/broker/callback")),
        ..algo_sim::Account::default_account()
    });
    let sim_task = tokio::spawn(sim.serve(sim_listener, shutdown.clone().cancelled_owned()));
    config.kite_url = format!("http://{sim_addr}");
    config.kite_login_url = format!("http://{sim_addr}/connect/login");
    let feed = FeedConfig {
        ws_url: format!("ws://{sim_addr}/ws"),
        api_key: "sim_key".into(),
        access_token: algo_kite::Secret::new("sim_token"),
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let executor = ExecutorConfig {
        resting_stop: config.resting_stop,
        ..ExecutorConfig::default()
    };
    let result = run(config, feed, executor, addr, true).await;
    shutdown.cancel();
    let _ = sim_task.await;
    result
}

/// The system in one process until Ctrl-C or SIGTERM: database, cache, timers, executor,
/// reconciler, stop-loss watcher and the API; with `demo`, the demo user too.
async fn run(
    config: Config,
    feed_config: FeedConfig,
    executor: ExecutorConfig,
    addr: SocketAddr,
    demo: bool,
) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    println!("[1/5] database (migrations)");
    let pg = prepare_database(&config).await?;
    let redis = RedisStore::new(
        &config.redis_url,
        config.redis_prefix.clone(),
        config.store_timeout,
    )?;
    if let Err(e) = redis.ping().await {
        tracing::warn!(error = %e, "redis is not answering yet; /health reports REDIS_DOWN until it does");
    }
    println!("[2/5] timers, queue, executor and reconciler");
    let system = SelfHosted::start(&config, pg, redis.clone(), executor)
        .await
        .map_err(anyhow::Error::msg)?;
    println!("[3/5] stop-loss watcher");
    let ws_url = feed_config.ws_url.clone();
    let feed = FeedWorker::new(
        redis,
        system.queue.clone(),
        Arc::new(SystemClock),
        algo_kite::KiteHttp::new(&config.kite_url, config.kite_timeout)?,
        feed_config,
    );
    feed.forward_order_updates(system.order_updates.clone());
    feed.exit_in_process(system.executor.clone());
    // The ticker runs on the trader's own login of the day, picked up within seconds of it.
    feed.use_token_source(Arc::new(algo_app::feed::token::StoredToken {
        pg: system.state.pg.clone(),
        cipher: system.executor.cipher.clone(),
        clock: system.executor.clock.clone(),
    }));
    let feed_task = tokio::spawn(feed.run(shutdown.clone()));
    let app = router(system.state.clone());
    if demo {
        println!("[4/5] demo user");
        demo_user(&app).await?;
    } else {
        println!("[4/5] no demo user (register through the API)");
    }
    println!("[5/5] API");
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    println!();
    println!("  algo {} is up", if demo { "dev" } else { "serve" });
    println!("  API                 http://{addr}   (health: /health, OpenAPI: /openapi.json)");
    println!(
        "  broker              {}   (ticker {ws_url})",
        config.kite_url
    );
    if demo {
        println!("  demo login          {DEMO_EMAIL} / {DEMO_PASSWORD}  (broker connected: sim_key / sim_token)");
    }
    println!(
        "  calendar            {} {}",
        config.calendar.as_str(),
        if config.calendar == CalendarKind::AlwaysOpen {
            "(every day, 00:00:00-23:59:59 IST; --calendar nse for the real one)"
        } else {
            "(NSE sessions and holidays; `algo calendar` prints them)"
        }
    );
    if let Some(warning) = config.trading_calendar().ok().and_then(|c| {
        c.provisional_warning(algo_core::TradingCalendar::trading_date(chrono::Utc::now()))
    }) {
        println!("  calendar warning    {warning}");
        tracing::warn!(event_type = "calendar_provisional", %warning, "calendar");
    }
    if demo {
        println!(
            "  try next            algo demo   (in another terminal: buys, then a stop-loss exit)"
        );
    }
    println!("  Ctrl-C stops everything cleanly");
    println!();
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    // The TCP peer reaches the handlers (`ConnectInfo`): the login limits count by it, never
    // by a header the client writes.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            stop_signal().await;
            tracing::info!("shutting down: no new requests, finishing orders in flight");
        })
        .await?;
    system.shutdown().await;
    shutdown.cancel();
    let _ = feed_task.await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Ctrl-C, or SIGTERM (what a service manager sends).
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
