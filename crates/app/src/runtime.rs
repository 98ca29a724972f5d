//! A running strategy's runtime state in Redis (`strategy:{id}`, `runtime:{id}`,
//! `symbol:{symbol}:strategies`). Postgres stays the record; this is rebuilt from it.

use std::collections::HashMap;

use algo_core::Position;
use algo_store::postgres::strategies::StrategyRow;
use algo_store::redis::RedisStore;
use algo_store::StoreError;
use chrono::NaiveDate;
use redis::AsyncCommands;
use uuid::Uuid;

/// What the status endpoint shows of a strategy's day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runtime {
    pub position: Position,
    pub trading_date: Option<NaiveDate>,
    pub last_price_paise: Option<i64>,
    pub last_buy_order: Option<String>,
    pub last_sell_order: Option<String>,
}

fn rd(e: redis::RedisError) -> StoreError {
    StoreError::RedisDown(e.to_string())
}

/// Loads a strategy that starts running; keeps today's runtime if it already has one.
pub async fn load(redis: &RedisStore, row: &StrategyRow) -> Result<(), StoreError> {
    let keys = redis.keys();
    let mut conn = redis.conn().await?;
    let spec = &row.spec;
    let fields: [(&str, String); 9] = [
        ("symbol", spec.symbol.to_string()),
        ("exchange", spec.exchange.as_str().to_owned()),
        ("buy_time", spec.buy_time.format("%H:%M:%S").to_string()),
        ("sell_time", spec.sell_time.format("%H:%M:%S").to_string()),
        ("stop_loss", spec.stop_loss.paise().to_string()),
        ("quantity", spec.quantity.to_string()),
        ("product", spec.product.as_str().to_owned()),
        ("status", "running".to_owned()),
        ("user_id", row.user_id.to_string()),
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

fn parse(map: HashMap<String, String>) -> Runtime {
    Runtime {
        position: map
            .get("position")
            .and_then(|p| Position::parse(p))
            .unwrap_or_default(),
        trading_date: map
            .get("trading_date")
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        last_price_paise: map.get("last_price").and_then(|p| p.parse().ok()),
        last_buy_order: map.get("last_buy_order").cloned(),
        last_sell_order: map.get("last_sell_order").cloned(),
    }
}

/// The runtime of one strategy (empty when it never ran).
pub async fn get(redis: &RedisStore, id: Uuid) -> Result<Runtime, StoreError> {
    let mut conn = redis.conn().await?;
    let map: HashMap<String, String> = conn.hgetall(redis.keys().runtime(id)).await.map_err(rd)?;
    Ok(parse(map))
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
    Ok(maps.into_iter().map(parse).collect())
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
    for row in &rows {
        load(redis, row).await?;
        let legs = algo_store::postgres::order_logs::day(pg, row.id, today).await?;
        let day = crate::executor::day_from_logs(&legs);
        let mut fields: Vec<(&str, String)> = vec![
            ("position", day.position.as_str().to_owned()),
            ("trading_date", today.format("%Y-%m-%d").to_string()),
        ];
        for leg in &legs {
            let field = if leg.event == "BUY" {
                "last_buy_order"
            } else {
                "last_sell_order"
            };
            if let Some(id) = &leg.broker_order_id {
                fields.push((field, id.clone()));
            }
            if leg.event == "BUY" {
                if let (Some(symbol), Some(exchange)) = (&leg.tradingsymbol, &leg.exchange) {
                    fields.push(("position_symbol", symbol.clone()));
                    fields.push(("position_exchange", exchange.clone()));
                }
            }
        }
        redis::pipe()
            .hset_multiple(keys.runtime(row.id), &fields)
            .ignore()
            .publish(keys.position_channel(), row.id.to_string())
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(rd)?;
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
