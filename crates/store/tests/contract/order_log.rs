//! The order-log contract, against Postgres and the in-memory fake: a leg's first row wins, only
//! a leg that is not final moves on, a day lists its entry first, and the reconciler's list holds
//! exactly the placed legs that are not final.

use algo_store::memory::MemoryOrderLog;
use algo_store::ports::{Final, NewNotification, NewOrderLog, OrderLog};
use algo_store::postgres::order_logs::PgOrderLog;
use algo_store::postgres::PgPool;
use algo_store::testing;
use chrono::{NaiveDate, TimeZone, Utc};
use uuid::Uuid;

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, day).expect("date")
}

/// A strategy's identity; the Postgres adapter needs its rows to exist (foreign keys).
#[derive(Clone, Copy)]
struct Owner {
    user_id: Uuid,
    strategy_id: Uuid,
}

fn leg<'a>(
    owner: Owner,
    event: &'a str,
    day: NaiveDate,
    key: &'a str,
    quantity: i32,
) -> NewOrderLog<'a> {
    NewOrderLog {
        strategy_id: owner.strategy_id,
        user_id: owner.user_id,
        event,
        trading_date: day,
        ledger_key: key,
        broker_tag: "tag",
        quantity,
        scheduled_for: Utc
            .with_ymd_and_hms(2026, 12, 1, 4, 0, 0)
            .single()
            .expect("instant"),
        tradingsymbol: "TCS",
        exchange: "NSE",
        product: "MIS",
        // A long's entry buys and its exits sell.
        side: if event == "BUY" {
            algo_store::ports::Side::Buy
        } else {
            algo_store::ports::Side::Sell
        },
    }
}

fn finished(status: &str, filled: Option<i32>) -> Final<'_> {
    Final {
        status,
        average_price_paise: Some(350_000),
        filled_quantity: filled,
        message: None,
        raw_response: None,
        notice: None,
    }
}

fn unique(name: &str) -> String {
    format!("{name}:{}", Uuid::new_v4().simple())
}

async fn the_first_row_of_a_leg_wins(log: &dyn OrderLog, owner: Owner) {
    let key = unique("first");
    log.begin(&leg(owner, "BUY", date(1), &key, 5))
        .await
        .expect("begin");
    log.begin(&leg(owner, "BUY", date(1), &key, 9))
        .await
        .expect("begin again");
    log.missed(&leg(owner, "BUY", date(1), &key, 9), "late")
        .await
        .expect("missed");
    let day = log.day(owner.strategy_id, date(1)).await.expect("day");
    assert_eq!(day.len(), 1);
    assert_eq!((day[0].status.as_str(), day[0].quantity), ("SENDING", 5));
    assert_eq!(day[0].tradingsymbol.as_deref(), Some("TCS"));
    assert_eq!(day[0].side, algo_store::ports::Side::Buy);
    assert!(day[0].is_open());
    // A short's entry sells: the side is kept as written, whatever the event.
    let short = unique("short");
    log.begin(&NewOrderLog {
        side: algo_store::ports::Side::Sell,
        ..leg(owner, "BUY", date(27), &short, 2)
    })
    .await
    .expect("begin");
    let day = log.day(owner.strategy_id, date(27)).await.expect("day");
    assert_eq!(day[0].side, algo_store::ports::Side::Sell);
    assert_eq!(day[0].direction(), algo_store::ports::Direction::Short);
}

async fn a_final_leg_stays_final(log: &dyn OrderLog, owner: Owner) {
    let key = unique("final");
    log.begin(&leg(owner, "BUY", date(2), &key, 10))
        .await
        .expect("begin");
    let at = Utc::now();
    log.placed(&key, "order-1", at, 3).await.expect("placed");
    let placed = log
        .by_broker_order("order-1")
        .await
        .expect("find")
        .expect("ours");
    assert_eq!(
        (placed.status.as_str(), placed.ledger_key.as_str()),
        ("PLACED", key.as_str())
    );
    log.finish(&key, &finished("CANCELLED", Some(4)))
        .await
        .expect("finish");
    log.finish(&key, &finished("COMPLETE", Some(10)))
        .await
        .expect("a late second writer");
    log.placed(&key, "order-2", at, 3)
        .await
        .expect("placed after final");
    let day = log.day(owner.strategy_id, date(2)).await.expect("day");
    assert_eq!(day.len(), 1);
    assert_eq!(
        (
            day[0].status.as_str(),
            day[0].filled_quantity,
            day[0].broker_order_id.as_deref()
        ),
        ("CANCELLED", Some(4), Some("order-1"))
    );
    assert!(!day[0].is_open());
    assert!(log
        .by_broker_order("order-2")
        .await
        .expect("find")
        .is_none());
}

async fn a_missed_leg_is_final(log: &dyn OrderLog, owner: Owner) {
    let key = unique("missed");
    log.missed(&leg(owner, "BUY", date(3), &key, 1), "outside the window")
        .await
        .expect("missed");
    log.begin(&leg(owner, "BUY", date(3), &key, 1))
        .await
        .expect("begin after");
    log.placed(&key, "order-3", Utc::now(), 1)
        .await
        .expect("placed after");
    let day = log.day(owner.strategy_id, date(3)).await.expect("day");
    assert_eq!(day[0].status, "MISSED");
    assert_eq!(day[0].broker_order_id, None);
}

async fn a_day_lists_its_entry_first_and_only_its_own(
    log: &dyn OrderLog,
    owner: Owner,
    other: Owner,
) {
    let (sell, buy, stop) = (unique("sell"), unique("buy"), unique("stop"));
    log.begin(&leg(owner, "SELL", date(4), &sell, 1))
        .await
        .expect("begin");
    log.begin(&leg(owner, "BUY", date(4), &buy, 1))
        .await
        .expect("begin");
    log.begin(&leg(owner, "STOPLOSS", date(4), &stop, 1))
        .await
        .expect("begin");
    log.begin(&leg(owner, "BUY", date(5), &unique("tomorrow"), 1))
        .await
        .expect("begin");
    log.begin(&leg(other, "BUY", date(4), &unique("other"), 1))
        .await
        .expect("begin");
    let events: Vec<String> = log
        .day(owner.strategy_id, date(4))
        .await
        .expect("day")
        .into_iter()
        .map(|l| l.event)
        .collect();
    assert_eq!(events, vec!["BUY", "SELL", "STOPLOSS"]);
}

async fn the_reconcilers_list_is_the_placed_legs_not_final(log: &dyn OrderLog, owner: Owner) {
    let keys: Vec<String> = (0..4).map(|i| unique(&format!("r{i}"))).collect();
    for (i, key) in keys.iter().enumerate() {
        let day = if i == 3 { date(9) } else { date(6) };
        log.begin(&leg(owner, "BUY", day, key, 1))
            .await
            .expect("begin");
    }
    let ids: Vec<String> = (0..4).map(|_| unique("order")).collect();
    for (key, id) in keys.iter().zip(&ids).skip(1) {
        log.placed(key, id, Utc::now(), 1).await.expect("placed");
    }
    log.finish(&keys[2], &finished("COMPLETE", Some(1)))
        .await
        .expect("finish");
    // keys[0]: SENDING (no order id); keys[1]: PLACED; keys[2]: final; keys[3]: PLACED, later day.
    let listed: Vec<String> = log
        .placed_not_final(date(8))
        .await
        .expect("list")
        .into_iter()
        .filter(|l| keys.contains(&l.ledger_key))
        .map(|l| l.ledger_key)
        .collect();
    assert_eq!(listed, vec![keys[1].clone()]);
    let later: Vec<String> = log
        .placed_not_final(date(9))
        .await
        .expect("list")
        .into_iter()
        .filter(|l| keys.contains(&l.ledger_key))
        .map(|l| l.ledger_key)
        .collect();
    assert_eq!(
        later,
        vec![keys[1].clone(), keys[3].clone()],
        "oldest first"
    );
}

async fn a_final_status_writes_its_notice_once(log: &dyn OrderLog, owner: Owner, other: Owner) {
    let key = unique("notice");
    log.begin(&leg(owner, "BUY", date(10), &key, 5))
        .await
        .expect("begin");
    log.placed(&key, &unique("order"), Utc::now(), 1)
        .await
        .expect("placed");
    let data = serde_json::json!({ "pnl_paise": null });
    let notice = |title: &'static str| NewNotification {
        user_id: owner.user_id,
        strategy_id: Some(owner.strategy_id),
        kind: "entry_filled",
        source_key: "",
        title,
        body: "5 TCS at ₹3,500.00.",
        data: &data,
        at: Utc::now(),
    };
    let first = NewNotification {
        source_key: &key,
        ..notice("Bought TCS")
    };
    let again = NewNotification {
        source_key: &key,
        ..notice("Bought TCS, again")
    };
    // The executor and the reconciler both record the fill: one notice.
    log.finish(
        &key,
        &Final {
            notice: Some(&first),
            ..finished("COMPLETE", Some(5))
        },
    )
    .await
    .expect("finish");
    log.finish(
        &key,
        &Final {
            notice: Some(&again),
            ..finished("COMPLETE", Some(5))
        },
    )
    .await
    .expect("a second writer");
    let written = log.notices(owner.user_id).await.expect("notices");
    let mine: Vec<_> = written.iter().filter(|n| n.source_key == key).collect();
    assert_eq!(mine.len(), 1, "{written:?}");
    assert_eq!(
        (
            mine[0].kind.as_str(),
            mine[0].title.as_str(),
            mine[0].strategy_id
        ),
        ("entry_filled", "Bought TCS", Some(owner.strategy_id))
    );
    let day = log.day(owner.strategy_id, date(10)).await.expect("day");
    assert_eq!(day[0].average_price_paise, Some(350_000));
    // A leg that was already final writes no notice at all.
    let late = unique("late");
    log.missed(&leg(owner, "SELL", date(10), &late, 5), "missed")
        .await
        .expect("missed");
    let late_notice = NewNotification {
        source_key: &late,
        ..notice("never")
    };
    log.finish(
        &late,
        &Final {
            notice: Some(&late_notice),
            ..finished("COMPLETE", Some(5))
        },
    )
    .await
    .expect("finish a final leg");
    let written = log.notices(owner.user_id).await.expect("notices");
    assert!(written.iter().all(|n| n.source_key != late), "{written:?}");
    // A notice of its own (an exit still unfilled) is written once too.
    let unfilled = NewNotification {
        source_key: &late,
        kind: "exit_unfilled",
        ..notice("Exit not filled yet")
    };
    assert!(log.note(&unfilled).await.expect("note"));
    assert!(!log.note(&unfilled).await.expect("note again"));
    let written = log.notices(owner.user_id).await.expect("notices");
    assert_eq!(
        written
            .iter()
            .filter(|n| n.kind == "exit_unfilled" && n.source_key == late)
            .count(),
        1
    );
    assert!(
        log.notices(other.user_id)
            .await
            .expect("notices")
            .iter()
            .all(|n| n.source_key != key),
        "another user sees none of them"
    );
}

/// A filled entry with no resting stop is listed until its guard is placed; an exit takes the
/// guard's row over (one row, its broker order kept), and only once.
async fn a_filled_entry_is_unguarded_until_its_stop_rests(log: &dyn OrderLog, owner: Owner) {
    let listed = |day: NaiveDate| async move {
        log.unguarded(day)
            .await
            .expect("unguarded")
            .into_iter()
            .filter(|l| l.strategy_id == owner.strategy_id)
            .map(|l| l.ledger_key)
            .collect::<Vec<_>>()
    };
    let (entry, guard, exit) = (unique("g-entry"), unique("g-guard"), unique("g-exit"));
    log.begin(&leg(owner, "BUY", date(20), &entry, 5))
        .await
        .expect("begin");
    assert!(listed(date(20)).await.is_empty(), "not filled yet");
    log.placed(&entry, &unique("order"), Utc::now(), 1)
        .await
        .expect("placed");
    log.finish(&entry, &finished("CANCELLED", Some(3)))
        .await
        .expect("finish");
    assert_eq!(
        listed(date(20)).await,
        vec![entry.clone()],
        "filled in part"
    );
    log.begin(&leg(owner, "GUARD", date(20), &guard, 3))
        .await
        .expect("begin guard");
    assert_eq!(
        listed(date(20)).await,
        vec![entry.clone()],
        "a guard still SENDING may never have reached the broker"
    );
    assert!(
        !log.adopt_guard(&guard, &exit, "SELL", Utc::now())
            .await
            .expect("adopt"),
        "a guard not placed is not taken over"
    );
    let order = unique("order");
    log.placed(&guard, &order, Utc::now(), 0)
        .await
        .expect("guard placed");
    assert!(listed(date(20)).await.is_empty(), "guarded");
    log.modified(&guard).await.expect("modified");
    let at = Utc
        .with_ymd_and_hms(2026, 12, 20, 9, 40, 0)
        .single()
        .expect("instant");
    assert!(log
        .adopt_guard(&guard, &exit, "STOPLOSS", at)
        .await
        .expect("adopt"));
    assert!(
        !log.adopt_guard(&guard, &exit, "SELL", at)
            .await
            .expect("adopt"),
        "once"
    );
    let day = log.day(owner.strategy_id, date(20)).await.expect("day");
    let legs: Vec<(&str, &str, Option<&str>, &str)> = day
        .iter()
        .map(|l| {
            (
                l.event.as_str(),
                l.ledger_key.as_str(),
                l.broker_order_id.as_deref(),
                l.status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        legs,
        vec![
            (
                "BUY",
                entry.as_str(),
                day[0].broker_order_id.as_deref(),
                "CANCELLED"
            ),
            ("STOPLOSS", exit.as_str(), Some(order.as_str()), "PLACED"),
        ]
    );
    assert_eq!(day[1].scheduled_for, at);
    log.modified(&exit).await.expect("modified");
    let day = log.day(owner.strategy_id, date(20)).await.expect("day");
    assert_eq!(
        (day[0].modifications, day[1].modifications),
        (0, 2),
        "the guard's modifications stay with its order when an exit takes it over"
    );
    assert!(listed(date(20)).await.is_empty(), "exiting");

    // A day whose EXIT leg exists already keeps its guard as it is.
    let (guard2, exit2) = (unique("g-guard2"), unique("g-exit2"));
    log.begin(&leg(owner, "GUARD", date(22), &guard2, 1))
        .await
        .expect("begin");
    log.placed(&guard2, &unique("order"), Utc::now(), 0)
        .await
        .expect("placed");
    log.missed(&leg(owner, "SELL", date(22), &exit2, 1), "stopped")
        .await
        .expect("missed");
    assert!(!log
        .adopt_guard(&guard2, &exit2, "STOPLOSS", at)
        .await
        .expect("no error: nothing taken over"));

    let refused = unique("g-refused");
    log.begin(&leg(owner, "BUY", date(21), &refused, 5))
        .await
        .expect("begin");
    log.finish(&refused, &finished("REJECTED", Some(0)))
        .await
        .expect("finish");
    assert!(listed(date(21)).await.is_empty(), "nothing held");
}

async fn a_modification_is_taken_once(log: &dyn OrderLog, owner: Owner) {
    let guard = unique("m-guard");
    log.begin(&leg(owner, "GUARD", date(23), &guard, 1))
        .await
        .expect("begin");
    log.placed(&guard, &unique("order"), Utc::now(), 0)
        .await
        .expect("placed");
    let count =
        || async { log.day(owner.strategy_id, date(23)).await.expect("day")[0].modifications };
    let (a, b) = tokio::join!(
        log.take_modification(&guard, 0),
        log.take_modification(&guard, 0)
    );
    let taken = [a.expect("take"), b.expect("take")];
    assert_eq!(
        taken.iter().filter(|t| **t).count(),
        1,
        "two passes seeing the same count take one modification: {taken:?}"
    );
    assert_eq!(count().await, 1);
    assert!(
        !log.take_modification(&guard, 0).await.expect("take"),
        "stale"
    );
    assert!(log.take_modification(&guard, 1).await.expect("take"));
    log.give_back_modification(&guard).await.expect("give back");
    assert_eq!(count().await, 1, "a refused change is not counted");
    log.give_back_modification(&guard).await.expect("give back");
    log.give_back_modification(&guard).await.expect("give back");
    assert_eq!(count().await, 0, "never below none");
    assert!(
        !log.take_modification(&unique("m-none"), 0)
            .await
            .expect("take"),
        "no such leg"
    );
}

async fn contract(log: &dyn OrderLog, owner: Owner, other: Owner) {
    a_modification_is_taken_once(log, owner).await;
    a_filled_entry_is_unguarded_until_its_stop_rests(log, owner).await;
    the_first_row_of_a_leg_wins(log, owner).await;
    a_final_leg_stays_final(log, owner).await;
    a_missed_leg_is_final(log, owner).await;
    a_day_lists_its_entry_first_and_only_its_own(log, owner, other).await;
    the_reconcilers_list_is_the_placed_legs_not_final(log, owner).await;
    a_final_status_writes_its_notice_once(log, owner, other).await;
}

/// A user and a strategy in `pool`, for the order log's foreign keys.
async fn owner_in(pool: &PgPool) -> Owner {
    let owner = Owner {
        user_id: Uuid::new_v4(),
        strategy_id: Uuid::new_v4(),
    };
    let email = format!("{}@example.com", owner.user_id.simple());
    algo_store::postgres::users::insert(pool, owner.user_id, &email, "hash")
        .await
        .expect("user");
    sqlx::query(
        "INSERT INTO strategies (id, user_id, symbol, buy_time, sell_time, stop_loss_paise, quantity) VALUES ($1, $2, 'TCS', '09:30', '15:10', 350000, 1)",
    )
    .bind(owner.strategy_id)
    .bind(owner.user_id)
    .execute(pool)
    .await
    .expect("strategy");
    owner
}

#[tokio::test]
async fn the_postgres_order_log_keeps_the_contract() {
    let (pool, _) = testing::fresh_database().await.expect("database");
    let (owner, other) = (owner_in(&pool).await, owner_in(&pool).await);
    contract(&PgOrderLog::new(pool), owner, other).await;
}

#[tokio::test]
async fn the_in_memory_order_log_keeps_the_contract() {
    let ids = || Owner {
        user_id: Uuid::new_v4(),
        strategy_id: Uuid::new_v4(),
    };
    contract(&MemoryOrderLog::new(), ids(), ids()).await;
}
