//! [`StrategyLocks`] on Redis: `SET key token NX PX`, extended and released by a script that
//! checks the token first, so a holder whose lock ran out cannot touch its successor's.

use std::time::Duration;

use async_trait::async_trait;
use uuid::Uuid;

use super::RedisStore;
use crate::ports::StrategyLocks;
use crate::StoreError;

fn down(e: redis::RedisError) -> StoreError {
    StoreError::RedisDown(e.to_string())
}

fn millis(hold: Duration) -> u64 {
    u64::try_from(hold.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// The strategy locks under the store's prefix (`…runtime:{id}:lock`).
#[derive(Clone)]
pub struct RedisLocks {
    redis: RedisStore,
}

impl RedisLocks {
    pub fn new(redis: RedisStore) -> Self {
        Self { redis }
    }
}

#[async_trait]
impl StrategyLocks for RedisLocks {
    async fn try_lock(
        &self,
        strategy_id: Uuid,
        hold: Duration,
    ) -> Result<Option<String>, StoreError> {
        let token = Uuid::new_v4().to_string();
        let mut conn = self.redis.conn().await?;
        let ok: Option<String> = redis::cmd("SET")
            .arg(self.redis.keys().lock(strategy_id))
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(millis(hold))
            .query_async(&mut conn)
            .await
            .map_err(down)?;
        Ok(ok.map(|_| token))
    }

    async fn extend(
        &self,
        strategy_id: Uuid,
        token: &str,
        hold: Duration,
    ) -> Result<bool, StoreError> {
        let mut conn = self.redis.conn().await?;
        let script = redis::Script::new(
            r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
        );
        let extended: i32 = script
            .key(self.redis.keys().lock(strategy_id))
            .arg(token)
            .arg(millis(hold))
            .invoke_async(&mut conn)
            .await
            .map_err(down)?;
        Ok(extended == 1)
    }

    async fn unlock(&self, strategy_id: Uuid, token: &str) -> Result<(), StoreError> {
        let mut conn = self.redis.conn().await?;
        let script = redis::Script::new(
            r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        );
        let _: i32 = script
            .key(self.redis.keys().lock(strategy_id))
            .arg(token)
            .invoke_async(&mut conn)
            .await
            .map_err(down)?;
        Ok(())
    }

    async fn clear_all(&self) -> Result<usize, StoreError> {
        let locks = self
            .redis
            .scan_keys(&format!("{}runtime:*:lock", self.redis.keys().prefix()))
            .await?;
        if !locks.is_empty() {
            let mut conn = self.redis.conn().await?;
            let _: () = redis::cmd("DEL")
                .arg(&locks)
                .query_async(&mut conn)
                .await
                .map_err(down)?;
        }
        Ok(locks.len())
    }
}
