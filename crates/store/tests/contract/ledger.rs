//! The ledger contract, against Postgres, DynamoDB and the in-memory fake.

use std::sync::Arc;
use std::time::Duration;

use algo_core::{LedgerKey, Leg};
use algo_store::aws::dynamodb::DynamoLedger;
use algo_store::memory::MemoryLedger;
use algo_store::ports::{Claim, Ledger, LedgerState};
use algo_store::postgres::ledger::PgLedger;
use algo_store::testing;
use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use crate::aws_env;

fn key() -> LedgerKey {
    LedgerKey::new(
        Uuid::new_v4(),
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
        Leg::Entry,
    )
}

const LONG: Duration = Duration::from_secs(60);

async fn one_owner_at_a_time(ledger: &dyn Ledger) {
    let k = key();
    assert_eq!(
        ledger.claim(&k, "a", LONG).await.expect("claim"),
        Claim::Acquired { resumed: false }
    );
    assert_eq!(
        ledger.claim(&k, "b", LONG).await.expect("claim"),
        Claim::Busy
    );
    assert_eq!(
        ledger.claim(&k, "a", LONG).await.expect("claim"),
        Claim::Busy,
        "even the owner does not claim twice"
    );
    let record = ledger.get(&k).await.expect("get").expect("record");
    assert_eq!(
        (record.state, record.owner.as_str()),
        (LedgerState::InProgress, "a")
    );
}

async fn completed_is_final(ledger: &dyn Ledger) {
    let k = key();
    ledger.claim(&k, "a", LONG).await.expect("claim");
    assert!(
        !ledger
            .complete(&k, "b", &json!({"x": 1}))
            .await
            .expect("complete"),
        "only the owner completes"
    );
    assert!(ledger
        .complete(&k, "a", &json!({"order_id": "123"}))
        .await
        .expect("complete"));
    assert_eq!(
        ledger.claim(&k, "c", LONG).await.expect("claim"),
        Claim::Completed(Some(json!({"order_id": "123"})))
    );
    assert!(
        !ledger
            .complete(&k, "a", &json!({}))
            .await
            .expect("complete twice"),
        "completing twice does nothing"
    );
    ledger.release(&k, "a").await.expect("release");
    assert_eq!(
        ledger.get(&k).await.expect("get").map(|r| r.state),
        Some(LedgerState::Completed),
        "a completed key cannot be released"
    );
}

async fn an_expired_lease_is_taken_over_and_says_so(ledger: &dyn Ledger) {
    let k = key();
    ledger
        .claim(&k, "dead", Duration::from_millis(1))
        .await
        .expect("claim");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        ledger.claim(&k, "heir", LONG).await.expect("claim"),
        Claim::Acquired { resumed: true }
    );
    assert!(
        !ledger
            .complete(&k, "dead", &json!({}))
            .await
            .expect("complete"),
        "the dead owner lost the key"
    );
    assert!(ledger
        .complete(&k, "heir", &json!({}))
        .await
        .expect("complete"));
}

async fn release_lets_a_later_delivery_try(ledger: &dyn Ledger) {
    let k = key();
    ledger.claim(&k, "a", LONG).await.expect("claim");
    ledger
        .release(&k, "b")
        .await
        .expect("release by a stranger is a no-op");
    assert_eq!(
        ledger.claim(&k, "c", LONG).await.expect("claim"),
        Claim::Busy
    );
    ledger.release(&k, "a").await.expect("release");
    assert_eq!(ledger.get(&k).await.expect("get"), None);
    assert_eq!(
        ledger.claim(&k, "c", LONG).await.expect("claim"),
        Claim::Acquired { resumed: false }
    );
}

async fn only_a_live_owner_renews_and_renewal_keeps_the_key(ledger: &dyn Ledger) {
    let k = key();
    let short = Duration::from_millis(300);
    ledger.claim(&k, "a", short).await.expect("claim");
    assert!(
        !ledger.renew(&k, "b", LONG).await.expect("renew"),
        "a stranger cannot renew"
    );
    assert!(ledger.renew(&k, "a", LONG).await.expect("renew"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        ledger.claim(&k, "b", LONG).await.expect("claim"),
        Claim::Busy,
        "the renewed lease outlives the first one"
    );
    // A lease that ran out and was taken over is lost for good: its old owner is fenced.
    let k = key();
    ledger
        .claim(&k, "dead", Duration::from_millis(1))
        .await
        .expect("claim");
    tokio::time::sleep(Duration::from_millis(20)).await;
    ledger.claim(&k, "heir", LONG).await.expect("claim");
    assert!(!ledger.renew(&k, "dead", LONG).await.expect("renew"));
    ledger
        .complete(&k, "heir", &json!({}))
        .await
        .expect("complete");
    assert!(
        !ledger.renew(&k, "heir", LONG).await.expect("renew"),
        "a completed key is not renewed"
    );
}

async fn concurrent_claims_have_one_winner(ledger: Arc<dyn Ledger>) {
    let k = key();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (ledger, k) = (ledger.clone(), k.clone());
        tasks.push(tokio::spawn(async move {
            ledger.claim(&k, &format!("owner-{i}"), LONG).await
        }));
    }
    let mut winners = 0;
    for t in tasks {
        if matches!(
            t.await.expect("task").expect("claim"),
            Claim::Acquired { .. }
        ) {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

async fn contract(ledger: Arc<dyn Ledger>) {
    one_owner_at_a_time(ledger.as_ref()).await;
    completed_is_final(ledger.as_ref()).await;
    an_expired_lease_is_taken_over_and_says_so(ledger.as_ref()).await;
    release_lets_a_later_delivery_try(ledger.as_ref()).await;
    only_a_live_owner_renews_and_renewal_keeps_the_key(ledger.as_ref()).await;
    concurrent_claims_have_one_winner(ledger).await;
}

#[tokio::test]
async fn postgres_ledger_keeps_the_contract() {
    let (pool, _) = testing::fresh_database().await.expect("database");
    contract(Arc::new(PgLedger::new(pool))).await;
}

#[tokio::test]
async fn the_in_memory_ledger_keeps_the_contract() {
    contract(Arc::new(MemoryLedger::new())).await;
}

// The self-hosted ledger's start-up fence: a restarted process takes its dead predecessor's
// claims over at once, and its own live claims are untouched.
async fn fences_a_dead_predecessors_claims_at_once(ledger: &dyn Ledger) {
    let (dead, mine) = (key(), key());
    ledger.claim(&dead, "run-1/a", LONG).await.expect("claim");
    ledger.claim(&mine, "run-2/b", LONG).await.expect("claim");
    assert_eq!(ledger.fence_others("run-2/").await.expect("fence"), 1);
    assert_eq!(
        ledger.claim(&dead, "run-2/c", LONG).await.expect("claim"),
        Claim::Acquired { resumed: true },
        "taken over with no wait for the lease"
    );
    assert!(
        !ledger.renew(&dead, "run-1/a", LONG).await.expect("renew"),
        "the predecessor is fenced"
    );
    assert_eq!(
        ledger.claim(&mine, "run-2/d", LONG).await.expect("claim"),
        Claim::Busy,
        "the live process's own claim stands"
    );
}

#[tokio::test]
async fn a_postgres_ledger_fences_a_dead_predecessors_claims_at_once() {
    let (pool, _) = testing::fresh_database().await.expect("database");
    fences_a_dead_predecessors_claims_at_once(&PgLedger::new(pool)).await;
}

#[tokio::test]
async fn the_in_memory_ledger_fences_a_dead_predecessors_claims_at_once() {
    fences_a_dead_predecessors_claims_at_once(&MemoryLedger::new()).await;
}

#[tokio::test]
async fn dynamodb_ledger_keeps_the_contract() {
    let config = aws_env::config().await;
    let table = aws_env::ledger_table(&config).await;
    contract(Arc::new(DynamoLedger::new(&config, table))).await;
}
