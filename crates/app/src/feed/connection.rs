//! One ticker WebSocket connection: subscribes what it is told, hands decoded ticks on, and
//! never stays down.
//!
//! A connection that sends no frame for [`SILENCE`] (Kite sends a heartbeat every second) is
//! dead even if it never closed: it is dropped and re-dialled after ~2 s with jittered, capped
//! backoff, and everything is subscribed again. The URL carries the token and can change (a
//! morning login): the connection then re-dials with the new one. A refused handshake (a dead
//! token answers 403) is not retried with the same token at all: the connection reports
//! unhealthy and waits for a new URL. With no URL (nobody logged in) it waits too.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use algo_kite::ticker::{decode_frame_into, ClientRequest, Mode, OrderUpdate, ServerMessage, Tick};
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::FeedStats;

/// No frame for this long means the connection is dead.
pub const SILENCE: Duration = Duration::from_secs(5);

/// Receives the ticks of each frame; called on the connection's task, so keep it quick.
pub type TickSink = Arc<dyn Fn(&[Tick]) + Send + Sync>;

/// Receives the order updates of the token's account (Kite sends them on the ticker as text
/// messages); `None` for a connection whose updates another connection already hands on.
pub type OrderSink = Option<Arc<dyn Fn(OrderUpdate) + Send + Sync>>;

fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_secs(2)
        .saturating_mul(1 << attempt.min(4))
        .min(Duration::from_secs(30));
    let jitter = rand::thread_rng().gen_range(0..=500);
    base + Duration::from_millis(jitter)
}

/// Runs one connection until `shutdown`, keeping its subscriptions equal to `desired`.
pub async fn run(
    index: usize,
    mut url: watch::Receiver<Option<String>>,
    mut desired: watch::Receiver<Vec<u32>>,
    sink: TickSink,
    orders: OrderSink,
    stats: Arc<FeedStats>,
    shutdown: CancellationToken,
) {
    let mut attempt = 0u32;
    let mut ticks: Vec<Tick> = Vec::with_capacity(64);
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let Some(current) = url.borrow_and_update().clone() else {
            // Nobody has a live session: wait for a login.
            tokio::select! {
                _ = shutdown.cancelled() => return,
                changed = url.changed() => if changed.is_err() { return },
            }
            continue;
        };
        let connected = tokio::select! {
            _ = shutdown.cancelled() => return,
            c = tokio::time::timeout(SILENCE, tokio_tungstenite::connect_async_with_config(current.as_str(), None, true)) => c,
        };
        let mut ws = match connected {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => {
                let refused = matches!(&e, tokio_tungstenite::tungstenite::Error::Http(r) if r.status().as_u16() == 403);
                if refused {
                    stats.auth_failed.store(true, Ordering::Relaxed);
                    tracing::error!(
                        alert = "FEED_TOKEN_REJECTED",
                        "the ticker refused the market-data token; waiting for a new login"
                    );
                    // Never again with this token: only a new one (a login) is worth a dial.
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        changed = url.changed() => if changed.is_err() { return },
                    }
                    attempt = 0;
                    continue;
                }
                tracing::warn!(error = %e, attempt, "ticker connection failed");
                let wait = backoff(attempt);
                attempt += 1;
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(wait) => {}
                    _ = url.changed() => {}
                }
                continue;
            }
            Err(_) => {
                tracing::warn!(attempt, "ticker connection timed out");
                attempt += 1;
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(backoff(attempt)) => {}
                    _ = url.changed() => {}
                }
                continue;
            }
        };
        stats.auth_failed.store(false, Ordering::Relaxed);
        stats.connected.fetch_add(1, Ordering::Relaxed);
        stats.touch();
        tracing::info!(attempt, "ticker connected");
        let mut subscribed: HashSet<u32> = HashSet::new();
        let want = desired.borrow_and_update().clone();
        let mut alive =
            sync_subscriptions(&mut ws, &mut subscribed, &want, &stats.subscribed[index]).await;
        while alive {
            tokio::select! {
                _ = shutdown.cancelled() => {
                    let _ = ws.close(None).await;
                    stats.connected.fetch_sub(1, Ordering::Relaxed);
                    return;
                }
                _ = url.changed() => {
                    tracing::info!("a new market-data token: reconnecting with it");
                    let _ = ws.close(None).await;
                    alive = false;
                }
                changed = desired.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let want = desired.borrow_and_update().clone();
                    alive = sync_subscriptions(&mut ws, &mut subscribed, &want, &stats.subscribed[index]).await;
                }
                next = tokio::time::timeout(SILENCE, ws.next()) => match next {
                    Err(_) => {
                        tracing::warn!(silence_ms = SILENCE.as_millis() as u64, "ticker went silent; reconnecting");
                        alive = false;
                    }
                    Ok(Some(Ok(Message::Binary(bytes)))) => {
                        stats.touch();
                        ticks.clear();
                        match decode_frame_into(&bytes, &mut ticks) {
                            Ok(_) if !ticks.is_empty() => sink(&ticks),
                            Ok(_) => {}
                            Err(e) => {
                                stats.invalid_frames.fetch_add(1, Ordering::Relaxed);
                                tracing::warn!(error = %e, "undecodable ticker frame ignored");
                            }
                        }
                    }
                    Ok(Some(Ok(Message::Text(text)))) => {
                        stats.touch();
                        match ServerMessage::parse(text.as_str()) {
                            Ok(ServerMessage::Error(message)) => tracing::warn!(message = %message, "ticker error message"),
                            Ok(ServerMessage::Order(update)) => {
                                if let Some(orders) = &orders {
                                    orders(update);
                                }
                            }
                            Ok(_) => {}
                            Err(e) => tracing::debug!(error = %e, "unreadable ticker text message ignored"),
                        }
                    }
                    Ok(Some(Ok(Message::Close(_)))) | Ok(None) => alive = false,
                    Ok(Some(Ok(_))) => stats.touch(),
                    Ok(Some(Err(e))) => {
                        tracing::warn!(error = %e, "ticker read failed");
                        alive = false;
                    }
                },
            }
        }
        stats.connected.fetch_sub(1, Ordering::Relaxed);
        stats.subscribed[index].store(0, Ordering::Relaxed);
        stats.reconnects.fetch_add(1, Ordering::Relaxed);
        attempt = 0;
        tokio::select! { _ = shutdown.cancelled() => return, _ = tokio::time::sleep(backoff(0)) => {} }
    }
}

/// Subscribes what is wanted and not yet subscribed (in LTP mode: a stop needs only the price)
/// and unsubscribes the rest. `false` when the connection broke.
async fn sync_subscriptions<S>(
    ws: &mut S,
    subscribed: &mut HashSet<u32>,
    want: &[u32],
    count: &std::sync::atomic::AtomicUsize,
) -> bool
where
    S: SinkExt<Message> + Unpin,
{
    let want_set: HashSet<u32> = want.iter().copied().collect();
    let add: Vec<u32> = want_set.difference(subscribed).copied().collect();
    let remove: Vec<u32> = subscribed.difference(&want_set).copied().collect();
    let mut requests = Vec::new();
    if !add.is_empty() {
        requests.push(ClientRequest::Subscribe(add.clone()));
        requests.push(ClientRequest::Mode(Mode::Ltp, add));
    }
    if !remove.is_empty() {
        requests.push(ClientRequest::Unsubscribe(remove));
    }
    for request in requests {
        if ws
            .send(Message::Text(request.to_json().into()))
            .await
            .is_err()
        {
            return false;
        }
    }
    *subscribed = want_set;
    count.store(subscribed.len(), Ordering::Relaxed);
    true
}
