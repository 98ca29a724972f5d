//! The AWS profile's sweep on the emulator: the orders queue is SQS FIFO and the ledger
//! DynamoDB, the self-hosted worker stands in for the executor Lambda, and the strategies'
//! timers are disarmed so that only the sweep can act. One injected clock (API, executor,
//! simulator) moves past the instants the timers would have fired at.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::sync::Arc;
use std::time::Duration;

use algo_app::sweep::{SweepReport, Sweeper};
use algo_core::{CalendarKind, OffsetClock};
use algo_store::aws::dynamodb::DynamoLedger;
use algo_store::aws::sqs::SqsQueue;
use algo_store::testing;
use support::system::{ist, side, TestSystem};

fn sweeper(s: &TestSystem) -> Sweeper {
    Sweeper {
        executor: s.system.executor.clone(),
        pg: s.system.state.pg.clone(),
        redis: s.system.state.redis.clone(),
        queue: s.system.queue.clone(),
        push: Some(s.system.push.clone()),
    }
}

async fn aws_system(clock: Arc<OffsetClock>) -> TestSystem {
    let sdk = testing::aws::config().await;
    let queue_url = testing::aws::fifo_queue(&sdk, 30).await;
    let table = testing::aws::ledger_table(&sdk).await;
    TestSystem::builder()
        .calendar(CalendarKind::Nse)
        .clock(clock)
        .queue_and_ledger(
            Arc::new(SqsQueue::new(&sdk, queue_url)),
            Arc::new(DynamoLedger::new(&sdk, table)),
        )
        .start()
        .await
}

// A BUY whose timer never fired (a failed delivery, an outage) enters once its window has been
// open past the grace; an open position whose SELL never fired exits once its sell time has
// passed. Within the grace the sweep leaves both to their timers, and a second pass does not
// queue anything twice.
#[tokio::test]
async fn the_sweep_enters_an_open_window_and_exits_a_passed_sell_time() {
    let clock = Arc::new(OffsetClock::at(ist((2026, 12, 7), (10, 0, 0))));
    let s = aws_system(clock.clone()).await;
    let token = s.trader().await;
    let id = s.running(&token, "TCS", "10:00:20", "10:05:00").await;
    // Only the sweep acts from here.
    s.system.scheduler.disarm_all();
    let sweep = sweeper(&s);

    clock.set(ist((2026, 12, 7), (10, 0, 30)));
    let early = sweep.run_once().await;
    assert_eq!(
        early.queued,
        Vec::<String>::new(),
        "inside the grace: {early:?}"
    );

    clock.set(ist((2026, 12, 7), (10, 1, 0)));
    let entered = sweep.run_once().await;
    assert_eq!(entered.failed, Vec::<String>::new(), "{entered:?}");
    assert_eq!(entered.queued.len(), 1, "{entered:?}");
    assert!(entered.queued[0].ends_with(":BUY"), "{entered:?}");
    let orders = s
        .wait_orders(Duration::from_secs(20), |o| side(o, "BUY") >= 1)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 0),
        "{orders:?}"
    );
    let bought = s
        .wait_status(&token, &id, Duration::from_secs(10), |v| {
            v["position"] == "bought"
        })
        .await;
    assert_eq!(bought["position"], "bought", "{bought}");
    let again = sweep.run_once().await;
    assert_eq!(
        again.queued,
        Vec::<String>::new(),
        "entered already: {again:?}"
    );

    clock.set(ist((2026, 12, 7), (10, 5, 40)));
    let exited = sweep.run_once().await;
    assert_eq!(exited.queued.len(), 1, "{exited:?}");
    assert!(exited.queued[0].ends_with(":SELL"), "{exited:?}");
    let orders = s
        .wait_orders(Duration::from_secs(20), |o| side(o, "SELL") >= 1)
        .await;
    let sold = s
        .wait_status(&token, &id, Duration::from_secs(10), |v| {
            v["position"] == "sold"
        })
        .await;
    assert_eq!(sold["position"], "sold", "{sold}");
    let after = sweep.run_once().await;
    assert_eq!(after.queued, Vec::<String>::new(), "flat: {after:?}");
    let orders_after = s.sim_orders().await;
    assert_eq!(
        (side(&orders_after, "BUY"), side(&orders_after, "SELL")),
        (1, 1),
        "exactly one BUY and one SELL: {orders:?}"
    );
    s.shutdown().await;
}

// A strategy started after its buy time does not buy that day: the sweep recovers entries the
// timers missed, and a strategy started late had no timer to miss. (The start-up recovery of
// the self-hosted profile, run on the same day, would enter it: the control.)
#[tokio::test]
async fn a_strategy_started_after_its_buy_time_waits_for_the_next_day() {
    // The database stamps the start with the real time, so the day is the last trading day
    // before the real one: its 09:30 is before the start.
    let calendar = algo_core::TradingCalendar::new(CalendarKind::Nse);
    let mut day = algo_core::TradingCalendar::trading_date(chrono::Utc::now())
        .pred_opt()
        .expect("a day");
    while !calendar.is_trading_day(day) {
        day = day.pred_opt().expect("a day");
    }
    let at = |h, m| {
        algo_core::TradingCalendar::instant(
            day,
            chrono::NaiveTime::from_hms_opt(h, m, 0).expect("a time"),
        )
    };
    let clock = Arc::new(OffsetClock::at(at(10, 0)));
    let s = aws_system(clock.clone()).await;
    let token = s.trader().await;
    let id = s.running(&token, "TCS", "09:30:00", "11:00:00").await;
    s.system.scheduler.disarm_all();
    let report: SweepReport = sweeper(&s).run_once().await;
    assert_eq!(report.queued, Vec::<String>::new(), "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");
    let control = algo_app::executor::recover_missed(
        &s.system.state.pg,
        &s.system.executor.calendar,
        clock.as_ref(),
        s.system.queue.as_ref(),
    )
    .await
    .expect("recover");
    assert_eq!(control.len(), 1, "the start-up rule enters it: {control:?}");
    assert_eq!(control[0].strategy_id.to_string(), id);
    s.shutdown().await;
}
