//! P&L from the broker's fills: `GET /pnl?from=&to=` (per day, all the user's strategies) and
//! `GET /strategy/{id}/days?from=&to=` (per day, one strategy). Realised P&L in exact paise
//! (and as rupee text), from the legs' average fill prices; partial fills count for what filled.

use std::collections::{BTreeMap, HashMap};

use algo_core::pnl::{day_pnl, DayPnl, Fill};
use algo_core::strategy::Direction;
use algo_core::{ErrorCode, TradingCalendar};
use algo_store::postgres::order_logs::{self, FillRow};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::AuthUser;
use super::{ApiError, AppState};

/// The longest range one request may ask for.
const MAX_DAYS: i64 = 366;

/// One strategy-day.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyDay {
    pub trading_date: NaiveDate,
    /// `LONG` (bought, then sold) or `SHORT` (sold, then bought back), as the day's entry went.
    pub direction: String,
    /// A paper day: simulated fills, nothing placed at the broker.
    pub paper: bool,
    pub bought_quantity: i64,
    /// Rupees with two decimals.
    pub buy_average_price: Option<String>,
    pub sold_quantity: i64,
    pub sell_average_price: Option<String>,
    pub realised_pnl_paise: i64,
    /// Rupees with two decimals, signed.
    pub realised_pnl: String,
    /// Bought and not sold through the app.
    pub open_quantity: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StrategyDays {
    pub strategy_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days with a fill, oldest first.
    pub days: Vec<StrategyDay>,
    pub total_pnl_paise: i64,
    pub total_pnl: String,
}

/// One day of the user's P&L.
#[derive(Debug, Serialize, ToSchema)]
pub struct PnlDay {
    pub trading_date: NaiveDate,
    pub pnl_paise: i64,
    pub pnl: String,
    /// How many strategies traded that day.
    pub strategies: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PnlSummary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Real money only: paper strategies' days are in `paper_pnl_paise`.
    pub days: Vec<PnlDay>,
    pub total_pnl_paise: i64,
    pub total_pnl: String,
    /// What the paper strategies' days made in the range (simulated fills, never real money).
    pub paper_pnl_paise: i64,
    pub paper_pnl: String,
}

/// `-47.50`, `+52.50`, `0.00`: rupees from paise, signed.
fn signed(paise: i64) -> String {
    let sign = match paise.signum() {
        1 => "+",
        -1 => "-",
        _ => "",
    };
    let abs = paise.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn rupees(paise: i64) -> String {
    format!("{}.{:02}", paise / 100, paise % 100)
}

/// `from`/`to` from the query: dates, `from` ≤ `to`, at most [`MAX_DAYS`] apart; by default
/// the 30 days up to today (IST).
fn range(
    state: &AppState,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let Query(query) = query
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "the query string cannot be read"))?;
    let date = |name: &str| -> Result<Option<NaiveDate>, ApiError> {
        query
            .get(name)
            .map(|v| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                    ApiError::new(ErrorCode::BadRequest, format!("{name} must be YYYY-MM-DD"))
                })
            })
            .transpose()
    };
    let today = TradingCalendar::trading_date(state.clock.now());
    let to = date("to")?.unwrap_or(today);
    let from = date("from")?.unwrap_or(to - chrono::Days::new(30));
    if from > to {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "from must not be after to",
        ));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            format!("ask for at most {MAX_DAYS} days at once"),
        ));
    }
    Ok((from, to))
}

/// Each strategy-day's P&L from its fills, in the direction its entry's side says (the API,
/// the daily summary and the loss limit all count it so).
pub(crate) fn days(fills: &[FillRow]) -> BTreeMap<(NaiveDate, Uuid), DayPnl> {
    type Legs = (Option<(Direction, Fill)>, Vec<Fill>);
    let mut legs: BTreeMap<(NaiveDate, Uuid), Legs> = BTreeMap::new();
    let paper = paper_days(fills);
    for f in fills {
        if paper.contains(&(f.trading_date, f.strategy_id)) != f.paper {
            // A strategy-day is paper or real by its entry; a stray fill of the other kind
            // (the mode changed between two days' legs) is not mixed in.
            continue;
        }
        let fill = Fill {
            quantity: i64::from(f.filled_quantity),
            average_paise: f.average_price_paise,
        };
        let day = legs.entry((f.trading_date, f.strategy_id)).or_default();
        if f.event == "BUY" {
            day.0 = Some((Direction::of_entry(f.side), fill));
        } else {
            day.1.push(fill);
        }
    }
    legs.into_iter()
        .map(|(key, (entry, exits))| {
            let direction = entry.map(|(d, _)| d).unwrap_or_default();
            (key, day_pnl(direction, entry.map(|(_, f)| f), &exits))
        })
        .collect()
}

/// The strategy-days that were paper: as their entry was (or their first fill, without one).
/// One pass over the fills.
pub(crate) fn paper_days(fills: &[FillRow]) -> std::collections::BTreeSet<(NaiveDate, Uuid)> {
    let mut by_day: BTreeMap<(NaiveDate, Uuid), (Option<bool>, bool)> = BTreeMap::new();
    for f in fills {
        let day = by_day
            .entry((f.trading_date, f.strategy_id))
            .or_insert((None, f.paper));
        if f.event == "BUY" && day.0.is_none() {
            day.0 = Some(f.paper);
        }
    }
    by_day
        .into_iter()
        .filter(|(_, (entry, first))| entry.unwrap_or(*first))
        .map(|(key, _)| key)
        .collect()
}

/// `GET /pnl?from=YYYY-MM-DD&to=YYYY-MM-DD`.
#[utoipa::path(get, path = "/pnl", tag = "strategies", security(("bearer" = [])),
    params(("from" = Option<String>, Query, description = "first date, YYYY-MM-DD (default: 30 days before to)"),
           ("to" = Option<String>, Query, description = "last date, YYYY-MM-DD (default: today, IST)")),
    responses((status = 200, body = PnlSummary), (status = 400, body = super::dto::ErrorBody),
        (status = 401, body = super::dto::ErrorBody), (status = 503, body = super::dto::ErrorBody)))]
pub async fn pnl(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<PnlSummary>, ApiError> {
    let (from, to) = range(&state, query)?;
    let fills = order_logs::fills(&state.pg, user, None, from, to).await?;
    let paper = paper_days(&fills);
    let mut by_date: BTreeMap<NaiveDate, (i64, usize)> = BTreeMap::new();
    let mut paper_total = 0;
    for (key, day) in days(&fills) {
        // Paper is reported beside real money, never in it.
        if paper.contains(&key) {
            paper_total += day.realised_paise;
            continue;
        }
        let entry = by_date.entry(key.0).or_default();
        entry.0 += day.realised_paise;
        entry.1 += 1;
    }
    let total: i64 = by_date.values().map(|(p, _)| p).sum();
    Ok(Json(PnlSummary {
        from,
        to,
        days: by_date
            .into_iter()
            .map(|(trading_date, (pnl_paise, strategies))| PnlDay {
                trading_date,
                pnl_paise,
                pnl: signed(pnl_paise),
                strategies,
            })
            .collect(),
        total_pnl_paise: total,
        total_pnl: signed(total),
        paper_pnl_paise: paper_total,
        paper_pnl: signed(paper_total),
    }))
}

/// `GET /strategy/{id}/days?from=&to=`.
#[utoipa::path(get, path = "/strategy/{id}/days", tag = "strategies", security(("bearer" = [])),
    params(("id" = String, Path),
           ("from" = Option<String>, Query, description = "first date, YYYY-MM-DD"),
           ("to" = Option<String>, Query, description = "last date, YYYY-MM-DD")),
    responses((status = 200, body = StrategyDays), (status = 400, body = super::dto::ErrorBody),
        (status = 401, body = super::dto::ErrorBody), (status = 404, body = super::dto::ErrorBody),
        (status = 503, body = super::dto::ErrorBody)))]
pub async fn strategy_days(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<StrategyDays>, ApiError> {
    let row = super::strategies::owned(&state, user, &id).await?;
    let (from, to) = range(&state, query)?;
    let fills = order_logs::fills(&state.pg, user, Some(row.id), from, to).await?;
    let paper = paper_days(&fills);
    let days: Vec<StrategyDay> = days(&fills)
        .into_iter()
        .map(|((trading_date, id), d)| StrategyDay {
            trading_date,
            paper: paper.contains(&(trading_date, id)),
            direction: d.direction.as_str().to_owned(),
            bought_quantity: d.bought().0,
            buy_average_price: d.bought().1.map(rupees),
            sold_quantity: d.sold().0,
            sell_average_price: d.sold().1.map(rupees),
            realised_pnl_paise: d.realised_paise,
            realised_pnl: signed(d.realised_paise),
            open_quantity: d.open,
        })
        .collect();
    let total = days.iter().map(|d| d.realised_pnl_paise).sum();
    Ok(Json(StrategyDays {
        strategy_id: row.id,
        from,
        to,
        days,
        total_pnl_paise: total,
        total_pnl: signed(total),
    }))
}
