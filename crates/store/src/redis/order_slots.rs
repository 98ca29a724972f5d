//! Send slots for one user's orders, shared by every process that sends them.
//!
//! Kite limits each user's orders (10 a second, 400 a minute) however many processes send them;
//! executor Lambda instances each pacing their own orders would together go over it and earn
//! 429s. Here each order *reserves* its send slot in Redis before it goes: the earliest instant
//! at which no window holds more than its limit, counting every slot already reserved for that
//! api_key by anyone. The caller then waits until its slot (so a burst of 10 goes at once and
//! the 11th a window later); reserving never waits and never refuses.
//!
//! `ratelimit:orders:{api_key}` is a list of the reserved slots (µs since the epoch, oldest
//! first, never decreasing), trimmed to the largest limit. A new slot is the latest of: now, the
//! last slot, and for each (window, max) the max-th latest slot plus the window. Slots never
//! decrease, so that bound keeps any window of that length to `max` slots. The reservation is
//! one Lua script (Redis runs it alone: concurrent reservations get distinct slots), loaded by
//! SHA (`EVALSHA`, `SCRIPT LOAD` once on `NOSCRIPT`): one round trip per order. "Now" is Redis's
//! `TIME`, so processes whose clocks disagree still agree on the slots. The key expires a
//! longest window after its last slot.

use std::sync::Arc;
use std::time::Duration;

use super::RedisStore;
use crate::StoreError;

/// KEYS[1]: the api_key's slot list. ARGV: pairs of (window µs, max). Answers `{slot, now}` in
/// µs of Redis's clock.
const RESERVE: &str = r"
local key = KEYS[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local slot = now
local last = redis.call('LINDEX', key, -1)
if last then
  slot = math.max(slot, tonumber(last))
end
local keep = 1
local longest = 0
for i = 1, #ARGV, 2 do
  local window = tonumber(ARGV[i])
  local max = tonumber(ARGV[i + 1])
  local nth = redis.call('LINDEX', key, -max)
  if nth then
    slot = math.max(slot, tonumber(nth) + window)
  end
  keep = math.max(keep, max)
  longest = math.max(longest, window)
end
redis.call('RPUSH', key, string.format('%.0f', slot))
redis.call('LTRIM', key, -keep, -1)
redis.call('PEXPIRE', key, string.format('%.0f', math.ceil((slot - now + longest) / 1000)))
return { slot, now }
";

/// A reserved slot, on Redis's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// When the order may go (µs since the epoch).
    pub at_us: i64,
    /// Redis's time when it was reserved (µs since the epoch).
    pub reserved_us: i64,
}

impl Slot {
    /// How long after the reservation the order may go.
    pub fn wait(&self) -> Duration {
        Duration::from_micros(u64::try_from(self.at_us - self.reserved_us).unwrap_or(0))
    }
}

/// Reserves send slots under `limits` ((window, most in any such window), e.g. Kite's
/// 10 a second and 400 a minute). Cheap to clone.
#[derive(Clone)]
pub struct OrderSlots {
    redis: RedisStore,
    script: Arc<redis::Script>,
    /// (window µs, max) pairs, the script's ARGV.
    limits: Arc<[(i64, u32)]>,
}

impl std::fmt::Debug for OrderSlots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderSlots")
            .field("redis", &self.redis)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl OrderSlots {
    /// Slots under `limits`; a limit of 0 counts as 1.
    pub fn new(redis: RedisStore, limits: &[(Duration, u32)]) -> Self {
        Self {
            redis,
            script: Arc::new(redis::Script::new(RESERVE)),
            limits: limits
                .iter()
                .map(|(window, max)| {
                    (
                        i64::try_from(window.as_micros()).unwrap_or(i64::MAX),
                        (*max).max(1),
                    )
                })
                .collect(),
        }
    }

    /// Reserves `api_key`'s next slot: one round trip, within the store's timeout.
    pub async fn reserve(&self, api_key: &str) -> Result<Slot, StoreError> {
        let mut conn = self.redis.conn().await?;
        let mut invocation = self.script.key(self.redis.keys().order_slots(api_key));
        for (window, max) in self.limits.iter() {
            invocation.arg(*window).arg(*max);
        }
        let (at_us, reserved_us): (i64, i64) = invocation
            .invoke_async(&mut conn)
            .await
            .map_err(|e| StoreError::RedisDown(e.to_string()))?;
        Ok(Slot { at_us, reserved_us })
    }
}
