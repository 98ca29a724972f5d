//! The strategy-lock contract, against Redis and the in-memory fake.

use std::sync::Arc;
use std::time::Duration;

use algo_store::memory::MemoryLocks;
use algo_store::ports::StrategyLocks;
use algo_store::redis::locks::RedisLocks;
use algo_store::testing;
use uuid::Uuid;

const LONG: Duration = Duration::from_secs(60);

async fn one_holder_at_a_time(locks: &dyn StrategyLocks) {
    let (id, other) = (Uuid::new_v4(), Uuid::new_v4());
    let token = locks.try_lock(id, LONG).await.expect("lock").expect("free");
    assert!(
        locks.try_lock(id, LONG).await.expect("lock").is_none(),
        "held"
    );
    assert!(
        locks.try_lock(other, LONG).await.expect("lock").is_some(),
        "another strategy's is free"
    );
    locks.unlock(id, "not-the-token").await.expect("unlock");
    assert!(
        locks.try_lock(id, LONG).await.expect("lock").is_none(),
        "a stranger cannot release it"
    );
    assert!(
        !locks
            .extend(id, "not-the-token", LONG)
            .await
            .expect("extend"),
        "nor extend it"
    );
    locks.unlock(id, &token).await.expect("unlock");
    assert!(
        locks.try_lock(id, LONG).await.expect("lock").is_some(),
        "free once released"
    );
}

async fn a_lock_not_extended_frees_itself(locks: &dyn StrategyLocks) {
    let id = Uuid::new_v4();
    let token = locks
        .try_lock(id, Duration::from_millis(300))
        .await
        .expect("lock")
        .expect("free");
    assert!(locks.extend(id, &token, LONG).await.expect("extend"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        locks.try_lock(id, LONG).await.expect("lock").is_none(),
        "the extended hold outlives the first"
    );
    let id = Uuid::new_v4();
    let old = locks
        .try_lock(id, Duration::from_millis(50))
        .await
        .expect("lock")
        .expect("free");
    tokio::time::sleep(Duration::from_millis(120)).await;
    let new = locks
        .try_lock(id, LONG)
        .await
        .expect("lock")
        .expect("freed by itself");
    assert!(
        !locks.extend(id, &old, LONG).await.expect("extend"),
        "the old holder cannot extend"
    );
    locks.unlock(id, &old).await.expect("unlock");
    assert!(
        locks.try_lock(id, LONG).await.expect("lock").is_none(),
        "nor release the new holder's"
    );
    assert!(locks.extend(id, &new, LONG).await.expect("extend"));
}

async fn clear_all_frees_every_lock(locks: &dyn StrategyLocks) {
    let ids = [Uuid::new_v4(), Uuid::new_v4()];
    for id in ids {
        locks.try_lock(id, LONG).await.expect("lock").expect("free");
    }
    assert_eq!(locks.clear_all().await.expect("clear"), 2);
    for id in ids {
        assert!(locks.try_lock(id, LONG).await.expect("lock").is_some());
    }
}

async fn concurrent_lockers_have_one_winner(locks: Arc<dyn StrategyLocks>) {
    let id = Uuid::new_v4();
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let locks = locks.clone();
            tokio::spawn(async move { locks.try_lock(id, LONG).await })
        })
        .collect();
    let mut winners = 0;
    for t in tasks {
        if t.await.expect("task").expect("lock").is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

async fn contract(fresh: impl Fn() -> Arc<dyn StrategyLocks>) {
    one_holder_at_a_time(fresh().as_ref()).await;
    a_lock_not_extended_frees_itself(fresh().as_ref()).await;
    clear_all_frees_every_lock(fresh().as_ref()).await;
    concurrent_lockers_have_one_winner(fresh()).await;
}

#[tokio::test]
async fn redis_locks_keep_the_contract() {
    contract(|| Arc::new(RedisLocks::new(testing::fresh_redis().expect("redis")))).await;
}

#[tokio::test]
async fn in_memory_locks_keep_the_contract() {
    contract(|| Arc::new(MemoryLocks::new())).await;
}
