//! Crash-point tests (issue #15): for every step of a leg that writes state or talks to the
//! broker, and for each broker outcome (accepted; lost before it reached the broker; accepted
//! with its answer lost), a worker dies right after that step, as a SIGKILL there would, and
//! the event is delivered again to a healthy worker. Both legs, entry then exit. After each:
//! at most one order per leg at the exchange, the leg resolved in the order log, and the
//! recorded position equal to the broker's.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::time::{Duration, Instant};

use algo_app::executor::{Executor, ExecutorConfig, Handled, Step};
use algo_core::{CalendarKind, EventKind, OrderEvent};
use axum::http::Method;
use chrono::Utc;
use serde_json::{json, Value};
use support::system::*;

#[derive(Debug, Clone, Copy)]
enum Broker {
    Accepts,
    /// The request never reaches it (a 500 with nothing placed); the next try is accepted.
    LosesRequest,
    /// It places the order and the answer is lost (held past the client's timeout).
    LosesAnswer,
}

fn config(crash_after: Option<Step>) -> ExecutorConfig {
    ExecutorConfig {
        lease: Duration::from_millis(600),
        book_settle: Duration::from_secs(1),
        crash_after,
        ..fast()
    }
}

fn worker(s: &TestSystem, crash_after: Option<Step>) -> Executor {
    let mut e = clone_executor(s);
    e.config = config(crash_after);
    e
}

async fn net_position(s: &TestSystem, symbol: &str) -> i64 {
    net_at(&s.http, &s.sim.base_url, symbol).await
}

/// Delivers `event` to a healthy worker until it is done (the dead worker's lease runs out).
async fn redeliver(healthy: &Executor, event: &OrderEvent) -> Handled {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let handled = healthy.handle(event).await;
        if matches!(handled, Handled::Done(_)) || Instant::now() >= until {
            return handled;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn one_leg(s: &TestSystem, event: &OrderEvent, step: Step, broker: Broker) {
    match broker {
        Broker::Accepts => {}
        Broker::LosesRequest => {
            s.sim_post("/_sim/faults", json!({ "kind": "http_500", "count": 1 }))
                .await
        }
        Broker::LosesAnswer => {
            s.sim_post(
                "/_sim/faults",
                json!({ "kind": "timeout", "count": 1, "delay_ms": 3000 }),
            )
            .await
        }
    }
    let dying = worker(s, Some(step));
    let first = dying.handle(event).await;
    assert_eq!(
        first,
        Handled::Retry(format!("crashed after {step:?}")),
        "the worker reached {step:?}"
    );
    drop(dying);
    let healthy = worker(s, None);
    let handled = redeliver(&healthy, event).await;
    assert!(
        matches!(&handled, Handled::Done(_)),
        "{:?} after a crash at {step:?}: {handled:?}",
        event.event
    );
}

async fn crash_case(step: Step, broker: Broker) {
    crash_case_in(step, broker, false, EventKind::Sell).await
}

/// A long (buys, then sells) or a short (sells, then buys back) through a crash at `step`,
/// exiting on `exit` (the timed SELL, or a crossed stop's exit sent at once).
async fn crash_case_in(step: Step, broker: Broker, short: bool, exit: EventKind) {
    let s = start(CalendarKind::AlwaysOpen, config(None)).await;
    let token = s.trader().await;
    let (id, buy) = if short {
        let (buy_time, sell_time) = quiet_times().await;
        let id = s
            .running_with(&token, json!({ "symbol": "TCS", "buy_time": buy_time,
                "sell_time": sell_time, "stop_loss": "99999.00", "quantity": 5, "direction": "SHORT" }))
            .await;
        let event = OrderEvent::new(
            id.parse().expect("uuid"),
            EventKind::Buy,
            algo_core::TradingCalendar::trading_date(Utc::now()),
            Utc::now(),
        );
        (id, event)
    } else {
        buy_now(&s, &token, "TCS").await
    };
    let (entry_side, exit_side) = if short {
        ("SELL", "BUY")
    } else {
        ("BUY", "SELL")
    };
    one_leg(&s, &buy, step, broker).await;
    let orders = s.sim_orders().await;
    assert_eq!(
        (side(&orders, entry_side), side(&orders, exit_side)),
        (1, 0),
        "{step:?}/{broker:?}: {orders:?}"
    );
    assert_eq!(
        net_position(&s, "TCS").await,
        if short { -5 } else { 5 },
        "the broker holds the entry"
    );
    let status = s.status(&token, &id).await;
    assert_eq!(
        status["position"], "bought",
        "{step:?}/{broker:?}: {status}"
    );

    let sell = OrderEvent::new(buy.strategy_id, exit, buy.trading_date, Utc::now());
    one_leg(&s, &sell, step, broker).await;
    let orders = s.sim_orders().await;
    assert_eq!(
        (side(&orders, entry_side), side(&orders, exit_side)),
        (1, 1),
        "{step:?}/{broker:?}: {orders:?}"
    );
    assert_eq!(net_position(&s, "TCS").await, 0, "the broker is flat");
    let status = s.status(&token, &id).await;
    assert_eq!(status["position"], "sold", "{step:?}/{broker:?}: {status}");
    let (_, log) = s
        .call(
            Method::GET,
            &format!("/strategy/{id}/orders"),
            Some(&token),
            None,
        )
        .await;
    let statuses: Vec<&str> = log["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["status"].as_str())
        .collect();
    assert_eq!(statuses, vec!["COMPLETE", "COMPLETE"], "{log}");
    s.system.shutdown().await;
}

/// The table: every step a worker can die after, with each broker outcome; `$case` runs one.
/// Expanded for each table: on the real stores and on the fakes (`on_fakes`).
macro_rules! crash_table {
    ($case:ident) => {
        crash_table!(@cases $case;
            after_claim_accepted: Claimed, Accepts;
            after_claim_request_lost: Claimed, LosesRequest;
            after_claim_answer_lost: Claimed, LosesAnswer;
            after_sending_row_accepted: SendingWritten, Accepts;
            after_sending_row_request_lost: SendingWritten, LosesRequest;
            after_sending_row_answer_lost: SendingWritten, LosesAnswer;
            after_send_accepted: Sent, Accepts;
            after_send_request_lost: Sent, LosesRequest;
            after_send_answer_lost: Sent, LosesAnswer;
            after_placed_row_accepted: PlacedWritten, Accepts;
            after_placed_row_request_lost: PlacedWritten, LosesRequest;
            after_placed_row_answer_lost: PlacedWritten, LosesAnswer;
            after_record_accepted: Recorded, Accepts;
            after_record_request_lost: Recorded, LosesRequest;
            after_record_answer_lost: Recorded, LosesAnswer;
        );
    };
    (@cases $case:ident; $($name:ident: $step:ident, $broker:ident;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                $case(Step::$step, Broker::$broker).await;
            }
        )*

        /// Every step and every outcome has its case.
        #[test]
        fn the_table_covers_every_step_and_outcome() {
            let cases = [$((Step::$step, stringify!($broker))),*];
            for step in Step::ALL {
                for broker in ["Accepts", "LosesRequest", "LosesAnswer"] {
                    assert!(cases.contains(&(step, broker)), "no case for {step:?}/{broker}");
                }
            }
        }
    };
}

crash_table!(crash_case);

/// The same table with the exit a crossed stop's, which sends at once and writes its row
/// while the order goes (a crash after the send finds no row: only the claim says an order
/// may be out, and the taker-over looks it up by tag).
mod crossed {
    use super::*;

    async fn case(step: Step, broker: Broker) {
        crash_case_in(step, broker, false, EventKind::StopLoss).await
    }

    crash_table!(case);
}

/// A short-first day through a crash after each step, with the answer lost (the outcome that
/// needs the lookup by tag): one short sale, one buy-back, flat.
mod short {
    use super::*;

    async fn case(step: Step) {
        crash_case_in(step, Broker::LosesAnswer, true, EventKind::Sell).await
    }

    #[tokio::test]
    async fn after_claim() {
        case(Step::Claimed).await
    }

    #[tokio::test]
    async fn after_sending_row() {
        case(Step::SendingWritten).await
    }

    #[tokio::test]
    async fn after_send() {
        case(Step::Sent).await
    }

    #[tokio::test]
    async fn after_placed_row() {
        case(Step::PlacedWritten).await
    }

    #[tokio::test]
    async fn after_record() {
        case(Step::Recorded).await
    }
}

/// The same table with the stop resting at the exchange: the entry crashes at each step, the
/// guard goes under the position all the same (placed by the redelivery or the reconciler),
/// and the exit, crashing at each step it has, takes the guard over: one SELL order, flat.
mod guarded {
    use super::*;

    fn config(crash_after: Option<Step>) -> ExecutorConfig {
        ExecutorConfig {
            resting_stop: true,
            fill_timeout: Duration::from_secs(2),
            reconcile_every: Duration::from_millis(200),
            ..super::config(crash_after)
        }
    }

    fn worker(s: &TestSystem, crash_after: Option<Step>) -> Executor {
        let mut e = clone_executor(s);
        e.config = config(crash_after);
        e
    }

    /// Delivers `event` to a worker dying at `step`, then to healthy ones until it is done.
    /// An exit that takes the guard over writes no `SENDING` row and sends no new order, so
    /// it has no such steps to die after: it may be done at the first delivery.
    async fn leg(s: &TestSystem, event: &OrderEvent, step: Step) -> Handled {
        let first = worker(s, Some(step)).handle(event).await;
        if matches!(first, Handled::Done(_)) {
            return first;
        }
        assert_eq!(first, Handled::Retry(format!("crashed after {step:?}")));
        redeliver(&worker(s, None), event).await
    }

    async fn sells(s: &TestSystem) -> Vec<Value> {
        s.sim_orders()
            .await
            .into_iter()
            .filter(|o| o["transaction_type"] == "SELL")
            .collect()
    }

    async fn case(step: Step) {
        let s = start(CalendarKind::AlwaysOpen, config(None)).await;
        let token = s.trader().await;
        let (id, buy) = buy_now(&s, &token, "TCS").await;
        let handled = leg(&s, &buy, step).await;
        assert!(matches!(handled, Handled::Done(_)), "{step:?}: {handled:?}");
        // The guard rests under the position, once, whoever placed it.
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let sells = sells(&s).await;
            assert!(sells.len() <= 1, "{step:?}: one guard: {sells:?}");
            if sells
                .first()
                .is_some_and(|o| o["status"] == "TRIGGER PENDING")
            {
                break;
            }
            assert!(Instant::now() < until, "{step:?}: no guard: {sells:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let sell = OrderEvent::new(
            buy.strategy_id,
            EventKind::Sell,
            buy.trading_date,
            Utc::now(),
        );
        let handled = leg(&s, &sell, step).await;
        assert!(matches!(handled, Handled::Done(_)), "{step:?}: {handled:?}");
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let status = s.status(&token, &id).await;
            if status["position"] == "sold" {
                break;
            }
            assert!(Instant::now() < until, "{step:?}: {status}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let sells = sells(&s).await;
        assert_eq!(
            sells.len(),
            1,
            "{step:?}: the guard was the exit: {sells:?}"
        );
        assert_eq!(
            (sells[0]["status"].as_str(), sells[0]["order_type"].as_str()),
            (Some("COMPLETE"), Some("MARKET")),
            "{step:?}"
        );
        assert_eq!(net_position(&s, "TCS").await, 0, "{step:?}: flat");
        s.system.shutdown().await;
    }

    #[tokio::test]
    async fn after_claim() {
        case(Step::Claimed).await;
    }

    #[tokio::test]
    async fn after_sending_row() {
        case(Step::SendingWritten).await;
    }

    #[tokio::test]
    async fn after_send() {
        case(Step::Sent).await;
    }

    #[tokio::test]
    async fn after_placed_row() {
        case(Step::PlacedWritten).await;
    }

    #[tokio::test]
    async fn after_record() {
        case(Step::Recorded).await;
    }
}

/// The same table on the in-memory fakes (order log, ledger, locks, strategies, runtime cache,
/// broker keys) and the simulator in process: no database, no Redis, no HTTP. The fakes keep
/// the adapters' contracts (`crates/store/tests/contract/`), so the same promises hold.
mod on_fakes {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use algo_app::broker::crypto::{BrokerCipher, BrokerSecrets};
    use algo_app::executor::{Executor, Handled, Step};
    use algo_core::strategy::{Exchange, Product, StrategySpec, Symbol};
    use algo_core::{
        CalendarKind, EventKind, OrderEvent, Position, Price, SystemClock, TradingCalendar,
    };
    use algo_kite::{BrokerSessions, Secret};
    use algo_sim::{Fault, FaultKind, Sim, SimConfig};
    use algo_store::memory::{
        MemoryBrokerKeys, MemoryLedger, MemoryLocks, MemoryOrderLog, MemoryRuntime,
        MemoryStrategies,
    };
    use algo_store::ports::{
        BrokerKeys, BrokerKeysRow, OrderLog, RuntimeCache, Status, StrategyRow,
    };
    use chrono::Utc;
    use uuid::Uuid;

    use super::{config, Broker};

    struct Fakes {
        sim: Sim,
        orders: Arc<MemoryOrderLog>,
        ledger: Arc<MemoryLedger>,
        locks: Arc<MemoryLocks>,
        strategies: Arc<MemoryStrategies>,
        runtime: Arc<MemoryRuntime>,
        keys: Arc<MemoryBrokerKeys>,
        cipher: BrokerCipher,
        strategy_id: Uuid,
    }

    async fn fakes() -> Fakes {
        let sim = Sim::new(SimConfig {
            walk_interval: None,
            ..Default::default()
        });
        let (user_id, strategy_id) = (Uuid::new_v4(), Uuid::new_v4());
        let cipher = BrokerCipher::new(&[7u8; 32], "test");
        let sealed = cipher
            .seal(
                user_id,
                &BrokerSecrets {
                    api_key: "sim_key".into(),
                    secret_key: "sim_secret".into(),
                    access_token: "sim_token".into(),
                },
            )
            .expect("seal");
        let keys = Arc::new(MemoryBrokerKeys::new());
        keys.save(&BrokerKeysRow {
            user_id,
            ciphertext: sealed.ciphertext,
            nonce: sealed.nonce,
            key_id: sealed.key_id,
            broker_user_id: Some("SIM001".into()),
            user_name: None,
            status: "connected".into(),
            status_reason: None,
            token_date: Some(algo_app::broker::session::token_day(Utc::now())),
            updated_at: Utc::now(),
        })
        .await
        .expect("keys");
        let (buy, sell) = super::quiet_times().await;
        let time = |t: &str| algo_core::strategy::parse_time_of_day(t).expect("time");
        let strategies = Arc::new(MemoryStrategies::new());
        strategies.put(StrategyRow {
            id: strategy_id,
            user_id,
            spec: StrategySpec {
                symbol: Symbol::parse("TCS").expect("symbol"),
                exchange: Exchange::Nse,
                buy_time: time(&buy),
                sell_time: time(&sell),
                stop_loss: Price::from_paise(100).expect("price"),
                quantity: 5,
                product: Product::Mis,
                exits: Default::default(),
                direction: Default::default(),
                paper: false,
            },
            status: Status::Running,
            failure_reason: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        });
        Fakes {
            sim,
            orders: Arc::new(MemoryOrderLog::new()),
            ledger: Arc::new(MemoryLedger::new()),
            locks: Arc::new(MemoryLocks::new()),
            strategies,
            runtime: Arc::new(MemoryRuntime::new()),
            keys,
            cipher,
            strategy_id,
        }
    }

    fn worker(f: &Fakes, crash_after: Option<Step>) -> Executor {
        Executor {
            keys: f.keys.clone(),
            strategies: f.strategies.clone(),
            orders: f.orders.clone(),
            runtime: f.runtime.clone(),
            ledger: f.ledger.clone(),
            locks: f.locks.clone(),
            broker: Arc::new(f.sim.sessions(Duration::from_millis(1500))),
            cipher: f.cipher.clone(),
            paper: Arc::new(algo_store::memory::MemoryPaperBook::new()),
            calendar: Arc::new(TradingCalendar::new(CalendarKind::AlwaysOpen)),
            clock: Arc::new(SystemClock),
            owner: format!("fake-{}", Uuid::new_v4().simple()),
            local: Default::default(),
            config: config(crash_after),
        }
    }

    fn side(f: &Fakes, side: &str) -> usize {
        f.sim
            .orders()
            .iter()
            .filter(|o| o.request.transaction_type.as_str() == side)
            .count()
    }

    async fn net(f: &Fakes) -> i64 {
        let broker = f
            .sim
            .sessions(Duration::from_secs(1))
            .session("sim_key", Secret::new("sim_token"));
        broker
            .positions()
            .await
            .expect("positions")
            .net
            .iter()
            .filter(|p| p.tradingsymbol == "TCS")
            .map(|p| p.quantity)
            .sum()
    }

    async fn one_leg(f: &Fakes, event: &OrderEvent, step: Step, broker: Broker) {
        match broker {
            Broker::Accepts => {}
            Broker::LosesRequest => {
                f.sim.inject_fault(Fault::new(FaultKind::Http500), 1);
            }
            Broker::LosesAnswer => {
                f.sim.inject_fault(
                    Fault {
                        delay: Duration::from_secs(3),
                        ..Fault::new(FaultKind::Timeout)
                    },
                    1,
                );
            }
        }
        let first = worker(f, Some(step)).handle(event).await;
        assert_eq!(first, Handled::Retry(format!("crashed after {step:?}")));
        let healthy = worker(f, None);
        let until = Instant::now() + Duration::from_secs(30);
        let handled = loop {
            let handled = healthy.handle(event).await;
            if matches!(handled, Handled::Done(_)) || Instant::now() >= until {
                break handled;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(
            matches!(&handled, Handled::Done(_)),
            "{:?} after {step:?}: {handled:?}",
            event.event
        );
    }

    async fn crash_case(step: Step, broker: Broker) {
        crash_case_exiting(step, broker, EventKind::Sell).await
    }

    async fn crash_case_exiting(step: Step, broker: Broker, exit: EventKind) {
        let f = fakes().await;
        let now = Utc::now();
        let buy = OrderEvent::new(
            f.strategy_id,
            EventKind::Buy,
            TradingCalendar::trading_date(now),
            now,
        );
        one_leg(&f, &buy, step, broker).await;
        assert_eq!(side(&f, "BUY"), 1, "{step:?}/{broker:?}");
        assert_eq!(net(&f).await, 5, "the broker holds the entry");
        assert_eq!(
            f.runtime
                .get(f.strategy_id)
                .await
                .expect("runtime")
                .position,
            Position::Bought
        );

        let sell = OrderEvent::new(f.strategy_id, exit, buy.trading_date, Utc::now());
        one_leg(&f, &sell, step, broker).await;
        assert_eq!(
            (side(&f, "BUY"), side(&f, "SELL")),
            (1, 1),
            "{step:?}/{broker:?}"
        );
        assert_eq!(net(&f).await, 0, "the broker is flat");
        assert_eq!(
            f.runtime
                .get(f.strategy_id)
                .await
                .expect("runtime")
                .position,
            Position::Sold
        );
        assert_legs(
            &f,
            buy.trading_date,
            &[("BUY", "COMPLETE"), (exit.as_str(), "COMPLETE")],
        )
        .await;
    }

    /// Asserts the day's legs are `want`, as (event, status), in order.
    async fn assert_legs(f: &Fakes, date: chrono::NaiveDate, want: &[(&str, &str)]) {
        let legs = f.orders.day(f.strategy_id, date).await.expect("day");
        let statuses: Vec<(&str, &str)> = legs
            .iter()
            .map(|l| (l.event.as_str(), l.status.as_str()))
            .collect();
        assert_eq!(statuses, want);
    }

    crash_table!(crash_case);

    // A crossed stop's exit went out and its worker died before the leg's row was written. The
    // worker that takes the claim over cannot read the order book for as long as it tries, and
    // hands the event back. Its claim is left to run out rather than given back, so the next
    // owner looks the order up as well, finds it and follows it: one exit, recorded as sold.
    // Red before: the claim was given back, and the next delivery, knowing of no order, found
    // the position gone and recorded it as closed outside the app.
    #[tokio::test]
    async fn a_takeover_whose_lookup_fails_leaves_the_order_to_be_looked_up_again() {
        let f = fakes().await;
        let now = Utc::now();
        let date = TradingCalendar::trading_date(now);
        let buy = OrderEvent::new(f.strategy_id, EventKind::Buy, date, now);
        assert_eq!(
            worker(&f, None).handle(&buy).await,
            Handled::Done("order COMPLETE".into())
        );
        let stop = OrderEvent::new(f.strategy_id, EventKind::StopLoss, date, Utc::now());
        assert_eq!(
            worker(&f, Some(Step::Sent)).handle(&stop).await,
            Handled::Retry("crashed after Sent".into())
        );
        f.sim.inject_fault(Fault::new(FaultKind::OrdersHttp500), 8);
        let mut healthy = worker(&f, None);
        healthy.config.resolve_timeout = Duration::from_millis(500);
        let until = Instant::now() + Duration::from_secs(30);
        let mut handed_back = Vec::new();
        let handled = loop {
            let handled = healthy.handle(&stop).await;
            if matches!(handled, Handled::Done(_)) || Instant::now() >= until {
                break handled;
            }
            handed_back.push(handled);
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(matches!(handled, Handled::Done(_)), "{handled:?}");
        assert!(
            handed_back
                .iter()
                .any(|h| matches!(h, Handled::Retry(why) if why.contains("could not be read"))),
            "a lookup failed on the way: {handed_back:?}"
        );
        assert_eq!((side(&f, "BUY"), side(&f, "SELL")), (1, 1));
        assert_eq!(net(&f).await, 0);
        assert_legs(&f, date, &[("BUY", "COMPLETE"), ("STOPLOSS", "COMPLETE")]).await;
    }

    /// A crossed stop's exit, sent at once, through the same table.
    mod crossed {
        use super::*;

        async fn case(step: Step, broker: Broker) {
            crash_case_exiting(step, broker, EventKind::StopLoss).await
        }

        crash_table!(case);
    }
}
