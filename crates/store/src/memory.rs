//! In-memory fakes of the ports, for tests that need no database: each keeps the same
//! contract as its real adapters (the suites in `tests/contract/` run against both), so a test
//! on a fake says something about the system.
//!
//! - [`MemoryOrderLog`]: the order log ([`OrderLog`]).
//! - [`MemoryLedger`]: the idempotency ledger ([`Ledger`]), leases on the monotonic clock.
//! - [`MemoryLocks`]: strategy locks ([`StrategyLocks`]).
//! - [`MemoryBrokerKeys`]: sealed broker credentials ([`BrokerKeys`]).
//! - [`MemoryRuntime`]: the runtime cache ([`RuntimeCache`]).
//! - [`MemoryStrategies`]: strategies as the order path reads them ([`StrategyRepo`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use algo_core::{LedgerKey, Position};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::ports::{
    BrokerKeys, BrokerKeysRow, Claim, Final, Ledger, LedgerRecord, LedgerState, LegRow,
    NewOrderLog, OrderLog, Runtime, RuntimeCache, RuntimeUpdate, Status, StoredNotice,
    StrategyLocks, StrategyRepo, StrategyRow,
};
use crate::StoreError;

/// A leg and the order it was begun in.
#[derive(Debug, Clone)]
struct Stored {
    seq: u64,
    leg: LegRow,
}

/// The order log in memory, with the notices its final statuses wrote.
#[derive(Debug, Default)]
pub struct MemoryOrderLog {
    rows: Mutex<(u64, HashMap<String, Stored>)>,
    notices: Mutex<Vec<StoredNotice>>,
}

impl MemoryOrderLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every notice written so far, oldest first.
    pub fn all_notices(&self) -> Vec<StoredNotice> {
        self.notices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn insert(&self, log: &NewOrderLog<'_>, status: &str) {
        let mut guard = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        let (seq, rows) = &mut *guard;
        if rows.contains_key(log.ledger_key) {
            return;
        }
        *seq += 1;
        rows.insert(
            log.ledger_key.to_owned(),
            Stored {
                seq: *seq,
                leg: LegRow {
                    strategy_id: log.strategy_id,
                    user_id: log.user_id,
                    event: log.event.to_owned(),
                    trading_date: log.trading_date,
                    ledger_key: log.ledger_key.to_owned(),
                    broker_tag: log.broker_tag.to_owned(),
                    broker_order_id: None,
                    status: status.to_owned(),
                    quantity: log.quantity,
                    filled_quantity: None,
                    average_price_paise: None,
                    tradingsymbol: Some(log.tradingsymbol.to_owned()),
                    exchange: Some(log.exchange.to_owned()),
                    product: Some(log.product.to_owned()),
                    scheduled_for: log.scheduled_for,
                    modifications: 0,
                    side: log.side,
                },
            },
        );
    }

    /// Changes the leg of `ledger_key` if it is not final yet; whether it did.
    fn update_open(&self, ledger_key: &str, change: impl FnOnce(&mut LegRow)) -> bool {
        let mut guard = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        match guard.1.get_mut(ledger_key) {
            Some(stored) if stored.leg.is_open() => {
                change(&mut stored.leg);
                true
            }
            _ => false,
        }
    }

    fn select(&self, keep: impl Fn(&LegRow) -> bool) -> Vec<Stored> {
        let guard = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        let mut found: Vec<Stored> = guard.1.values().filter(|s| keep(&s.leg)).cloned().collect();
        found.sort_by_key(|s| s.seq);
        found
    }
}

#[async_trait]
impl OrderLog for MemoryOrderLog {
    async fn begin(&self, log: &NewOrderLog<'_>) -> Result<(), StoreError> {
        self.insert(log, "SENDING");
        Ok(())
    }

    async fn missed(&self, log: &NewOrderLog<'_>, _reason: &str) -> Result<(), StoreError> {
        self.insert(log, "MISSED");
        Ok(())
    }

    async fn placed(
        &self,
        ledger_key: &str,
        broker_order_id: &str,
        _placed_at: DateTime<Utc>,
        _latency_ms: i32,
    ) -> Result<(), StoreError> {
        self.update_open(ledger_key, |leg| {
            leg.status = "PLACED".into();
            leg.broker_order_id = Some(broker_order_id.to_owned());
        });
        Ok(())
    }

    async fn finish(&self, ledger_key: &str, last: &Final<'_>) -> Result<(), StoreError> {
        // The row lock is held while the notice is added: one write, as in one transaction.
        let mut notices = self.notices.lock().unwrap_or_else(|p| p.into_inner());
        let finished = self.update_open(ledger_key, |leg| {
            leg.status = last.status.to_owned();
            leg.filled_quantity = last.filled_quantity;
            if last.average_price_paise.is_some() {
                leg.average_price_paise = last.average_price_paise;
            }
        });
        if let (true, Some(n)) = (finished, last.notice) {
            if !notices
                .iter()
                .any(|o| o.source_key == n.source_key && o.kind == n.kind)
            {
                notices.push(StoredNotice {
                    user_id: n.user_id,
                    strategy_id: n.strategy_id,
                    kind: n.kind.to_owned(),
                    source_key: n.source_key.to_owned(),
                    title: n.title.to_owned(),
                    body: n.body.to_owned(),
                    data: n.data.clone(),
                });
            }
        }
        Ok(())
    }

    async fn note(&self, n: &crate::ports::NewNotification<'_>) -> Result<bool, StoreError> {
        let mut notices = self.notices.lock().unwrap_or_else(|p| p.into_inner());
        if notices
            .iter()
            .any(|o| o.source_key == n.source_key && o.kind == n.kind)
        {
            return Ok(false);
        }
        notices.push(StoredNotice {
            user_id: n.user_id,
            strategy_id: n.strategy_id,
            kind: n.kind.to_owned(),
            source_key: n.source_key.to_owned(),
            title: n.title.to_owned(),
            body: n.body.to_owned(),
            data: n.data.clone(),
        });
        Ok(true)
    }

    async fn notices(&self, user_id: Uuid) -> Result<Vec<StoredNotice>, StoreError> {
        Ok(self
            .all_notices()
            .into_iter()
            .filter(|n| n.user_id == user_id)
            .collect())
    }

    async fn day(
        &self,
        strategy_id: Uuid,
        trading_date: NaiveDate,
    ) -> Result<Vec<LegRow>, StoreError> {
        let mut legs =
            self.select(|l| l.strategy_id == strategy_id && l.trading_date == trading_date);
        // Entry first, then as begun (stable).
        legs.sort_by_key(|s| s.leg.event != "BUY");
        Ok(legs.into_iter().map(|s| s.leg).collect())
    }

    async fn by_broker_order(&self, broker_order_id: &str) -> Result<Option<LegRow>, StoreError> {
        Ok(self
            .select(|l| l.broker_order_id.as_deref() == Some(broker_order_id))
            .into_iter()
            .next()
            .map(|s| s.leg))
    }

    async fn placed_not_final(&self, up_to: NaiveDate) -> Result<Vec<LegRow>, StoreError> {
        Ok(self
            .select(|l| {
                l.status == "PLACED" && l.broker_order_id.is_some() && l.trading_date <= up_to
            })
            .into_iter()
            .take(500)
            .map(|s| s.leg)
            .collect())
    }

    async fn adopt_guard(
        &self,
        guard_key: &str,
        exit_key: &str,
        event: &str,
        scheduled_for: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut guard = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        let rows = &mut guard.1;
        let takes = rows
            .get(guard_key)
            .is_some_and(|s| s.leg.status == "PLACED" && s.leg.event == "GUARD")
            && !rows.contains_key(exit_key);
        if !takes {
            return Ok(false);
        }
        let mut stored = rows.remove(guard_key).expect("checked above");
        stored.leg.ledger_key = exit_key.to_owned();
        stored.leg.event = event.to_owned();
        stored.leg.scheduled_for = scheduled_for;
        rows.insert(exit_key.to_owned(), stored);
        Ok(true)
    }

    async fn modified(&self, ledger_key: &str) -> Result<(), StoreError> {
        let mut guard = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(stored) = guard.1.get_mut(ledger_key) {
            stored.leg.modifications += 1;
        }
        Ok(())
    }

    async fn take_modification(&self, ledger_key: &str, seen: i32) -> Result<bool, StoreError> {
        let mut guard = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        match guard.1.get_mut(ledger_key) {
            Some(stored) if stored.leg.modifications == seen => {
                stored.leg.modifications += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn give_back_modification(&self, ledger_key: &str) -> Result<(), StoreError> {
        let mut guard = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(stored) = guard.1.get_mut(ledger_key) {
            stored.leg.modifications = (stored.leg.modifications - 1).max(0);
        }
        Ok(())
    }

    async fn unguarded(&self, trading_date: NaiveDate) -> Result<Vec<LegRow>, StoreError> {
        let day = self.select(|l| l.trading_date == trading_date);
        let covered = |strategy_id: Uuid| {
            day.iter().any(|s| {
                s.leg.strategy_id == strategy_id
                    && s.leg.event != "BUY"
                    && !(s.leg.event == "GUARD" && s.leg.status == "SENDING")
            })
        };
        Ok(day
            .iter()
            .filter(|s| {
                s.leg.event == "BUY"
                    && s.leg.filled_quantity.unwrap_or(0) > 0
                    && !s.leg.is_open()
                    && s.leg.status != "MISSED"
                    && s.leg.status != "FAILED"
                    && !covered(s.leg.strategy_id)
            })
            .take(500)
            .map(|s| s.leg.clone())
            .collect())
    }
}

#[derive(Debug, Clone)]
struct Entry {
    state: LedgerState,
    owner: String,
    lease_until: Instant,
    result: Option<serde_json::Value>,
}

/// The idempotency ledger in memory.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    keys: Mutex<HashMap<String, Entry>>,
}

impl MemoryLedger {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Entry>) -> T) -> T {
        f(&mut self.keys.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

fn live_owner(entry: &Entry, owner: &str) -> bool {
    entry.state == LedgerState::InProgress && entry.owner == owner
}

#[async_trait]
impl Ledger for MemoryLedger {
    async fn claim(
        &self,
        key: &LedgerKey,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let now = Instant::now();
        Ok(self.with(|keys| match keys.get_mut(key.as_ref()) {
            None => {
                keys.insert(
                    key.as_ref().to_owned(),
                    Entry {
                        state: LedgerState::InProgress,
                        owner: owner.to_owned(),
                        lease_until: now + lease,
                        result: None,
                    },
                );
                Claim::Acquired { resumed: false }
            }
            Some(e) if e.state == LedgerState::Completed => Claim::Completed(e.result.clone()),
            Some(e) if e.lease_until < now => {
                e.owner = owner.to_owned();
                e.lease_until = now + lease;
                Claim::Acquired { resumed: true }
            }
            Some(_) => Claim::Busy,
        }))
    }

    async fn complete(
        &self,
        key: &LedgerKey,
        owner: &str,
        result: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        Ok(self.with(|keys| match keys.get_mut(key.as_ref()) {
            Some(e) if live_owner(e, owner) => {
                e.state = LedgerState::Completed;
                e.result = Some(result.clone());
                true
            }
            _ => false,
        }))
    }

    async fn renew(
        &self,
        key: &LedgerKey,
        owner: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        Ok(self.with(|keys| match keys.get_mut(key.as_ref()) {
            Some(e) if live_owner(e, owner) => {
                e.lease_until = Instant::now() + lease;
                true
            }
            _ => false,
        }))
    }

    async fn fence_others(&self, live: &str) -> Result<u64, StoreError> {
        let now = Instant::now();
        Ok(self.with(|keys| {
            let mut fenced = 0;
            for e in keys.values_mut() {
                if e.state == LedgerState::InProgress
                    && e.lease_until > now
                    && !e.owner.starts_with(live)
                {
                    e.lease_until = now;
                    fenced += 1;
                }
            }
            fenced
        }))
    }

    async fn release(&self, key: &LedgerKey, owner: &str) -> Result<(), StoreError> {
        self.with(|keys| {
            if keys.get(key.as_ref()).is_some_and(|e| live_owner(e, owner)) {
                keys.remove(key.as_ref());
            }
        });
        Ok(())
    }

    async fn get(&self, key: &LedgerKey) -> Result<Option<LedgerRecord>, StoreError> {
        Ok(self.with(|keys| {
            keys.get(key.as_ref()).map(|e| LedgerRecord {
                state: e.state,
                owner: e.owner.clone(),
                result: e.result.clone(),
            })
        }))
    }
}

/// Strategy locks in memory: a token and the instant its hold runs out.
#[derive(Debug, Default)]
pub struct MemoryLocks {
    held: Mutex<HashMap<Uuid, (String, Instant)>>,
}

impl MemoryLocks {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<Uuid, (String, Instant)>) -> T) -> T {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        held.retain(|_, (_, until)| *until > now);
        f(&mut held)
    }
}

#[async_trait]
impl StrategyLocks for MemoryLocks {
    async fn try_lock(
        &self,
        strategy_id: Uuid,
        hold: Duration,
    ) -> Result<Option<String>, StoreError> {
        Ok(self.with(|held| {
            if held.contains_key(&strategy_id) {
                return None;
            }
            let token = Uuid::new_v4().to_string();
            held.insert(strategy_id, (token.clone(), Instant::now() + hold));
            Some(token)
        }))
    }

    async fn extend(
        &self,
        strategy_id: Uuid,
        token: &str,
        hold: Duration,
    ) -> Result<bool, StoreError> {
        Ok(self.with(|held| match held.get_mut(&strategy_id) {
            Some((t, until)) if t == token => {
                *until = Instant::now() + hold;
                true
            }
            _ => false,
        }))
    }

    async fn unlock(&self, strategy_id: Uuid, token: &str) -> Result<(), StoreError> {
        self.with(|held| {
            if held.get(&strategy_id).is_some_and(|(t, _)| t == token) {
                held.remove(&strategy_id);
            }
        });
        Ok(())
    }

    async fn clear_all(&self) -> Result<usize, StoreError> {
        Ok(self.with(|held| {
            let n = held.len();
            held.clear();
            n
        }))
    }
}

/// Strategies in memory; a test puts them in with [`MemoryStrategies::put`].
#[derive(Debug, Default)]
pub struct MemoryStrategies {
    rows: Mutex<HashMap<Uuid, StrategyRow>>,
}

impl MemoryStrategies {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a strategy.
    pub fn put(&self, row: StrategyRow) {
        self.rows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(row.id, row);
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<Uuid, StrategyRow>) -> T) -> T {
        f(&mut self.rows.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait]
impl StrategyRepo for MemoryStrategies {
    async fn get(&self, id: Uuid) -> Result<Option<StrategyRow>, StoreError> {
        Ok(self.with(|rows| rows.get(&id).cloned()))
    }

    async fn status_of(&self, id: Uuid) -> Result<Option<Status>, StoreError> {
        Ok(self.with(|rows| rows.get(&id).map(|r| r.status)))
    }

    async fn fail(&self, id: Uuid, reason: &str) -> Result<(), StoreError> {
        self.with(|rows| {
            if let Some(row) = rows.get_mut(&id) {
                row.status = Status::Failed;
                row.failure_reason = Some(reason.to_owned());
                row.updated_at = Utc::now();
            }
        });
        Ok(())
    }

    async fn all_running(&self) -> Result<Vec<StrategyRow>, StoreError> {
        Ok(self.with(|rows| {
            rows.values()
                .filter(|r| r.status == Status::Running)
                .cloned()
                .collect()
        }))
    }
}

/// The runtime cache in memory.
#[derive(Debug, Default)]
pub struct MemoryRuntime {
    runtimes: Mutex<HashMap<Uuid, Runtime>>,
}

impl MemoryRuntime {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl RuntimeCache for MemoryRuntime {
    async fn record(
        &self,
        strategy_id: Uuid,
        update: &RuntimeUpdate<'_>,
    ) -> Result<(), StoreError> {
        let mut runtimes = self.runtimes.lock().unwrap_or_else(|p| p.into_inner());
        let runtime = runtimes.entry(strategy_id).or_default();
        runtime.position = update.position;
        runtime.trading_date = Some(update.trading_date);
        if let Some(id) = update.buy_order {
            runtime.last_buy_order = Some(id.to_owned());
        }
        if let Some(id) = update.sell_order {
            runtime.last_sell_order = Some(id.to_owned());
        }
        if update.position == Position::Buying {
            runtime.entry_price_paise = None;
        }
        if let Some(price) = update.entry.and_then(|e| e.average_paise) {
            runtime.entry_price_paise = Some(price);
        }
        Ok(())
    }

    async fn get(&self, strategy_id: Uuid) -> Result<Runtime, StoreError> {
        Ok(self
            .runtimes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&strategy_id)
            .cloned()
            .unwrap_or_default())
    }
}

/// Sealed broker credentials in memory.
#[derive(Debug, Default)]
pub struct MemoryBrokerKeys {
    rows: Mutex<HashMap<Uuid, BrokerKeysRow>>,
}

impl MemoryBrokerKeys {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl BrokerKeys for MemoryBrokerKeys {
    async fn get(&self, user_id: Uuid) -> Result<Option<BrokerKeysRow>, StoreError> {
        Ok(self
            .rows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&user_id)
            .cloned())
    }

    async fn save(&self, row: &BrokerKeysRow) -> Result<(), StoreError> {
        self.rows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(row.user_id, row.clone());
        Ok(())
    }

    async fn mark_expired(&self, user_id: Uuid, reason: &str) -> Result<(), StoreError> {
        if let Some(row) = self
            .rows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(&user_id)
        {
            row.status = "expired".into();
            row.status_reason = Some(reason.to_owned());
            row.updated_at = Utc::now();
        }
        Ok(())
    }
}

/// The paper book in memory: orders in the order they were written.
#[derive(Debug, Default)]
pub struct MemoryPaperBook {
    orders: Mutex<Vec<crate::ports::PaperOrder>>,
}

impl MemoryPaperBook {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl crate::ports::PaperBook for MemoryPaperBook {
    async fn insert(&self, order: &crate::ports::PaperOrder) -> Result<(), StoreError> {
        let mut orders = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        let taken = orders.iter().any(|o| {
            o.order_id == order.order_id
                || (o.user_id == order.user_id && o.tag.is_some() && o.tag == order.tag)
        });
        if !taken {
            orders.push(order.clone());
        }
        Ok(())
    }

    async fn get(
        &self,
        user_id: Uuid,
        order_id: &str,
    ) -> Result<Option<crate::ports::PaperOrder>, StoreError> {
        let orders = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        Ok(orders
            .iter()
            .find(|o| o.user_id == user_id && o.order_id == order_id)
            .cloned())
    }

    async fn by_tag(
        &self,
        user_id: Uuid,
        tag: &str,
    ) -> Result<Option<crate::ports::PaperOrder>, StoreError> {
        let orders = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        Ok(orders
            .iter()
            .find(|o| o.user_id == user_id && o.tag.as_deref() == Some(tag))
            .cloned())
    }

    async fn replace(&self, order: &crate::ports::PaperOrder) -> Result<bool, StoreError> {
        let mut orders = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        match orders
            .iter_mut()
            .find(|o| o.user_id == order.user_id && o.order_id == order.order_id)
        {
            Some(stored) if stored.is_pending() => {
                let (tag, placed_at, date) =
                    (stored.tag.clone(), stored.placed_at, stored.trading_date);
                *stored = order.clone();
                // What identifies it stays as first written.
                stored.tag = tag;
                stored.placed_at = placed_at;
                stored.trading_date = date;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn of_day(
        &self,
        user_id: Uuid,
        date: chrono::NaiveDate,
    ) -> Result<Vec<crate::ports::PaperOrder>, StoreError> {
        let orders = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        let mut day: Vec<_> = orders
            .iter()
            .filter(|o| o.user_id == user_id && o.trading_date == date)
            .cloned()
            .collect();
        day.sort_by(|a, b| (a.placed_at, &a.order_id).cmp(&(b.placed_at, &b.order_id)));
        Ok(day)
    }
}
