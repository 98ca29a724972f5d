//! The executor: turns one order event into at most one broker order, on time.
//!
//! 1. Drops the event when the day does not trade, the strategy is not running (a user's
//!    manual exit excepted), or the day's position does not allow it.
//! 2. Waits until `scheduled_for` when the event came early.
//! 3. Claims the ledger key (ENTRY for BUY; EXIT for SELL and STOPLOSS, so the first exit wins),
//!    takes the strategy's Redis lock, and places a MARKET order tagged with the key's hash:
//!    armed a second ahead on a connection of its own, so at the instant only its bytes go out.
//! 4. Retries retryable failures (3 tries, backoff); after an ambiguous one it looks the order up
//!    by tag and never places twice. A final failure fails the strategy with the reason;
//!    `TokenException` also marks the user's broker connection expired.
//! 5. Follows the order to a final status and records it: order log, runtime, ledger.
//!
//! The day's position is derived from the order log in Postgres (the record); Redis holds the
//! lock and a copy of the runtime for the status endpoint and the stop-loss watcher.

use std::sync::Arc;
use std::time::{Duration, Instant};

use algo_core::position::{Day, Outcome};
use algo_core::{Clock, EventKind, LedgerKey, Leg, OrderEvent, Position, TradingCalendar};
use algo_kite::types::OrderState;
use algo_kite::{
    ArmedOrder, KiteClient, KiteError, KiteHttp, MarketProtection, OrderRequest, OrderType, Secret,
    TransactionType,
};
use algo_store::ports::{Claim, Ledger, OrderQueue};
use algo_store::postgres::order_logs::{self, NewOrderLog};
use algo_store::postgres::strategies::{self, Status, StrategyRow};
use algo_store::postgres::{broker_keys, PgPool};
use algo_store::redis::RedisStore;
use algo_store::StoreError;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use tracing::Instrument;
use uuid::Uuid;

use crate::broker::crypto::{BrokerCipher, Sealed};

/// Tunables of the executor.
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// How long a ledger claim lasts before another worker may take it over.
    pub lease: Duration,
    /// Tries per order on retryable failures.
    pub tries: u32,
    /// First backoff; doubles each try.
    pub backoff: Duration,
    /// How long to follow an order to a final status.
    pub fill_timeout: Duration,
    /// Pause between order-history polls.
    pub poll_interval: Duration,
    /// How long before its instant an order is armed (its connection opened): enough for a
    /// thousand connects on two cores, short of the broker's idle-connection timeout. Zero
    /// arms nothing: every order goes through the pooled client.
    pub arm_lead: Duration,
    pub market_protection: MarketProtection,
    pub algo_id: Option<String>,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(60),
            tries: 3,
            backoff: Duration::from_millis(200),
            fill_timeout: Duration::from_secs(15),
            poll_interval: Duration::from_millis(200),
            arm_lead: Duration::from_secs(1),
            market_protection: MarketProtection::Automatic,
            algo_id: None,
        }
    }
}

/// Closer to the instant than this, an order goes through the pool's warm connections.
const ARM_AT_LEAST: Duration = Duration::from_millis(100);

/// What became of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Done with: acknowledge it (placed, or rightly dropped).
    Done(String),
    /// A store was down: hand it back for another delivery.
    Retry(String),
}

/// The executor and everything it talks to.
pub struct Executor {
    pub pg: PgPool,
    pub redis: RedisStore,
    pub ledger: Arc<dyn Ledger>,
    pub kite: KiteHttp,
    pub cipher: BrokerCipher,
    pub calendar: Arc<TradingCalendar>,
    pub clock: Arc<dyn Clock>,
    /// This worker's name in the ledger.
    pub owner: String,
    pub config: ExecutorConfig,
}

/// The day's state, derived from its order log rows `(event, status)`.
pub fn day_from_logs(rows: &[(String, String)]) -> Day {
    let mut day = Day::default();
    for (event, status) in rows {
        let Some(kind) = EventKind::parse(event) else {
            continue;
        };
        let outcome = match status.as_str() {
            "COMPLETE" => Some(Outcome::Filled),
            "REJECTED" | "CANCELLED" => Some(Outcome::Rejected),
            "FAILED" => Some(Outcome::Failed),
            _ => None,
        };
        if let Ok(next) = day.step(kind, Outcome::Placing) {
            day = next;
        }
        if let Some(outcome) = outcome {
            if let Ok(next) = day.step(kind, outcome) {
                day = next;
            }
        }
    }
    day
}

fn retry(e: StoreError) -> Handled {
    Handled::Retry(e.to_string())
}

/// How a placement ended.
enum Placement {
    Placed(String),
    AuthFailed(String),
    Failed(String),
}

impl Executor {
    /// Handles one event; never panics, never places twice.
    pub async fn handle(&self, event: &OrderEvent) -> Handled {
        let span = tracing::info_span!("execute", strategy_id = %event.strategy_id, event = %event.event, event_id = %event.event_id);
        self.handle_inner(event).instrument(span).await
    }

    async fn handle_inner(&self, event: &OrderEvent) -> Handled {
        let manual = event.is_manual_exit();
        if !manual && !self.calendar.is_trading_day(event.trading_date) {
            tracing::info!(
                event_type = "event_dropped",
                reason = "not a trading day",
                "dropped"
            );
            return Handled::Done("not a trading day".into());
        }
        let row = match strategies::get_for_executor(&self.pg, event.strategy_id).await {
            Ok(Some(row)) => row,
            Ok(None) => return Handled::Done("strategy deleted".into()),
            Err(e) => return retry(e),
        };
        if row.status != Status::Running && !manual {
            tracing::info!(
                event_type = "event_dropped",
                reason = "strategy not running",
                "dropped"
            );
            return Handled::Done("strategy not running".into());
        }
        let logs = match order_logs::day(&self.pg, row.id, event.trading_date).await {
            Ok(l) => l,
            Err(e) => return retry(e),
        };
        if let Err(rejection) = day_from_logs(&logs).step(event.event, Outcome::Placing) {
            tracing::info!(event_type = "event_dropped", reason = %rejection, "dropped");
            return Handled::Done(rejection.to_string());
        }

        // Everything but the broker call happens before the instant (claim, lock, credentials,
        // the order log), so a thousand events due at one second do not queue for the database
        // after it: at the instant only the order goes out. The claim and the lock are held for
        // the wait plus the usual lease.
        let early = (event.scheduled_for - self.clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        let hold = early + self.config.lease;
        let key = event.ledger_key();
        let resumed = match self.ledger.claim(&key, &self.owner, hold).await {
            Ok(Claim::Acquired { resumed }) => resumed,
            Ok(Claim::Completed(_)) => return Handled::Done("leg already done".into()),
            Ok(Claim::Busy) => return Handled::Done("another worker holds the leg".into()),
            Err(e) => return retry(e),
        };
        let lock = match self.lock(row.id, hold).await {
            Ok(Some(token)) => token,
            Ok(None) => {
                let _ = self.ledger.release(&key, &self.owner).await;
                return Handled::Retry("strategy locked".into());
            }
            Err(e) => {
                let _ = self.ledger.release(&key, &self.owner).await;
                return retry(e);
            }
        };
        let result = self.execute(&row, event, &key, resumed).await;
        if let Err(e) = self.unlock(row.id, &lock).await {
            tracing::warn!(error = %e, "lock release failed; it expires by itself");
        }
        result
    }

    async fn execute(
        &self,
        row: &StrategyRow,
        event: &OrderEvent,
        key: &LedgerKey,
        resumed: bool,
    ) -> Handled {
        let tag = key.broker_tag();
        let client = match self.credentials(row.user_id).await {
            Ok(Ok(client)) => client,
            Ok(Err(reason)) => {
                self.fail_leg(row, event, key, "BROKER_AUTH_FAILED", &reason)
                    .await;
                return Handled::Done(reason);
            }
            Err(e) => {
                let _ = self.ledger.release(key, &self.owner).await;
                return retry(e);
            }
        };
        let new_log = NewOrderLog {
            strategy_id: row.id,
            user_id: row.user_id,
            event: event.event.as_str(),
            trading_date: event.trading_date,
            ledger_key: key.as_ref(),
            broker_tag: &tag,
            quantity: row.spec.quantity as i32,
            scheduled_for: event.scheduled_for,
        };
        if let Err(e) = order_logs::begin(&self.pg, &new_log).await {
            let _ = self.ledger.release(key, &self.owner).await;
            return retry(e);
        }

        // On time: an early event waits for its instant, then only the order goes out.
        let early = (event.scheduled_for - self.clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        if early > Duration::from_millis(300) {
            // Check the token while there is time (an expired one fails the leg now, not at the
            // instant), which also leaves a warm connection in the pool for following the order.
            if let Err(e) = client.profile().await {
                if e.is_auth() {
                    if let Err(err) =
                        broker_keys::mark_expired(&self.pg, row.user_id, &e.to_string()).await
                    {
                        tracing::error!(error = %err, "could not mark the broker connection expired");
                    }
                    self.fail_leg(row, event, key, "BROKER_AUTH_FAILED", &e.to_string())
                        .await;
                    return Handled::Done("broker token expired".into());
                }
            }
        }
        let request = self.order_request(row, event, &tag);
        let mut armed = if resumed {
            // A taken-over claim looks for an earlier order first; it has no instant to keep.
            None
        } else {
            self.arm(&client, &request, event.scheduled_for).await
        };
        let early = (event.scheduled_for - self.clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        if !early.is_zero() {
            tokio::time::sleep(early).await;
        }
        let started = Instant::now();
        let placement = self
            .place(&client, &request, &tag, armed.as_mut(), resumed)
            .await;
        let placed_at = self.clock.now();
        let handled = match placement {
            Placement::Placed(order_id) => {
                let timing_ms = (placed_at - event.scheduled_for).num_milliseconds();
                tracing::info!(
                    event_type = "order_placed",
                    user_id = %row.user_id,
                    broker_order_id = %order_id,
                    timing_error_ms = timing_ms,
                    execution_time_ms = started.elapsed().as_millis() as u64,
                    "order placed"
                );
                // The bookkeeping waits while the other orders due at this instant go out:
                // they share the cores, Postgres and Redis with it. Following the order would
                // wait this long anyway, and a crash meanwhile is recovered by the order's tag.
                tokio::time::sleep(self.config.poll_interval).await;
                let sending = if event.event.leg() == Leg::Entry {
                    Position::Buying
                } else {
                    Position::Selling
                };
                self.write_runtime(row, event.trading_date, sending, None, None)
                    .await;
                let latency = i32::try_from(timing_ms).unwrap_or(i32::MAX);
                if let Err(e) =
                    order_logs::placed(&self.pg, key.as_ref(), &order_id, placed_at, latency).await
                {
                    tracing::error!(error = %e, "order placed but its log could not be updated");
                }
                self.follow(&client, row, event, key, &order_id).await
            }
            Placement::AuthFailed(message) => {
                if let Err(e) = broker_keys::mark_expired(&self.pg, row.user_id, &message).await {
                    tracing::error!(error = %e, "could not mark the broker connection expired");
                }
                self.fail_leg(row, event, key, "BROKER_AUTH_FAILED", &message)
                    .await;
                Handled::Done("broker token expired".into())
            }
            Placement::Failed(message) => {
                self.fail_leg(row, event, key, "ORDER_FAILED", &message)
                    .await;
                Handled::Done(format!("order failed: {message}"))
            }
        };
        // Its connection closes only now, after the other orders of its instant went out.
        drop(armed);
        handled
    }

    /// Arms the order shortly before its instant (see [`algo_kite::armed`]): at the instant a
    /// thousand orders then each write their request on an open connection instead of queueing
    /// for new ones. Too close to the instant to gain anything, or failing, it is placed the
    /// usual way.
    async fn arm(
        &self,
        client: &KiteClient,
        request: &OrderRequest,
        scheduled_for: DateTime<Utc>,
    ) -> Option<ArmedOrder> {
        let early = (scheduled_for - self.clock.now()).to_std().ok()?;
        if self.config.arm_lead.is_zero() || early < ARM_AT_LEAST {
            return None;
        }
        // Not earlier than needed: an idle connection may be closed by the broker.
        let wait = early.saturating_sub(self.config.arm_lead);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        match client.arm_order(request).await {
            Ok(armed) => Some(armed),
            Err(e) => {
                tracing::warn!(error = %e, "could not arm the order; it goes through the pool");
                None
            }
        }
    }

    /// The MARKET order for the event, tagged with its ledger key's hash.
    fn order_request(&self, row: &StrategyRow, event: &OrderEvent, tag: &str) -> OrderRequest {
        OrderRequest {
            tradingsymbol: row.spec.symbol.to_string(),
            exchange: row.spec.exchange.as_str().to_owned(),
            transaction_type: if event.event == EventKind::Buy {
                TransactionType::Buy
            } else {
                TransactionType::Sell
            },
            order_type: OrderType::Market,
            quantity: row.spec.quantity,
            product: row.spec.product.as_str().to_owned(),
            validity: "DAY".into(),
            price_paise: None,
            trigger_price_paise: None,
            tag: Some(tag.to_owned()),
            market_protection: self.config.market_protection,
            algo_id: self.config.algo_id.clone(),
        }
    }

    /// Places the order, at most once: retries what is retryable and, after an ambiguous
    /// failure or a taken-over claim, finds an order already placed by its tag.
    async fn place(
        &self,
        client: &KiteClient,
        request: &OrderRequest,
        tag: &str,
        mut armed: Option<&mut ArmedOrder>,
        resumed: bool,
    ) -> Placement {
        if resumed {
            match client.find_order_by_tag(tag).await {
                Ok(Some(order)) => return Placement::Placed(order.order_id),
                Ok(None) => {}
                Err(e) if e.is_auth() => return Placement::AuthFailed(e.to_string()),
                Err(e) => {
                    return Placement::Failed(format!("cannot check for an earlier order: {e}"))
                }
            }
        }
        let mut last: Option<KiteError> = None;
        for attempt in 1..=self.config.tries {
            let sent = match armed.take() {
                Some(order) => match order.send().await {
                    // Its connection closed before the order was written: nothing reached the
                    // broker, so the pool places it now, in this same try.
                    Err(KiteError::Unreachable { message }) => {
                        tracing::debug!(%message, "armed connection lost; placing through the pool");
                        client.place_order(request).await
                    }
                    sent => sent,
                },
                None => client.place_order(request).await,
            };
            match sent {
                Ok(order_id) => return Placement::Placed(order_id),
                Err(e) if e.is_auth() => return Placement::AuthFailed(e.to_string()),
                Err(e) if e.is_ambiguous() => {
                    tracing::warn!(attempt, error = %e, "ambiguous broker failure; looking the order up by tag");
                    if let Ok(Some(order)) = client.find_order_by_tag(tag).await {
                        return Placement::Placed(order.order_id);
                    }
                    last = Some(e);
                }
                Err(e) if e.is_retryable() => {
                    tracing::warn!(attempt, error = %e, "retryable broker failure");
                    last = Some(e);
                }
                Err(e) => return Placement::Failed(e.to_string()),
            }
            if attempt < self.config.tries {
                tokio::time::sleep(self.config.backoff * 2u32.pow(attempt - 1)).await;
            }
        }
        // A final ambiguous failure may still have placed it: one last look.
        if last.as_ref().is_some_and(KiteError::is_ambiguous) {
            if let Ok(Some(order)) = client.find_order_by_tag(tag).await {
                return Placement::Placed(order.order_id);
            }
        }
        Placement::Failed(
            last.map(|e| e.to_string())
                .unwrap_or_else(|| "no try was made".into()),
        )
    }

    /// Follows the order to `COMPLETE`, `REJECTED` or `CANCELLED` and records the outcome.
    async fn follow(
        &self,
        client: &KiteClient,
        row: &StrategyRow,
        event: &OrderEvent,
        key: &LedgerKey,
        order_id: &str,
    ) -> Handled {
        let deadline = Instant::now() + self.config.fill_timeout;
        let last = loop {
            match client.order_history(order_id).await {
                Ok(history) => {
                    if let Some(order) = history.last() {
                        if order.state() != OrderState::Pending {
                            break Some(order.clone());
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "order history unavailable"),
            }
            if Instant::now() >= deadline {
                break None;
            }
            tokio::time::sleep(self.config.poll_interval).await;
        };
        let leg_key = key.as_ref();
        let Some(order) = last else {
            tracing::warn!(broker_order_id = %order_id, "order still pending at the broker after the fill timeout");
            let _ = self
                .ledger
                .complete(
                    key,
                    &self.owner,
                    &json!({ "order_id": order_id, "status": "PLACED" }),
                )
                .await;
            return Handled::Done("placed; final status pending".into());
        };
        let (status, outcome) = match order.state() {
            OrderState::Complete => ("COMPLETE", Outcome::Filled),
            OrderState::Cancelled => ("CANCELLED", Outcome::Rejected),
            _ => ("REJECTED", Outcome::Rejected),
        };
        let avg = order.average_price.paise().filter(|p| *p > 0);
        let raw = serde_json::json!({ "order_id": order.order_id, "status": order.status, "status_message": order.status_message,
            "filled_quantity": order.filled_quantity, "average_price": order.average_price.as_str() });
        if let Err(e) = order_logs::finish(
            &self.pg,
            leg_key,
            status,
            avg,
            order.status_message.as_deref(),
            Some(&raw),
        )
        .await
        {
            tracing::error!(error = %e, "could not record the order's final status");
        }
        let day = match order_logs::day(&self.pg, row.id, event.trading_date).await {
            Ok(rows) => day_from_logs(&rows),
            Err(_) => Day::default()
                .step(event.event, Outcome::Placing)
                .and_then(|d| d.step(event.event, outcome))
                .unwrap_or_default(),
        };
        let (buy, sell) = if event.event.leg() == Leg::Entry {
            (Some(order_id), None)
        } else {
            (None, Some(order_id))
        };
        self.write_runtime(row, event.trading_date, day.position, buy, sell)
            .await;
        if outcome == Outcome::Rejected {
            let why = order
                .status_message
                .clone()
                .unwrap_or_else(|| format!("the broker {}", status.to_lowercase()));
            tracing::warn!(event_type = "order_rejected", user_id = %row.user_id, broker_order_id = %order_id, reason = %why, "order not filled");
            if event.event.leg() == Leg::Exit {
                let reason = format!("ORDER_FAILED: the exit was {} by the broker ({why}); the position may still be open", status.to_lowercase());
                let _ = strategies::fail(&self.pg, row.id, &reason).await;
            }
        } else {
            tracing::info!(event_type = "order_filled", user_id = %row.user_id, broker_order_id = %order_id, "order filled");
        }
        let _ = self.ledger.complete(key, &self.owner, &raw).await;
        Handled::Done(format!("order {status}"))
    }

    /// Records a leg that never reached the broker as failed, and fails the strategy.
    async fn fail_leg(
        &self,
        row: &StrategyRow,
        event: &OrderEvent,
        key: &LedgerKey,
        code: &str,
        message: &str,
    ) {
        tracing::error!(event_type = "order_failed", user_id = %row.user_id, error.code = code, reason = %message, "order failed");
        let tag = key.broker_tag();
        let log = NewOrderLog {
            strategy_id: row.id,
            user_id: row.user_id,
            event: event.event.as_str(),
            trading_date: event.trading_date,
            ledger_key: key.as_ref(),
            broker_tag: &tag,
            quantity: row.spec.quantity as i32,
            scheduled_for: event.scheduled_for,
        };
        let _ = order_logs::begin(&self.pg, &log).await;
        let _ =
            order_logs::finish(&self.pg, key.as_ref(), "FAILED", None, Some(message), None).await;
        let _ = strategies::fail(&self.pg, row.id, &format!("{code}: {message}")).await;
        self.write_runtime(row, event.trading_date, Position::Failed, None, None)
            .await;
        let _ = self
            .ledger
            .complete(
                key,
                &self.owner,
                &json!({ "status": "FAILED", "code": code, "message": message }),
            )
            .await;
    }

    /// The user's broker client, or why there is none.
    async fn credentials(&self, user_id: Uuid) -> Result<Result<KiteClient, String>, StoreError> {
        let Some(row) = broker_keys::get(&self.pg, user_id).await? else {
            return Ok(Err("the broker is not connected".into()));
        };
        if row.status != "connected" {
            return Ok(Err(format!(
                "the broker session expired: {}",
                row.status_reason.unwrap_or_default()
            )));
        }
        let sealed = Sealed {
            ciphertext: row.ciphertext,
            nonce: row.nonce,
            key_id: row.key_id,
        };
        match self.cipher.open(user_id, &sealed) {
            Ok(secrets) => Ok(Ok(self
                .kite
                .client(&secrets.api_key, Secret::new(secrets.access_token)))),
            Err(e) => Ok(Err(format!("stored broker keys cannot be opened: {e}"))),
        }
    }

    /// Updates the Redis copy of the runtime and tells the stop-loss watcher.
    async fn write_runtime(
        &self,
        row: &StrategyRow,
        date: NaiveDate,
        position: Position,
        buy: Option<&str>,
        sell: Option<&str>,
    ) {
        let keys = self.redis.keys();
        let result: Result<(), StoreError> = async {
            let mut conn = self.redis.conn().await?;
            let mut fields: Vec<(&str, String)> = vec![
                ("position", position.as_str().to_owned()),
                ("trading_date", date.format("%Y-%m-%d").to_string()),
            ];
            if let Some(id) = buy {
                fields.push(("last_buy_order", id.to_owned()));
            }
            if let Some(id) = sell {
                fields.push(("last_sell_order", id.to_owned()));
            }
            redis::pipe()
                .hset_multiple(keys.runtime(row.id), &fields)
                .ignore()
                .publish(keys.position_channel(), row.id.to_string())
                .ignore()
                .query_async::<()>(&mut conn)
                .await
                .map_err(|e| StoreError::RedisDown(e.to_string()))
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "runtime cache not updated; it is rebuilt from the order log");
        }
    }

    async fn lock(&self, id: Uuid, hold: Duration) -> Result<Option<String>, StoreError> {
        let token = Uuid::new_v4().to_string();
        let key = self.redis.keys().lock(id);
        let mut conn = self.redis.conn().await?;
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            let ok: Option<String> = redis::cmd("SET")
                .arg(&key)
                .arg(&token)
                .arg("NX")
                .arg("PX")
                .arg(hold.as_millis() as u64)
                .query_async(&mut conn)
                .await
                .map_err(|e| StoreError::RedisDown(e.to_string()))?;
            if ok.is_some() {
                return Ok(Some(token));
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn unlock(&self, id: Uuid, token: &str) -> Result<(), StoreError> {
        let mut conn = self.redis.conn().await?;
        let script = redis::Script::new(
            r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        );
        let _: i32 = script
            .key(self.redis.keys().lock(id))
            .arg(token)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| StoreError::RedisDown(e.to_string()))?;
        Ok(())
    }
}

/// Missed triggers after a restart or an outage: a BUY whose window is still open and has no
/// entry today enters now; an open position whose sell time has passed exits now. Nothing else
/// is replayed. Returns the events queued.
pub async fn recover_missed(
    pg: &PgPool,
    calendar: &TradingCalendar,
    clock: &dyn Clock,
    queue: &dyn OrderQueue,
) -> Result<Vec<OrderEvent>, StoreError> {
    let now: DateTime<Utc> = clock.now();
    let today = TradingCalendar::trading_date(now);
    let Some(session) = calendar.session(today) else {
        return Ok(Vec::new());
    };
    let time_now = now.with_timezone(&algo_core::IST).time();
    let mut queued = Vec::new();
    for row in strategies::all_running(pg).await? {
        let day = day_from_logs(&order_logs::day(pg, row.id, today).await?);
        let event = if !day.entry_sent
            && row.spec.buy_time <= time_now
            && time_now < row.spec.sell_time
            && session.contains(time_now)
        {
            Some(EventKind::Buy)
        } else if day.position == Position::Bought && time_now >= row.spec.sell_time {
            Some(EventKind::Sell)
        } else {
            None
        };
        if let Some(kind) = event {
            let e = OrderEvent::new(row.id, kind, today, now);
            queue.push(&e).await?;
            tracing::info!(event_type = "missed_trigger_recovered", strategy_id = %row.id, event = %kind, "queued a missed event");
            queued.push(e);
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(r: &[(&str, &str)]) -> Vec<(String, String)> {
        r.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn the_day_comes_from_the_order_log() {
        assert_eq!(day_from_logs(&[]).position, Position::None);
        assert_eq!(
            day_from_logs(&rows(&[("BUY", "SENDING")])).position,
            Position::Buying
        );
        assert_eq!(
            day_from_logs(&rows(&[("BUY", "PLACED")])).position,
            Position::Buying
        );
        assert_eq!(
            day_from_logs(&rows(&[("BUY", "COMPLETE")])).position,
            Position::Bought
        );
        let rejected = day_from_logs(&rows(&[("BUY", "REJECTED")]));
        assert_eq!(
            (rejected.position, rejected.entry_sent),
            (Position::None, true)
        );
        assert_eq!(
            day_from_logs(&rows(&[("BUY", "COMPLETE"), ("STOPLOSS", "PLACED")])).position,
            Position::Selling
        );
        assert_eq!(
            day_from_logs(&rows(&[("BUY", "COMPLETE"), ("SELL", "COMPLETE")])).position,
            Position::Sold
        );
        assert_eq!(
            day_from_logs(&rows(&[("BUY", "FAILED")])).position,
            Position::Failed
        );
        assert_eq!(
            day_from_logs(&rows(&[("BUY", "COMPLETE"), ("SELL", "REJECTED")])).position,
            Position::Failed
        );
    }
}
