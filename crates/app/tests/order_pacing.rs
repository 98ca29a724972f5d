//! Kite's order limit across processes: one user's orders sent by several processes (executor
//! Lambda instances) at once stay within 10 a second, counted by the simulated exchange over
//! real HTTP. Each "process" is a `KiteHttp` of its own with a Redis connection of its own.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::sync::Arc;
use std::time::Duration;

use algo_app::broker::pacer::SharedOrderPacer;
use algo_kite::{KiteHttp, MarketProtection, OrderRequest, OrderType, Secret, TransactionType};
use algo_store::redis::RedisStore;
use algo_store::testing;

async fn exchange() -> algo_sim::RunningSim {
    algo_sim::spawn(algo_sim::SimConfig {
        walk_interval: None,
        ..Default::default()
    })
    .await
}

fn order(i: usize) -> OrderRequest {
    OrderRequest {
        tradingsymbol: "TCS".into(),
        exchange: "NSE".into(),
        transaction_type: TransactionType::Buy,
        order_type: OrderType::Market,
        quantity: 1,
        product: "MIS".into(),
        validity: "DAY".into(),
        price_paise: None,
        trigger_price_paise: None,
        tag: Some(format!("pace{i}")),
        market_protection: MarketProtection::Automatic,
        algo_id: None,
    }
}

/// One process: its own HTTP client and its own connection to the Redis all of them share.
fn process(sim: &algo_sim::RunningSim, prefix: &str) -> (KiteHttp, Arc<SharedOrderPacer>) {
    let redis = RedisStore::new(&testing::redis_url(), prefix, Duration::from_secs(2))
        .expect("redis store");
    let pacer = Arc::new(SharedOrderPacer::new(redis));
    let http = KiteHttp::new(&sim.base_url, Duration::from_secs(5))
        .expect("http")
        .with_order_pacer(pacer.clone());
    (http, pacer)
}

// 25 orders of one user at once from two processes, half placed through the pooled client and
// half armed and sent: all 25 placed, and the exchange refused none for its rate limit. With
// each process pacing on its own (two times ten a second) about ten of them earn a 429.
#[tokio::test]
async fn two_processes_place_twenty_five_orders_of_one_user_without_a_429() {
    let sim = exchange().await;
    let prefix = testing::fresh_redis()
        .expect("redis")
        .keys()
        .prefix()
        .to_owned();
    let (a, pacer_a) = process(&sim, &prefix);
    let (b, pacer_b) = process(&sim, &prefix);
    let client_a = a.client("sim_key", Secret::new("sim_token"));
    let client_b = b.client("sim_key", Secret::new("sim_token"));
    let mut armed = Vec::new();
    for i in 13..25 {
        armed.push(client_b.arm_order(&order(i)).await.expect("armed"));
    }
    let placed_a = futures_util::future::join_all((0..13).map(|i| {
        let client = client_a.clone();
        async move { client.place_order(&order(i)).await }
    }));
    let sent_b = futures_util::future::join_all(armed.iter_mut().map(|o| o.send()));
    let (placed_a, sent_b) = tokio::join!(placed_a, sent_b);
    let failed: Vec<_> = placed_a
        .iter()
        .chain(sent_b.iter())
        .filter_map(|r| r.as_ref().err())
        .collect();
    assert!(failed.is_empty(), "{} failed: {failed:?}", failed.len());
    assert_eq!(sim.sim.orders().len(), 25);
    assert_eq!(sim.sim.rate_limited(), 0, "orders refused with 429");
    assert_eq!((pacer_a.fallbacks(), pacer_b.fallbacks()), (0, 0));
}

// Redis down: orders are neither held up nor dropped; each process paces its own.
#[tokio::test]
async fn with_redis_down_orders_still_go() {
    let sim = exchange().await;
    let redis =
        RedisStore::new("redis://127.0.0.1:1", "x:", Duration::from_secs(2)).expect("client");
    let pacer = Arc::new(SharedOrderPacer::new(redis));
    let http = KiteHttp::new(&sim.base_url, Duration::from_secs(5))
        .expect("http")
        .with_order_pacer(pacer.clone());
    let client = http.client("sim_key", Secret::new("sim_token"));
    for i in 0..5 {
        client.place_order(&order(i)).await.expect("placed");
    }
    assert_eq!(sim.sim.orders().len(), 5);
    assert_eq!(pacer.fallbacks(), 5);
}
