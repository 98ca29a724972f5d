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
    let v: Value = s
        .http
        .get(format!("{}/portfolio/positions", s.sim.base_url))
        .header("Authorization", "token sim_key:sim_token")
        .header("X-Kite-Version", "3")
        .send()
        .await
        .expect("sim")
        .json()
        .await
        .expect("json");
    v["data"]["net"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["tradingsymbol"] == symbol)
        .filter_map(|p| p["quantity"].as_i64())
        .sum()
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
    let s = start(CalendarKind::AlwaysOpen, config(None)).await;
    let token = s.trader().await;
    let (id, buy) = buy_now(&s, &token, "TCS").await;
    one_leg(&s, &buy, step, broker).await;
    let orders = s.sim_orders().await;
    assert_eq!(side(&orders, "BUY"), 1, "{step:?}/{broker:?}: {orders:?}");
    assert_eq!(
        net_position(&s, "TCS").await,
        5,
        "the broker holds the entry"
    );
    let status = s.status(&token, &id).await;
    assert_eq!(
        status["position"], "bought",
        "{step:?}/{broker:?}: {status}"
    );

    let sell = OrderEvent::new(
        buy.strategy_id,
        EventKind::Sell,
        buy.trading_date,
        Utc::now(),
    );
    one_leg(&s, &sell, step, broker).await;
    let orders = s.sim_orders().await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
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

macro_rules! crash_cases {
    ($($name:ident: $step:ident, $broker:ident;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                crash_case(Step::$step, Broker::$broker).await;
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

crash_cases! {
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
}
