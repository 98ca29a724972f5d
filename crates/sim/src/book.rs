//! The order book: every order with its history, paper fills against the last price,
//! modification and cancellation.
//!
//! Fills, as a paper exchange: `MARKET` fills at the last price, at once or, with a fill delay,
//! when the delay is over (it is `OPEN` meanwhile). `LIMIT` fills when the
//! price crosses (a BUY when last ≤ price, a SELL when last ≥ price), at the last price.
//! `SL`/`SL-M` wait in `TRIGGER PENDING` until the trigger is crossed (a BUY when last ≥ trigger,
//! a SELL when last ≤ trigger), then become `OPEN` and fill as `LIMIT`/`MARKET`. An `IOC` order
//! that cannot fill as soon as it is open is `CANCELLED`. Fills are whole.
//!
//! What happens later rather than at once (a slow fill, the exchange cancelling the rest of a
//! partly filled order, a delayed rejection) is a timer: the book keeps them in due
//! order, and [`Book::run_due`] fires those whose time has come. The exchange runs it before
//! every read and from a timer task, so a timer fires at its time whether or not anyone looks.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::envelope::KiteError;
use crate::orders::{Order, OrderRequest, OrderType, Side, Status, Validity};

struct Entry {
    order: Order,
    history: Vec<Order>,
    /// Until then the order is missing from the account's order book (the book lags).
    visible_at: DateTime<Utc>,
    /// A slow fill: until then the order is `OPEN` but does not fill.
    fill_after: Option<DateTime<Utc>>,
    /// A `partial_cancel` fault still to play out at the order's fill.
    partial_cancel: Option<PartialCancel>,
    /// Partly filled, waiting for the exchange to cancel the rest: fills no more.
    awaiting_cancel: bool,
    /// A rejection still to come (delayed `reject`).
    pending_rejection: Option<String>,
    /// A timer the entry asks for, set by the book after it ran the entry.
    wants_timer: Option<(DateTime<Utc>, Due)>,
}

/// What a timer does when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// Runs the order against the last price again (a slow fill's time has come).
    Work,
    /// The exchange cancels what is left of a partly filled order.
    ExchangeCancel,
    /// A delayed rejection.
    Reject,
}

/// The status message of an order the exchange cancelled after a partial fill.
pub const EXCHANGE_CANCELLED: &str =
    "Your order has been cancelled by the exchange: the rest of it could not be filled.";

/// `now + delay`, saturating.
fn later(now: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(delay)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl Entry {
    /// Moves to `status` and records it; returns the new state when order updates announce it.
    fn set_status(
        &mut self,
        status: Status,
        message: Option<String>,
        now: DateTime<Utc>,
    ) -> Option<Order> {
        self.order.status = status;
        self.order.status_message = message;
        self.order.updated_at = now;
        self.history.push(self.order.clone());
        status.is_announced().then(|| self.order.clone())
    }

    /// Triggers and fills what `last` allows; returns the announced changes.
    fn work(&mut self, last: i64, now: DateTime<Utc>) -> Vec<Order> {
        let mut changes = Vec::new();
        let r = &self.order.request;
        let buy = r.transaction_type == Side::Buy;
        if self.order.status == Status::TriggerPending {
            let triggered = if buy {
                last >= r.trigger_price
            } else {
                last <= r.trigger_price
            };
            if !triggered {
                return changes;
            }
            changes.extend(self.set_status(Status::Open, None, now));
        }
        if self.order.status != Status::Open || last <= 0 {
            return changes;
        }
        match self.fill_after {
            Some(at) if now < at => return changes,
            Some(_) => self.fill_after = None,
            None => {}
        }
        if self.awaiting_cancel {
            return changes;
        }
        let r = &self.order.request;
        let fills = match r.order_type {
            OrderType::Market | OrderType::SlM => true,
            OrderType::Limit | OrderType::Sl if buy => last <= r.price,
            OrderType::Limit | OrderType::Sl => last >= r.price,
        };
        if fills {
            if let Some(partial) = self.partial_cancel.take() {
                let quantity = partial
                    .filled_quantity
                    .unwrap_or(r.quantity / 2)
                    .min(r.quantity.saturating_sub(1));
                if quantity > 0 {
                    self.order.filled_quantity = quantity;
                    self.order.average_price = last;
                    changes.extend(self.set_status(Status::Open, None, now));
                }
                self.awaiting_cancel = true;
                self.wants_timer = Some((later(now, partial.delay), Due::ExchangeCancel));
                return changes;
            }
            self.order.filled_quantity = r.quantity;
            self.order.average_price = last;
            changes.extend(self.set_status(Status::Complete, None, now));
        } else if r.validity == Validity::Ioc {
            changes.extend(self.set_status(Status::Cancelled, None, now));
        }
        changes
    }
}

/// What a new order is, before it is booked.
pub struct NewOrder {
    pub request: OrderRequest,
    pub api_key: String,
    pub user_id: String,
    pub received_at: DateTime<Utc>,
    /// `Some(message)` when the risk checks refuse it.
    pub rejection: Option<String>,
    pub handling: Handling,
}

/// How the exchange handles one order beyond the plain paper rules: the behaviours in force
/// and the fault it met.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Handling {
    /// How long the order is missing from the account's order book.
    pub book_lag: Duration,
    /// How long a `MARKET` order stays `OPEN` before it fills.
    pub fill_delay: Duration,
    /// How long a rejection waits (in `VALIDATION PENDING`).
    pub reject_delay: Duration,
    pub partial_cancel: Option<PartialCancel>,
}

/// A `partial_cancel` fault: when the order fills, only `filled_quantity` of it does (`None`:
/// half; never all of it), and `delay` later the exchange cancels the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialCancel {
    pub filled_quantity: Option<u32>,
    pub delay: Duration,
}

/// Every order, by id, with an index of the working ones by instrument.
#[derive(Default)]
pub struct Book {
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
    working: HashMap<u32, Vec<usize>>,
    /// Never reset, so an order id is never reused by one simulator.
    sequence: u64,
    /// By due time (then by when they were set): the entry and what to do.
    timers: BTreeMap<(DateTime<Utc>, u64), (usize, Due)>,
    timers_set: u64,
}

impl Book {
    /// Books an order (id `yymmdd` + 9 digits, like Kite's), runs it against `last`, and returns
    /// its id with the announced changes.
    pub fn place(
        &mut self,
        new: NewOrder,
        ist_date: &str,
        last: i64,
        now: DateTime<Utc>,
    ) -> (String, Vec<Order>) {
        self.sequence += 1;
        let order_id = format!("{ist_date}{:09}", self.sequence);
        let token = new.request.instrument_token;
        let order = Order {
            order_id: order_id.clone(),
            exchange_order_id: None,
            api_key: new.api_key,
            user_id: new.user_id,
            status: Status::PutOrderReqReceived,
            status_message: None,
            filled_quantity: 0,
            average_price: 0,
            received_at: new.received_at,
            exchange_at: None,
            updated_at: new.received_at,
            modified: false,
            modifications: 0,
            request: new.request,
        };
        let handling = new.handling;
        let slow = order.request.order_type == OrderType::Market && !handling.fill_delay.is_zero();
        let fill_after = slow.then(|| later(now, handling.fill_delay));
        let mut entry = Entry {
            history: vec![order.clone()],
            order,
            visible_at: later(now, handling.book_lag),
            fill_after,
            partial_cancel: handling.partial_cancel,
            awaiting_cancel: false,
            pending_rejection: None,
            wants_timer: None,
        };
        let mut changes = Vec::new();
        entry.set_status(Status::ValidationPending, None, now);
        if let Some(message) = new.rejection {
            if handling.reject_delay.is_zero() {
                changes.extend(entry.set_status(Status::Rejected, Some(message), now));
            } else {
                entry.pending_rejection = Some(message);
                entry.wants_timer = Some((later(now, handling.reject_delay), Due::Reject));
            }
        } else {
            entry.set_status(Status::OpenPending, None, now);
            entry.order.exchange_order_id = Some(format!("13{:014}", self.sequence));
            entry.order.exchange_at = Some(now);
            let first = if entry.order.request.order_type == OrderType::Sl
                || entry.order.request.order_type == OrderType::SlM
            {
                Status::TriggerPending
            } else {
                Status::Open
            };
            changes.extend(entry.set_status(first, None, now));
            changes.extend(entry.work(last, now));
        }
        let index = self.entries.len();
        if entry.order.status.is_working() {
            self.working.entry(token).or_default().push(index);
            if let Some(at) = entry.fill_after {
                self.set_timer(at, index, Due::Work);
            }
        }
        self.by_id.insert(order_id.clone(), index);
        self.entries.push(entry);
        self.take_timer(index);
        (order_id, changes)
    }

    /// Sets the timer an entry asked for while it ran.
    fn take_timer(&mut self, index: usize) {
        if let Some((at, due)) = self.entries[index].wants_timer.take() {
            self.set_timer(at, index, due);
        }
    }

    fn set_timer(&mut self, at: DateTime<Utc>, index: usize, due: Due) {
        self.timers_set += 1;
        self.timers.insert((at, self.timers_set), (index, due));
    }

    /// When the next timer is due.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.timers.first_key_value().map(|((at, _), _)| *at)
    }

    /// Fires every timer due at `now`, oldest first, pricing orders at `last_of(token)`;
    /// returns the announced changes.
    pub fn run_due(&mut self, now: DateTime<Utc>, last_of: impl Fn(u32) -> i64) -> Vec<Order> {
        let mut changes = Vec::new();
        while let Some(entry) = self.timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (index, due) = entry.remove();
            let entry = &mut self.entries[index];
            let token = entry.order.request.instrument_token;
            match due {
                Due::Work => changes.extend(entry.work(last_of(token), now)),
                Due::ExchangeCancel if entry.order.status.is_working() => {
                    let message = Some(EXCHANGE_CANCELLED.to_owned());
                    changes.extend(entry.set_status(Status::Cancelled, message, now));
                }
                Due::Reject if entry.order.status == Status::ValidationPending => {
                    let message = entry.pending_rejection.take();
                    changes.extend(entry.set_status(Status::Rejected, message, now));
                }
                // The order moved on (the client cancelled it) before its timer.
                Due::ExchangeCancel | Due::Reject => {}
            }
            if !entry.order.status.is_working() {
                self.unlist(token, index);
            }
            self.take_timer(index);
        }
        changes
    }

    /// Drops an order that stopped working from the index of working ones.
    fn unlist(&mut self, token: u32, index: usize) {
        if let Some(indices) = self.working.get_mut(&token) {
            indices.retain(|&i| i != index);
            if indices.is_empty() {
                self.working.remove(&token);
            }
        }
    }

    /// Runs the working orders of `token` against a new last price; returns the announced
    /// changes.
    pub fn on_price(&mut self, token: u32, last: i64, now: DateTime<Utc>) -> Vec<Order> {
        let Some(indices) = self.working.get_mut(&token) else {
            return Vec::new();
        };
        let mut changes = Vec::new();
        let mut asked = Vec::new();
        let entries = &mut self.entries;
        indices.retain(|&i| {
            let entry = &mut entries[i];
            changes.extend(entry.work(last, now));
            if entry.wants_timer.is_some() {
                asked.push(i);
            }
            entry.order.status.is_working()
        });
        if indices.is_empty() {
            self.working.remove(&token);
        }
        for i in asked {
            self.take_timer(i);
        }
        changes
    }

    /// Cancels a working order of `api_key`'s.
    pub fn cancel(
        &mut self,
        api_key: &str,
        order_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, KiteError> {
        let index = self
            .by_id
            .get(order_id)
            .copied()
            .filter(|&i| self.entries[i].order.api_key == api_key)
            .ok_or_else(|| KiteError::input("Couldn't find that `order_id`."))?;
        let entry = &mut self.entries[index];
        if !entry.order.status.is_working() {
            return Err(KiteError::input(format!(
                "Order cannot be cancelled as it is {}.",
                entry.order.status.as_str()
            )));
        }
        let token = entry.order.request.instrument_token;
        entry.set_status(Status::Cancelled, None, now);
        let cancelled = entry.order.clone();
        self.unlist(token, index);
        Ok(cancelled)
    }

    /// The request of a working order of `api_key`'s.
    pub fn working_request(
        &self,
        api_key: &str,
        order_id: &str,
    ) -> Result<&OrderRequest, KiteError> {
        let entry = &self.entries[self.index_of(api_key, order_id)?];
        if !entry.order.status.is_working() {
            return Err(KiteError::input(format!(
                "Order cannot be modified as it is {}.",
                entry.order.status.as_str()
            )));
        }
        Ok(&entry.order.request)
    }

    fn index_of(&self, api_key: &str, order_id: &str) -> Result<usize, KiteError> {
        self.by_id
            .get(order_id)
            .copied()
            .filter(|&i| self.entries[i].order.api_key == api_key)
            .ok_or_else(|| KiteError::input("Couldn't find that `order_id`."))
    }

    /// Modifies a working order of `api_key`'s to `request` (same instrument and side), as
    /// Kite records it: `MODIFY VALIDATION PENDING`, `MODIFY PENDING`, `MODIFIED`, then `OPEN`
    /// or `TRIGGER PENDING` again, and runs it against `last`. Returns the announced changes.
    pub fn modify(
        &mut self,
        api_key: &str,
        order_id: &str,
        request: OrderRequest,
        handling: Handling,
        last: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<Order>, KiteError> {
        let index = self.index_of(api_key, order_id)?;
        let entry = &mut self.entries[index];
        if !entry.order.status.is_working() {
            return Err(KiteError::input(format!(
                "Order cannot be modified as it is {}.",
                entry.order.status.as_str()
            )));
        }
        if entry.order.modifications >= crate::orders::MAX_MODIFICATIONS {
            return Err(KiteError::new(
                axum::http::StatusCode::BAD_REQUEST,
                crate::envelope::ErrorType::NetworkException,
                "Maximum allowed order modifications exceeded.",
            ));
        }
        if request.quantity <= entry.order.filled_quantity {
            return Err(KiteError::input(
                "Quantity must be more than the filled quantity.",
            ));
        }
        let was = entry.order.status;
        let old_type = entry.order.request.order_type;
        let stop = |t: OrderType| matches!(t, OrderType::Sl | OrderType::SlM);
        entry.set_status(Status::ModifyValidationPending, None, now);
        entry.set_status(Status::ModifyPending, None, now);
        entry.order.request = request;
        entry.order.modified = true;
        entry.order.modifications += 1;
        entry.set_status(Status::Modified, None, now);
        let new_type = entry.order.request.order_type;
        let next = if stop(new_type) && (was == Status::TriggerPending || !stop(old_type)) {
            Status::TriggerPending
        } else {
            Status::Open
        };
        if new_type == OrderType::Market && old_type != OrderType::Market {
            entry.fill_after =
                (!handling.fill_delay.is_zero()).then(|| later(now, handling.fill_delay));
            if let Some(at) = entry.fill_after {
                entry.wants_timer = Some((at, Due::Work));
            }
        }
        let mut changes: Vec<Order> = entry.set_status(next, None, now).into_iter().collect();
        changes.extend(entry.work(last, now));
        let token = entry.order.request.instrument_token;
        if !entry.order.status.is_working() {
            self.unlist(token, index);
        }
        self.take_timer(index);
        Ok(changes)
    }

    /// `api_key`'s orders as its order book shows them at `now`, oldest first.
    pub fn of_account<'a>(
        &'a self,
        api_key: &'a str,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a Order> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.order.api_key == api_key && e.visible_at <= now)
            .map(|e| &e.order)
    }

    /// Every state an order of `api_key`'s has been in, oldest first, once the order book
    /// shows it.
    pub fn history(&self, api_key: &str, order_id: &str, now: DateTime<Utc>) -> Option<&[Order]> {
        let entry = &self.entries[*self.by_id.get(order_id)?];
        (entry.order.api_key == api_key && entry.visible_at <= now)
            .then_some(entry.history.as_slice())
    }

    /// Every order of every account, oldest first.
    pub fn all(&self) -> impl Iterator<Item = &Order> {
        self.entries.iter().map(|e| &e.order)
    }

    /// Forgets every order and timer (ids keep counting up).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.by_id.clear();
        self.working.clear();
        self.timers.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::{Product, Validity};

    fn request(side: Side, order_type: OrderType, price: i64, trigger: i64) -> OrderRequest {
        OrderRequest {
            instrument_token: 408065,
            tradingsymbol: "INFY".into(),
            exchange: "NSE".into(),
            transaction_type: side,
            order_type,
            product: Product::Mis,
            validity: Validity::Day,
            quantity: 3,
            price,
            trigger_price: trigger,
            tag: Some("t".into()),
            market_protection: -1,
        }
    }

    fn place(book: &mut Book, r: OrderRequest, last: i64) -> (String, Vec<Status>) {
        let new = NewOrder {
            request: r,
            api_key: "k".into(),
            user_id: "U".into(),
            received_at: Utc::now(),
            rejection: None,
            handling: Handling::default(),
        };
        let (id, changes) = book.place(new, "250101", last, Utc::now());
        (id, changes.iter().map(|o| o.status).collect())
    }

    fn statuses(book: &Book, id: &str) -> Vec<&'static str> {
        book.history("k", id, Utc::now())
            .expect("history")
            .iter()
            .map(|o| o.status.as_str())
            .collect()
    }

    #[test]
    fn market_fills_at_once_with_kites_history() {
        let mut book = Book::default();
        let (id, announced) = place(
            &mut book,
            request(Side::Buy, OrderType::Market, 0, 0),
            150_000,
        );
        assert_eq!(id, "250101000000001");
        assert_eq!(announced, [Status::Open, Status::Complete]);
        assert_eq!(
            statuses(&book, &id),
            [
                "PUT ORDER REQ RECEIVED",
                "VALIDATION PENDING",
                "OPEN PENDING",
                "OPEN",
                "COMPLETE"
            ]
        );
        let o = book.all().next().expect("order");
        assert_eq!(
            (o.filled_quantity, o.average_price, o.pending_quantity()),
            (3, 150_000, 0)
        );
    }

    #[test]
    fn limits_and_stops_wait_for_the_price() {
        let mut book = Book::default();
        let (buy, a) = place(
            &mut book,
            request(Side::Buy, OrderType::Limit, 149_000, 0),
            150_000,
        );
        let (sell, b) = place(
            &mut book,
            request(Side::Sell, OrderType::Limit, 151_000, 0),
            150_000,
        );
        let (stop, c) = place(
            &mut book,
            request(Side::Sell, OrderType::SlM, 0, 148_000),
            150_000,
        );
        let (stop_limit, d) = place(
            &mut book,
            request(Side::Buy, OrderType::Sl, 152_000, 151_500),
            150_000,
        );
        assert_eq!(a, [Status::Open]);
        assert_eq!(b, [Status::Open]);
        assert_eq!(c, [Status::TriggerPending]);
        assert_eq!(d, [Status::TriggerPending]);
        assert!(
            book.on_price(408065, 149_005, Utc::now()).is_empty(),
            "nothing crossed"
        );
        let filled = book.on_price(408065, 149_000, Utc::now());
        assert_eq!(filled.len(), 1);
        assert_eq!(
            (filled[0].order_id.as_str(), filled[0].average_price),
            (buy.as_str(), 149_000)
        );
        let triggered = book.on_price(408065, 147_950, Utc::now());
        assert_eq!(
            triggered.iter().map(|o| o.status).collect::<Vec<_>>(),
            [Status::Open, Status::Complete]
        );
        assert_eq!(triggered[1].average_price, 147_950);
        assert_eq!(
            statuses(&book, &stop)[3..],
            ["TRIGGER PENDING", "OPEN", "COMPLETE"]
        );
        // The buy stop triggers at 151500 and fills (limit 152000); the sell limit fills too.
        let up = book.on_price(408065, 151_600, Utc::now());
        assert_eq!(up.len(), 3, "{up:?}");
        for id in [&sell, &stop_limit] {
            assert_eq!(statuses(&book, id).last(), Some(&"COMPLETE"));
        }
        assert!(book.working.is_empty(), "no working orders left");
        assert_eq!(book.of_account("k", Utc::now()).count(), 4);
    }

    #[test]
    fn cancel_and_ioc_and_reject() {
        let mut book = Book::default();
        let (id, _) = place(
            &mut book,
            request(Side::Buy, OrderType::Limit, 100_000, 0),
            150_000,
        );
        let cancelled = book.cancel("k", &id, Utc::now()).expect("cancel");
        assert_eq!(
            (cancelled.status, cancelled.cancelled_quantity()),
            (Status::Cancelled, 3)
        );
        assert!(book.cancel("k", &id, Utc::now()).is_err(), "not twice");
        assert!(
            book.cancel("other", &id, Utc::now()).is_err(),
            "not another's"
        );
        assert!(
            book.on_price(408065, 99_000, Utc::now()).is_empty(),
            "a cancelled order never fills"
        );
        let mut ioc = request(Side::Buy, OrderType::Limit, 100_000, 0);
        ioc.validity = Validity::Ioc;
        let (_, s) = place(&mut book, ioc, 150_000);
        assert_eq!(s, [Status::Open, Status::Cancelled]);
        let new = NewOrder {
            request: request(Side::Buy, OrderType::Market, 0, 0),
            api_key: "k".into(),
            user_id: "U".into(),
            received_at: Utc::now(),
            rejection: Some("RMS: no".into()),
            handling: Handling::default(),
        };
        let (id, changes) = book.place(new, "250101", 150_000, Utc::now());
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (changes[0].status, changes[0].status_message.as_deref()),
            (Status::Rejected, Some("RMS: no"))
        );
        assert_eq!(
            statuses(&book, &id),
            ["PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "REJECTED"]
        );
    }
}
