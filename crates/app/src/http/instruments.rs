//! `GET /instruments/search?q=&exchange=`: the symbols a trader may mean, with their last
//! prices, from the broker's instrument list of the day (the one strategy create checks with).

use std::collections::HashMap;

use algo_core::{ErrorCode, Exchange, FieldError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::ErrorBody;
use super::extract::AuthUser;
use super::{ApiError, AppState};
use crate::ports::DirectoryError;

/// At most this many matches per search: one screen of suggestions, one quote call.
pub const SEARCH_LIMIT: usize = 20;

/// The longest query, in characters (a symbol has at most 25; names are longer).
pub const MAX_QUERY_CHARS: usize = 40;

/// One tradable equity.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstrumentOut {
    /// `NSE` or `BSE`.
    #[schema(example = "NSE")]
    pub exchange: String,
    /// The symbol a strategy takes.
    #[schema(example = "TCS")]
    pub tradingsymbol: String,
    #[schema(example = "TATA CONSULTANCY SERV")]
    pub name: String,
    #[schema(example = 2953217)]
    pub instrument_token: u32,
    /// The last traded price in paise; `null` when the broker's quote could not be had.
    #[schema(example = 350000)]
    pub last_price_paise: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstrumentSearch {
    /// Symbols starting with the query first (shortest first), then names with a word
    /// starting with it; at most 20.
    pub instruments: Vec<InstrumentOut>,
}

fn bad(field: &str, message: &str) -> ApiError {
    ApiError::invalid(
        ErrorCode::BadRequest,
        message,
        vec![FieldError::new(field, message)],
    )
}

/// `q` (trimmed, 1–40 characters) and `exchange` (`NSE` by default, or `BSE`).
fn parse_query(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<(String, Exchange), ApiError> {
    let Query(query) = query
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "the query string cannot be read"))?;
    let text = query.get("q").map(|q| q.trim()).unwrap_or_default();
    if text.is_empty() {
        return Err(bad("q", "type at least one character to search for"));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(bad(
            "q",
            &format!("search with at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let exchange = match query.get("exchange") {
        None => Exchange::default(),
        Some(e) => {
            Exchange::parse(e).ok_or_else(|| bad("exchange", "exchange must be NSE or BSE"))?
        }
    };
    Ok((text.to_owned(), exchange))
}

/// `GET /instruments/search?q=TAT&exchange=NSE` → `{instruments: [...]}`.
#[utoipa::path(get, path = "/instruments/search", operation_id = "search_instruments", tag = "strategies", security(("bearer" = [])),
    params(("q" = String, Query, description = "what the trader typed: the start of a symbol or of a word of the name, 1–40 characters"),
           ("exchange" = Option<String>, Query, description = "`NSE` (default) or `BSE`")),
    responses((status = 200, body = InstrumentSearch),
        (status = 400, description = "BAD_REQUEST: an empty or too long `q`, an unknown `exchange` (with fields)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "BROKER_NOT_CONNECTED: no live Kite session to read the instrument list with (log in to Kite)", body = ErrorBody),
        (status = 502, description = "BROKER_UNAVAILABLE", body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    AuthUser(_user): AuthUser,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<InstrumentSearch>, ApiError> {
    let (text, exchange) = parse_query(query)?;
    let found = match state.symbols.search(exchange, &text, SEARCH_LIMIT).await {
        Ok(found) => found,
        Err(DirectoryError::LoginNeeded) => {
            return Err(ApiError::new(
                ErrorCode::BrokerNotConnected,
                "log in to Kite first: symbols are searched in the broker's instrument list, \
                 which needs today's Kite login",
            ))
        }
        Err(DirectoryError::Unavailable(cause)) => {
            tracing::warn!(error.cause = %cause, "instrument list unavailable");
            return Err(ApiError::new(
                ErrorCode::BrokerUnavailable,
                "the broker's instrument list is unavailable; try again shortly",
            ));
        }
    };
    Ok(Json(InstrumentSearch {
        instruments: found
            .into_iter()
            .map(|m| InstrumentOut {
                exchange: m.exchange.as_str().to_owned(),
                tradingsymbol: m.tradingsymbol,
                name: m.name,
                instrument_token: m.instrument_token,
                last_price_paise: m.last_price_paise,
            })
            .collect(),
    }))
}
