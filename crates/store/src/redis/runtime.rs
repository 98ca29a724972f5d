//! [`RuntimeCache`] on Redis: the hash `runtime:{id}`, and a message on the position channel
//! after each write so the stop-loss watcher re-reads its book.

use std::collections::HashMap;

use algo_core::Position;
use async_trait::async_trait;
use chrono::NaiveDate;
use redis::AsyncCommands;
use uuid::Uuid;

use super::RedisStore;
use crate::ports::{Runtime, RuntimeCache, RuntimeUpdate};
use crate::StoreError;

fn down(e: redis::RedisError) -> StoreError {
    StoreError::RedisDown(e.to_string())
}

/// Reads a `runtime:{id}` hash; missing or unreadable fields are left at their defaults.
pub fn parse_runtime(map: HashMap<String, String>) -> Runtime {
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
        entry_price_paise: map.get("entry_price").and_then(|p| p.parse().ok()),
        trail_stop_paise: map.get("trail_stop").and_then(|p| p.parse().ok()),
    }
}

/// The runtime hashes under the store's prefix.
#[derive(Clone)]
pub struct RedisRuntime {
    redis: RedisStore,
}

impl RedisRuntime {
    pub fn new(redis: RedisStore) -> Self {
        Self { redis }
    }
}

#[async_trait]
impl RuntimeCache for RedisRuntime {
    async fn record(
        &self,
        strategy_id: Uuid,
        update: &RuntimeUpdate<'_>,
    ) -> Result<(), StoreError> {
        let keys = self.redis.keys();
        let mut fields: Vec<(&str, String)> = vec![
            ("position", update.position.as_str().to_owned()),
            (
                "trading_date",
                update.trading_date.format("%Y-%m-%d").to_string(),
            ),
        ];
        if let Some(id) = update.buy_order {
            fields.push(("last_buy_order", id.to_owned()));
        }
        if let Some(id) = update.sell_order {
            fields.push(("last_sell_order", id.to_owned()));
        }
        if let Some(entry) = update.entry {
            fields.push(("position_symbol", entry.tradingsymbol.to_owned()));
            fields.push(("position_exchange", entry.exchange.to_owned()));
            if let Some(price) = entry.average_paise {
                fields.push(("entry_price", price.to_string()));
            }
        }
        let mut conn = self.redis.conn().await?;
        let mut pipe = redis::pipe();
        if update.position == Position::Buying {
            // The last entry's price and the feed worker's trailing high go with it.
            pipe.hdel(
                keys.runtime(strategy_id),
                &["entry_price", "trail_high", "trail_stop"],
            )
            .ignore();
        }
        pipe.hset_multiple(keys.runtime(strategy_id), &fields)
            .ignore()
            .publish(keys.position_channel(), strategy_id.to_string())
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(down)
    }

    async fn get(&self, strategy_id: Uuid) -> Result<Runtime, StoreError> {
        let mut conn = self.redis.conn().await?;
        let map: HashMap<String, String> = conn
            .hgetall(self.redis.keys().runtime(strategy_id))
            .await
            .map_err(down)?;
        Ok(parse_runtime(map))
    }
}
