//! `/strategy*`, `/strategies`: create, read, update, delete, start, stop, status, orders.
//! Another user's strategy answers 404 exactly as a missing one does.

use algo_core::strategy::{FieldError, StrategyDraft};
use algo_core::{ErrorCode, Position, TradingCalendar};
use algo_store::postgres::strategies::{self, Status, StrategyRow, WriteOutcome};
use algo_store::postgres::{broker_keys, order_logs};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Days, Utc};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{
    Action, ErrorBody, OrderLog, OrderLogOut, SquareOffResult, StopResult, StrategyCreated,
    StrategyList, StrategyOut, StrategyState, StrategyStatus,
};
use super::extract::{parse_id, ApiJson, AuthUser};
use super::{ApiError, AppState};
use crate::broker::session::SessionState;
use crate::ports::DirectoryError;
use crate::runtime::{self, Runtime};

/// The create/update body. Every field is read loosely so that every problem, wrong types
/// included, is reported at once with its field name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StrategyBody {
    /// 1–25 characters of `A-Z 0-9 & -` (upper-cased).
    #[schema(value_type = String, example = "TCS")]
    symbol: Option<Value>,
    /// `NSE` (default) or `BSE`.
    #[schema(value_type = Option<String>, example = "NSE")]
    exchange: Option<Value>,
    /// `LONG` (default: buy first, sell at `sell_time`) or `SHORT` (sell first at `buy_time`,
    /// buy back at `sell_time`).
    #[schema(value_type = Option<String>, example = "LONG")]
    direction: Option<Value>,
    /// Paper mode (default false): the strategy runs on live ticks with simulated fills at the
    /// last price and places nothing at the broker. Its P&L is reported apart from real money.
    #[schema(value_type = Option<bool>, example = false)]
    paper: Option<Value>,
    /// `HH:MM:SS`, IST: the entry's time (a short sells then).
    #[schema(value_type = String, example = "09:30:00")]
    buy_time: Option<Value>,
    /// `HH:MM:SS`, IST, after `buy_time`: the exit's time (a short buys back then).
    #[schema(value_type = String, example = "15:10:00")]
    sell_time: Option<Value>,
    /// Rupees, at most 2 decimals, a multiple of the tick (0.05): a number or a string. Under
    /// the price for a long; over it for a short (the short buys back when the price rises to
    /// it).
    #[schema(value_type = String, example = "3500.05")]
    stop_loss: Option<Value>,
    #[schema(value_type = i64, example = 10)]
    quantity: Option<Value>,
    /// `MIS` (default) or `CNC`.
    #[schema(value_type = Option<String>, example = "MIS")]
    product: Option<Value>,
    /// Optional take-profit from the entry's fill price (above it for a long, below it for a
    /// short): rupees (a number or a string, a multiple of the tick) or a percentage as a
    /// string (`"1.5%"`, up to 2 decimals).
    #[schema(value_type = Option<String>, example = "1.5%")]
    target: Option<Value>,
    /// Optional trailing stop below the highest price since the entry (a short's: above the
    /// lowest): rupees or `"1%"`. It only tightens, and never past `stop_loss`.
    #[schema(value_type = Option<String>, example = "10")]
    trailing_stop: Option<Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    strategy_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopRequest {
    strategy_id: String,
    #[serde(default)]
    exit_position: bool,
}

fn draft(body: StrategyBody) -> (StrategyDraft, Vec<FieldError>) {
    let mut errors = Vec::new();
    let mut text = |field: &str, v: Option<Value>| match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            errors.push(FieldError::new(field, format!("{field} must be a string")));
            Some(String::new()).filter(|_| false)
        }
    };
    let symbol = text("symbol", body.symbol);
    let exchange = text("exchange", body.exchange);
    let buy_time = text("buy_time", body.buy_time);
    let sell_time = text("sell_time", body.sell_time);
    let product = text("product", body.product);
    let direction = text("direction", body.direction);
    let paper = match body.paper {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(b),
        Some(_) => {
            errors.push(FieldError::new("paper", "paper must be true or false"));
            None
        }
    };
    let mut decimal = |field: &str, v: Option<Value>| match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        // serde_json prints a number as the shortest text that reads back the same: exact.
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            errors.push(FieldError::new(
                field,
                format!("{field} must be a number or a decimal string"),
            ));
            None
        }
    };
    let stop_loss = decimal("stop_loss", body.stop_loss);
    let target = decimal("target", body.target);
    let trailing_stop = decimal("trailing_stop", body.trailing_stop);
    let quantity = match body.quantity {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
        Some(_) => {
            errors.push(FieldError::new(
                "quantity",
                "quantity must be a whole number",
            ));
            None
        }
    };
    (
        StrategyDraft {
            symbol,
            exchange,
            buy_time,
            sell_time,
            stop_loss,
            quantity,
            product,
            target,
            trailing_stop,
            direction,
            paper,
        },
        errors,
    )
}

async fn parse_spec(
    state: &AppState,
    body: StrategyBody,
) -> Result<algo_core::StrategySpec, ApiError> {
    let (draft, mut type_errors) = draft(body);
    let spec = match draft.parse(&state.rules) {
        Ok(spec) if type_errors.is_empty() => spec,
        Ok(_) => {
            return Err(ApiError::invalid(
                ErrorCode::StrategyInvalid,
                "the strategy breaks some rules",
                type_errors,
            ))
        }
        Err(mut errors) => {
            // A field of the wrong type also shows as missing: keep the type error only.
            errors.retain(|e| !type_errors.iter().any(|t| t.field == e.field));
            type_errors.extend(errors);
            return Err(ApiError::invalid(
                ErrorCode::StrategyInvalid,
                "the strategy breaks some rules",
                type_errors,
            ));
        }
    };
    match state.symbols.lookup(spec.exchange, &spec.symbol).await {
        Ok(Some(_)) => Ok(spec),
        Ok(None) => Err(ApiError::invalid(
            ErrorCode::UnknownSymbol,
            format!("{} is not a tradable {} symbol", spec.symbol, spec.exchange),
            vec![FieldError::new(
                "symbol",
                "the broker does not list this symbol",
            )],
        )),
        Err(DirectoryError::LoginNeeded) => Err(ApiError::new(
            ErrorCode::BrokerNotConnected,
            "log in to Kite first: the symbol is checked against the broker's instrument list, \
             which needs today's Kite login",
        )),
        Err(DirectoryError::Unavailable(cause)) => {
            tracing::warn!(error.cause = %cause, "instrument list unavailable");
            Err(ApiError::new(
                ErrorCode::BrokerUnavailable,
                "the broker's instrument list is unavailable; try again shortly",
            ))
        }
    }
}

fn overlap(other: Uuid) -> ApiError {
    ApiError::new(
        ErrorCode::StrategyOverlap,
        format!("another of your strategies on this symbol ({other}) overlaps this time window"),
    )
}

fn running() -> ApiError {
    ApiError::new(ErrorCode::StrategyRunning, "stop the strategy first")
}

fn strategy_out(row: &StrategyRow, rt: &Runtime) -> StrategyOut {
    let s = &row.spec;
    StrategyOut {
        strategy_id: row.id,
        symbol: s.symbol.to_string(),
        exchange: s.exchange.as_str().to_owned(),
        direction: s.direction.as_str().to_owned(),
        paper: s.paper,
        buy_time: s.buy_time.format("%H:%M:%S").to_string(),
        sell_time: s.sell_time.format("%H:%M:%S").to_string(),
        stop_loss: s.stop_loss.to_string(),
        target: s.exits.target.map(|o| o.to_string()),
        trailing_stop: s.exits.trailing_stop.map(|o| o.to_string()),
        quantity: s.quantity,
        product: s.product.as_str().to_owned(),
        status: row.status.as_str().to_owned(),
        position: rt.position.as_str().to_owned(),
        failure_reason: row.failure_reason.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub(super) async fn owned(state: &AppState, user: Uuid, id: &str) -> Result<StrategyRow, ApiError> {
    let id = parse_id(id)?;
    strategies::get(&state.pg, user, id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// `POST /strategy/create` → 201 `{strategy_id, status: "created"}`.
#[utoipa::path(post, path = "/strategy/create", tag = "strategies", security(("bearer" = [])), request_body = StrategyBody,
    responses((status = 201, body = StrategyCreated),
        (status = 400, description = "STRATEGY_INVALID (with fields), UNKNOWN_SYMBOL, BAD_REQUEST", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "STRATEGY_OVERLAP; BROKER_NOT_CONNECTED: no live Kite session to check the symbol with (log in to Kite)", body = ErrorBody),
        (status = 502, description = "BROKER_UNAVAILABLE", body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<StrategyBody>,
) -> Result<(StatusCode, Json<StrategyCreated>), ApiError> {
    let spec = parse_spec(&state, body).await?;
    let id = Uuid::new_v4();
    match strategies::create(&state.pg, user, id, &spec).await? {
        WriteOutcome::Done => {
            tracing::info!(event_type = "strategy_created", user_id = %user, strategy_id = %id, "created");
            Ok((
                StatusCode::CREATED,
                Json(StrategyCreated {
                    strategy_id: id,
                    status: "created".into(),
                }),
            ))
        }
        WriteOutcome::Overlap(other) => Err(overlap(other)),
        WriteOutcome::NotFound | WriteOutcome::Running => Err(ApiError::internal(
            "create reported a missing or running strategy",
        )),
    }
}

/// `GET /strategies` → the caller's strategies, newest first.
#[utoipa::path(get, path = "/strategies", tag = "strategies", security(("bearer" = [])),
    responses((status = 200, body = StrategyList), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<StrategyList>, ApiError> {
    let rows = strategies::list(&state.pg, user).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let runtimes = runtime::get_many(&state.redis, &ids).await?;
    Ok(Json(StrategyList {
        strategies: rows
            .iter()
            .zip(runtimes.iter())
            .map(|(r, rt)| strategy_out(r, rt))
            .collect(),
    }))
}

/// `GET /strategy/{id}`.
#[utoipa::path(get, path = "/strategy/{id}", tag = "strategies", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = StrategyOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<StrategyOut>, ApiError> {
    let row = owned(&state, user, &id).await?;
    let rt = runtime::get(&state.redis, row.id).await?;
    Ok(Json(strategy_out(&row, &rt)))
}

/// `PUT /strategy/{id}` (not while running) → the updated strategy.
#[utoipa::path(put, path = "/strategy/{id}", tag = "strategies", security(("bearer" = [])), params(("id" = String, Path)), request_body = StrategyBody,
    responses((status = 200, body = StrategyOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "STRATEGY_OVERLAP, STRATEGY_RUNNING; BROKER_NOT_CONNECTED: no live Kite session to check the symbol with (log in to Kite)", body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StrategyBody>,
) -> Result<Json<StrategyOut>, ApiError> {
    let row = owned(&state, user, &id).await?;
    if row.status == Status::Running {
        return Err(running());
    }
    let spec = parse_spec(&state, body).await?;
    match strategies::update(&state.pg, user, row.id, &spec).await? {
        WriteOutcome::Done => {}
        WriteOutcome::Overlap(other) => return Err(overlap(other)),
        WriteOutcome::NotFound => return Err(ApiError::not_found()),
        WriteOutcome::Running => return Err(running()),
    }
    let row = strategies::get(&state.pg, user, row.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let rt = runtime::get(&state.redis, row.id).await?;
    Ok(Json(strategy_out(&row, &rt)))
}

/// The body of `PATCH /strategy/{id}`: only the stop-loss moves, also while running.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopLossBody {
    /// Rupees, at most 2 decimals, a multiple of the tick (0.05): a number or a string.
    #[schema(value_type = String, example = "3450.00")]
    stop_loss: Option<Value>,
}

/// `PATCH /strategy/{id} {stop_loss}` → the updated strategy. Running or not: a running
/// strategy's stop moves at the stop-loss watcher within moments; its day's legs keep the
/// instrument and quantity they entered with.
#[utoipa::path(patch, path = "/strategy/{id}", tag = "strategies", security(("bearer" = [])), params(("id" = String, Path)), request_body = StopLossBody,
    responses((status = 200, body = StrategyOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn move_stop(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StopLossBody>,
) -> Result<Json<StrategyOut>, ApiError> {
    let row = owned(&state, user, &id).await?;
    // The same rules as a whole strategy: the rest of the spec as it is, the stop as asked.
    let spec = parse_spec(
        &state,
        StrategyBody {
            symbol: Some(Value::String(row.spec.symbol.to_string())),
            exchange: Some(Value::String(row.spec.exchange.as_str().into())),
            direction: Some(Value::String(row.spec.direction.as_str().into())),
            paper: Some(Value::Bool(row.spec.paper)),
            buy_time: Some(Value::String(
                row.spec.buy_time.format("%H:%M:%S").to_string(),
            )),
            sell_time: Some(Value::String(
                row.spec.sell_time.format("%H:%M:%S").to_string(),
            )),
            stop_loss: Some(body.stop_loss.unwrap_or(Value::Null)),
            quantity: Some(Value::from(row.spec.quantity)),
            product: Some(Value::String(row.spec.product.as_str().into())),
            target: row.spec.exits.target.map(|o| Value::String(o.to_string())),
            trailing_stop: row
                .spec
                .exits
                .trailing_stop
                .map(|o| Value::String(o.to_string())),
        },
    )
    .await?;
    if !strategies::set_stop_loss(&state.pg, user, row.id, spec.stop_loss).await? {
        return Err(ApiError::not_found());
    }
    let row = strategies::get(&state.pg, user, row.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if row.status == Status::Running {
        runtime::load(&state.redis, &row).await?;
        runtime::notify_watcher(&state.redis, row.id).await?;
    }
    tracing::info!(event_type = "stop_moved", strategy_id = %row.id, stop_loss_paise = row.spec.stop_loss.paise(), "stop-loss moved");
    let rt = runtime::get(&state.redis, row.id).await?;
    Ok(Json(strategy_out(&row, &rt)))
}

/// `DELETE /strategy/{id}` (not while running) → 204.
#[utoipa::path(delete, path = "/strategy/{id}", tag = "strategies", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "STRATEGY_RUNNING", body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let row = owned(&state, user, &id).await?;
    match strategies::delete(&state.pg, user, row.id).await? {
        WriteOutcome::Done => {
            state
                .scheduler
                .disarm(row.id)
                .await
                .map_err(ApiError::internal)?;
            runtime::forget(&state.redis, row.id, row.spec.symbol.as_ref()).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        WriteOutcome::Running => Err(running()),
        WriteOutcome::NotFound => Err(ApiError::not_found()),
        WriteOutcome::Overlap(_) => Err(ApiError::internal("delete reported an overlap")),
    }
}

/// `POST /strategy/start {strategy_id}` → 200 running. Idempotent.
#[utoipa::path(post, path = "/strategy/start", tag = "strategies", security(("bearer" = [])), request_body = StartRequest,
    responses((status = 200, body = StrategyState), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "BROKER_NOT_CONNECTED; LOSS_LIMIT_HIT: the daily loss limit was hit today", body = ErrorBody), (status = 424, description = "BROKER_AUTH_FAILED", body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<StartRequest>,
) -> Result<Json<StrategyState>, ApiError> {
    let row = owned(&state, user, &body.strategy_id).await?;
    match broker_keys::get(&state.pg, user).await? {
        None => {
            return Err(ApiError::new(
                ErrorCode::BrokerNotConnected,
                "connect your broker before starting a strategy",
            ))
        }
        Some(keys) if keys.status != "connected" => {
            return Err(ApiError::new(
                ErrorCode::BrokerAuthFailed,
                "your broker session expired; re-enter your access token",
            ))
        }
        Some(_) => {}
    }
    // The day's loss limit was hit: everything stays stopped until the next trading day (a
    // strategy started again would trade with no limit left to stop it).
    let today = TradingCalendar::trading_date(state.clock.now());
    if algo_store::postgres::users::loss_limit(&state.pg, user)
        .await?
        .hit_on
        == Some(today)
    {
        return Err(ApiError::new(
            ErrorCode::LossLimitHit,
            "today's loss reached your daily loss limit: strategies start again on the next trading day",
        ));
    }
    runtime::load(&state.redis, &row).await?;
    // Running before the timers exist: one may fire at once (its instant inside the early
    // window), and the executor drops an event for a strategy not running.
    strategies::set_status(&state.pg, user, row.id, Status::Running, None).await?;
    if let Err(e) = state.scheduler.arm(&row).await {
        strategies::set_status(
            &state.pg,
            user,
            row.id,
            row.status,
            row.failure_reason.as_deref(),
        )
        .await?;
        return Err(ApiError::internal(e));
    }
    tracing::info!(event_type = "strategy_started", user_id = %user, strategy_id = %row.id, "started");
    Ok(Json(StrategyState {
        strategy_id: row.id,
        status: "running".into(),
    }))
}

/// `POST /strategy/stop {strategy_id, exit_position?}` → 200 stopped. Idempotent.
#[utoipa::path(post, path = "/strategy/stop", tag = "strategies", security(("bearer" = [])), request_body = StopRequest,
    responses((status = 200, body = StopResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn stop(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<StopRequest>,
) -> Result<Json<StopResult>, ApiError> {
    let row = owned(&state, user, &body.strategy_id).await?;
    Ok(Json(
        stop_one(&state, user, &row, body.exit_position).await?,
    ))
}

/// `POST /strategies/square-off` → 200 `{strategies: [StopResult]}`: stops every strategy of the
/// caller and exits every position open today (or an entry still in flight), each as
/// `POST /strategy/stop {exit_position: true}` would. Idempotent: a second call finds nothing
/// open, and each exit is one EXIT leg whatever asked for it.
#[utoipa::path(post, path = "/strategies/square-off", tag = "strategies", security(("bearer" = [])),
    responses((status = 200, body = SquareOffResult), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn square_off(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<SquareOffResult>, ApiError> {
    let rows = strategies::list(&state.pg, user).await?;
    // Side by side: every exit goes out at once rather than one after another's round trips.
    let results =
        futures_util::future::join_all(rows.iter().map(|row| stop_one(&state, user, row, true)))
            .await;
    let mut stopped = Vec::with_capacity(results.len());
    let mut first_error = None;
    for result in results {
        match result {
            Ok(r) => stopped.push(r),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let exits = stopped.iter().filter(|r| r.exit_requested).count();
    tracing::warn!(event_type = "square_off", user_id = %user, strategies = stopped.len(), exits, "square off all");
    // One that could not be stopped is an error: the trader must not read "all squared off".
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(Json(SquareOffResult {
        strategies: stopped,
        exits_requested: exits,
    }))
}

/// Stops one strategy and, with `exit`, queues the exit of its open position.
async fn stop_one(
    state: &AppState,
    user: Uuid,
    row: &StrategyRow,
    exit: bool,
) -> Result<StopResult, ApiError> {
    state
        .scheduler
        .disarm(row.id)
        .await
        .map_err(ApiError::internal)?;
    let stopped = crate::stopping::stop_strategy(
        &state.pg,
        &state.redis,
        state.queue.as_ref(),
        state.clock.as_ref(),
        row,
        None,
        exit,
    )
    .await?;
    let exit_requested = stopped.exit_requested;
    tracing::info!(event_type = "strategy_stopped", user_id = %user, strategy_id = %row.id, exit_requested, "stopped");
    let status = if row.status == Status::Failed {
        "failed"
    } else {
        "stopped"
    };
    Ok(StopResult {
        strategy_id: row.id,
        status: status.into(),
        position: stopped.position.as_str().into(),
        exit_requested,
    })
}

/// The next timed action of a running strategy and when it is due.
pub fn next_action(
    calendar: &TradingCalendar,
    row: &StrategyRow,
    rt: &Runtime,
    now: DateTime<Utc>,
) -> Option<(&'static str, DateTime<Utc>)> {
    if row.status != Status::Running {
        return None;
    }
    let today = TradingCalendar::trading_date(now);
    let today_runtime = rt.trading_date == Some(today);
    match rt.position {
        Position::Buying | Position::Bought | Position::Selling if today_runtime => {
            let spec = &row.spec;
            let exit = calendar
                .exit_time(today, spec.exchange, spec.product, spec.sell_time)
                .unwrap_or(spec.sell_time);
            Some(("SELL", TradingCalendar::instant(today, exit)))
        }
        _ => {
            // Today's entry is spent once today's runtime moved past `none`.
            let from = if today_runtime && rt.position != Position::None {
                TradingCalendar::instant(
                    today.checked_add_days(Days::new(1))?,
                    chrono::NaiveTime::MIN,
                )
            } else {
                now
            };
            calendar
                .next_entry_instant(row.spec.exchange, row.spec.buy_time, from)
                .map(|at| ("BUY", at))
        }
    }
}

/// `GET /strategy/status/{id}`.
#[utoipa::path(get, path = "/strategy/status/{id}", tag = "strategies", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = StrategyStatus), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<StrategyStatus>, ApiError> {
    let row = owned(&state, user, &id).await?;
    let rt = runtime::get(&state.redis, row.id).await?;
    let logs = order_logs::list(&state.pg, user, row.id).await?;
    let last_action = logs.first().map(|l| Action {
        event: l.event.clone(),
        status: Some(l.status.clone()),
        at: l.placed_at.unwrap_or(l.created_at),
    });
    let next_action =
        next_action(&state.calendar, &row, &rt, state.clock.now()).map(|(event, at)| Action {
            event: event.into(),
            status: None,
            at,
        });
    let waiting_for_login = row.status == Status::Running
        && !matches!(
            SessionState::of(
                broker_keys::get(&state.pg, user).await?.as_ref(),
                state.clock.now()
            ),
            SessionState::Live { .. }
        );
    // A day that ended flat is over: the next trading day starts with no position. A position
    // still open from an earlier day (an exit that failed) stays shown until it is dealt with.
    let today = TradingCalendar::trading_date(state.clock.now());
    let position = match rt.position {
        Position::Sold if rt.trading_date != Some(today) => Position::None,
        position => position,
    };
    let rupees = |p: i64| algo_core::Price::from_paise(p).ok().map(|p| p.to_string());
    let open_today = position == Position::Bought && rt.trading_date == Some(today);
    let stop_in_force = open_today
        .then(|| crate::executor::stop_in_force(&row, row.spec.direction, rt.trail_stop_paise))
        .and_then(rupees);
    let resting_stop_order = logs
        .iter()
        .find(|l| l.event == "GUARD" && l.status == "PLACED" && l.trading_date == today)
        .and_then(|l| l.broker_order_id.clone())
        .filter(|_| open_today);
    Ok(Json(StrategyStatus {
        strategy_id: row.id,
        status: row.status.as_str().into(),
        position: position.as_str().into(),
        last_action,
        last_price: rt.last_price_paise.and_then(rupees),
        stop_in_force,
        resting_stop_order,
        paper: row.spec.paper,
        next_action,
        failure_reason: row.failure_reason.clone(),
        waiting_for: waiting_for_login.then(|| "login".to_owned()),
    }))
}

/// `GET /strategy/{id}/orders` → the order log, newest first.
#[utoipa::path(get, path = "/strategy/{id}/orders", tag = "strategies", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OrderLog), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn orders(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<OrderLog>, ApiError> {
    let row = owned(&state, user, &id).await?;
    let logs = order_logs::list(&state.pg, user, row.id).await?;
    let orders = logs
        .into_iter()
        .map(|l| OrderLogOut {
            order_id: l.id,
            event: l.event,
            broker_order_id: l.broker_order_id,
            status: l.status,
            quantity: l.quantity,
            average_price: l
                .average_price_paise
                .and_then(|p| algo_core::Price::from_paise(p).ok())
                .map(|p| p.to_string()),
            message: l.message,
            scheduled_for: l.scheduled_for,
            placed_at: l.placed_at,
            latency_ms: l.latency_ms,
        })
        .collect();
    Ok(Json(OrderLog { orders }))
}
