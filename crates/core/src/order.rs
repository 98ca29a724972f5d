//! Order events, the idempotency ledger key, and the broker tag derived from it.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What an order event asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EventKind {
    /// The timed entry.
    Buy,
    /// The timed exit (or a user's stop with `exit_position`).
    Sell,
    /// The exit fired by the stop-loss watcher.
    #[serde(rename = "STOPLOSS")]
    StopLoss,
    /// The exit fired by the watcher when a price reached the strategy's target.
    Target,
    /// The stop-loss order resting at the exchange once the entry fills (never queued: the
    /// executor places it, the reconciler follows it, and the first exit adopts it).
    Guard,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Buy => "BUY",
            EventKind::Sell => "SELL",
            EventKind::StopLoss => "STOPLOSS",
            EventKind::Target => "TARGET",
            EventKind::Guard => "GUARD",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "BUY" => Some(EventKind::Buy),
            "SELL" => Some(EventKind::Sell),
            "STOPLOSS" => Some(EventKind::StopLoss),
            "TARGET" => Some(EventKind::Target),
            "GUARD" => Some(EventKind::Guard),
            _ => None,
        }
    }

    /// Which side of the day's round trip this event is.
    pub fn leg(self) -> Leg {
        match self {
            EventKind::Buy => Leg::Entry,
            EventKind::Sell | EventKind::StopLoss | EventKind::Target => Leg::Exit,
            EventKind::Guard => Leg::Guard,
        }
    }

    /// An exit fired by a price crossing a level (a stop-loss or a target), not by a time.
    pub fn is_crossing(self) -> bool {
        matches!(self, EventKind::StopLoss | EventKind::Target)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One side of a day's round trip: at most one of each per strategy per trading day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Leg {
    Entry,
    Exit,
    /// The resting stop-loss order: placed once a day, modified as the stop moves, and
    /// turned into the exit by whichever exit comes first.
    Guard,
}

impl Leg {
    pub fn as_str(self) -> &'static str {
        match self {
            Leg::Entry => "ENTRY",
            Leg::Exit => "EXIT",
            Leg::Guard => "GUARD",
        }
    }
}

/// The idempotency key of one leg: `{strategy_id}:{trading_date}:{ENTRY|EXIT}`.
///
/// SELL and STOPLOSS share the EXIT key, so whichever exit claims it first wins and the other
/// becomes a no-op.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LedgerKey(String);

impl LedgerKey {
    pub fn new(strategy_id: Uuid, trading_date: NaiveDate, leg: Leg) -> Self {
        Self(format!(
            "{strategy_id}:{}:{}",
            trading_date.format("%Y-%m-%d"),
            leg.as_str()
        ))
    }

    /// The broker order tag: 20 lowercase hex characters of the key's SHA-256.
    ///
    /// Kite rejects tags over 20 characters and accepts only alphanumerics; 80 bits of hash
    /// make a collision between two keys of one account negligible, so the tag finds the order
    /// of this key, and only it, after an ambiguous failure.
    pub fn broker_tag(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        hex::encode(digest)[..20].to_owned()
    }
}

impl AsRef<str> for LedgerKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LedgerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A request to place one order of a strategy, as it travels through the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderEvent {
    /// Stable for one logical event, so a queue can deduplicate redeliveries.
    pub event_id: String,
    pub strategy_id: Uuid,
    pub event: EventKind,
    /// The IST date the order belongs to.
    pub trading_date: NaiveDate,
    /// The instant the order must reach the broker (the executor waits for it if early).
    pub scheduled_for: DateTime<Utc>,
}

impl OrderEvent {
    /// An event whose id is derived from strategy, date and kind: the timer and the stop-loss
    /// watcher can emit the same event twice, and both copies get the same id.
    pub fn new(
        strategy_id: Uuid,
        event: EventKind,
        trading_date: NaiveDate,
        scheduled_for: DateTime<Utc>,
    ) -> Self {
        let event_id = format!(
            "{strategy_id}:{}:{}",
            trading_date.format("%Y-%m-%d"),
            event.as_str()
        );
        Self {
            event_id,
            strategy_id,
            event,
            trading_date,
            scheduled_for,
        }
    }

    /// The exit a user asks for when stopping with `exit_position`: a SELL with its own event id,
    /// allowed although the strategy is no longer running.
    pub fn manual_exit(strategy_id: Uuid, trading_date: NaiveDate, now: DateTime<Utc>) -> Self {
        let mut event = Self::new(strategy_id, EventKind::Sell, trading_date, now);
        event.event_id.push_str(":MANUAL");
        event
    }

    pub fn is_manual_exit(&self) -> bool {
        self.event == EventKind::Sell && self.event_id.ends_with(":MANUAL")
    }

    pub fn ledger_key(&self) -> LedgerKey {
        LedgerKey::new(self.strategy_id, self.trading_date, self.event.leg())
    }
}

/// What an EventBridge schedule puts on the queue. A schedule's input is fixed when it is
/// created, so it carries the time of day and EventBridge's own `<aws.scheduler.scheduled-time>`;
/// [`TimerFired::to_event`] turns that into the day's [`OrderEvent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimerFired {
    pub strategy_id: Uuid,
    pub event: EventKind,
    /// `HH:MM:SS`, IST: when the order must reach the broker.
    pub time_of_day: String,
    /// When the schedule fired (RFC 3339), a minute or so before `time_of_day`.
    pub fired_at: String,
}

impl TimerFired {
    /// The order event of the trading day the timer fired for.
    pub fn to_event(&self) -> Option<OrderEvent> {
        let fired = DateTime::parse_from_rfc3339(&self.fired_at)
            .ok()?
            .with_timezone(&Utc);
        let time = crate::strategy::parse_time_of_day(&self.time_of_day)?;
        // The schedule fires early; the day is the one of the instant it fires for.
        let date = crate::TradingCalendar::trading_date(fired + chrono::Duration::minutes(2));
        let at = crate::TradingCalendar::instant(date, time);
        Some(OrderEvent::new(self.strategy_id, self.event, date, at))
    }
}

/// Reads a queue message: an [`OrderEvent`], or a [`TimerFired`] from EventBridge.
pub fn decode_queue_message(body: &str) -> Result<OrderEvent, String> {
    if let Ok(event) = serde_json::from_str::<OrderEvent>(body) {
        return Ok(event);
    }
    let timer: TimerFired = serde_json::from_str(body)
        .map_err(|e| format!("not an order event or timer message: {e}"))?;
    timer
        .to_event()
        .ok_or_else(|| "timer message with a bad time".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> Uuid {
        Uuid::parse_str("6f1c2a4e-0000-4000-8000-000000000001").expect("uuid")
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
    }

    #[test]
    fn sell_and_stoploss_share_the_exit_key() {
        let at = Utc::now();
        let buy = OrderEvent::new(id(), EventKind::Buy, date(), at);
        let sell = OrderEvent::new(id(), EventKind::Sell, date(), at);
        let stop = OrderEvent::new(id(), EventKind::StopLoss, date(), at);
        assert_eq!(
            buy.ledger_key().as_ref(),
            "6f1c2a4e-0000-4000-8000-000000000001:2026-11-25:ENTRY"
        );
        assert_eq!(sell.ledger_key(), stop.ledger_key());
        assert!(sell.ledger_key().as_ref().ends_with(":EXIT"));
        assert_ne!(sell.event_id, stop.event_id);
        let next_day = OrderEvent::new(id(), EventKind::Buy, date().succ_opt().expect("date"), at);
        assert_ne!(buy.ledger_key(), next_day.ledger_key());
    }

    #[test]
    fn event_ids_are_stable() {
        let a = OrderEvent::new(id(), EventKind::StopLoss, date(), Utc::now());
        let b = OrderEvent::new(id(), EventKind::StopLoss, date(), Utc::now());
        assert_eq!(a.event_id, b.event_id);
    }

    #[test]
    fn broker_tag_is_20_alphanumerics_and_differs_per_key() {
        let entry = LedgerKey::new(id(), date(), Leg::Entry);
        let exit = LedgerKey::new(id(), date(), Leg::Exit);
        let tag = entry.broker_tag();
        assert_eq!(tag.len(), 20);
        assert!(tag.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(tag, entry.broker_tag());
        assert_ne!(tag, exit.broker_tag());
    }

    #[test]
    fn timer_messages_become_the_day_s_event() {
        let timer = TimerFired {
            strategy_id: id(),
            event: EventKind::Buy,
            time_of_day: "09:30:00".into(),
            // 09:29:00 IST: the schedule fires one minute early.
            fired_at: "2026-11-25T03:59:00Z".into(),
        };
        let event =
            decode_queue_message(&serde_json::to_string(&timer).expect("json")).expect("decodes");
        assert_eq!(event.trading_date, date());
        assert_eq!(
            event.scheduled_for.to_rfc3339(),
            "2026-11-25T04:00:00+00:00"
        );
        assert_eq!(
            event,
            OrderEvent::new(id(), EventKind::Buy, date(), event.scheduled_for)
        );
        assert!(decode_queue_message("{}").is_err());
        let bad = TimerFired {
            time_of_day: "9:30".into(),
            ..timer
        };
        assert!(decode_queue_message(&serde_json::to_string(&bad).expect("json")).is_err());
    }

    #[test]
    fn events_round_trip_as_json_and_reject_unknown_fields() {
        let e = OrderEvent::new(id(), EventKind::StopLoss, date(), Utc::now());
        let text = serde_json::to_string(&e).expect("serialise");
        assert!(text.contains("\"event\":\"STOPLOSS\""));
        assert_eq!(serde_json::from_str::<OrderEvent>(&text).expect("parse"), e);
        let extra = text.replace("{", "{\"x\":1,");
        assert!(serde_json::from_str::<OrderEvent>(&extra).is_err());
    }
}
