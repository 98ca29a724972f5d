//! Positions (`GET /portfolio/positions`), computed from an account's fills: one position per
//! (exchange, tradingsymbol, product), in the order each was first traded.
//!
//! Every fill is today's, so `net` and `day` are the same list and `overnight_quantity` is 0.
//! Kite's arithmetic, with the multiplier 1 of equities: `quantity` = bought − sold, `value` =
//! sell value − buy value, `pnl` = value + quantity × last price (all of it `unrealised`, and
//! `m2m` the same, as Kite reports an intraday position). `buy_price` and `sell_price` are the
//! average fill prices, rounded to the paisa (half up); `average_price` is the buy average of a
//! long position, the sell average of a short one, 0 when flat. All in paise, checked.

use serde::Serialize;

use crate::money::Rupees;
use crate::orders::{Order, Product, Side};

/// The fills of one (exchange, tradingsymbol, product).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub exchange: String,
    pub tradingsymbol: String,
    pub instrument_token: u32,
    pub product: Product,
    pub buy_quantity: i64,
    /// Paise.
    pub buy_value: i64,
    pub sell_quantity: i64,
    /// Paise.
    pub sell_value: i64,
}

/// Sums the fills of `orders` into positions; `None` if a sum overflows.
pub fn positions<'a>(orders: impl IntoIterator<Item = &'a Order>) -> Option<Vec<Position>> {
    let mut out: Vec<Position> = Vec::new();
    for order in orders {
        if order.filled_quantity == 0 {
            continue;
        }
        let r = &order.request;
        let at = match out.iter().position(|p| {
            p.exchange == r.exchange && p.tradingsymbol == r.tradingsymbol && p.product == r.product
        }) {
            Some(i) => i,
            None => {
                out.push(Position {
                    exchange: r.exchange.clone(),
                    tradingsymbol: r.tradingsymbol.clone(),
                    instrument_token: r.instrument_token,
                    product: r.product,
                    buy_quantity: 0,
                    buy_value: 0,
                    sell_quantity: 0,
                    sell_value: 0,
                });
                out.len() - 1
            }
        };
        let p = &mut out[at];
        let quantity = i64::from(order.filled_quantity);
        let value = order.average_price.checked_mul(quantity)?;
        let (q, v) = match r.transaction_type {
            Side::Buy => (&mut p.buy_quantity, &mut p.buy_value),
            Side::Sell => (&mut p.sell_quantity, &mut p.sell_value),
        };
        *q = q.checked_add(quantity)?;
        *v = v.checked_add(value)?;
    }
    Some(out)
}

/// `value / quantity` rounded to the paisa, half up; 0 for no quantity.
fn average(value: i64, quantity: i64) -> Option<i64> {
    if quantity == 0 {
        return Some(0);
    }
    value
        .checked_mul(2)?
        .checked_add(quantity)?
        .checked_div(quantity.checked_mul(2)?)
}

impl Position {
    /// Bought minus sold.
    pub fn quantity(&self) -> i64 {
        self.buy_quantity - self.sell_quantity
    }

    /// Kite's shape, priced at `last` with the previous close `close`; `None` on overflow.
    pub fn kite(&self, last: i64, close: i64) -> Option<KitePosition<'_>> {
        let quantity = self.quantity();
        let buy_price = average(self.buy_value, self.buy_quantity)?;
        let sell_price = average(self.sell_value, self.sell_quantity)?;
        let value = self.sell_value.checked_sub(self.buy_value)?;
        let pnl = value.checked_add(quantity.checked_mul(last)?)?;
        let average_price = match quantity {
            q if q > 0 => buy_price,
            q if q < 0 => sell_price,
            _ => 0,
        };
        Some(KitePosition {
            tradingsymbol: &self.tradingsymbol,
            exchange: &self.exchange,
            instrument_token: self.instrument_token,
            product: self.product,
            quantity,
            overnight_quantity: 0,
            multiplier: 1,
            average_price: Rupees(average_price),
            close_price: Rupees(close),
            last_price: Rupees(last),
            value: Rupees(value),
            pnl: Rupees(pnl),
            m2m: Rupees(pnl),
            unrealised: Rupees(pnl),
            realised: Rupees(0),
            buy_quantity: self.buy_quantity,
            buy_price: Rupees(buy_price),
            buy_value: Rupees(self.buy_value),
            buy_m2m: Rupees(self.buy_value),
            sell_quantity: self.sell_quantity,
            sell_price: Rupees(sell_price),
            sell_value: Rupees(self.sell_value),
            sell_m2m: Rupees(self.sell_value),
            day_buy_quantity: self.buy_quantity,
            day_buy_price: Rupees(buy_price),
            day_buy_value: Rupees(self.buy_value),
            day_sell_quantity: self.sell_quantity,
            day_sell_price: Rupees(sell_price),
            day_sell_value: Rupees(self.sell_value),
        })
    }
}

/// One position on the wire, as in Kite's `positions.json`, e.g.
/// `{"tradingsymbol":"SBIN","exchange":"NSE","product":"MIS","quantity":-3,"average_price":23340,
///   "buy_quantity":1,"buy_price":23388,"sell_quantity":4,"sell_price":23340,"pnl":-93,…}`.
#[derive(Debug, Clone, Serialize)]
pub struct KitePosition<'a> {
    pub tradingsymbol: &'a str,
    pub exchange: &'a str,
    pub instrument_token: u32,
    pub product: Product,
    pub quantity: i64,
    pub overnight_quantity: i64,
    pub multiplier: i64,
    pub average_price: Rupees,
    pub close_price: Rupees,
    pub last_price: Rupees,
    pub value: Rupees,
    pub pnl: Rupees,
    pub m2m: Rupees,
    pub unrealised: Rupees,
    pub realised: Rupees,
    pub buy_quantity: i64,
    pub buy_price: Rupees,
    pub buy_value: Rupees,
    pub buy_m2m: Rupees,
    pub sell_quantity: i64,
    pub sell_price: Rupees,
    pub sell_value: Rupees,
    pub sell_m2m: Rupees,
    pub day_buy_quantity: i64,
    pub day_buy_price: Rupees,
    pub day_buy_value: Rupees,
    pub day_sell_quantity: i64,
    pub day_sell_price: Rupees,
    pub day_sell_value: Rupees,
}

/// `GET /portfolio/positions` data: `{"net":[…],"day":[…]}`.
#[derive(Debug, Serialize)]
pub struct KitePositions<'a> {
    pub net: Vec<KitePosition<'a>>,
    pub day: Vec<KitePosition<'a>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(buys: (i64, i64), sells: (i64, i64)) -> Position {
        Position {
            exchange: "NSE".into(),
            tradingsymbol: "SBIN".into(),
            instrument_token: 779521,
            product: Product::Mis,
            buy_quantity: buys.0,
            buy_value: buys.1,
            sell_quantity: sells.0,
            sell_value: sells.1,
        }
    }

    #[test]
    fn kites_arithmetic_as_in_its_fixture() {
        // positions.json, GOLDGUINEA17DECFUT `day`: bought 1 at 23388, sold 4 at 23340.
        let p = position((1, 2_338_800), (4, 9_336_000));
        let k = p.kite(2_335_500, 2_323_200).expect("no overflow");
        assert_eq!(k.quantity, -3);
        assert_eq!(
            (k.average_price, k.value, k.pnl, k.buy_price, k.sell_price),
            (
                Rupees(2_334_000),
                Rupees(6_997_200),
                Rupees(-9_300),
                Rupees(2_338_800),
                Rupees(2_334_000)
            )
        );
        // SBIN: bought 1 at 311, sold 1 at 309: flat, average 0, pnl -2.
        let flat = position((1, 31_100), (1, 30_900));
        let k = flat.kite(30_840, 0).expect("no overflow");
        assert_eq!(
            (k.quantity, k.average_price, k.pnl),
            (0, Rupees(0), Rupees(-200))
        );
    }

    #[test]
    fn averages_round_half_up_to_the_paisa() {
        assert_eq!(average(30_001, 2), Some(15_001), "150.005 rounds up");
        assert_eq!(average(30_000, 3), Some(10_000));
        assert_eq!(average(20_000, 3), Some(6_667));
        assert_eq!(average(0, 0), Some(0));
        assert_eq!(
            average(i64::MAX, 1),
            None,
            "overflow is an error, not a wrap"
        );
    }
}
