//! How often one email and one source address may try a password (login) or probe for a
//! registered email (register), with exponential back-off.
//!
//! Each counter (`login:email:{email}`, `login:source:{bucket}`) is a Redis hash of `n` (the
//! attempts counted), `until` (no attempt before this instant) and `seen` (the last attempt).
//! An attempt is counted **before** the password is checked, and the check and the count are
//! one Lua script: Redis runs a script alone, so of 50 concurrent guesses exactly the first
//! [`FREE_PER_EMAIL`] are let through to argon2, whichever process (Lambda instance) they
//! reach. A Postgres upsert would be as atomic, but costs a database round trip per attempt
//! on the path a flood takes; a `GET` then `INCR` (what this replaced) is not atomic at all.
//!
//! The `n`-th attempt from [`FREE_PER_EMAIL`] on (or [`FREE_PER_SOURCE`] for a source) makes the
//! next one wait [`BACKOFF_BASE`] × 2^(n − free), at most [`BACKOFF_CAP`]; a counter nobody
//! touches for [`FORGET_AFTER`] starts again from zero. An attempt that turns out not to be a
//! failed guess (the right password, a new account) is [`forgiven`](forgive): its count is
//! taken back, so only failures accumulate. Because a back-off always ends, the owner of an
//! email an attacker is hammering signs in at most [`BACKOFF_CAP`] after the attacker stops;
//! there is no indefinite lock.
//!
//! Instants come from the API's injected clock, not Redis's, so tests move through back-offs
//! without sleeping; Redis's own expiry only collects counters long forgotten.

use std::time::Duration;

use algo_store::redis::RedisStore;
use algo_store::StoreError;
use chrono::{DateTime, Utc};

/// Attempts per email before the back-off starts.
pub const FREE_PER_EMAIL: u32 = 5;
/// Attempts per source address before its back-off starts: more than per email, since a
/// family behind one router shares an address.
pub const FREE_PER_SOURCE: u32 = 10;
/// The first wait; each further attempt doubles it.
pub const BACKOFF_BASE: Duration = Duration::from_secs(30);
/// The longest wait.
pub const BACKOFF_CAP: Duration = Duration::from_secs(15 * 60);
/// A counter with no attempt for this long starts from zero again.
pub const FORGET_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// ARGV: now, base, cap, forget (ms), then each key's free attempts. Answers `{0, until
/// before, until after, …}` (two per key) and counts the attempt on every key, or `{ms to
/// wait}` and counts nothing.
const BEGIN: &str = r"
local now = tonumber(ARGV[1])
local base = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local forget = tonumber(ARGV[4])
local counts = {}
local wait = 0
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'n', 'until', 'seen')
  local n = tonumber(v[1]) or 0
  local untl = tonumber(v[2]) or 0
  local seen = tonumber(v[3]) or 0
  if now - seen > forget then
    n = 0
    untl = 0
  end
  if untl - now > wait then
    wait = untl - now
  end
  counts[i] = { n, untl }
end
if wait > 0 then
  return { wait }
end
local out = { 0 }
for i, key in ipairs(KEYS) do
  local n = counts[i][1] + 1
  local before = counts[i][2]
  local untl = before
  local free = tonumber(ARGV[4 + i])
  if n >= free then
    untl = now + math.min(cap, base * 2 ^ (n - free))
  end
  redis.call('HSET', key, 'n', string.format('%.0f', n), 'until', string.format('%.0f', untl),
    'seen', string.format('%.0f', now))
  redis.call('PEXPIRE', key, string.format('%.0f', forget))
  table.insert(out, before)
  table.insert(out, untl)
end
return out
";

/// ARGV: per key its free attempts, the until before and after the attempt. Takes the attempt
/// back from each key, and the wait it started with it if no later attempt moved it; below the
/// free attempts there is nothing to wait for.
const FORGIVE: &str = r"
for i, key in ipairs(KEYS) do
  local free = tonumber(ARGV[3 * i - 2])
  local v = redis.call('HMGET', key, 'n', 'until')
  local n = tonumber(v[1])
  if n and n > 0 then
    n = n - 1
    local untl = v[2]
    if untl == ARGV[3 * i] then
      untl = ARGV[3 * i - 1]
    end
    if n < free then
      untl = '0'
    end
    redis.call('HSET', key, 'n', n, 'until', untl)
  end
end
return 0
";

/// Who is trying: the email (login only) and the source address's bucket.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub email: Option<&'a str>,
    pub source: &'a str,
}

/// An attempt that was counted; [`forgive`] it when it was not a failed guess.
#[derive(Debug)]
#[must_use = "forgive an attempt that was not a failed guess"]
pub struct Attempt {
    keys: Vec<String>,
    free: Vec<u32>,
    /// Per key, `until` before and after this attempt (ms since the epoch).
    untils: Vec<(i64, i64)>,
}

/// Counts one attempt for `subject` at `now`, or answers how long it must wait (and counts
/// nothing) when any of its counters is backing off.
pub async fn begin(
    redis: &RedisStore,
    subject: Subject<'_>,
    now: DateTime<Utc>,
) -> Result<Result<Attempt, Duration>, StoreError> {
    let prefix = redis.keys().prefix();
    let mut keys = Vec::with_capacity(2);
    let mut free = Vec::with_capacity(2);
    if let Some(email) = subject.email {
        keys.push(format!("{prefix}login:email:{email}"));
        free.push(FREE_PER_EMAIL);
    }
    keys.push(format!("{prefix}login:source:{}", subject.source));
    free.push(FREE_PER_SOURCE);
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let script = redis::Script::new(BEGIN);
    let mut invocation = script.prepare_invoke();
    for key in &keys {
        invocation.key(key);
    }
    invocation
        .arg(now.timestamp_millis())
        .arg(ms(BACKOFF_BASE))
        .arg(ms(BACKOFF_CAP))
        .arg(ms(FORGET_AFTER));
    for f in &free {
        invocation.arg(*f);
    }
    let mut conn = redis.conn().await?;
    let answer: Vec<i64> = invocation
        .invoke_async(&mut conn)
        .await
        .map_err(|e| StoreError::RedisDown(e.to_string()))?;
    match answer.split_first() {
        Some((&wait_ms, _)) if wait_ms > 0 => {
            Ok(Err(Duration::from_millis(wait_ms.unsigned_abs())))
        }
        Some((_, untils)) if untils.len() == 2 * keys.len() => {
            let untils = untils.chunks(2).map(|c| (c[0], c[1])).collect();
            Ok(Ok(Attempt { keys, free, untils }))
        }
        _ => Err(StoreError::RedisDown(format!(
            "login limit script answered {answer:?}"
        ))),
    }
}

/// Takes `attempt` back: it was the right password, or made an account. The wait it started
/// (if any) goes too, so a success never lengthens a back-off.
pub async fn forgive(redis: &RedisStore, attempt: Attempt) -> Result<(), StoreError> {
    let script = redis::Script::new(FORGIVE);
    let mut invocation = script.prepare_invoke();
    for key in &attempt.keys {
        invocation.key(key);
    }
    for (free, (before, after)) in attempt.free.iter().zip(&attempt.untils) {
        invocation.arg(*free).arg(*before).arg(*after);
    }
    let mut conn = redis.conn().await?;
    let _: i64 = invocation
        .invoke_async(&mut conn)
        .await
        .map_err(|e| StoreError::RedisDown(e.to_string()))?;
    Ok(())
}

/// Whole seconds to tell a client to wait (`Retry-After`), rounded up.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}
