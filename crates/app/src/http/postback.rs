//! `POST /broker/postback`: Kite's order postbacks (for orders placed with the app's own
//! api_key, sent to the postback URL registered in the Kite developer console).
//!
//! A postback is a hint, not the record: its checksum (`sha256(order_id + order_timestamp +
//! api_secret)`) signs only the order id and time, not the status or the fills. So a postback
//! whose checksum holds makes the server ask the broker for the order's history with the
//! owner's own session, and records what the broker says, through the same step as the
//! executor and the reconciler. A postback for an order that is not ours is acknowledged and
//! ignored; a bad checksum is refused and changes nothing.

use algo_core::{ErrorCode, EventKind};
use algo_kite::types::OrderState;
use algo_kite::Secret;
use algo_store::postgres::{broker_keys, order_logs, strategies};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::extract::ApiJson;
use super::{ApiError, AppState};
use crate::broker::crypto::Sealed;

/// The fields of Kite's postback the server reads (the rest is ignored).
#[derive(Deserialize)]
pub struct Postback {
    order_id: String,
    order_timestamp: String,
    checksum: String,
}

fn refused() -> ApiError {
    ApiError::new(
        ErrorCode::Forbidden,
        "the postback's checksum does not match",
    )
}

/// `POST /broker/postback` → 200 once handled (or not ours), 403 on a bad checksum.
pub async fn postback(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Postback>,
) -> Result<StatusCode, ApiError> {
    let Some(leg) = order_logs::by_broker_order(&state.pg, &body.order_id).await? else {
        tracing::debug!(broker_order_id = %body.order_id, "postback for an order that is not ours");
        return Ok(StatusCode::OK);
    };
    let Some(keys) = broker_keys::get(&state.pg, leg.user_id).await? else {
        return Err(refused());
    };
    let secrets = state
        .cipher
        .open(
            leg.user_id,
            &Sealed {
                ciphertext: keys.ciphertext,
                nonce: keys.nonce,
                key_id: keys.key_id,
            },
        )
        .map_err(ApiError::internal)?;
    if !algo_kite::postback::verify(
        &body.order_id,
        &body.order_timestamp,
        &secrets.secret_key,
        &body.checksum,
    ) {
        tracing::warn!(broker_order_id = %body.order_id, "postback with a bad checksum refused");
        return Err(refused());
    }
    if !leg.is_open() {
        return Ok(StatusCode::OK);
    }
    // The broker's own word, not the postback's body.
    let client = state
        .kite
        .client(&secrets.api_key, Secret::new(secrets.access_token));
    let history = client.order_history(&body.order_id).await.map_err(|e| {
        tracing::warn!(error = %e, "postback: order history unavailable; the reconciler follows it");
        ApiError::new(
            ErrorCode::BrokerUnavailable,
            "the broker did not answer; the order is followed all the same",
        )
    })?;
    let Some(last) = history.last().filter(|o| o.state() != OrderState::Pending) else {
        return Ok(StatusCode::OK);
    };
    let (Some(kind), Some(row)) = (
        EventKind::parse(&leg.event),
        strategies::get_for_executor(&state.pg, leg.strategy_id).await?,
    ) else {
        return Ok(StatusCode::OK);
    };
    let recorded = crate::executor::record_final(
        &strategies::PgStrategies::new(state.pg.clone()),
        &order_logs::PgOrderLog::new(state.pg.clone()),
        &algo_store::redis::runtime::RedisRuntime::new(state.redis.clone()),
        state.clock.now(),
        &row,
        kind,
        leg.trading_date,
        &leg.ledger_key,
        last,
    )
    .await?;
    tracing::info!(event_type = "order_postback", broker_order_id = %body.order_id, status = recorded.status, "recorded from a postback");
    Ok(StatusCode::OK)
}
