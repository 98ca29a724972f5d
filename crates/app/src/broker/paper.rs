//! The paper broker: a [`Broker`] for strategies in paper mode. It places nothing at the
//! broker: an order is filled here at the instrument's live last price (read from the trader's
//! own Kite session, the same ticks the real strategies see) and kept in the
//! [`PaperBook`](algo_store::ports::PaperBook), so the executor, the reconciler and the exits
//! treat a paper leg exactly as a real one: placed once by its tag, followed to a final state,
//! summed into positions, its P&L counted from its fills.
//!
//! The fills, as the simulator's matching makes them for a market with no depth: a `MARKET`
//! order fills in full at the last price; a `LIMIT` fills at the last price once that is at or
//! better than its limit, and rests `OPEN` until then; a stop (`SL`, `SL-M`) rests `TRIGGER
//! PENDING` until it is modified into a market order (the exits' take-over) or cancelled (paper
//! strategies place no resting stop of their own: the bot's tick-driven stop guards them). An
//! instrument with no last price is rejected, as Kite rejects an order it cannot price.
//! Every order id starts with [`PAPER_ORDER_PREFIX`].

use std::fmt;
use std::sync::Arc;

use algo_core::strategy::Side;
use algo_core::{Clock, TradingCalendar};
use algo_kite::types::{ModifyRequest, Order, OrderRequest, Positions, TransactionType};
use algo_kite::{Broker, KiteError, PreparedOrder};
use algo_store::ports::{PaperBook, PaperOrder, PAPER_ORDER_PREFIX};
use algo_store::StoreError;
use async_trait::async_trait;
use serde_json::json;
use uuid::Uuid;

/// One user's paper account.
pub struct PaperBroker {
    pub user_id: Uuid,
    pub book: Arc<dyn PaperBook>,
    /// The trader's own session, for last prices only: nothing is ever placed through it.
    pub prices: Arc<dyn Broker>,
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for PaperBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaperBroker")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// A store that cannot be read or written is a broker that did not answer: worth another try.
fn unavailable(e: StoreError) -> KiteError {
    KiteError::NoAnswer {
        message: format!("the paper book is unavailable: {e}"),
    }
}

fn input(message: &str) -> KiteError {
    KiteError::Rejected {
        status: 400,
        error_type: "InputException".into(),
        message: message.into(),
    }
}

fn side_of(t: TransactionType) -> Side {
    match t {
        TransactionType::Buy => Side::Buy,
        TransactionType::Sell => Side::Sell,
    }
}

/// Fills `order` at `last` when its type and limit let it; leaves it as it is otherwise.
fn match_at(order: &mut PaperOrder, last: i64) {
    let marketable = match order.order_type.as_str() {
        "MARKET" => true,
        "LIMIT" => order.price_paise.is_some_and(|limit| match order.side {
            Side::Buy => last <= limit,
            Side::Sell => last >= limit,
        }),
        _ => false,
    };
    if marketable {
        order.status = "COMPLETE".into();
        order.filled_quantity = order.quantity;
        order.average_price_paise = Some(last);
    } else if order.order_type == "LIMIT" {
        order.status = "OPEN".into();
    } else {
        order.status = "TRIGGER PENDING".into();
    }
}

/// The order as Kite's API would show it.
fn kite_order(o: &PaperOrder) -> Result<Order, KiteError> {
    let rupees = |p: Option<i64>| {
        algo_kite::types::Decimal::from_paise(p.unwrap_or(0))
            .as_str()
            .to_owned()
    };
    let pending = if o.is_pending() {
        o.quantity - o.filled_quantity
    } else {
        0
    };
    let cancelled = if o.status == "CANCELLED" {
        o.quantity - o.filled_quantity
    } else {
        0
    };
    serde_json::from_value(json!({
        "order_id": o.order_id,
        "status": o.status,
        "status_message": o.status_message,
        "tradingsymbol": o.tradingsymbol,
        "exchange": o.exchange,
        "transaction_type": o.side.as_str(),
        "order_type": o.order_type,
        "product": o.product,
        "variety": "regular",
        "validity": "DAY",
        "quantity": o.quantity,
        "filled_quantity": o.filled_quantity,
        "pending_quantity": pending,
        "cancelled_quantity": cancelled,
        "price": rupees(o.price_paise),
        "trigger_price": rupees(o.trigger_price_paise),
        "average_price": rupees(o.average_price_paise),
        "tag": o.tag,
        "order_timestamp": o.placed_at.with_timezone(&algo_core::IST).format("%Y-%m-%d %H:%M:%S").to_string(),
    }))
    .map_err(|e| KiteError::NoAnswer {
        message: format!("a paper order could not be shown: {e}"),
    })
}

impl PaperBroker {
    async fn last(&self, exchange: &str, symbol: &str) -> Result<i64, KiteError> {
        self.prices.last_price(exchange, symbol).await
    }

    async fn stored(&self, order_id: &str) -> Result<PaperOrder, KiteError> {
        self.book
            .get(self.user_id, order_id)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| input("Couldn't find that `order_id`."))
    }
}

#[async_trait]
impl Broker for PaperBroker {
    /// A paper strategy needs the trader's session all the same: its prices come from it.
    async fn check_session(&self) -> Result<(), KiteError> {
        self.prices.check_session().await
    }

    async fn place_order(&self, request: &OrderRequest) -> Result<String, KiteError> {
        if let Some(tag) = &request.tag {
            // The same leg placed again (a retry after a lost answer): the one order it has.
            if let Some(existing) = self
                .book
                .by_tag(self.user_id, tag)
                .await
                .map_err(unavailable)?
            {
                return Err(KiteError::NoAnswer {
                    message: format!(
                        "a paper order with this tag exists already ({})",
                        existing.order_id
                    ),
                });
            }
        }
        let now = self.clock.now();
        let mut order = PaperOrder {
            order_id: format!("{PAPER_ORDER_PREFIX}{}", Uuid::new_v4().simple()),
            user_id: self.user_id,
            tag: request.tag.clone(),
            trading_date: TradingCalendar::trading_date(now),
            tradingsymbol: request.tradingsymbol.clone(),
            exchange: request.exchange.clone(),
            product: request.product.clone(),
            side: side_of(request.transaction_type),
            order_type: request.order_type.as_str().to_owned(),
            quantity: i32::try_from(request.quantity).map_err(|_| input("Invalid quantity."))?,
            filled_quantity: 0,
            average_price_paise: None,
            price_paise: request.price_paise,
            trigger_price_paise: request.trigger_price_paise,
            status: "OPEN".into(),
            status_message: None,
            placed_at: now,
        };
        if order.quantity <= 0 {
            return Err(input("Invalid quantity."));
        }
        match self.last(&request.exchange, &request.tradingsymbol).await {
            Ok(last) => match_at(&mut order, last),
            Err(e) if e.is_auth() => return Err(e),
            Err(e) => {
                order.status = "REJECTED".into();
                order.status_message = Some(format!("paper: no price to fill at ({e})"));
            }
        }
        self.book.insert(&order).await.map_err(unavailable)?;
        tracing::info!(event_type = "paper_order", order_id = %order.order_id, status = %order.status,
            average_paise = order.average_price_paise, "paper order; nothing sent to the broker");
        Ok(order.order_id)
    }

    async fn prepare_order(
        &self,
        order: &OrderRequest,
    ) -> Result<Box<dyn PreparedOrder>, KiteError> {
        Ok(Box::new(PreparedPaper {
            broker: PaperBroker {
                user_id: self.user_id,
                book: self.book.clone(),
                prices: self.prices.clone(),
                clock: self.clock.clone(),
            },
            order: Some(order.clone()),
        }))
    }

    async fn find_order_by_tag(&self, tag: &str) -> Result<Option<Order>, KiteError> {
        self.book
            .by_tag(self.user_id, tag)
            .await
            .map_err(unavailable)?
            .as_ref()
            .map(kite_order)
            .transpose()
    }

    async fn order_history(&self, order_id: &str) -> Result<Vec<Order>, KiteError> {
        Ok(vec![kite_order(&self.stored(order_id).await?)?])
    }

    async fn modify_order(
        &self,
        order_id: &str,
        change: &ModifyRequest,
    ) -> Result<String, KiteError> {
        let mut order = self.stored(order_id).await?;
        if !order.is_pending() {
            return Err(input(&format!(
                "Order cannot be modified as it is being processed or is {}.",
                order.status.to_lowercase()
            )));
        }
        if let Some(q) = change.quantity {
            order.quantity = i32::try_from(q).map_err(|_| input("Invalid quantity."))?;
        }
        if let Some(p) = change.price_paise {
            order.price_paise = Some(p);
        }
        if let Some(p) = change.trigger_price_paise {
            order.trigger_price_paise = Some(p);
        }
        if let Some(t) = change.order_type {
            order.order_type = t.as_str().to_owned();
        }
        if matches!(order.order_type.as_str(), "MARKET" | "LIMIT") {
            match self.last(&order.exchange, &order.tradingsymbol).await {
                Ok(last) => match_at(&mut order, last),
                Err(e) if e.is_auth() => return Err(e),
                // Priced on the next look (a modify or the follow's own).
                Err(_) => order.status = "OPEN".into(),
            }
        }
        if !self.book.replace(&order).await.map_err(unavailable)? {
            return Err(input("Order cannot be modified as it is being processed."));
        }
        Ok(order.order_id)
    }

    async fn cancel_order(&self, order_id: &str) -> Result<String, KiteError> {
        let mut order = self.stored(order_id).await?;
        if !order.is_pending() {
            return Err(input(&format!(
                "Order cannot be cancelled as it is {}.",
                order.status.to_lowercase()
            )));
        }
        order.status = "CANCELLED".into();
        if !self.book.replace(&order).await.map_err(unavailable)? {
            return Err(input("Order cannot be cancelled as it is being processed."));
        }
        Ok(order.order_id)
    }

    async fn positions(&self) -> Result<Positions, KiteError> {
        let today = TradingCalendar::trading_date(self.clock.now());
        let orders = self
            .book
            .of_day(self.user_id, today)
            .await
            .map_err(unavailable)?;
        let mut net: Vec<(String, String, String, i64, i64)> = Vec::new();
        for o in orders.iter().filter(|o| o.filled_quantity > 0) {
            let signed = match o.side {
                Side::Buy => i64::from(o.filled_quantity),
                Side::Sell => -i64::from(o.filled_quantity),
            };
            match net
                .iter_mut()
                .find(|p| p.0 == o.exchange && p.1 == o.tradingsymbol && p.2 == o.product)
            {
                Some(p) => {
                    p.3 += signed;
                    if signed > 0 {
                        p.4 += signed;
                    }
                }
                None => net.push((
                    o.exchange.clone(),
                    o.tradingsymbol.clone(),
                    o.product.clone(),
                    signed,
                    signed.max(0),
                )),
            }
        }
        let rows: Vec<serde_json::Value> = net
            .into_iter()
            .map(|(exchange, symbol, product, quantity, bought)| {
                json!({ "exchange": exchange, "tradingsymbol": symbol, "product": product,
                    "quantity": quantity, "buy_quantity": bought, "sell_quantity": bought - quantity })
            })
            .collect();
        serde_json::from_value(json!({ "net": rows.clone(), "day": rows })).map_err(|e| {
            KiteError::NoAnswer {
                message: format!("paper positions could not be shown: {e}"),
            }
        })
    }

    async fn last_price(&self, exchange: &str, tradingsymbol: &str) -> Result<i64, KiteError> {
        self.last(exchange, tradingsymbol).await
    }
}

/// A paper order made ready: it keeps the request until the send.
#[derive(Debug)]
struct PreparedPaper {
    broker: PaperBroker,
    order: Option<OrderRequest>,
}

#[async_trait]
impl PreparedOrder for PreparedPaper {
    async fn send(&mut self) -> Result<String, KiteError> {
        match self.order.take() {
            Some(order) => self.broker.place_order(&order).await,
            None => Err(KiteError::NoAnswer {
                message: "a prepared order is sent once".into(),
            }),
        }
    }
}

/// Whether an order id is a paper order's.
pub fn is_paper(order_id: &str) -> bool {
    order_id.starts_with(PAPER_ORDER_PREFIX)
}
