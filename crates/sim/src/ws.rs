//! The ticker WebSocket at `/ws?api_key=…&access_token=…`, speaking Kite's protocol:
//! subscribe/unsubscribe/mode requests, binary tick frames, 1-byte heartbeats each second, and
//! order updates as text for the account's own orders.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use algo_kite::ticker::{encode_frame, ClientRequest, Mode, ServerMessage, Tick, HEARTBEAT};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::error::RecvError;

use crate::envelope::KiteError;
use crate::exchange::Exchange;

#[derive(serde::Deserialize)]
pub struct Credentials {
    api_key: Option<String>,
    access_token: Option<String>,
}

/// Upgrades when the credentials are live; Kite's 403 otherwise.
pub async fn upgrade(
    State((ex, heartbeat)): State<(Arc<Exchange>, Duration)>,
    Query(c): Query<Credentials>,
    ws: WebSocketUpgrade,
) -> Response {
    let (Some(api_key), Some(token)) = (c.api_key, c.access_token) else {
        return KiteError::token().into_response();
    };
    if ex.authenticate(&api_key, &token).is_none() {
        return KiteError::token().into_response();
    }
    ws.on_upgrade(move |socket| serve(socket, ex, api_key, heartbeat))
}

fn frame(ex: &Exchange, subs: &HashMap<u32, Mode>, tokens: &[u32]) -> Option<Vec<u8>> {
    let ticks: Vec<Tick> = tokens
        .iter()
        .filter_map(|t| subs.get(t).and_then(|m| ex.tick(*t, *m)))
        .collect();
    (!ticks.is_empty()).then(|| encode_frame(&ticks))
}

async fn serve(mut socket: WebSocket, ex: Arc<Exchange>, api_key: String, heartbeat: Duration) {
    let mut ticks = ex.ticks.subscribe();
    let mut orders = ex.order_updates.subscribe();
    let mut kill = ex.kill.subscribe();
    let mut subs: HashMap<u32, Mode> = HashMap::new();
    let mut beat = tokio::time::interval(heartbeat);
    loop {
        let out: Option<Message> = tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => match ClientRequest::parse(text.as_str()) {
                    Ok(ClientRequest::Subscribe(tokens)) => {
                        for t in &tokens {
                            subs.entry(*t).or_insert(Mode::Quote);
                        }
                        frame(&ex, &subs, &tokens).map(|f| Message::Binary(f.into()))
                    }
                    Ok(ClientRequest::Mode(mode, tokens)) => {
                        for t in &tokens {
                            subs.insert(*t, mode);
                        }
                        frame(&ex, &subs, &tokens).map(|f| Message::Binary(f.into()))
                    }
                    Ok(ClientRequest::Unsubscribe(tokens)) => {
                        for t in &tokens {
                            subs.remove(t);
                        }
                        None
                    }
                    Err(e) => Some(Message::Text(ServerMessage::Error(e.to_string()).to_json().into())),
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => None,
            },
            tick = ticks.recv() => match tick {
                Ok((token, _)) if subs.contains_key(&token) => frame(&ex, &subs, &[token]).map(|f| Message::Binary(f.into())),
                Ok(_) | Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => break,
            },
            update = orders.recv() => match update {
                Ok((key, order)) if key == api_key => Some(Message::Text(serde_json::json!({ "type": "order", "data": order }).to_string().into())),
                Ok(_) | Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => break,
            },
            _ = beat.tick() => Some(Message::Binary(HEARTBEAT.to_vec().into())),
            _ = kill.recv() => break,
        };
        if let Some(message) = out {
            if socket.send(message).await.is_err() {
                break;
            }
        }
    }
}
