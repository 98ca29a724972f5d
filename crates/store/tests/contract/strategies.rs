//! The contract of strategies as the order path reads them, against Postgres and the fake.

use std::future::Future;
use std::pin::Pin;

use algo_core::strategy::{Exchange, ExitRules, Offset, Product, StrategySpec, Symbol};
use algo_core::Price;
use algo_store::memory::MemoryStrategies;
use algo_store::ports::{Status, StrategyRepo, StrategyRow};
use algo_store::postgres::strategies::{self, PgStrategies};
use algo_store::testing;
use chrono::{NaiveTime, Utc};
use uuid::Uuid;

fn spec(symbol: &str, buy: u32) -> StrategySpec {
    StrategySpec {
        symbol: Symbol::parse(symbol).expect("symbol"),
        exchange: Exchange::Nse,
        buy_time: NaiveTime::from_hms_opt(9, buy, 0).expect("time"),
        sell_time: NaiveTime::from_hms_opt(15, 0, 0).expect("time"),
        stop_loss: Price::from_paise(350_000).expect("price"),
        quantity: 3,
        product: Product::Mis,
        exits: Default::default(),
        direction: Default::default(),
        paper: false,
    }
}

/// Stores a strategy of `user` with `status` through the adapter's own write path.
type Seed<'a> =
    Box<dyn Fn(Uuid, StrategySpec, Status) -> Pin<Box<dyn Future<Output = Uuid> + Send + 'a>> + 'a>;

async fn contract(repo: &dyn StrategyRepo, seed: Seed<'_>, user: Uuid) {
    let running = seed(user, spec("TCS", 30), Status::Running).await;
    let stopped = seed(user, spec("INFY", 31), Status::Stopped).await;
    let guarded = StrategySpec {
        exits: ExitRules {
            target: Some(Offset::Percent(150)),
            trailing_stop: Some(Offset::Points(Price::from_paise(1_000).expect("price"))),
        },
        direction: algo_core::strategy::Direction::Short,
        paper: true,
        ..spec("SBIN", 32)
    };
    let with_exits = seed(user, guarded.clone(), Status::Stopped).await;
    let row = repo.get(with_exits).await.expect("get").expect("stored");
    assert_eq!(
        row.spec, guarded,
        "the target, trailing stop, direction and paper flag as stored"
    );

    let row = repo.get(running).await.expect("get").expect("stored");
    assert_eq!(
        (row.id, row.user_id, row.status),
        (running, user, Status::Running)
    );
    assert_eq!(row.spec, spec("TCS", 30), "the spec as stored");
    assert!(repo.get(Uuid::new_v4()).await.expect("get").is_none());
    assert_eq!(
        repo.status_of(stopped).await.expect("status"),
        Some(Status::Stopped)
    );
    assert_eq!(repo.status_of(Uuid::new_v4()).await.expect("status"), None);

    let listed: Vec<Uuid> = repo
        .all_running()
        .await
        .expect("running")
        .into_iter()
        .map(|r| r.id)
        .filter(|id| [running, stopped].contains(id))
        .collect();
    assert_eq!(listed, vec![running]);

    repo.fail(running, "ORDER_FAILED: the exit was rejected")
        .await
        .expect("fail");
    let failed = repo.get(running).await.expect("get").expect("stored");
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(
        failed.failure_reason.as_deref(),
        Some("ORDER_FAILED: the exit was rejected")
    );
    assert!(repo
        .all_running()
        .await
        .expect("running")
        .iter()
        .all(|r| r.id != running));
    repo.fail(Uuid::new_v4(), "no such strategy")
        .await
        .expect("failing nothing is no error");
}

#[tokio::test]
async fn the_postgres_strategies_keep_the_contract() {
    let (pool, _) = testing::fresh_database().await.expect("database");
    let user = Uuid::new_v4();
    algo_store::postgres::users::insert(
        &pool,
        user,
        &format!("{}@example.com", user.simple()),
        "hash",
    )
    .await
    .expect("user");
    let seed_pool = pool.clone();
    let seed: Seed<'_> = Box::new(move |user, spec, status| {
        let pool = seed_pool.clone();
        Box::pin(async move {
            let id = Uuid::new_v4();
            strategies::create(&pool, user, id, &spec)
                .await
                .expect("create");
            assert!(strategies::set_status(&pool, user, id, status, None)
                .await
                .expect("status"));
            id
        })
    });
    contract(&PgStrategies::new(pool), seed, user).await;
}

#[tokio::test]
async fn the_in_memory_strategies_keep_the_contract() {
    let repo = std::sync::Arc::new(MemoryStrategies::new());
    let store = repo.clone();
    let seed: Seed<'_> = Box::new(move |user, spec, status| {
        let store = store.clone();
        Box::pin(async move {
            let id = Uuid::new_v4();
            store.put(StrategyRow {
                id,
                user_id: user,
                spec,
                status,
                failure_reason: None,
                created_at: Utc::now(),
                updated_at: Utc::now(),
            });
            id
        })
    });
    contract(repo.as_ref(), seed, Uuid::new_v4()).await;
}
