//! The stores against the real Postgres and Redis of the machine.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::time::Duration;

use algo_store::redis::RedisStore;
use algo_store::{postgres, testing, StoreError};

#[tokio::test]
async fn migrations_create_the_design_tables() {
    let (pool, _) = testing::fresh_database().await.expect("fresh database");
    postgres::ping(&pool).await.expect("ping");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("list tables");
    for t in [
        "broker_keys",
        "idempotency",
        "order_logs",
        "strategies",
        "users",
    ] {
        assert!(
            tables.iter().any(|x| x == t),
            "missing table {t}: {tables:?}"
        );
    }
    // Running them again is a no-op.
    postgres::migrate(&pool).await.expect("second migrate");
}

#[tokio::test]
async fn the_ledger_key_is_unique_in_order_logs() {
    let (pool, _) = testing::fresh_database().await.expect("fresh database");
    let user = uuid::Uuid::new_v4();
    let strategy = uuid::Uuid::new_v4();
    sqlx::query("INSERT INTO users (id, email, password_hash) VALUES ($1, 'a@b.c', 'x')")
        .bind(user)
        .execute(&pool)
        .await
        .expect("user");
    sqlx::query(
        "INSERT INTO strategies (id, user_id, symbol, buy_time, sell_time, stop_loss_paise, quantity) VALUES ($1, $2, 'TCS', '09:30', '15:10', 350000, 1)",
    )
    .bind(strategy)
    .bind(user)
    .execute(&pool)
    .await
    .expect("strategy");
    let insert = || {
        sqlx::query(
            "INSERT INTO order_logs (id, strategy_id, user_id, event, trading_date, ledger_key, broker_tag, status, quantity, scheduled_for, side)
             VALUES ($1, $2, $3, 'BUY', '2026-11-25', 'k:ENTRY', 't', 'PLACED', 1, now(), 'BUY')",
        )
        .bind(uuid::Uuid::new_v4())
        .bind(strategy)
        .bind(user)
        .execute(&pool)
    };
    insert().await.expect("first entry");
    let second = insert()
        .await
        .expect_err("a second entry with the same ledger key must fail");
    let code = second
        .as_database_error()
        .and_then(|e| e.constraint().map(str::to_owned));
    assert_eq!(code.as_deref(), Some("order_logs_ledger_key_key"));
}

#[tokio::test]
async fn a_database_that_is_not_there_reports_db_down() {
    let pool = postgres::pool(
        "postgres://postgres@127.0.0.1:1/none",
        Duration::from_millis(500),
    )
    .expect("lazy pool");
    assert!(matches!(
        postgres::ping(&pool).await,
        Err(StoreError::DbDown(_))
    ));
}

/// Ends the server side of the connection `pid` and waits until the server has let it go.
async fn end_backend(admin: &sqlx::PgPool, pid: i32) {
    let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(admin)
        .await
        .expect("terminate");
    assert!(ended, "backend {pid} ended");
    let until = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = $1")
            .bind(pid)
            .fetch_one(admin)
            .await
            .expect("activity");
        if left == 0 {
            return;
        }
        assert!(std::time::Instant::now() < until, "backend {pid} lingers");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the pool's one connection is back in it, idle (its release is a task of its own).
async fn back_in(pool: &sqlx::PgPool) {
    let until = std::time::Instant::now() + Duration::from_secs(5);
    while pool.num_idle() < 1 {
        assert!(
            std::time::Instant::now() < until,
            "the connection never came back"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// A query goes straight to a connection used a moment ago (no ping round trip in front of it);
// one idle for longer is checked first, so a connection the server ended meanwhile (a
// failover, a restart) is replaced without the query seeing it. A connection that ended while
// it looked fresh costs that one query a clear error, and the next one a new connection.
#[tokio::test]
async fn a_connection_the_server_ended_is_replaced() {
    let (admin, url) = testing::fresh_database().await.expect("fresh database");
    let pid_of = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()")
            .fetch_one(&pool)
            .await
    };

    let checked =
        postgres::pool_with(&url, Duration::from_secs(5), 1, Duration::ZERO).expect("pool");
    let first = pid_of(checked.clone()).await.expect("a first query");
    back_in(&checked).await;
    end_backend(&admin, first).await;
    let second = pid_of(checked.clone())
        .await
        .expect("the idle connection is checked and replaced");
    assert_ne!(first, second, "a new connection");

    let fresh = postgres::pool_with(&url, Duration::from_secs(5), 1, Duration::from_secs(3600))
        .expect("pool");
    let first = pid_of(fresh.clone()).await.expect("a first query");
    back_in(&fresh).await;
    end_backend(&admin, first).await;
    let lost = pid_of(fresh.clone()).await;
    assert!(
        lost.is_err(),
        "unchecked, the ended connection answers an error: {lost:?}"
    );
    let next = pid_of(fresh.clone())
        .await
        .expect("the next query has a new connection");
    assert_ne!(first, next);
}

#[tokio::test]
async fn redis_answers_and_keys_carry_the_prefix() {
    let store = testing::fresh_redis().expect("redis store");
    store.ping().await.expect("ping");
    let key = store.keys().runtime("abc");
    assert!(key.starts_with("test:") && key.ends_with("runtime:abc"));
    assert_eq!(
        store.keys().lock("abc"),
        format!("{}runtime:abc:lock", store.keys().prefix())
    );
}

#[tokio::test]
async fn redis_that_is_not_there_reports_redis_down_without_hanging() {
    let store =
        RedisStore::new("redis://127.0.0.1:1", "x:", Duration::from_millis(300)).expect("client");
    let started = std::time::Instant::now();
    assert!(matches!(store.ping().await, Err(StoreError::RedisDown(_))));
    assert!(started.elapsed() < Duration::from_secs(5));
}

// ---- order send slots ---------------------------------------------------------------------

use algo_store::redis::order_slots::{OrderSlots, Slot};

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

/// Another process's handle on the same Redis and prefix: a connection of its own.
fn same_redis_as(store: &RedisStore) -> RedisStore {
    RedisStore::new(
        &testing::redis_url(),
        store.keys().prefix(),
        Duration::from_secs(2),
    )
    .expect("redis store")
}

/// Most slots in any window of `window` (starting at a slot, as the worst window does).
fn most_in_any(slots: &[Slot], window: Duration) -> usize {
    let mut at: Vec<i64> = slots.iter().map(|s| s.at_us).collect();
    at.sort_unstable();
    let window = i64::try_from(window.as_micros()).expect("window");
    (0..at.len())
        .map(|i| at[i..].iter().take_while(|t| **t < at[i] + window).count())
        .max()
        .unwrap_or(0)
}

// Two limiters (as two processes would hold) reserve 60 slots for one api_key at once: no
// second holds more than ten, the first ten go at once, and each later one is exactly a
// window after the one ten before it (no slower than the limit needs).
#[tokio::test]
async fn order_slots_from_two_processes_never_put_more_than_ten_in_a_second() {
    let first = testing::fresh_redis().expect("redis store");
    let limits = [(SECOND, 10)];
    let processes = [
        OrderSlots::new(first.clone(), &limits),
        OrderSlots::new(same_redis_as(&first), &limits),
    ];
    let mut tasks = Vec::new();
    for i in 0..60 {
        let slots = processes[i % 2].clone();
        tasks.push(tokio::spawn(async move { slots.reserve("user_a").await }));
    }
    let mut slots = Vec::new();
    for task in tasks {
        slots.push(task.await.expect("task").expect("reserved"));
    }
    assert_eq!(most_in_any(&slots, SECOND), 10);
    assert_eq!(
        slots.iter().filter(|s| s.wait().is_zero()).count(),
        10,
        "a burst of ten goes at once"
    );
    let mut at: Vec<i64> = slots.iter().map(|s| s.at_us).collect();
    at.sort_unstable();
    for i in 10..at.len() {
        assert_eq!(at[i], at[i - 10] + 1_000_000, "slot {i}: {at:?}");
    }
}

// A full window for one api_key holds up no other.
#[tokio::test]
async fn order_slots_of_another_api_key_are_independent() {
    let store = testing::fresh_redis().expect("redis store");
    let slots = OrderSlots::new(store, &[(SECOND, 10)]);
    for _ in 0..25 {
        slots.reserve("busy").await.expect("reserved");
    }
    assert!(!slots
        .reserve("busy")
        .await
        .expect("reserved")
        .wait()
        .is_zero());
    for _ in 0..10 {
        let slot = slots.reserve("quiet").await.expect("reserved");
        assert!(slot.wait().is_zero(), "{slot:?}");
    }
}

// Kite's two limits in one script: ten a second takes the 401st order to 40 s, and 400 a
// minute then holds it until a minute after the first. The list keeps only the last 400 slots
// and expires a minute after its last one.
#[tokio::test]
async fn order_slots_keep_four_hundred_a_minute_and_expire() {
    let store = testing::fresh_redis().expect("redis store");
    let slots = OrderSlots::new(store.clone(), &[(SECOND, 10), (MINUTE, 400)]);
    let mut reserved = Vec::new();
    for _ in 0..401 {
        reserved.push(slots.reserve("user_a").await.expect("reserved"));
    }
    assert_eq!(most_in_any(&reserved, SECOND), 10);
    assert_eq!(most_in_any(&reserved, MINUTE), 400);
    assert_eq!(reserved[399].at_us, reserved[389].at_us + 1_000_000);
    assert_eq!(reserved[400].at_us, reserved[0].at_us + 60_000_000);
    let key = store.keys().order_slots("user_a");
    let mut conn = store.conn().await.expect("conn");
    let len: usize = redis::cmd("LLEN")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .expect("llen");
    assert_eq!(len, 400);
    let ttl_ms: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .expect("pttl");
    let last = reserved[400];
    let most = (last.at_us - last.reserved_us) / 1000 + 60_000 + 1;
    assert!(
        ttl_ms > 0 && ttl_ms <= most,
        "ttl {ttl_ms} ms, at most {most}"
    );
}

#[tokio::test]
async fn order_slots_without_redis_report_redis_down() {
    let store =
        RedisStore::new("redis://127.0.0.1:1", "x:", Duration::from_millis(300)).expect("client");
    let slots = OrderSlots::new(store, &[(SECOND, 10)]);
    assert!(matches!(
        slots.reserve("user_a").await,
        Err(StoreError::RedisDown(_))
    ));
}
