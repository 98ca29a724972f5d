//! A running strategy's runtime state in Redis (`strategy:{id}`, `runtime:{id}`,
//! `symbol:{symbol}:strategies`). Postgres stays the record; this is rebuilt from it.

use std::collections::HashMap;

use algo_core::Position;
use algo_store::ports::{EntryFill, RuntimeCache, RuntimeUpdate};
use algo_store::postgres::strategies::StrategyRow;
use algo_store::redis::runtime::{parse_runtime, RedisRuntime};
use algo_store::redis::RedisStore;
use algo_store::StoreError;
use chrono::NaiveDate;
use redis::AsyncCommands;
use uuid::Uuid;

pub use algo_store::ports::Runtime;

fn rd(e: redis::RedisError) -> StoreError {
    StoreError::RedisDown(e.to_string())
}

/// Loads a strategy that starts running; keeps today's runtime if it already has one.
pub async fn load(redis: &RedisStore, row: &StrategyRow) -> Result<(), StoreError> {
    let keys = redis.keys();
    let mut conn = redis.conn().await?;
    let spec = &row.spec;
    // An exit not set is written empty, so a strategy edited since its last run forgets it.
    let offset =
        |o: Option<algo_core::strategy::Offset>| o.map(|o| o.to_string()).unwrap_or_default();
    let fields: [(&str, String); 12] = [
        ("symbol", spec.symbol.to_string()),
        ("exchange", spec.exchange.as_str().to_owned()),
        ("buy_time", spec.buy_time.format("%H:%M:%S").to_string()),
        ("sell_time", spec.sell_time.format("%H:%M:%S").to_string()),
        ("stop_loss", spec.stop_loss.paise().to_string()),
        ("quantity", spec.quantity.to_string()),
        ("product", spec.product.as_str().to_owned()),
        ("status", "running".to_owned()),
        ("user_id", row.user_id.to_string()),
        ("target", offset(spec.exits.target)),
        ("trailing_stop", offset(spec.exits.trailing_stop)),
        ("direction", spec.direction.as_str().to_owned()),
    ];
    redis::pipe()
        .atomic()
        .hset_multiple(keys.strategy(row.id), &fields)
        .ignore()
        .hset_nx(keys.runtime(row.id), "position", Position::None.as_str())
        .ignore()
        .sadd(
            keys.symbol_strategies(spec.symbol.as_ref()),
            row.id.to_string(),
        )
        .ignore()
        .query_async::<()>(&mut conn)
        .await
        .map_err(rd)
}

/// Tells the stop-loss watcher that a strategy changed (it re-reads its book).
pub async fn notify_watcher(redis: &RedisStore, id: Uuid) -> Result<(), StoreError> {
    let mut conn = redis.conn().await?;
    let _: i64 = conn
        .publish(redis.keys().position_channel(), id.to_string())
        .await
        .map_err(rd)?;
    Ok(())
}

/// Marks a strategy stopped in Redis and takes it off its symbol's watch list.
pub async fn unload(redis: &RedisStore, id: Uuid, symbol: &str) -> Result<(), StoreError> {
    let keys = redis.keys();
    let mut conn = redis.conn().await?;
    redis::pipe()
        .atomic()
        .hset(keys.strategy(id), "status", "stopped")
        .ignore()
        .srem(keys.symbol_strategies(symbol), id.to_string())
        .ignore()
        .query_async::<()>(&mut conn)
        .await
        .map_err(rd)
}

/// Forgets a deleted strategy entirely.
pub async fn forget(redis: &RedisStore, id: Uuid, symbol: &str) -> Result<(), StoreError> {
    let keys = redis.keys();
    let mut conn = redis.conn().await?;
    redis::pipe()
        .del(keys.strategy(id))
        .ignore()
        .del(keys.runtime(id))
        .ignore()
        .srem(keys.symbol_strategies(symbol), id.to_string())
        .ignore()
        .query_async::<()>(&mut conn)
        .await
        .map_err(rd)
}

/// The runtime of one strategy (empty when it never ran).
pub async fn get(redis: &RedisStore, id: Uuid) -> Result<Runtime, StoreError> {
    let mut conn = redis.conn().await?;
    let map: HashMap<String, String> = conn.hgetall(redis.keys().runtime(id)).await.map_err(rd)?;
    Ok(parse_runtime(map))
}

/// The runtimes of many strategies in one round trip.
pub async fn get_many(redis: &RedisStore, ids: &[Uuid]) -> Result<Vec<Runtime>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = redis.conn().await?;
    let mut pipe = redis::pipe();
    for id in ids {
        pipe.hgetall(redis.keys().runtime(id));
    }
    let maps: Vec<HashMap<String, String>> = pipe.query_async(&mut conn).await.map_err(rd)?;
    Ok(maps.into_iter().map(parse_runtime).collect())
}

/// Rebuilds the cache from Postgres when it is missing (a flush, a replaced cache node, a first
/// start): every running strategy is loaded again with today's position as the order log says,
/// and the stop-loss watcher is told. Returns how many strategies were restored, `0` when the
/// cache was there.
pub async fn ensure(
    pg: &algo_store::postgres::PgPool,
    redis: &RedisStore,
    today: NaiveDate,
) -> Result<usize, StoreError> {
    let keys = redis.keys();
    let mut conn = redis.conn().await?;
    let built: bool = conn.exists(keys.cache_built()).await.map_err(rd)?;
    if built {
        return Ok(0);
    }
    let rows = algo_store::postgres::strategies::all_running(pg).await?;
    let cache = RedisRuntime::new(redis.clone());
    for row in &rows {
        load(redis, row).await?;
        let legs = algo_store::postgres::order_logs::day(pg, row.id, today).await?;
        let day = crate::executor::day_from_logs(&legs);
        let entry = legs.iter().find(|l| l.event == "BUY");
        let exit = legs
            .iter()
            .rev()
            .find(|l| l.event != "BUY" && l.broker_order_id.is_some());
        let update = RuntimeUpdate {
            position: day.position,
            trading_date: today,
            buy_order: entry.and_then(|l| l.broker_order_id.as_deref()),
            sell_order: exit.and_then(|l| l.broker_order_id.as_deref()),
            entry: entry.and_then(|l| {
                let (tradingsymbol, exchange) =
                    l.tradingsymbol.as_deref().zip(l.exchange.as_deref())?;
                Some(EntryFill {
                    tradingsymbol,
                    exchange,
                    average_paise: l.average_price_paise,
                })
            }),
        };
        cache.record(row.id, &update).await?;
    }
    let _: () = conn.set(keys.cache_built(), "1").await.map_err(rd)?;
    tracing::warn!(
        event_type = "cache_rebuilt",
        strategies = rows.len(),
        "runtime cache rebuilt from Postgres"
    );
    Ok(rows.len())
}

/// Keeps the cache built: checks every `every` until `shutdown`, and rebuilds it when missing.
pub async fn keep_built(
    pg: algo_store::postgres::PgPool,
    redis: RedisStore,
    clock: std::sync::Arc<dyn algo_core::Clock>,
    every: std::time::Duration,
    shutdown: tokio_util::sync::CancellationToken,
) {
    loop {
        let today = algo_core::TradingCalendar::trading_date(clock.now());
        if let Err(e) = ensure(&pg, &redis, today).await {
            tracing::warn!(error = %e, "runtime cache not checked; trying again");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
