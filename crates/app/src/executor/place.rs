//! Step 3, the placement: at most one order per leg at the broker.
//!
//! The rule: **only a definitive "no such order" allows a placement**. After an ambiguous
//! failure (a timeout, a lost answer) and when resuming a leg an earlier worker left `SENDING`,
//! the order is looked up by its tag. The book answering without it counts only once it had
//! [`ExecutorConfig::book_settle`](super::ExecutorConfig::book_settle) to show an order sent
//! before the lookup began; a lookup that fails (5xx, 429, a timeout) is tried again and, if the
//! book stays unreachable, the leg is left `SENDING` and the event handed back: never placed again
//! on a guess.

use std::time::{Duration, Instant};

use algo_kite::{Broker, KiteError, OrderRequest, PreparedOrder};
use algo_store::postgres::order_logs::LegRow;

use super::claim::Held;
use super::Executor;

/// How a placement ended.
pub(super) enum Placement {
    Placed(String),
    AuthFailed(String),
    /// Refused, or every try failed with nothing placed.
    Failed(String),
    /// Whether the order reached the broker cannot be told yet: the leg stays `SENDING`.
    Unknown(String),
}

/// What the broker's order book says of a leg.
pub(super) enum Lookup {
    Found(String),
    /// Definitively not there: it may be placed.
    Absent,
    AuthFailed(String),
    Unknown(String),
}

/// The longest pause between two lookups.
const MAX_LOOKUP_PAUSE: Duration = Duration::from_secs(2);

impl Executor {
    /// Places the order, at most once: retries what is retryable and, after an ambiguous
    /// failure, places again only when the book definitively lacks it.
    pub(super) async fn place(
        &self,
        client: &dyn Broker,
        request: &OrderRequest,
        tag: &str,
        mut armed: Option<&mut Box<dyn PreparedOrder>>,
        held: &Held,
    ) -> Placement {
        let mut last: Option<KiteError> = None;
        for attempt in 1..=self.config.tries {
            if held.is_fenced() {
                return Placement::Unknown("the leg's claim was lost before sending".into());
            }
            let sent_at = Instant::now();
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
                    match self.look_up(client, tag, sent_at).await {
                        Lookup::Found(order_id) => return Placement::Placed(order_id),
                        Lookup::Absent => last = Some(e),
                        Lookup::AuthFailed(message) => return Placement::AuthFailed(message),
                        Lookup::Unknown(why) => return Placement::Unknown(why),
                    }
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
        Placement::Failed(
            last.map(|e| e.to_string())
                .unwrap_or_else(|| "no try was made".into()),
        )
    }

    /// Looks the order up by `tag` in the broker's book. `Absent` only when the book answered
    /// without it at least `book_settle` after `sent_at` (the last moment it could have been
    /// sent); failed lookups are tried again until `resolve_timeout`, then `Unknown`.
    pub(super) async fn look_up(&self, client: &dyn Broker, tag: &str, sent_at: Instant) -> Lookup {
        let deadline = Instant::now() + self.config.resolve_timeout;
        let mut pause = self.config.poll_interval;
        loop {
            let why = match client.find_order_by_tag(tag).await {
                Ok(Some(order)) => return Lookup::Found(order.order_id),
                Ok(None) if sent_at.elapsed() >= self.config.book_settle => return Lookup::Absent,
                Ok(None) => "the order book may not show it yet".to_owned(),
                Err(e) if e.is_auth() => return Lookup::AuthFailed(e.to_string()),
                Err(e) => {
                    tracing::warn!(error = %e, "order book lookup failed; not placing on a guess");
                    format!("the order book could not be read: {e}")
                }
            };
            if Instant::now() >= deadline {
                return Lookup::Unknown(why);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_LOOKUP_PAUSE);
        }
    }

    /// Where a leg an earlier worker left in flight stands at the broker: by its order id when
    /// one was recorded, else by its tag.
    pub(super) async fn resolve(&self, client: &dyn Broker, leg: &LegRow) -> Lookup {
        if leg.status == "SENDING" && self.clock.now() < leg.scheduled_for {
            // Died while waiting for the instant: an order is never sent before it.
            return Lookup::Absent;
        }
        let Some(order_id) = &leg.broker_order_id else {
            // The earlier owner may have sent it until its lease ran out, which was before this
            // claim: give the book its settle time from now.
            return self.look_up(client, &leg.broker_tag, Instant::now()).await;
        };
        let deadline = Instant::now() + self.config.resolve_timeout;
        loop {
            match client.order_history(order_id).await {
                Ok(history) if !history.is_empty() => return Lookup::Found(order_id.clone()),
                Ok(_) => {}
                Err(e) if e.is_auth() => return Lookup::AuthFailed(e.to_string()),
                Err(e) => tracing::warn!(error = %e, "order history unavailable"),
            }
            if Instant::now() >= deadline {
                return Lookup::Unknown(format!(
                    "the broker's history of order {order_id} could not be read"
                ));
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
    }
}
