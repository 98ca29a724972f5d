//! The ticker WebSocket at `/ws?api_key=…&access_token=…`, in Kite's protocol.
//!
//! - Bad credentials: the upgrade is refused with 403, as Kite does.
//! - Text requests `{"a":"subscribe"|"unsubscribe"|"mode",…}`; new subscriptions are in `quote`
//!   mode. Each subscribe or mode request is answered at once with the current ticks.
//! - A binary frame whenever a subscribed instrument's price changes, in its mode.
//! - A 1-byte heartbeat every heartbeat interval.
//! - `{"type":"order","data":{…}}` text messages for the account's own order updates.
//!
//! A connection ends when the client goes, on `/_sim/disconnect` (dropped without a close
//! frame, like a network failure) and on shutdown.

use std::collections::HashMap;

use algo_kite::ticker::{encode_frame, ClientRequest, Mode, ServerMessage, Tick, HEARTBEAT};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::accounts::Account;
use crate::envelope::KiteError;
use crate::exchange::{ConnectionGuard, MarketEvent, OrderEvent};
use crate::market::Quote;
use crate::router::AppState;

/// Kite's limit of instruments per connection.
pub const MAX_SUBSCRIPTIONS: usize = 3000;

#[derive(serde::Deserialize)]
pub struct Credentials {
    api_key: Option<String>,
    access_token: Option<String>,
}

/// `GET /ws`: upgrades when the credentials are live; 403 `TokenException` otherwise.
pub async fn upgrade(
    State(app): State<AppState>,
    Query(credentials): Query<Credentials>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let account = match (credentials.api_key, credentials.access_token) {
        (Some(key), Some(token)) => app.exchange.authenticate(&key, &token),
        _ => None,
    };
    let Some(account) = account else {
        tracing::info!("ticker connection refused: bad credentials");
        return KiteError::token().into_response();
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    // Listen before answering 101: whatever happens once the client is connected reaches it.
    let connection = Connection {
        _open: app.exchange.connection_opened(),
        dropped: app.exchange.connection_token(),
        market: app.exchange.market_events(),
        orders: app.exchange.order_events(),
    };
    let span = tracing::info_span!("ticker", user_id = %account.user_id);
    ws.on_upgrade(move |socket| serve(socket, app, account, connection).instrument(span))
}

/// What a connection listens to, taken before the upgrade is answered.
struct Connection {
    _open: ConnectionGuard,
    dropped: CancellationToken,
    market: broadcast::Receiver<MarketEvent>,
    orders: broadcast::Receiver<OrderEvent>,
}

/// One connection's subscriptions.
#[derive(Default)]
struct Subscriptions {
    modes: HashMap<u32, Mode>,
}

impl Subscriptions {
    /// Applies a request; returns the tokens to send at once, or an error to report.
    fn apply(&mut self, request: ClientRequest) -> Result<Vec<u32>, String> {
        match request {
            ClientRequest::Subscribe(tokens) => {
                let new = tokens
                    .iter()
                    .filter(|t| !self.modes.contains_key(t))
                    .count();
                if self.modes.len() + new > MAX_SUBSCRIPTIONS {
                    return Err(format!(
                        "Subscription limit exceeded: at most {MAX_SUBSCRIPTIONS} instruments per connection."
                    ));
                }
                for t in &tokens {
                    self.modes.entry(*t).or_insert(Mode::Quote);
                }
                Ok(tokens)
            }
            ClientRequest::Mode(mode, tokens) => {
                // Kite changes the mode of subscribed instruments only.
                let tokens: Vec<u32> = tokens
                    .into_iter()
                    .filter(|t| self.modes.contains_key(t))
                    .collect();
                for t in &tokens {
                    self.modes.insert(*t, mode);
                }
                Ok(tokens)
            }
            ClientRequest::Unsubscribe(tokens) => {
                for t in &tokens {
                    self.modes.remove(t);
                }
                Ok(Vec::new())
            }
        }
    }

    /// A frame with the subscribed ones among `quotes`, each in its mode.
    fn frame<'a>(&self, quotes: impl IntoIterator<Item = &'a Quote>) -> Option<Message> {
        let ticks: Vec<Tick> = quotes
            .into_iter()
            .filter_map(|q| self.modes.get(&q.token).map(|m| q.tick(*m)))
            .collect();
        (!ticks.is_empty()).then(|| Message::Binary(encode_frame(&ticks).into()))
    }
}

async fn serve(mut socket: WebSocket, app: AppState, account: Account, connection: Connection) {
    let exchange = app.exchange.clone();
    let Connection {
        _open,
        dropped,
        mut market,
        mut orders,
    } = connection;
    let mut heartbeat = tokio::time::interval(app.heartbeat);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut subs = Subscriptions::default();
    tracing::info!("ticker connected");
    let why = loop {
        let out = tokio::select! {
            _ = dropped.cancelled() => break "dropped by /_sim/disconnect",
            _ = app.stop.cancelled() => break "simulator shutting down",
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => match ClientRequest::parse(text.as_str()) {
                    Ok(request) => match subs.apply(request) {
                        Ok(tokens) => subs.frame(exchange.quotes(&tokens).iter()),
                        Err(e) => Some(Message::Text(ServerMessage::Error(e).to_json().into())),
                    },
                    Err(e) => Some(Message::Text(ServerMessage::Error(e.to_string()).to_json().into())),
                },
                Some(Ok(Message::Close(_))) | None => break "closed by the client",
                Some(Err(_)) => break "connection error",
                Some(Ok(_)) => None,
            },
            event = market.recv() => match event {
                Ok(quotes) => subs.frame(quotes.iter()),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "ticker connection too slow: price events dropped");
                    None
                }
                Err(RecvError::Closed) => break "exchange gone",
            },
            event = orders.recv() => match event {
                Ok(update) if *update.api_key == *account.api_key => {
                    Some(Message::Text(update.message.as_ref().into()))
                }
                Ok(_) => None,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "ticker connection too slow: order updates dropped");
                    None
                }
                Err(RecvError::Closed) => break "exchange gone",
            },
            _ = heartbeat.tick() => Some(Message::Binary(HEARTBEAT.to_vec().into())),
        };
        let Some(message) = out else { continue };
        tokio::select! {
            sent = socket.send(message) => if sent.is_err() { break "send failed" },
            _ = dropped.cancelled() => break "dropped by /_sim/disconnect",
            _ = app.stop.cancelled() => break "simulator shutting down",
        }
    };
    tracing::info!(reason = why, "ticker disconnected");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_default_to_quote_and_respect_the_limit() {
        let mut subs = Subscriptions::default();
        assert_eq!(
            subs.apply(ClientRequest::Subscribe(vec![1, 2])),
            Ok(vec![1, 2])
        );
        assert_eq!(subs.modes.get(&1), Some(&Mode::Quote));
        assert_eq!(
            subs.apply(ClientRequest::Mode(Mode::Full, vec![1, 3])),
            Ok(vec![1]),
            "only subscribed instruments change mode"
        );
        assert_eq!(subs.modes.get(&1), Some(&Mode::Full));
        subs.apply(ClientRequest::Subscribe(vec![1]))
            .expect("resubscribe");
        assert_eq!(
            subs.modes.get(&1),
            Some(&Mode::Full),
            "a resubscribe keeps the mode"
        );
        subs.apply(ClientRequest::Unsubscribe(vec![1, 2]))
            .expect("unsubscribe");
        assert!(subs.modes.is_empty());
        let many: Vec<u32> = (0..=MAX_SUBSCRIPTIONS as u32).collect();
        assert!(subs.apply(ClientRequest::Subscribe(many)).is_err());
        assert!(subs.modes.is_empty(), "a refused request changes nothing");
    }
}
