//! The `Broker` contract, run against both adapters: Kite's REST client talking to the
//! simulator over HTTP, and the simulator in process. The executor's tests use either, so both
//! must keep every promise the order path relies on: an order found by tag and by id once the
//! book shows it, "no such order" only when there is none, a lost answer that is ambiguous, a
//! dead session refused everywhere, positions equal to the sum of fills.

use std::sync::Arc;
use std::time::Duration;

use algo_kite::types::OrderState;
use algo_kite::{Broker, BrokerSessions, KiteError, Secret, TransactionType};
use algo_sim::{Behaviour, Fault, FaultKind, RunningSim};
use serde_json::json;

use crate::helpers::*;

/// Below the faults' hold times, so a held answer is a lost one.
const TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy)]
enum Adapter {
    Http,
    InProcess,
}

fn sessions(sim: &RunningSim, adapter: Adapter) -> Arc<dyn BrokerSessions> {
    match adapter {
        Adapter::Http => Arc::new(
            algo_kite::KiteHttp::new(&sim.base_url, TIMEOUT).expect("a client for the simulator"),
        ),
        Adapter::InProcess => Arc::new(sim.sim.sessions(TIMEOUT)),
    }
}

fn session(sim: &RunningSim, adapter: Adapter) -> Arc<dyn Broker> {
    sessions(sim, adapter).session("sim_key", Secret::new("sim_token"))
}

fn tagged(
    symbol: &str,
    side: TransactionType,
    quantity: u32,
    tag: &str,
) -> algo_kite::OrderRequest {
    algo_kite::OrderRequest {
        tag: Some(tag.into()),
        ..market_request(symbol, side, quantity)
    }
}

async fn final_state(broker: &dyn Broker, order_id: &str) -> algo_kite::Order {
    eventually("the order to be final", || async {
        let history = broker.order_history(order_id).await.ok()?;
        history
            .last()
            .filter(|o| o.state() != OrderState::Pending)
            .cloned()
    })
    .await
}

async fn net(broker: &dyn Broker, symbol: &str) -> i64 {
    broker
        .positions()
        .await
        .expect("positions")
        .net
        .iter()
        .filter(|p| p.tradingsymbol == symbol)
        .map(|p| p.quantity)
        .sum()
}

async fn placed_order_is_found_by_tag_and_id_and_fills(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    broker.check_session().await.expect("a live session");
    let id = broker
        .place_order(&tagged("TCS", TransactionType::Buy, 5, "contract1"))
        .await
        .expect("placed");
    let found = broker
        .find_order_by_tag("contract1")
        .await
        .expect("the book")
        .expect("found by its tag");
    assert_eq!(found.order_id, id);
    let last = final_state(&*broker, &id).await;
    assert_eq!(last.state(), OrderState::Complete);
    assert_eq!((last.filled_quantity, last.quantity), (5, 5));
    assert!(last.average_price.paise().expect("paise") > 0);
    assert_eq!(net(&*broker, "TCS").await, 5);
    assert!(broker
        .find_order_by_tag("never-used")
        .await
        .expect("the book")
        .is_none());
}

async fn an_unknown_order_is_definitively_not_found(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    let e = broker
        .order_history("999999999999")
        .await
        .expect_err("no such order");
    assert!(e.is_not_found(), "{e:?}");
}

async fn a_failed_lookup_is_not_a_not_found(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    let id = broker
        .place_order(&tagged("TCS", TransactionType::Buy, 1, "contract2"))
        .await
        .expect("placed");
    sim.sim
        .inject_fault(Fault::new(FaultKind::OrdersHttp500), 2);
    let by_tag = broker
        .find_order_by_tag("contract2")
        .await
        .expect_err("a 500");
    let by_id = broker.order_history(&id).await.expect_err("a 500");
    for e in [by_tag, by_id] {
        assert!(e.is_retryable() && !e.is_not_found(), "{e:?}");
    }
}

async fn a_lost_answer_is_ambiguous_and_the_order_exists(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    sim.sim.inject_fault(
        Fault {
            delay: Duration::from_secs(3),
            ..Fault::new(FaultKind::Timeout)
        },
        1,
    );
    let e = broker
        .place_order(&tagged("INFY", TransactionType::Buy, 2, "contract3"))
        .await
        .expect_err("the answer is lost");
    assert!(e.is_ambiguous(), "{e:?}");
    let found = broker
        .find_order_by_tag("contract3")
        .await
        .expect("the book")
        .expect("the order was placed all the same");
    assert_eq!(found.quantity, 2);
}

async fn a_lagging_book_shows_the_order_later(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    sim.sim.set_behaviour(Behaviour {
        book_lag: Duration::from_millis(300),
        ..Behaviour::default()
    });
    let id = broker
        .place_order(&tagged("TCS", TransactionType::Buy, 1, "contract4"))
        .await
        .expect("placed");
    // Not shown yet: an empty answer is not a proof of absence.
    assert!(broker
        .find_order_by_tag("contract4")
        .await
        .expect("the book")
        .is_none());
    let found = eventually("the order to show", || async {
        broker.find_order_by_tag("contract4").await.ok().flatten()
    })
    .await;
    assert_eq!(found.order_id, id);
}

async fn a_dead_session_is_refused_everywhere(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    let id = broker
        .place_order(&tagged("TCS", TransactionType::Buy, 1, "contract5"))
        .await
        .expect("placed");
    sim.sim.expire_token("sim_token");
    let errors: Vec<KiteError> = vec![
        broker.check_session().await.expect_err("dead"),
        broker
            .place_order(&tagged("TCS", TransactionType::Sell, 1, "contract6"))
            .await
            .expect_err("dead"),
        broker
            .find_order_by_tag("contract5")
            .await
            .expect_err("dead"),
        broker.order_history(&id).await.expect_err("dead"),
        broker.positions().await.expect_err("dead"),
    ];
    for e in errors {
        assert!(e.is_auth(), "{e:?}");
    }
}

async fn a_prepared_order_goes_out_once(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    let mut prepared = broker
        .prepare_order(&tagged("TCS", TransactionType::Buy, 3, "contract7"))
        .await
        .expect("prepared");
    let id = prepared.send().await.expect("sent");
    let again = prepared.send().await.expect_err("once only");
    assert!(again.is_ambiguous(), "{again:?}");
    assert_eq!(final_state(&*broker, &id).await.filled_quantity, 3);
    assert_eq!(sim.sim.orders().len(), 1);
}

async fn a_partial_fill_then_cancel_leaves_what_filled(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    sim.sim.inject_fault(
        Fault {
            delay: Duration::from_millis(100),
            filled_quantity: Some(4),
            ..Fault::new(FaultKind::PartialCancel)
        },
        1,
    );
    let id = broker
        .place_order(&tagged("TCS", TransactionType::Buy, 10, "contract8"))
        .await
        .expect("placed");
    let last = final_state(&*broker, &id).await;
    assert_eq!(last.state(), OrderState::Cancelled);
    assert_eq!(last.filled_quantity, 4);
    assert_eq!(net(&*broker, "TCS").await, 4, "position = the sum of fills");
}

async fn a_rejection_says_why(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    sim.sim.inject_fault(
        Fault {
            delay: Duration::ZERO,
            ..Fault::new(FaultKind::Reject)
        },
        1,
    );
    let id = broker
        .place_order(&tagged("TCS", TransactionType::Buy, 1, "contract9"))
        .await
        .expect("accepted, then rejected");
    let last = final_state(&*broker, &id).await;
    assert_eq!(last.state(), OrderState::Rejected);
    assert!(last.status_message.unwrap_or_default().starts_with("RMS:"));
    assert_eq!(net(&*broker, "TCS").await, 0);
}

/// The resting stop's life: an SL-M sell below the market waits for its trigger, a modify
/// moves the trigger, a modify to `MARKET` fills it, and a filled order refuses a modify
/// (neither ambiguous nor "not found": its history says what became of it).
async fn a_resting_stop_is_moved_then_turned_into_market(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    let bought = broker
        .place_order(&tagged("TCS", TransactionType::Buy, 2, "contract10"))
        .await
        .expect("placed");
    assert_eq!(final_state(&*broker, &bought).await.filled_quantity, 2);
    let last = sim.sim.last_price("TCS").expect("a price");
    let stop = algo_kite::OrderRequest {
        order_type: algo_kite::OrderType::SlM,
        trigger_price_paise: Some(last - 5_000),
        ..tagged("TCS", TransactionType::Sell, 2, "contract11")
    };
    let id = broker.place_order(&stop).await.expect("placed");
    let resting = eventually("the stop to rest", || async {
        let history = broker.order_history(&id).await.ok()?;
        history
            .last()
            .filter(|o| o.status == "TRIGGER PENDING")
            .cloned()
    })
    .await;
    assert_eq!(resting.trigger_price.paise(), Some(last - 5_000));
    let moved = algo_kite::types::ModifyRequest {
        trigger_price_paise: Some(last - 2_000),
        ..Default::default()
    };
    assert_eq!(broker.modify_order(&id, &moved).await.expect("moved"), id);
    let now = broker.order_history(&id).await.expect("history");
    let now = now.last().expect("a state");
    assert_eq!(
        (now.status.as_str(), now.trigger_price.paise()),
        ("TRIGGER PENDING", Some(last - 2_000))
    );
    assert_eq!(net(&*broker, "TCS").await, 2, "nothing sold while it rests");
    let market = algo_kite::types::ModifyRequest {
        order_type: Some(algo_kite::OrderType::Market),
        market_protection: Some(algo_kite::MarketProtection::Automatic),
        ..Default::default()
    };
    broker.modify_order(&id, &market).await.expect("to market");
    let filled = final_state(&*broker, &id).await;
    assert_eq!(
        (filled.state(), filled.filled_quantity),
        (OrderState::Complete, 2)
    );
    assert_eq!(net(&*broker, "TCS").await, 0, "flat, with one sale");
    let late = broker
        .modify_order(&id, &moved)
        .await
        .expect_err("a filled order is not modified");
    assert!(!late.is_ambiguous() && !late.is_not_found(), "{late:?}");
    let late = broker.cancel_order(&id).await.expect_err("nor cancelled");
    assert!(!late.is_ambiguous() && !late.is_not_found(), "{late:?}");
}

/// A resting stop cancelled sells nothing, and its history ends `CANCELLED`.
async fn a_cancelled_resting_stop_sells_nothing(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    let bought = broker
        .place_order(&tagged("INFY", TransactionType::Buy, 3, "contract12"))
        .await
        .expect("placed");
    assert_eq!(final_state(&*broker, &bought).await.filled_quantity, 3);
    let last = sim.sim.last_price("INFY").expect("a price");
    let stop = algo_kite::OrderRequest {
        order_type: algo_kite::OrderType::SlM,
        trigger_price_paise: Some(last - 5_000),
        ..tagged("INFY", TransactionType::Sell, 3, "contract13")
    };
    let id = broker.place_order(&stop).await.expect("placed");
    assert_eq!(broker.cancel_order(&id).await.expect("cancelled"), id);
    let last = final_state(&*broker, &id).await;
    assert_eq!(
        (last.state(), last.filled_quantity),
        (OrderState::Cancelled, 0)
    );
    assert_eq!(net(&*broker, "INFY").await, 3, "still held");
}

// A paper strategy's fills come from `last_price`: the instrument's last traded price, in
// paise; an instrument with none is refused, never priced at zero; a dead session is refused.
async fn the_last_price_is_the_quote_and_an_unknown_instrument_has_none(adapter: Adapter) {
    let sim = frozen_sim().await;
    let broker = session(&sim, adapter);
    set_price(&sim, "TCS", json!("3512.35")).await;
    assert_eq!(
        broker.last_price("NSE", "TCS").await.expect("priced"),
        351_235
    );
    set_price(&sim, "TCS", json!("3498.10")).await;
    assert_eq!(
        broker.last_price("NSE", "TCS").await.expect("priced"),
        349_810,
        "the price as it is now"
    );
    let unknown = broker
        .last_price("NSE", "NOSUCHSYMBOL")
        .await
        .expect_err("no price");
    assert!(
        !unknown.is_ambiguous() && !unknown.is_retryable() && !unknown.is_auth(),
        "{unknown:?}"
    );
    sim.sim.expire_token("sim_token");
    let dead = broker.last_price("NSE", "TCS").await.expect_err("dead");
    assert!(dead.is_auth(), "{dead:?}");
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod over_http {
            $(#[tokio::test]
            async fn $case() {
                super::$case(super::Adapter::Http).await
            })*
        }
        mod in_process {
            $(#[tokio::test]
            async fn $case() {
                super::$case(super::Adapter::InProcess).await
            })*
        }
    };
}

contract!(
    placed_order_is_found_by_tag_and_id_and_fills,
    an_unknown_order_is_definitively_not_found,
    a_failed_lookup_is_not_a_not_found,
    a_lost_answer_is_ambiguous_and_the_order_exists,
    a_lagging_book_shows_the_order_later,
    a_dead_session_is_refused_everywhere,
    a_prepared_order_goes_out_once,
    a_partial_fill_then_cancel_leaves_what_filled,
    a_rejection_says_why,
    a_resting_stop_is_moved_then_turned_into_market,
    a_cancelled_resting_stop_sells_nothing,
    the_last_price_is_the_quote_and_an_unknown_instrument_has_none,
);
