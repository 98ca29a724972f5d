//! Response bodies, typed so that `/openapi.json` describes exactly what the handlers send.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// `{"error": {...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code the app switches on, e.g. `STRATEGY_INVALID`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldErrorOut>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorOut {
    pub field: String,
    pub message: String,
}

/// A new access and refresh token pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub user_id: Uuid,
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BrokerSummary {
    /// `connected`, `expired` or `not_connected`.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user_id: Uuid,
    pub email: String,
    pub broker: BrokerSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BrokerConnected {
    /// Always `connected`.
    pub status: String,
    pub broker_user_id: String,
    pub user_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BrokerStatus {
    /// `connected`, `expired` or `not_connected`.
    pub status: String,
    pub broker_user_id: Option<String>,
    pub user_name: Option<String>,
    /// Why the connection expired, when it did.
    pub reason: Option<String>,
    /// When today's session dies (06:00 IST the morning after the login), while connected.
    pub valid_until: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyCreated {
    pub strategy_id: Uuid,
    pub status: String,
}

/// A strategy with its status and today's position.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyOut {
    pub strategy_id: Uuid,
    pub symbol: String,
    /// `NSE` or `BSE`.
    pub exchange: String,
    /// `LONG` (buys at `buy_time`, sells at `sell_time`) or `SHORT` (sells at `buy_time`, the
    /// entry time, and buys back at `sell_time`, the exit time).
    pub direction: String,
    /// Paper mode: simulated fills, nothing placed at the broker.
    pub paper: bool,
    /// `HH:MM:SS`, IST: the entry's time (a short sells then).
    pub buy_time: String,
    /// `HH:MM:SS`, IST: the exit's time (a short buys back then).
    pub sell_time: String,
    /// Rupees with two decimals, e.g. `3500.05`: under the price for a long, over it for a
    /// short.
    pub stop_loss: String,
    /// Rupees from the entry (`"25.50"`) or a percentage (`"1.5%"`): above it for a long,
    /// below it for a short; null when not set.
    pub target: Option<String>,
    /// Rupees (`"10.00"`) or a percentage (`"1%"`) from the best price since the entry: below
    /// a long's high, above a short's low; null when not set.
    pub trailing_stop: Option<String>,
    pub quantity: u32,
    /// `MIS` or `CNC`.
    pub product: String,
    /// `created`, `running`, `stopped` or `failed`.
    pub status: String,
    /// `none`, `buying`, `bought`, `selling`, `sold` or `failed`.
    pub position: String,
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyList {
    pub strategies: Vec<StrategyOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyState {
    pub strategy_id: Uuid,
    pub status: String,
}

/// What "square off all" did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SquareOffResult {
    /// Every strategy of the caller, each stopped.
    pub strategies: Vec<StopResult>,
    /// How many open positions (or entries in flight) had their exit queued.
    pub exits_requested: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StopResult {
    pub strategy_id: Uuid,
    pub status: String,
    pub position: String,
    /// Whether an exit of the open position was requested.
    pub exit_requested: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Action {
    /// `BUY`, `SELL` or `STOPLOSS`.
    pub event: String,
    /// For a past action, the order's status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyStatus {
    pub strategy_id: Uuid,
    pub status: String,
    pub position: String,
    pub last_action: Option<Action>,
    /// Rupees with two decimals.
    pub last_price: Option<String>,
    /// While a position is open today: the price at which the watcher exits it, the trailing
    /// stop where it has risen above the fixed one (rupees with two decimals); null otherwise.
    pub stop_in_force: Option<String>,
    /// While a stop-loss order rests at the exchange under today's position (it sells there
    /// even when the app is down): the broker's order id; null otherwise.
    pub resting_stop_order: Option<String>,
    /// Paper mode: its fills are simulated and nothing reaches the broker.
    pub paper: bool,
    pub next_action: Option<Action>,
    pub failure_reason: Option<String>,
    /// `login` while the strategy runs and its owner has no live Kite session: nothing is sent
    /// until the next login, which sends what is then due.
    pub waiting_for: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLogOut {
    pub order_id: Uuid,
    /// `BUY`, `SELL` or `STOPLOSS`.
    pub event: String,
    pub broker_order_id: Option<String>,
    /// `PLACED`, `COMPLETE`, `REJECTED`, `CANCELLED` or `FAILED`.
    pub status: String,
    pub quantity: i32,
    /// Rupees with two decimals.
    pub average_price: Option<String>,
    pub message: Option<String>,
    pub scheduled_for: DateTime<Utc>,
    pub placed_at: Option<DateTime<Utc>>,
    pub latency_ms: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLog {
    pub orders: Vec<OrderLogOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    /// `up` or `down`.
    pub postgres: String,
    /// `up` or `down`.
    pub redis: String,
    /// `nse` or `always-open`.
    pub calendar: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}
