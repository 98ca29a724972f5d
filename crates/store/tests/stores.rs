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
            "INSERT INTO order_logs (id, strategy_id, user_id, event, trading_date, ledger_key, broker_tag, status, quantity, scheduled_for)
             VALUES ($1, $2, $3, 'BUY', '2026-11-25', 'k:ENTRY', 't', 'PLACED', 1, now())",
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
