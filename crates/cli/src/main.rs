//! `algo`: the self-hosted profile in one binary.
//!
//! - `algo dev`: migrate, connect the stores, serve the API (all components as their issues land).
//! - `algo migrate`: apply the SQL migrations and exit.

use std::net::SocketAddr;

use algo_app::config::Profile;
use algo_app::executor::ExecutorConfig;
use algo_app::selfhosted::SelfHosted;
use algo_app::{router, Config};
use algo_core::CalendarKind;
use algo_store::{postgres, redis::RedisStore};
use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

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
    /// Run the whole system locally on Postgres and Redis.
    Dev {
        /// API port on 127.0.0.1.
        #[arg(long, default_value_t = 8080, env = "ALGO_PORT")]
        port: u16,
        /// Trading calendar: `always-open` (default in dev) or `nse`.
        #[arg(long, env = "ALGO_CALENDAR", default_value = "always-open")]
        calendar: String,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Measure: `ticks` (codec, optionally vs the official Python parser, or with the stop book).
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
}

mod bench;

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
        } => {
            let root = std::env::current_dir()?;
            bench::ticks(vs_python, book, seconds, &root)
        }
        Command::Dev { port, calendar } => {
            let calendar =
                CalendarKind::parse(&calendar).context("--calendar must be nse or always-open")?;
            let mut config = Config::from_env(Profile::SelfHosted, calendar)?;
            config.calendar = calendar;
            dev(config, port).await
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
    let pool = postgres::pool(&config.database_url, config.store_timeout)?;
    postgres::migrate(&pool)
        .await
        .context("applying migrations")?;
    Ok(pool)
}

async fn dev(config: Config, port: u16) -> anyhow::Result<()> {
    let pg = prepare_database(&config).await?;
    let redis = RedisStore::new(
        &config.redis_url,
        config.redis_prefix.clone(),
        config.store_timeout,
    )?;
    if let Err(e) = redis.ping().await {
        tracing::warn!(error = %e, "redis is not answering yet; /health reports REDIS_DOWN until it does");
    }
    let system = SelfHosted::start(&config, pg, redis, ExecutorConfig::default())
        .await
        .map_err(anyhow::Error::msg)?;
    let app = router(system.state.clone());
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    println!();
    println!("  algo dev is up");
    println!("  API       http://{addr}   (try: curl http://{addr}/health)");
    println!(
        "  calendar  {} {}",
        config.calendar.as_str(),
        if config.calendar == CalendarKind::AlwaysOpen {
            "(every day, 00:00:00-23:59:59 IST; --calendar nse for the real one)"
        } else {
            "(NSE sessions and holidays)"
        }
    );
    println!("  Ctrl-C stops it");
    println!();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down: no new requests, finishing orders in flight");
        })
        .await?;
    system.shutdown().await;
    tracing::info!("stopped cleanly");
    Ok(())
}
