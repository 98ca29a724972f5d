//! The broker-keys contract, against Postgres and the in-memory fake.

use algo_store::memory::MemoryBrokerKeys;
use algo_store::ports::{BrokerKeys, BrokerKeysRow};
use algo_store::postgres::broker_keys::PgBrokerKeys;
use algo_store::testing;
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

fn sealed(user_id: Uuid, ciphertext: &[u8]) -> BrokerKeysRow {
    BrokerKeysRow {
        user_id,
        ciphertext: ciphertext.to_vec(),
        nonce: vec![7; 12],
        key_id: "k1".into(),
        broker_user_id: Some("AB1234".into()),
        user_name: Some("A Trader".into()),
        status: "connected".into(),
        status_reason: None,
        token_date: NaiveDate::from_ymd_opt(2026, 12, 1),
        updated_at: Utc::now(),
    }
}

async fn contract(keys: &dyn BrokerKeys, user: Uuid, other: Uuid) {
    assert!(keys.get(user).await.expect("get").is_none());
    keys.save(&sealed(user, b"first")).await.expect("save");
    keys.save(&sealed(other, b"other")).await.expect("save");
    keys.save(&sealed(user, b"second")).await.expect("replace");
    let row = keys.get(user).await.expect("get").expect("saved");
    assert_eq!(
        (row.ciphertext.as_slice(), row.status.as_str()),
        (&b"second"[..], "connected")
    );
    assert_eq!((row.nonce, row.key_id.as_str()), (vec![7; 12], "k1"));
    keys.mark_expired(user, "TokenException: expired")
        .await
        .expect("expire");
    let row = keys.get(user).await.expect("get").expect("saved");
    assert_eq!(
        (row.status.as_str(), row.status_reason.as_deref()),
        ("expired", Some("TokenException: expired"))
    );
    let untouched = keys.get(other).await.expect("get").expect("saved");
    assert_eq!(
        (untouched.status.as_str(), untouched.ciphertext.as_slice()),
        ("connected", &b"other"[..])
    );
    keys.save(&sealed(user, b"fresh")).await.expect("reconnect");
    assert_eq!(
        keys.get(user).await.expect("get").expect("saved").status,
        "connected"
    );
    keys.mark_expired(Uuid::new_v4(), "nobody")
        .await
        .expect("no keys is no error");
}

#[tokio::test]
async fn the_postgres_broker_keys_keep_the_contract() {
    let (pool, _) = testing::fresh_database().await.expect("database");
    let (user, other) = (Uuid::new_v4(), Uuid::new_v4());
    for id in [user, other] {
        algo_store::postgres::users::insert(
            &pool,
            id,
            &format!("{}@example.com", id.simple()),
            "h",
        )
        .await
        .expect("user");
    }
    contract(&PgBrokerKeys::new(pool), user, other).await;
}

#[tokio::test]
async fn the_in_memory_broker_keys_keep_the_contract() {
    contract(&MemoryBrokerKeys::new(), Uuid::new_v4(), Uuid::new_v4()).await;
}
