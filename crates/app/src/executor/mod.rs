//! The executor: turns one order event into at most one broker order, on time, as a pipeline
//! of small steps, each in its own file, each leaving state a crash can resume from:
//!
//! 1. [`gate`]: drops what must not act (a day that does not trade, another trading date, a
//!    stopped strategy, a final leg, a BUY outside its window), recording why; finds the leg an
//!    earlier worker left in flight.
//! 2. [`claim`]: the ledger key (ENTRY for BUY; EXIT for SELL and STOPLOSS, so the first exit
//!    wins) and the strategy's Redis lock, on a short lease renewed while working. An entry is
//!    claimed before its wait, so at the instant only the order goes out; an exit is claimed at
//!    its instant, so a stop-loss crossed during a SELL's early wait exits at once.
//! 3. [`place`]: a leg in flight is resolved from the broker first (by order id, then by tag);
//!    otherwise the `SENDING` row is written, the order armed a second ahead on a connection of
//!    its own, the strategy's status checked again at the instant, and the MARKET order sent,
//!    tagged with the ledger key's hash. Only a definitive "no such order" allows a placement.
//! 4. [`follow`]: the order to `COMPLETE`, `REJECTED` or `CANCELLED`; past the fill timeout the
//!    [`reconcile`]r takes over, with no give-up deadline. Then the record: the order log (with
//!    the filled quantity), the runtime cache, the ledger.
//! 5. [`recover`]: missed triggers after a restart.
//!
//! The day's position is derived from the order log in Postgres (the record); Redis holds the
//! lock and a copy of the runtime for the status endpoint and the stop-loss watcher. An exit
//! acts on the entry's own instrument, product and filled quantity, not on the strategy as
//! edited since.

mod chase;
mod claim;
mod follow;
mod gate;
mod guard;
mod place;
pub mod reconcile;
mod recover;

use std::sync::Arc;
use std::time::{Duration, Instant};

use algo_core::notify::NoticeKind;
use algo_core::position::{Day, Outcome};
use algo_core::strategy::{Direction, Side};
use algo_core::{Clock, EventKind, Leg, OrderEvent, Position, TradingCalendar};
use algo_kite::{
    Broker, BrokerSessions, MarketProtection, OrderRequest, OrderType, PreparedOrder, Secret,
    TransactionType,
};
use algo_store::ports::{
    BrokerKeys, EntryFill, Ledger, OrderLog, RuntimeCache, RuntimeUpdate, StrategyLocks,
};
use algo_store::ports::{Final, LegRow, NewNotification, NewOrderLog};
use algo_store::ports::{Status, StrategyRepo, StrategyRow};
use algo_store::StoreError;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use tokio::sync::watch;
use tracing::Instrument;
use uuid::Uuid;

use crate::broker::crypto::{BrokerCipher, Sealed};
use crate::broker::session::SessionState;
use claim::Held;
use gate::LegContext;
use place::{Lookup, Placement};

pub use chase::{chased_price, CHASE_AFTER};
pub use follow::{leg_outcome, record_final, Recorded};
pub use gate::ENTRY_CUTOFF;
pub use guard::{stop_in_force, Guarded};
pub use recover::{after_login, recover_missed, sweep_missed};

/// Tunables of the executor.
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// How long a ledger claim lasts unless renewed (it is renewed every third of it while the
    /// leg is worked on): the longest a dead worker's leg waits before another takes it over.
    pub lease: Duration,
    /// Tries per order on retryable failures.
    pub tries: u32,
    /// First backoff; doubles each try.
    pub backoff: Duration,
    /// How long the executor follows its order; the reconciler follows it after that.
    pub fill_timeout: Duration,
    /// Pause between order-history polls.
    pub poll_interval: Duration,
    /// How long before its instant an order is armed (its connection opened): enough for a
    /// thousand connects on two cores, short of the broker's idle-connection timeout. Zero
    /// arms nothing: every order goes through the pooled client.
    pub arm_lead: Duration,
    /// How long after an order may have been sent the broker's book is trusted to show it: an
    /// empty lookup before that is not a definitive "no such order".
    pub book_settle: Duration,
    /// How long a lookup after an ambiguous failure keeps trying before the event is handed
    /// back with its leg left `SENDING` (never placed again on a guess).
    pub resolve_timeout: Duration,
    /// How often the reconciler polls the orders that are not final yet (self-hosted).
    pub reconcile_every: Duration,
    pub market_protection: MarketProtection,
    pub algo_id: Option<String>,
    /// Whether a stop-loss order rests at the exchange once an entry fills ([`guard`]): on in
    /// every deployment (`ALGO_RESTING_STOP`), off by default for tests that count orders.
    pub resting_stop: bool,
    /// For crash tests only: stop dead right after this step, as a SIGKILL there would
    /// (nothing more is written, nothing released; the claim's renewals stop).
    pub crash_after: Option<Step>,
}

/// The steps of a leg after which a worker can die, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The ledger key and the strategy lock are held.
    Claimed,
    /// The leg's `SENDING` row is written.
    SendingWritten,
    /// The order went to the broker (its answer, if any, not yet recorded).
    Sent,
    /// The leg is `PLACED` with the broker's order id.
    PlacedWritten,
    /// The order log has the final status; the ledger is not completed yet.
    Recorded,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Claimed,
        Step::SendingWritten,
        Step::Sent,
        Step::PlacedWritten,
        Step::Recorded,
    ];
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(5),
            tries: 3,
            backoff: Duration::from_millis(200),
            fill_timeout: Duration::from_secs(15),
            poll_interval: Duration::from_millis(200),
            arm_lead: Duration::from_secs(1),
            book_settle: Duration::from_secs(3),
            resolve_timeout: Duration::from_secs(20),
            reconcile_every: Duration::from_secs(1),
            market_protection: MarketProtection::Automatic,
            algo_id: None,
            resting_stop: false,
            crash_after: None,
        }
    }
}

/// How long before its instant an order's strategy status is read for the last time.
const STATUS_CHECK_LEAD: chrono::TimeDelta = chrono::TimeDelta::milliseconds(150);

/// Closer to the instant than this, an order goes through the pool's warm connections.
const ARM_AT_LEAST: Duration = Duration::from_millis(100);

/// Why the executor has no broker session for a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoSession {
    /// No live token (never logged in, or it expired): legs wait for the next login.
    WaitingForLogin(String),
    /// The stored keys cannot be opened (a wrong data key): nothing will fix it but an operator.
    Unreadable(String),
}

impl std::fmt::Display for NoSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoSession::WaitingForLogin(why) | NoSession::Unreadable(why) => f.write_str(why),
        }
    }
}

/// What became of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Done with: acknowledge it (placed, or rightly dropped).
    Done(String),
    /// Not done yet (a store was down, another worker holds the leg, the broker's book could
    /// not be read): hand it back for another delivery.
    Retry(String),
}

/// The executor and everything it talks to.
pub struct Executor {
    /// Each user's sealed broker credentials (Postgres; the in-memory fake in tests).
    pub keys: Arc<dyn BrokerKeys>,
    /// Strategies as the order path reads them (Postgres; the in-memory fake in tests).
    pub strategies: Arc<dyn StrategyRepo>,
    /// The record of every leg (Postgres; the in-memory fake in tests).
    pub orders: Arc<dyn OrderLog>,
    /// Each strategy's position today, for the status endpoint and the stop-loss watcher.
    pub runtime: Arc<dyn RuntimeCache>,
    pub ledger: Arc<dyn Ledger>,
    /// One worker per strategy at a time (Redis; the in-memory fake in tests).
    pub locks: Arc<dyn StrategyLocks>,
    /// Opens a trader's broker session: Kite's REST API, or the simulator in process.
    pub broker: Arc<dyn BrokerSessions>,
    pub cipher: BrokerCipher,
    /// Where paper strategies' orders are filled and kept (Postgres; the fake in tests):
    /// nothing of theirs reaches the broker.
    pub paper: Arc<dyn algo_store::ports::PaperBook>,
    pub calendar: Arc<TradingCalendar>,
    pub clock: Arc<dyn Clock>,
    /// This worker's name in the ledger.
    pub owner: String,
    pub config: ExecutorConfig,
    /// What this executor keeps in memory ([`Local`]).
    pub local: Local,
}

/// What an executor keeps in memory; none of it is a record (a new process starts empty).
#[derive(Debug, Default)]
pub struct Local {
    /// Whose each strategy is (its user, and whether it trades on paper), as the last of its
    /// legs through this executor read it: a crossed stop then reads the trader's session and
    /// the broker's positions beside its checks rather than after them. A strategy never
    /// changes hands; what the checks read is still what acts (a difference discards the
    /// early reads).
    owners: std::sync::Mutex<std::collections::HashMap<Uuid, (Uuid, bool)>>,
    /// The events being handled here, by id, with what became of each once it is known: a
    /// second delivery of one (a crossed stop's queued copy behind the handling the feed gave
    /// this process) waits for the first instead of finding its leg busy and going round the
    /// queue again.
    handling: std::sync::Mutex<std::collections::HashMap<String, watch::Receiver<Option<Handled>>>>,
    /// Each user's last broker client, with the nonce their keys were sealed with: a crossed
    /// stop reads the positions through it while the keys are read, and keeps what it read
    /// only if the keys are still those (a new login seals new ones) and their token live.
    sessions: std::sync::Mutex<std::collections::HashMap<Uuid, LastSession>>,
    /// Each armed strategy's exit, claimed ahead of its crossing ([`claim`]).
    prepared: std::sync::Mutex<std::collections::HashMap<Uuid, claim::Slot>>,
}

impl Local {
    fn owner_of(&self, strategy: Uuid) -> Option<(Uuid, bool)> {
        lock(&self.owners).get(&strategy).copied()
    }

    fn note_owner(&self, row: &StrategyRow) {
        lock(&self.owners).insert(row.id, (row.user_id, row.spec.paper));
    }

    fn session_of(&self, user: Uuid) -> Option<LastSession> {
        lock(&self.sessions).get(&user).cloned()
    }

    fn note_session(&self, user: Uuid, nonce: Vec<u8>, client: Arc<dyn Broker>) {
        lock(&self.sessions).insert(user, (nonce, client));
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A user's last broker client and the nonce of the keys it was made from.
type LastSession = (Vec<u8>, Arc<dyn Broker>);

/// An event's entry in [`Local::handling`], taken out when its handling ends (or is dropped).
struct Handling<'a> {
    local: &'a Local,
    event_id: &'a str,
    outcome: watch::Sender<Option<Handled>>,
}

impl Handling<'_> {
    fn ended(self, handled: &Handled) {
        let _ = self.outcome.send(Some(handled.clone()));
    }
}

impl Drop for Handling<'_> {
    fn drop(&mut self) {
        lock(&self.local.handling).remove(self.event_id);
    }
}

/// The day's state, derived from its order log rows.
pub fn day_from_logs(rows: &[LegRow]) -> Day {
    let mut day = Day::default();
    for row in rows {
        let Some(kind) = EventKind::parse(&row.event) else {
            continue;
        };
        if kind == EventKind::Guard {
            // A resting stop changes the day only once it sold: then it is the day's exit.
            let filled = row.filled_quantity.unwrap_or(0);
            let outcome = match row.status.as_str() {
                "COMPLETE" | "CLOSED_OUTSIDE" => Outcome::Filled,
                "CANCELLED" | "REJECTED" if filled > 0 => Outcome::Rejected,
                _ => continue,
            };
            if let Ok(next) = day.step(kind, Outcome::Placing) {
                day = next;
            }
            if let Ok(next) = day.step(kind, outcome) {
                day = next;
            }
            continue;
        }
        let outcome = match row.status.as_str() {
            "SENDING" | "PLACED" => None,
            // A dropped entry spends the day's entry; a dropped exit changes nothing.
            "MISSED" if kind.leg() == Leg::Exit => continue,
            "MISSED" => Some(Outcome::Rejected),
            // Sold outside the app: flat, with nothing sold by us.
            "CLOSED_OUTSIDE" => Some(Outcome::Filled),
            status => Some(leg_outcome(kind, status, row.filled_quantity.unwrap_or(0))),
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

/// The quantity the broker's net positions hold of the leg's instrument and product, in the
/// direction the leg's exit closes (a long's bought shares, a short's sold ones); `None` when
/// they cannot be read in `tries` (the exit then closes what was filled: holding a stop-loss
/// exit back for the positions endpoint would cost more).
async fn held_at_broker(
    client: Arc<dyn Broker>,
    spec: OrderSpec,
    tries: u32,
    backoff: Duration,
) -> Option<u32> {
    let positions = positions_at_broker(&*client, tries, backoff).await?;
    Some(held_in(&positions, &spec))
}

/// The broker's net positions, tried `tries` times; `None` when they cannot be read.
async fn positions_at_broker(
    client: &dyn Broker,
    tries: u32,
    backoff: Duration,
) -> Option<algo_kite::types::Positions> {
    for attempt in 1..=tries {
        match client.positions().await {
            Ok(positions) => return Some(positions),
            // A dead session is not retried: the order's own refusal says what to do.
            Err(e) if e.is_auth() => {
                tracing::warn!(error = %e, "positions refused: the session is not live");
                return None;
            }
            Err(e) => {
                tracing::warn!(attempt, error = %e, "positions unavailable");
                tokio::time::sleep(backoff).await;
            }
        }
    }
    tracing::warn!("the broker's positions could not be read; going by the filled quantity");
    None
}

/// The quantity `positions` hold of `spec`'s instrument and product in the direction an order
/// on `spec`'s side closes.
fn held_in(positions: &algo_kite::types::Positions, spec: &OrderSpec) -> u32 {
    let net: i64 = positions
        .net
        .iter()
        .filter(|p| {
            p.tradingsymbol == spec.tradingsymbol
                && p.exchange == spec.exchange
                && p.product == spec.product
        })
        .map(|p| p.quantity)
        .sum();
    u32::try_from(Direction::closed_by(spec.side).held(net)).unwrap_or(u32::MAX)
}

/// Fits an exit to what the broker holds (never more; the trader may have sold some in the
/// Kite app); `false` when it holds nothing. Unread positions leave it at the filled quantity.
fn fit_to_held(spec: &mut OrderSpec, held: Option<u32>) -> bool {
    match held {
        Some(0) => false,
        Some(net) if net < spec.quantity => {
            tracing::warn!(
                event_type = "exit_reduced",
                filled = spec.quantity,
                held = net,
                "the broker holds fewer shares than were bought; selling what it holds"
            );
            spec.quantity = net;
            true
        }
        _ => true,
    }
}

/// The broker's name of a side.
pub(crate) fn transaction_type(side: Side) -> TransactionType {
    match side {
        Side::Buy => TransactionType::Buy,
        Side::Sell => TransactionType::Sell,
    }
}

/// What a test's crash at `step` returns: the worker is gone, the event unacknowledged.
fn crashed(step: Step) -> Handled {
    Handled::Retry(format!("crashed after {step:?}"))
}

fn retry(e: StoreError) -> Handled {
    Handled::Retry(e.to_string())
}

/// The order log row a leg starts with.
fn leg_log<'a>(
    row: &StrategyRow,
    event: &'a OrderEvent,
    key: &'a str,
    tag: &'a str,
    spec: &'a OrderSpec,
) -> NewOrderLog<'a> {
    NewOrderLog {
        strategy_id: row.id,
        user_id: row.user_id,
        event: event.event.as_str(),
        trading_date: event.trading_date,
        ledger_key: key,
        broker_tag: tag,
        quantity: i32::try_from(spec.quantity.max(1)).unwrap_or(i32::MAX),
        scheduled_for: event.scheduled_for,
        tradingsymbol: &spec.tradingsymbol,
        exchange: &spec.exchange,
        product: &spec.product,
        side: spec.side,
    }
}

/// The side of a leg of a strategy trading in `direction`: the entry's, or every exit's.
pub(crate) fn leg_side(direction: Direction, kind: EventKind) -> Side {
    match kind.leg() {
        Leg::Entry => direction.entry_side(),
        _ => direction.exit_side(),
    }
}

/// A read of the user's broker session: the client, why there is none, or a store failure.
type SessionRead = Result<Result<Arc<dyn Broker>, NoSession>, StoreError>;

/// What a crossed stop read beside its checks and its claim: the session and, with a live
/// one, the broker's positions (`None`: not read, or unreadable).
struct ReadAhead {
    session: SessionRead,
    positions: Option<algo_kite::types::Positions>,
}

/// The instrument, product, quantity and side a leg's order is for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OrderSpec {
    tradingsymbol: String,
    exchange: String,
    product: String,
    quantity: u32,
    side: Side,
}

impl Executor {
    /// Handles one event; never panics, never places twice. A delivery of an event this
    /// executor is handling already waits for that handling: done there is done here, and
    /// handed back there, it is handled here.
    pub async fn handle(&self, event: &OrderEvent) -> Handled {
        let span = tracing::info_span!("execute", strategy_id = %event.strategy_id, event = %event.event, event_id = %event.event_id);
        async {
            let earlier = lock(&self.local.handling).get(&event.event_id).cloned();
            if let Some(mut earlier) = earlier {
                if let Ok(outcome) = earlier.wait_for(Option::is_some).await {
                    if let Some(Handled::Done(why)) = outcome.clone() {
                        tracing::debug!(%why, "handled by an earlier delivery in this process");
                        return Handled::Done(format!("handled in this process: {why}"));
                    }
                }
            }
            let handling = {
                let mut all = lock(&self.local.handling);
                let (outcome, watching) = watch::channel(None);
                // Only the first of concurrent deliveries is waited for.
                let first = !all.contains_key(&event.event_id);
                if first {
                    all.insert(event.event_id.clone(), watching);
                }
                first.then_some(Handling {
                    local: &self.local,
                    event_id: &event.event_id,
                    outcome,
                })
            };
            let handled = self.handle_inner(event).await;
            if let Some(handling) = handling {
                handling.ended(&handled);
            }
            handled
        }
        .instrument(span)
        .await
    }

    async fn handle_inner(&self, event: &OrderEvent) -> Handled {
        if event.event.is_crossing() && event.scheduled_for <= self.clock.now() {
            return self.exit_now(event).await;
        }
        let ctx = match self.gate(event).await {
            Ok(ctx) => ctx,
            Err(handled) => return handled,
        };
        let key = event.ledger_key();
        if event.event.leg() == Leg::Exit {
            // An exit takes the EXIT key only at its instant: a stop-loss crossed while a SELL
            // waits out its early delivery exits at once, and the SELL then finds the leg done.
            self.wait_until(event.scheduled_for).await;
        }
        let held = match self.claim(&key, ctx.row.id, event.scheduled_for).await {
            Ok(held) => held,
            Err(handled) => return handled,
        };
        if self.crashes_after(Step::Claimed) {
            return crashed(Step::Claimed);
        }
        self.execute(&ctx, event, &held, None).await
    }

    /// A crossed stop or target: nothing waits for an instant, so the checks, the claim and the
    /// session are read at once rather than one after another; for a strategy this executor
    /// has seen, the session and the broker's positions come with them. What each finds is
    /// acted on exactly as on the usual path: a leg the checks refuse gives its claim back
    /// untouched.
    async fn exit_now(&self, event: &OrderEvent) -> Handled {
        let key = event.ledger_key();
        let known = self.local.owner_of(event.strategy_id);
        let (gated, claimed, early) = tokio::join!(
            async {
                let ctx = self.gate(event).await?;
                // A strategy not seen yet: its session is read once its owner is known.
                let session = match known {
                    None => Some(self.session_for(&ctx.row).await),
                    Some(_) => None,
                };
                Ok::<_, Handled>((ctx, session))
            },
            self.claim(&key, event.strategy_id, event.scheduled_for),
            async {
                let (user, paper) = known?;
                Some(self.read_ahead(user, paper).await)
            }
        );
        let (ctx, session, held) = match (gated, claimed) {
            (Ok((ctx, session)), Ok(held)) => (ctx, session, held),
            (Err(refused), Ok(held)) => {
                self.release(&held).await;
                return refused;
            }
            (Err(refused), Err(_)) => return refused,
            (Ok(_), Err(handled)) => return handled,
        };
        // Read for whom the strategy was: used only if the checks found it still so.
        let early = early.filter(|_| known == Some((ctx.row.user_id, ctx.row.spec.paper)));
        let early = match (early, session) {
            (Some(early), _) => early,
            (None, Some(session)) => ReadAhead {
                session,
                positions: None,
            },
            (None, None) => ReadAhead {
                session: self.session_for(&ctx.row).await,
                positions: None,
            },
        };
        if self.crashes_after(Step::Claimed) {
            return crashed(Step::Claimed);
        }
        self.execute(&ctx, event, &held, Some(early)).await
    }

    /// The session of `user` (on paper, or not) and, when it is live, the broker's positions;
    /// for a real order, its pacing slot too. Through the user's last client while their keys
    /// are read, when there is one and the keys are still those it was made from.
    async fn read_ahead(&self, user: Uuid, paper: bool) -> ReadAhead {
        let (tries, backoff) = (self.config.tries, self.config.backoff);
        let pace = |client: Arc<dyn Broker>| async move {
            if !paper {
                client.pace_next_order().await;
            }
        };
        if let Some((nonce, real)) = self.local.session_of(user) {
            // A paper strategy's positions are its paper book's, read through the paper broker.
            let client = self.paper_if(paper, user, real.clone());
            let (row, positions, ()) = tokio::join!(
                self.keys.get(user),
                positions_at_broker(&*client, tries, backoff),
                pace(real)
            );
            let still = match &row {
                Ok(Some(row)) => {
                    row.nonce == nonce
                        && matches!(
                            SessionState::of(Some(row), self.clock.now()),
                            SessionState::Live { .. }
                        )
                }
                _ => false,
            };
            if still {
                return ReadAhead {
                    session: Ok(Ok(client)),
                    positions,
                };
            }
        }
        let session = self
            .credentials(user)
            .await
            .map(|read| read.map(|real| self.paper_if(paper, user, real)));
        let positions = match &session {
            Ok(Ok(client)) => {
                let (positions, ()) = tokio::join!(
                    positions_at_broker(&**client, tries, backoff),
                    pace(client.clone())
                );
                positions
            }
            _ => None,
        };
        ReadAhead { session, positions }
    }

    async fn wait_until(&self, instant: DateTime<Utc>) {
        let early = (instant - self.clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        if !early.is_zero() {
            tokio::time::sleep(early).await;
        }
    }

    /// What the leg's order is for: an entry, the strategy as it is; an exit, the entry's own
    /// instrument and product, the quantity the entry filled, and the side opposite the
    /// entry's (whatever the strategy says now).
    fn order_spec(&self, ctx: &LegContext, event: &OrderEvent) -> OrderSpec {
        let spec = &ctx.row.spec;
        let mut order = OrderSpec {
            tradingsymbol: spec.symbol.to_string(),
            exchange: spec.exchange.as_str().to_owned(),
            product: spec.product.as_str().to_owned(),
            quantity: spec.quantity,
            side: leg_side(spec.direction, event.event),
        };
        if let (Leg::Exit, Some(entry)) = (event.event.leg(), &ctx.entry) {
            order.side = entry.side.opposite();
            if let Some(symbol) = &entry.tradingsymbol {
                order.tradingsymbol = symbol.clone();
            }
            if let Some(exchange) = &entry.exchange {
                order.exchange = exchange.clone();
            }
            if let Some(product) = &entry.product {
                order.product = product.clone();
            }
            let held = entry.filled_quantity.unwrap_or(entry.quantity);
            order.quantity = u32::try_from(held).unwrap_or(0);
        }
        order
    }

    async fn execute(
        &self,
        ctx: &LegContext,
        event: &OrderEvent,
        held: &Held,
        early: Option<ReadAhead>,
    ) -> Handled {
        let row = &ctx.row;
        let tag = held.key.broker_tag();
        let (session, early_positions) = match early {
            Some(ReadAhead { session, positions }) => (session, positions),
            None => (self.session_for(row).await, None),
        };
        let client = match session {
            Ok(Ok(client)) => client,
            Ok(Err(NoSession::WaitingForLogin(reason))) => {
                // Nothing is sent with a dead token, and nothing is recorded: the leg is still
                // to do. The trader's next login queues what is then due (`after_login`).
                self.release(held).await;
                tracing::warn!(event_type = "waiting_for_login", user_id = %row.user_id, %reason, "no live broker session; the leg waits for a login");
                return Handled::Done(format!("waiting for login: {reason}"));
            }
            Ok(Err(NoSession::Unreadable(reason))) => {
                self.fail_leg(ctx, event, held, "BROKER_AUTH_FAILED", &reason)
                    .await;
                return Handled::Done(reason);
            }
            Err(e) => {
                self.release(held).await;
                return retry(e);
            }
        };
        let spec = self.order_spec(ctx, event);
        if spec.quantity == 0 {
            self.fail_leg(
                ctx,
                event,
                held,
                "ORDER_FAILED",
                "nothing was filled to exit",
            )
            .await;
            return Handled::Done("nothing to exit".into());
        }
        // The day's stop resting at the exchange becomes this exit's order: never a second one.
        if event.event.leg() == Leg::Exit && ctx.own.is_none() {
            if let Some(handled) = self
                .take_over_guard(client.clone(), ctx, event, held, early_positions.as_ref())
                .await
            {
                return handled;
            }
        }
        // An exit's look at the broker's positions: read already beside a crossed stop's
        // checks, or now, while the leg is resumed or begun.
        let positions = (event.event.leg() == Leg::Exit).then(|| match &early_positions {
            Some(read) => {
                let held = held_in(read, &spec);
                tokio::spawn(async move { Some(held) })
            }
            None => tokio::spawn(held_at_broker(
                client.clone(),
                spec.clone(),
                self.config.tries,
                self.config.backoff,
            )),
        });
        if let Some(own) = &ctx.own {
            // An earlier worker left this leg in flight: the broker says where it stands.
            match self.resolve(&*client, own).await {
                Lookup::Found(order_id) => {
                    tracing::warn!(event_type = "leg_resumed", broker_order_id = %order_id, "found the earlier worker's order; following it");
                    if let Err(e) = self
                        .orders
                        .placed(held.key.as_ref(), &order_id, self.clock.now(), 0)
                        .await
                    {
                        tracing::warn!(error = %e, "order log not marked placed yet");
                    }
                    return self
                        .follow(
                            &*client,
                            row,
                            event.event,
                            event.trading_date,
                            held,
                            &order_id,
                        )
                        .await;
                }
                Lookup::Absent => {
                    tracing::warn!(
                        event_type = "leg_resumed",
                        "the earlier worker's order never reached the broker; placing it"
                    );
                    if event.event == EventKind::Buy {
                        let instant = self.clock.now().max(event.scheduled_for);
                        if let Err(why) = self.entry_window(row, event.trading_date, instant) {
                            return self
                                .finish_unsent(
                                    ctx,
                                    event,
                                    held,
                                    "MISSED",
                                    &format!("missed: {why}"),
                                )
                                .await;
                        }
                    }
                }
                Lookup::AuthFailed(message) => {
                    return self.auth_failed(ctx, event, held, &message).await
                }
                Lookup::Unknown(why) => {
                    self.release(held).await;
                    return Handled::Retry(why);
                }
            }
        } else {
            if held.resumed {
                // A dead owner's claim with no leg written: it should not have reached the
                // broker, but the book says so before anything is placed.
                match self.look_up(&*client, &tag, Instant::now()).await {
                    Lookup::Absent => {}
                    Lookup::Found(order_id) => {
                        tracing::warn!(event_type = "leg_resumed", broker_order_id = %order_id, "found an order of a dead owner; following it");
                        return self
                            .adopt(&*client, ctx, event, held, &spec, &order_id)
                            .await;
                    }
                    Lookup::AuthFailed(message) => {
                        return self.auth_failed(ctx, event, held, &message).await
                    }
                    Lookup::Unknown(why) => {
                        self.release(held).await;
                        return Handled::Retry(why);
                    }
                }
            }
            if self.at_once(event, held) {
                if let Some(positions) = positions {
                    return self
                        .exit_at_once(client, ctx, event, held, spec, positions)
                        .await;
                }
            }
            let new_log = leg_log(row, event, held.key.as_ref(), &tag, &spec);
            if let Err(e) = self.orders.begin(&new_log).await {
                self.release(held).await;
                return retry(e);
            }
            if self.crashes_after(Step::SendingWritten) {
                return crashed(Step::SendingWritten);
            }
        }

        // An exit never sells more than the broker says is held (the trader may have sold by
        // hand in the Kite app); a position already closed is recorded, never shorted.
        let mut spec = spec;
        if let Some(positions) = positions {
            if !fit_to_held(&mut spec, positions.await.ok().flatten()) {
                return self.closed_outside(ctx, event, held).await;
            }
        }

        // On time: an early event waits for its instant, then only the order goes out.
        let early = (event.scheduled_for - self.clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        if early > Duration::from_millis(300) {
            // Check the token while there is time (an expired one fails the leg now, not at the
            // instant), which also leaves a warm connection in the pool for following the order.
            if let Err(e) = client.check_session().await {
                if e.is_auth() {
                    return self.auth_failed(ctx, event, held, &e.to_string()).await;
                }
            }
        }
        let request = self.order_request(&spec, &tag);
        // Only an event that waits for its instant can see the strategy stopped meanwhile.
        let waits = event.scheduled_for - self.clock.now() > STATUS_CHECK_LEAD;
        let mut armed = self.arm(&*client, &request, event.scheduled_for).await;
        // The last look at the strategy's status, just before the instant: a thousand orders
        // due at one second read it in the moments before, not in the moment itself.
        self.wait_until(event.scheduled_for - STATUS_CHECK_LEAD)
            .await;
        // Stopped while it waited: nothing goes out. A read that fails lets it go: it was
        // running a moment ago.
        if waits && !event.is_manual_exit() {
            match self.strategies.status_of(row.id).await {
                Ok(Some(Status::Running)) | Err(_) => {}
                Ok(_) => {
                    return self
                        .finish_unsent(
                            ctx,
                            event,
                            held,
                            "MISSED",
                            "strategy not running: stopped before the order's instant",
                        )
                        .await;
                }
            }
        }
        self.wait_until(event.scheduled_for).await;
        let started = Instant::now();
        let placement = self
            .place(&*client, &request, &tag, armed.as_mut(), held)
            .await;
        let handled = self
            .after_placement(&*client, ctx, event, held, placement, started)
            .await;
        // Its connection closes only now, after the other orders of its instant went out.
        drop(armed);
        handled
    }

    /// What a placement came to: a placed order recorded and followed, a refusal recorded,
    /// an unknown outcome handed back with its leg left to be looked up.
    async fn after_placement(
        &self,
        client: &dyn Broker,
        ctx: &LegContext,
        event: &OrderEvent,
        held: &Held,
        placement: Placement,
        started: Instant,
    ) -> Handled {
        let row = &ctx.row;
        let placed_at = self.clock.now();
        match placement {
            Placement::Placed(_) if self.crashes_after(Step::Sent) => crashed(Step::Sent),
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
                self.write_runtime(row, event.trading_date, sending, None, None, None)
                    .await;
                let latency = i32::try_from(timing_ms).unwrap_or(i32::MAX);
                if let Err(e) = self
                    .orders
                    .placed(held.key.as_ref(), &order_id, placed_at, latency)
                    .await
                {
                    tracing::error!(error = %e, "order placed but its log could not be updated");
                }
                if self.crashes_after(Step::PlacedWritten) {
                    return crashed(Step::PlacedWritten);
                }
                self.follow(
                    client,
                    row,
                    event.event,
                    event.trading_date,
                    held,
                    &order_id,
                )
                .await
            }
            Placement::AuthFailed(message) => self.auth_failed(ctx, event, held, &message).await,
            Placement::Failed(message) => {
                self.fail_leg(ctx, event, held, "ORDER_FAILED", &message)
                    .await;
                Handled::Done(format!("order failed: {message}"))
            }
            Placement::Unknown(why) => {
                tracing::warn!(reason = %why, "whether the order reached the broker is not known yet; handing the event back");
                self.release(held).await;
                Handled::Retry(why)
            }
        }
    }

    /// Whether a leg is a crossed stop's exit on its first claim, which sends at once.
    fn at_once(&self, event: &OrderEvent, held: &Held) -> bool {
        event.event.is_crossing() && !held.resumed && event.scheduled_for <= self.clock.now()
    }

    /// A crossed stop's exit on its first claim: the order goes as soon as the broker's
    /// positions say what is held, and its `SENDING` row is written meanwhile. The claim, a
    /// durable ledger row, already says an order may be out: a worker that dies before the
    /// row commits leaves a claim whose taker-over looks the order up by its tag before it
    /// places anything (`resumed`), and one whose row could not be written keeps its claim
    /// until the lease runs out, for the same reason.
    async fn exit_at_once(
        &self,
        client: Arc<dyn Broker>,
        ctx: &LegContext,
        event: &OrderEvent,
        held: &Held,
        spec: OrderSpec,
        positions: tokio::task::JoinHandle<Option<u32>>,
    ) -> Handled {
        let tag = held.key.broker_tag();
        let new_log = leg_log(&ctx.row, event, held.key.as_ref(), &tag, &spec);
        if self.crashes_after(Step::SendingWritten) {
            // Dies with the row written and nothing sent yet.
            let _ = self.orders.begin(&new_log).await;
            return crashed(Step::SendingWritten);
        }
        let started = Instant::now();
        let begin = async {
            if self.crashes_after(Step::Sent) {
                // Dies once the order is out, before its row commits: the worst case.
                return Ok(());
            }
            self.orders.begin(&new_log).await
        };
        let send = async {
            let mut sending = spec.clone();
            if !fit_to_held(&mut sending, positions.await.ok().flatten()) {
                return None;
            }
            let request = self.order_request(&sending, &tag);
            Some(self.place(&*client, &request, &tag, None, held).await)
        };
        let (begun, sent) = tokio::join!(begin, send);
        match (begun, sent) {
            (Ok(()), None) => self.closed_outside(ctx, event, held).await,
            (Err(e), None) => {
                self.release(held).await;
                retry(e)
            }
            (
                Err(e),
                Some(Placement::Placed(_) | Placement::Unknown(_) | Placement::AuthFailed(_)),
            ) => {
                tracing::error!(error = %e, "the exit may be at the broker and its row is not written; its claim runs out and the next delivery looks it up by tag");
                Handled::Retry(format!("the exit's row is not written: {e}"))
            }
            // A refusal is recorded as the usual path's is (`fail_leg` writes the row).
            (_, Some(placement)) => {
                self.after_placement(&*client, ctx, event, held, placement, started)
                    .await
            }
        }
    }

    /// An exit that finds the broker holding nothing: recorded, nothing sold.
    async fn closed_outside(&self, ctx: &LegContext, event: &OrderEvent, held: &Held) -> Handled {
        self.finish_unsent(
            ctx,
            event,
            held,
            "CLOSED_OUTSIDE",
            "the broker shows no open position: it was closed outside the app, so nothing was sold",
        )
        .await
    }

    fn crashes_after(&self, step: Step) -> bool {
        self.config.crash_after == Some(step)
    }

    /// Writes the leg of an order found at the broker with no leg recorded, and follows it.
    async fn adopt(
        &self,
        client: &dyn Broker,
        ctx: &LegContext,
        event: &OrderEvent,
        held: &Held,
        spec: &OrderSpec,
        order_id: &str,
    ) -> Handled {
        let tag = held.key.broker_tag();
        let log = leg_log(&ctx.row, event, held.key.as_ref(), &tag, spec);
        let written = async {
            self.orders.begin(&log).await?;
            self.orders
                .placed(held.key.as_ref(), order_id, self.clock.now(), 0)
                .await
        }
        .await;
        if let Err(e) = written {
            self.release(held).await;
            return retry(e);
        }
        self.follow(
            client,
            &ctx.row,
            event.event,
            event.trading_date,
            held,
            order_id,
        )
        .await
    }

    /// Ends a leg that sent nothing (`MISSED`, `CLOSED_OUTSIDE`), completing its claim, and
    /// refreshes the cached runtime of the day.
    async fn finish_unsent(
        &self,
        ctx: &LegContext,
        event: &OrderEvent,
        held: &Held,
        status: &str,
        reason: &str,
    ) -> Handled {
        let last = Final {
            status,
            average_price_paise: None,
            filled_quantity: None,
            message: Some(reason),
            raw_response: None,
            notice: None,
        };
        if let Err(e) = self.orders.finish(held.key.as_ref(), &last).await {
            self.release(held).await;
            return retry(e);
        }
        tracing::warn!(event_type = "event_missed", %reason, "nothing sent");
        if let Ok(legs) = self.orders.day(ctx.row.id, event.trading_date).await {
            let position = day_from_logs(&legs).position;
            self.write_runtime(&ctx.row, event.trading_date, position, None, None, None)
                .await;
        }
        self.complete(held, &json!({ "status": status, "message": reason }))
            .await;
        Handled::Done(reason.to_owned())
    }

    async fn auth_failed(
        &self,
        ctx: &LegContext,
        event: &OrderEvent,
        held: &Held,
        message: &str,
    ) -> Handled {
        if let Err(e) = self.keys.mark_expired(ctx.row.user_id, message).await {
            tracing::error!(error = %e, "could not mark the broker connection expired");
        }
        // A 403 takes no order. The leg, if written, stays open: the next login resumes it
        // from the broker's book (`after_login`), a lookup before any placement, so an order
        // that did reach the broker before the session died is followed, never doubled. Until
        // then every event of this user waits (`credentials` sees the session expired), so
        // nothing more goes out with the dead token.
        self.release(held).await;
        tracing::warn!(event_type = "waiting_for_login", user_id = %ctx.row.user_id, strategy_id = %ctx.row.id, event = %event.event, reason = %message, "the broker refused the session; the leg waits for a login");
        Handled::Done(format!(
            "waiting for login: the broker refused the session ({message})"
        ))
    }

    /// The MARKET order for the leg, tagged with its ledger key's hash.
    fn order_request(&self, spec: &OrderSpec, tag: &str) -> OrderRequest {
        OrderRequest {
            tradingsymbol: spec.tradingsymbol.clone(),
            exchange: spec.exchange.clone(),
            transaction_type: transaction_type(spec.side),
            order_type: OrderType::Market,
            quantity: spec.quantity,
            product: spec.product.clone(),
            validity: "DAY".into(),
            price_paise: None,
            trigger_price_paise: None,
            tag: Some(tag.to_owned()),
            market_protection: self.config.market_protection,
            algo_id: self.config.algo_id.clone(),
        }
    }

    /// Records a leg that never reached the broker as failed, and fails the strategy.
    async fn fail_leg(
        &self,
        ctx: &LegContext,
        event: &OrderEvent,
        held: &Held,
        code: &str,
        message: &str,
    ) {
        let row = &ctx.row;
        tracing::error!(event_type = "order_failed", user_id = %row.user_id, error.code = code, reason = %message, "order failed");
        let tag = held.key.broker_tag();
        let spec = self.order_spec(ctx, event);
        let log = leg_log(row, event, held.key.as_ref(), &tag, &spec);
        let _ = self.orders.begin(&log).await;
        let title = format!("{} strategy stopped", row.spec.symbol);
        let body = format!(
            "The {} could not be sent ({code}: {message}). The strategy is stopped; start it again once this is fixed.",
            match event.event {
                EventKind::Buy => "buy",
                EventKind::Sell | EventKind::StopLoss | EventKind::Target => "exit",
                EventKind::Guard => "resting stop-loss",
            }
        );
        let data = json!({ "strategy_id": row.id, "event": event.event.as_str(), "code": code,
            "trading_date": event.trading_date });
        let notice = NewNotification {
            user_id: row.user_id,
            strategy_id: Some(row.id),
            kind: NoticeKind::StrategyFailed.as_str(),
            source_key: held.key.as_ref(),
            title: &title,
            body: &body,
            data: &data,
            at: self.clock.now(),
        };
        let last = Final {
            status: "FAILED",
            average_price_paise: None,
            filled_quantity: None,
            message: Some(message),
            raw_response: None,
            notice: Some(&notice),
        };
        let _ = self.orders.finish(held.key.as_ref(), &last).await;
        let _ = self
            .strategies
            .fail(row.id, &format!("{code}: {message}"))
            .await;
        self.write_runtime(row, event.trading_date, Position::Failed, None, None, None)
            .await;
        self.complete(
            held,
            &json!({ "status": "FAILED", "code": code, "message": message }),
        )
        .await;
    }

    /// Arms the order shortly before its instant (see [`algo_kite::armed`]): at the instant a
    /// thousand orders then each write their request on an open connection instead of queueing
    /// for new ones. Too close to the instant to gain anything, or failing, it is placed the
    /// usual way.
    async fn arm(
        &self,
        client: &dyn Broker,
        request: &OrderRequest,
        scheduled_for: DateTime<Utc>,
    ) -> Option<Box<dyn PreparedOrder>> {
        let early = (scheduled_for - self.clock.now()).to_std().ok()?;
        if self.config.arm_lead.is_zero() || early < ARM_AT_LEAST {
            return None;
        }
        // Not earlier than needed: an idle connection may be closed by the broker.
        let wait = early.saturating_sub(self.config.arm_lead);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        match client.prepare_order(request).await {
            Ok(armed) => Some(armed),
            Err(e) => {
                tracing::warn!(error = %e, "could not arm the order; it goes through the pool");
                None
            }
        }
    }

    /// The broker a strategy's legs go to: the user's session, or for a paper strategy the
    /// paper broker (which reads last prices through that session and places nothing).
    pub(crate) async fn session_for(
        &self,
        row: &StrategyRow,
    ) -> Result<Result<Arc<dyn Broker>, NoSession>, StoreError> {
        Ok(self
            .credentials(row.user_id)
            .await?
            .map(|real| self.paper_if(row.spec.paper, row.user_id, real)))
    }

    /// `real`, or the paper broker over it when `paper`.
    pub(crate) fn paper_if(
        &self,
        paper: bool,
        user_id: Uuid,
        real: Arc<dyn Broker>,
    ) -> Arc<dyn Broker> {
        if !paper {
            return real;
        }
        Arc::new(crate::broker::paper::PaperBroker {
            user_id,
            book: self.paper.clone(),
            prices: real,
            clock: self.clock.clone(),
        })
    }

    /// The user's broker client, or why there is none; a live one is kept as the user's
    /// last ([`Local`]).
    pub(crate) async fn credentials(
        &self,
        user_id: Uuid,
    ) -> Result<Result<Arc<dyn Broker>, NoSession>, StoreError> {
        let (read, nonce) = self.sealed_credentials(user_id).await?;
        if let (Ok(client), Some(nonce)) = (&read, nonce) {
            self.local.note_session(user_id, nonce, client.clone());
        }
        Ok(read)
    }

    /// The same, with the nonce the keys it opened were sealed with.
    async fn sealed_credentials(
        &self,
        user_id: Uuid,
    ) -> Result<(Result<Arc<dyn Broker>, NoSession>, Option<Vec<u8>>), StoreError> {
        let row = self.keys.get(user_id).await?;
        match SessionState::of(row.as_ref(), self.clock.now()) {
            SessionState::Live { .. } => {}
            SessionState::Expired { reason } => {
                return Ok((Err(NoSession::WaitingForLogin(reason)), None))
            }
            SessionState::NotConnected => {
                return Ok((
                    Err(NoSession::WaitingForLogin(
                        "the broker is not connected: log in to Kite".into(),
                    )),
                    None,
                ))
            }
        }
        let Some(row) = row else {
            return Ok((
                Err(NoSession::WaitingForLogin(
                    "the broker is not connected".into(),
                )),
                None,
            ));
        };
        let nonce = row.nonce.clone();
        let sealed = Sealed {
            ciphertext: row.ciphertext,
            nonce: row.nonce,
            key_id: row.key_id,
        };
        match self.cipher.open(user_id, &sealed) {
            Ok(secrets) => Ok((
                Ok(self
                    .broker
                    .session(&secrets.api_key, Secret::new(secrets.access_token))),
                Some(nonce),
            )),
            Err(e) => Ok((
                Err(NoSession::Unreadable(format!(
                    "stored broker keys cannot be opened: {e}"
                ))),
                None,
            )),
        }
    }

    /// Updates the cached runtime (see [`write_runtime`]).
    #[allow(clippy::too_many_arguments)] // the runtime hash's fields, each optional
    async fn write_runtime(
        &self,
        row: &StrategyRow,
        date: NaiveDate,
        position: Position,
        buy: Option<&str>,
        sell: Option<&str>,
        entry: Option<EntryFill<'_>>,
    ) {
        write_runtime(self.runtime.as_ref(), row, date, position, buy, sell, entry).await
    }
}

/// Updates the cached runtime (the Redis adapter also tells the stop-loss watcher). A cache
/// that cannot be written is only logged: it is rebuilt from the order log.
#[allow(clippy::too_many_arguments)] // the runtime hash's fields, each optional
pub async fn write_runtime(
    runtime: &dyn RuntimeCache,
    row: &StrategyRow,
    date: NaiveDate,
    position: Position,
    buy: Option<&str>,
    sell: Option<&str>,
    entry: Option<EntryFill<'_>>,
) {
    let update = RuntimeUpdate {
        position,
        trading_date: date,
        buy_order: buy,
        sell_order: sell,
        entry,
    };
    if let Err(e) = runtime.record(row.id, &update).await {
        tracing::warn!(error = %e, "runtime cache not updated; it is rebuilt from the order log");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(event: &str, status: &str, filled: Option<i32>) -> LegRow {
        LegRow {
            strategy_id: Uuid::nil(),
            user_id: Uuid::nil(),
            event: event.into(),
            trading_date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
            ledger_key: format!("k:{event}"),
            broker_tag: "t".into(),
            broker_order_id: None,
            status: status.into(),
            quantity: 10,
            filled_quantity: filled,
            average_price_paise: None,
            tradingsymbol: None,
            exchange: None,
            product: None,
            scheduled_for: Utc::now(),
            modifications: 0,
            side: if event == "BUY" {
                Side::Buy
            } else {
                Side::Sell
            },
        }
    }

    fn positions(net: &[(&str, i64)]) -> algo_kite::types::Positions {
        let rows: Vec<serde_json::Value> = net
            .iter()
            .map(|(symbol, q)| {
                json!({ "tradingsymbol": symbol, "exchange": "NSE", "product": "MIS",
                "quantity": q, "instrument_token": 1 })
            })
            .collect();
        serde_json::from_value(json!({ "net": rows, "day": [] })).expect("positions")
    }

    #[test]
    fn what_is_held_is_counted_in_the_direction_the_exit_closes() {
        let spec = |side| OrderSpec {
            tradingsymbol: "TCS".into(),
            exchange: "NSE".into(),
            product: "MIS".into(),
            quantity: 5,
            side,
        };
        // A sale closes a long: 5 bought are held; a short of 5 holds nothing to sell.
        assert_eq!(held_in(&positions(&[("TCS", 5)]), &spec(Side::Sell)), 5);
        assert_eq!(held_in(&positions(&[("TCS", -5)]), &spec(Side::Sell)), 0);
        // A buy-back closes a short: 3 sold short are held; a long holds nothing to buy back.
        assert_eq!(
            held_in(&positions(&[("TCS", -3), ("INFY", -9)]), &spec(Side::Buy)),
            3
        );
        assert_eq!(held_in(&positions(&[("TCS", 4)]), &spec(Side::Buy)), 0);
    }

    fn rows(r: &[(&str, &str)]) -> Vec<LegRow> {
        r.iter().map(|(a, b)| leg(a, b, None)).collect()
    }

    fn final_status() -> impl proptest::strategy::Strategy<Value = &'static str> {
        proptest::sample::select(vec!["COMPLETE", "REJECTED", "CANCELLED", "FAILED"])
    }

    proptest::proptest! {
        /// The day's position agrees with the sum of the broker's fills: shares are held (the
        /// position is open, or failed and flagged for a human) exactly when the entry filled
        /// more than the exit, and an exit is only ever sized to what the entry filled.
        #[test]
        fn the_position_is_the_sum_of_the_fills(
            quantity in 1i32..500,
            entry_status in final_status(),
            entry_part in 0.0f64..1.0,
            exit in proptest::option::of((final_status(), 0.0f64..1.0)),
        ) {
            let entry_filled = match entry_status {
                "COMPLETE" => quantity,
                "FAILED" => 0,
                _ => (f64::from(quantity) * entry_part) as i32,
            };
            let mut legs = vec![leg("BUY", entry_status, Some(entry_filled))];
            let mut exit_filled = 0;
            if let Some((status, part)) = exit {
                if entry_filled > 0 && entry_status != "FAILED" {
                    exit_filled = match status {
                        "COMPLETE" => entry_filled,
                        "FAILED" => 0,
                        _ => (f64::from(entry_filled) * part) as i32,
                    };
                    legs.push(leg("SELL", status, Some(exit_filled)));
                }
            }
            let day = day_from_logs(&legs);
            let held = entry_filled - exit_filled;
            proptest::prop_assert!(held >= 0);
            if entry_status == "FAILED" {
                proptest::prop_assert_eq!(day.position, Position::Failed);
            } else if held > 0 {
                proptest::prop_assert!(
                    matches!(day.position, Position::Bought | Position::Failed),
                    "{} held but {:?}", held, day.position
                );
            } else {
                proptest::prop_assert!(
                    matches!(day.position, Position::None | Position::Sold),
                    "flat but {:?}", day.position
                );
            }
        }
    }

    #[test]
    fn an_entry_filled_in_part_holds_shares_and_a_missed_one_spends_the_entry() {
        let partly = day_from_logs(&[leg("BUY", "CANCELLED", Some(4))]);
        assert_eq!(partly.position, Position::Bought);
        let unfilled = day_from_logs(&[leg("BUY", "CANCELLED", Some(0))]);
        assert_eq!(
            (unfilled.position, unfilled.entry_sent),
            (Position::None, true)
        );
        let missed = day_from_logs(&rows(&[("BUY", "MISSED")]));
        assert_eq!((missed.position, missed.entry_sent), (Position::None, true));
        let exit_missed = day_from_logs(&rows(&[("BUY", "COMPLETE"), ("SELL", "MISSED")]));
        assert_eq!(
            (exit_missed.position, exit_missed.exit_sent),
            (Position::Bought, false),
            "a dropped exit leaves the position guarded and exitable"
        );
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
