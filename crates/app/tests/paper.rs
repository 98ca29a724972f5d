//! Paper mode (issue #18) end to end on the self-hosted profile with the simulated exchange:
//! a paper strategy's legs go through the same executor, claim, lookup by tag and follow as
//! real ones, fill at the exchange's live last price, and place nothing at the broker; their
//! P&L is reported the same way, and apart from real money.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::sync::Arc;
use std::time::Duration;

use algo_app::broker::paper::PaperBroker;
use algo_app::executor::{ExecutorConfig, Handled, Step};
use algo_core::{CalendarKind, EventKind, OrderEvent, SystemClock, TradingCalendar};
use algo_kite::types::{ModifyRequest, OrderRequest, OrderType, TransactionType};
use algo_kite::{Broker, MarketProtection};
use algo_store::memory::MemoryPaperBook;
use axum::http::{Method, StatusCode};
use chrono::Utc;
use serde_json::{json, Value};
use support::system::*;

async fn price(s: &TestSystem, symbol: &str, price: &str) {
    s.sim_post("/_sim/price", json!({ "symbol": symbol, "price": price }))
        .await;
}

/// A running paper strategy on `symbol` and the entry due now.
async fn paper_strategy(
    s: &TestSystem,
    token: &str,
    symbol: &str,
    extra: Value,
) -> (String, OrderEvent) {
    let (buy, sell) = quiet_times().await;
    let mut body = json!({ "symbol": symbol, "buy_time": buy, "sell_time": sell,
        "stop_loss": "1.00", "quantity": 4, "paper": true });
    for (k, v) in extra.as_object().expect("fields") {
        body[k] = v.clone();
    }
    let id = s.running_with(token, body).await;
    let entry = OrderEvent::new(
        id.parse().expect("uuid"),
        EventKind::Buy,
        TradingCalendar::trading_date(Utc::now()),
        Utc::now(),
    );
    (id, entry)
}

async fn paper_orders(s: &TestSystem, id: &str) -> Vec<(String, String, i32, Option<i64>)> {
    sqlx::query_as(
        "SELECT p.side, p.status, p.filled_quantity, p.average_price_paise FROM paper_orders p
         JOIN order_logs o ON o.broker_order_id = p.order_id
         WHERE o.strategy_id = $1 ORDER BY p.placed_at",
    )
    .bind(id.parse::<uuid::Uuid>().expect("uuid"))
    .fetch_all(&s.system.state.pg)
    .await
    .expect("paper orders")
}

/// Whether the strategy's first day is a paper day, and what it realised, from
/// `/strategy/{id}/days`.
async fn paper_day(s: &TestSystem, token: &str, id: &str) -> (Option<bool>, Option<i64>) {
    let (_, days) = s
        .call(
            Method::GET,
            &format!("/strategy/{id}/days"),
            Some(token),
            None,
        )
        .await;
    let day = &days["days"][0];
    (day["paper"].as_bool(), day["realised_pnl_paise"].as_i64())
}

// A paper day: bought and sold at the live prices, nothing at the broker, its P&L on the
// strategy's days as a paper day and beside (not in) the account's real P&L. Red on main:
// `paper` is an unknown field there (400).
#[tokio::test]
async fn a_paper_day_places_nothing_at_the_broker_and_reports_its_pnl() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    price(&s, "TCS", "3500.00").await;
    let (id, entry) = paper_strategy(&s, &token, "TCS", json!({})).await;
    let (_, listed) = s.call(Method::GET, "/strategies", Some(&token), None).await;
    assert_eq!(listed["strategies"][0]["paper"], true, "{listed}");
    assert_eq!(
        s.system.executor.handle(&entry).await,
        Handled::Done("order COMPLETE".into())
    );
    let status = s.status(&token, &id).await;
    assert_eq!(
        (status["position"].as_str(), status["paper"].as_bool()),
        (Some("bought"), Some(true)),
        "{status}"
    );
    price(&s, "TCS", "3512.50").await;
    assert_eq!(
        s.sell_now(&entry).await,
        Handled::Done("order COMPLETE".into())
    );
    assert!(
        s.sim_orders().await.is_empty(),
        "nothing reached the broker"
    );
    assert_eq!(net_at(&s.http, &s.sim.base_url, "TCS").await, 0);
    assert_eq!(
        paper_orders(&s, &id).await,
        vec![
            ("BUY".into(), "COMPLETE".into(), 4, Some(350_000)),
            ("SELL".into(), "COMPLETE".into(), 4, Some(351_250)),
        ]
    );
    assert_eq!(s.status(&token, &id).await["position"], "sold");
    assert_eq!(paper_day(&s, &token, &id).await, (Some(true), Some(5_000)));
    let (_, pnl) = s.call(Method::GET, "/pnl", Some(&token), None).await;
    assert_eq!(
        (
            pnl["total_pnl_paise"].as_i64(),
            pnl["paper_pnl_paise"].as_i64(),
            pnl["days"].as_array().map(Vec::len)
        ),
        (Some(0), Some(5_000), Some(0)),
        "paper beside real money, not in it: {pnl}"
    );
    let (_, notices) = s
        .call(Method::GET, "/notifications", Some(&token), None)
        .await;
    let titles: Vec<&str> = notices["notifications"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert!(
        !titles.is_empty() && titles.iter().all(|t| t.starts_with("Paper: ")),
        "{titles:?}"
    );
    s.system.shutdown().await;
}

// A paper entry whose worker dies after each step is resumed by the redelivery through the
// paper book's lookup by tag: one paper order, never two, and still nothing at the broker.
#[tokio::test]
async fn a_paper_leg_survives_a_crash_after_every_step_with_one_order() {
    let s = start(CalendarKind::AlwaysOpen, fast()).await;
    let token = s.trader().await;
    price(&s, "INFY", "1500.00").await;
    for step in Step::ALL {
        let (id, entry) = paper_strategy(&s, &token, "INFY", json!({})).await;
        let mut dying = clone_executor(&s);
        dying.config = ExecutorConfig {
            lease: Duration::from_millis(600),
            crash_after: Some(step),
            ..fast()
        };
        assert_eq!(
            dying.handle(&entry).await,
            Handled::Retry(format!("crashed after {step:?}"))
        );
        let mut healthy = clone_executor(&s);
        healthy.config = ExecutorConfig {
            lease: Duration::from_millis(600),
            ..fast()
        };
        let until = std::time::Instant::now() + Duration::from_secs(20);
        let done = loop {
            let handled = healthy.handle(&entry).await;
            if matches!(handled, Handled::Done(_)) || std::time::Instant::now() > until {
                break handled;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(matches!(done, Handled::Done(_)), "{step:?}: {done:?}");
        let orders = paper_orders(&s, &id).await;
        assert_eq!(orders.len(), 1, "{step:?}: {orders:?}");
        assert_eq!(
            s.status(&token, &id).await["position"],
            "bought",
            "{step:?}"
        );
        // Stopped (its exit queued): the next step's strategy may trade the same symbol.
        let (code, _) = s
            .call(
                Method::POST,
                "/strategy/stop",
                Some(&token),
                Some(json!({ "strategy_id": id })),
            )
            .await;
        assert_eq!(code, StatusCode::OK);
        s.call(
            Method::DELETE,
            &format!("/strategy/{id}"),
            Some(&token),
            None,
        )
        .await;
    }
    assert!(
        s.sim_orders().await.is_empty(),
        "nothing reached the broker"
    );
    s.system.shutdown().await;
}

// With resting stops on, a paper position gets none: nothing rests at the broker for it.
#[tokio::test]
async fn a_paper_position_has_no_resting_stop_at_the_broker() {
    let s = start(
        CalendarKind::AlwaysOpen,
        ExecutorConfig {
            resting_stop: true,
            reconcile_every: Duration::from_millis(100),
            ..fast()
        },
    )
    .await;
    let token = s.trader().await;
    price(&s, "TCS", "3500.00").await;
    let (id, entry) = paper_strategy(&s, &token, "TCS", json!({ "stop_loss": "3400.00" })).await;
    assert_eq!(
        s.system.executor.handle(&entry).await,
        Handled::Done("order COMPLETE".into())
    );
    // Two reconciler passes at least.
    for _ in 0..3 {
        s.system.executor.reconcile_once().await.expect("pass");
    }
    assert!(
        s.sim_orders().await.is_empty(),
        "no resting stop at the broker"
    );
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event FROM order_logs WHERE strategy_id = $1")
            .bind(id.parse::<uuid::Uuid>().expect("uuid"))
            .fetch_all(&s.system.state.pg)
            .await
            .expect("legs");
    assert_eq!(events, vec!["BUY"]);
    s.system.shutdown().await;
}

/// Polls `what` until it gives `Some`, for at most `within`.
async fn within<T, F, Fut>(what: &str, within: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let until = std::time::Instant::now() + within;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < until,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// A paper position is guarded by the bot's own stop as a real one is: the live price crossing
// it sells on paper through the watcher, once, at that price, with nothing at the broker, and
// the loss is the paper day's.
#[tokio::test]
async fn a_paper_stop_loss_sells_on_paper_once_through_the_watcher() {
    let s = TestSystem::builder()
        .calendar(CalendarKind::AlwaysOpen)
        .executor(fast())
        .with_feed()
        .start()
        .await;
    let token = s.trader().await;
    price(&s, "TCS", "3500.00").await;
    let (id, entry) = paper_strategy(&s, &token, "TCS", json!({ "stop_loss": "3450.00" })).await;
    assert_eq!(
        s.system.executor.handle(&entry).await,
        Handled::Done("order COMPLETE".into())
    );
    let feed = s.feed.clone().expect("built with the watcher");
    within("the paper stop armed", Duration::from_secs(10), || async {
        let h = feed.health();
        (h.armed_stops == 1 && h.subscribed == 1).then_some(())
    })
    .await;
    price(&s, "TCS", "3449.00").await;
    let sold = within("the paper exit", Duration::from_secs(10), || async {
        let orders = paper_orders(&s, &id).await;
        (orders.len() == 2 && orders[1].1 == "COMPLETE").then_some(orders)
    })
    .await;
    assert_eq!(
        sold,
        vec![
            ("BUY".into(), "COMPLETE".into(), 4, Some(350_000)),
            ("SELL".into(), "COMPLETE".into(), 4, Some(344_900)),
        ]
    );
    for p in ["3440.00", "3430.00"] {
        price(&s, "TCS", p).await;
    }
    within(
        "the position recorded sold",
        Duration::from_secs(5),
        || async { (s.status(&token, &id).await["position"] == "sold").then_some(()) },
    )
    .await;
    assert_eq!(paper_orders(&s, &id).await.len(), 2, "one paper exit");
    let exits: Vec<String> = sqlx::query_scalar(
        "SELECT event FROM order_logs WHERE strategy_id = $1 AND event <> 'BUY'",
    )
    .bind(id.parse::<uuid::Uuid>().expect("uuid"))
    .fetch_all(&s.system.state.pg)
    .await
    .expect("legs");
    assert_eq!(exits, vec!["STOPLOSS"], "the exit is the stop-loss");
    assert!(
        s.sim_orders().await.is_empty(),
        "nothing reached the broker"
    );
    assert_eq!(
        paper_day(&s, &token, &id).await,
        (Some(true), Some(-20_400))
    );
    s.feed_stop.cancel();
    s.system.shutdown().await;
}

/// A paper broker on the in-memory book, pricing from the simulator in process.
fn paper_on_fakes() -> (PaperBroker, algo_sim::Sim) {
    let sim = algo_sim::Sim::new(algo_sim::SimConfig {
        walk_interval: None,
        ..Default::default()
    });
    let prices = algo_kite::BrokerSessions::session(
        &sim.sessions(Duration::from_secs(1)),
        "sim_key",
        algo_kite::Secret::new("sim_token"),
    );
    (
        PaperBroker {
            user_id: uuid::Uuid::new_v4(),
            book: Arc::new(MemoryPaperBook::new()),
            prices,
            clock: Arc::new(SystemClock),
        },
        sim,
    )
}

fn request(
    side: TransactionType,
    order_type: OrderType,
    price: Option<i64>,
    tag: &str,
) -> OrderRequest {
    OrderRequest {
        tradingsymbol: "TCS".into(),
        exchange: "NSE".into(),
        transaction_type: side,
        order_type,
        quantity: 3,
        product: "MIS".into(),
        validity: "DAY".into(),
        price_paise: price,
        trigger_price_paise: (order_type == OrderType::SlM).then_some(340_000),
        tag: Some(tag.into()),
        market_protection: MarketProtection::Automatic,
        algo_id: None,
    }
}

// The paper broker keeps the broker contract the executor relies on: an order is found by its
// tag and its id, an unknown id is "not found", a limit rests until the price reaches it, a
// stop rests until it is made a market order, a final order refuses changes, and positions are
// the net of the fills.
#[tokio::test]
async fn the_paper_broker_keeps_the_broker_contract() {
    let (paper, sim) = paper_on_fakes();
    sim.set_price("TCS", 350_000).expect("price");
    let bought = paper
        .place_order(&request(
            TransactionType::Buy,
            OrderType::Market,
            None,
            "t1",
        ))
        .await
        .expect("placed");
    assert!(bought.starts_with("PAPER-"));
    let found = paper
        .find_order_by_tag("t1")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(
        (
            found.order_id.as_str(),
            found.status.as_str(),
            found.filled_quantity
        ),
        (bought.as_str(), "COMPLETE", 3)
    );
    assert_eq!(found.average_price.paise(), Some(350_000));
    assert!(paper
        .find_order_by_tag("nope")
        .await
        .expect("lookup")
        .is_none());
    let missing = paper
        .order_history("PAPER-none")
        .await
        .expect_err("unknown");
    assert!(missing.is_not_found(), "{missing:?}");
    // The same tag again is not a second order: an ambiguous answer, and the lookup finds one.
    let again = paper
        .place_order(&request(
            TransactionType::Buy,
            OrderType::Market,
            None,
            "t1",
        ))
        .await
        .expect_err("one order per tag");
    assert!(again.is_ambiguous(), "{again:?}");

    // A sell limit over the market rests; the market reaching it fills it at the last price.
    let limit = paper
        .place_order(&request(
            TransactionType::Sell,
            OrderType::Limit,
            Some(351_000),
            "t2",
        ))
        .await
        .expect("placed");
    assert_eq!(
        paper.order_history(&limit).await.expect("history")[0].status,
        "OPEN"
    );
    sim.set_price("TCS", 351_500).expect("price");
    paper
        .modify_order(
            &limit,
            &ModifyRequest {
                price_paise: Some(351_000),
                ..ModifyRequest::default()
            },
        )
        .await
        .expect("modified");
    let filled = &paper.order_history(&limit).await.expect("history")[0];
    assert_eq!(
        (filled.status.as_str(), filled.average_price.paise()),
        ("COMPLETE", Some(351_500))
    );
    let refused = paper.cancel_order(&limit).await.expect_err("a final order");
    assert!(!refused.is_not_found());
    let net = paper.positions().await.expect("positions");
    assert_eq!(
        net.net.iter().map(|p| p.quantity).sum::<i64>(),
        0,
        "bought 3, sold 3"
    );

    // A stop rests until the exit turns it into a market order; a cancelled one stays so.
    let stop = paper
        .place_order(&request(TransactionType::Sell, OrderType::SlM, None, "t3"))
        .await
        .expect("placed");
    assert_eq!(
        paper.order_history(&stop).await.expect("history")[0].status,
        "TRIGGER PENDING"
    );
    paper
        .modify_order(
            &stop,
            &ModifyRequest {
                order_type: Some(OrderType::Market),
                ..ModifyRequest::default()
            },
        )
        .await
        .expect("to market");
    assert_eq!(
        paper.order_history(&stop).await.expect("history")[0].status,
        "COMPLETE"
    );
    let resting = paper
        .place_order(&request(TransactionType::Sell, OrderType::SlM, None, "t4"))
        .await
        .expect("placed");
    paper.cancel_order(&resting).await.expect("cancelled");
    assert_eq!(
        paper.order_history(&resting).await.expect("history")[0].status,
        "CANCELLED"
    );
    assert_eq!(
        paper.positions().await.expect("positions").net[0].quantity,
        -3
    );

    // No price for the instrument: the order is recorded and rejected, as Kite does.
    let mut unknown = request(TransactionType::Buy, OrderType::Market, None, "t5");
    unknown.tradingsymbol = "NOSUCH".into();
    let rejected = paper.place_order(&unknown).await.expect("placed");
    assert_eq!(
        paper.order_history(&rejected).await.expect("history")[0].status,
        "REJECTED"
    );
}
