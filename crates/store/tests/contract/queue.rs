//! The queue contract, against the Redis list and SQS FIFO.

use std::time::{Duration, Instant};

use algo_core::{EventKind, OrderEvent};
use algo_store::aws::sqs::SqsQueue;
use algo_store::ports::OrderQueue;
use algo_store::redis::queue::RedisQueue;
use algo_store::testing;
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use crate::aws_env;

fn event(kind: EventKind) -> OrderEvent {
    OrderEvent::new(
        Uuid::new_v4(),
        kind,
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
        Utc::now(),
    )
}

/// Pops until `want` events arrived or the deadline passed.
async fn pop_all(
    queue: &dyn OrderQueue,
    want: usize,
    deadline: Duration,
) -> Vec<algo_store::ports::Delivery> {
    let until = Instant::now() + deadline;
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < until {
        got.extend(queue.pop(10, Duration::from_secs(1)).await.expect("pop"));
    }
    got
}

async fn delivers_and_forgets_after_ack(queue: &dyn OrderQueue) {
    let e = event(EventKind::Buy);
    queue.push(&e).await.expect("push");
    let got = pop_all(queue, 1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event, e);
    queue.ack(&got[0]).await.expect("ack");
    queue.recover().await.expect("recover");
    let again = queue.pop(10, Duration::from_secs(2)).await.expect("pop");
    assert!(
        again.is_empty(),
        "an acknowledged event came back: {again:?}"
    );
}

async fn duplicates_are_dropped(queue: &dyn OrderQueue) {
    let e = event(EventKind::StopLoss);
    for _ in 0..5 {
        queue.push(&e).await.expect("push");
    }
    let got = pop_all(queue, 1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "{got:?}");
    queue.ack(&got[0]).await.expect("ack");
    let more = queue.pop(10, Duration::from_secs(2)).await.expect("pop");
    assert!(more.is_empty(), "a duplicate was delivered: {more:?}");
}

async fn an_unacknowledged_event_comes_back(queue: &dyn OrderQueue) {
    let e = event(EventKind::Sell);
    queue.push(&e).await.expect("push");
    let first = pop_all(queue, 1, Duration::from_secs(5)).await;
    assert_eq!(first.len(), 1);
    // The consumer dies here without acknowledging. A new one starts:
    queue.recover().await.expect("recover");
    let second = pop_all(queue, 1, Duration::from_secs(10)).await;
    assert_eq!(second.len(), 1, "the event was lost");
    assert_eq!(second[0].event, e);
    queue.ack(&second[0]).await.expect("ack");
}

async fn a_nacked_event_comes_back_without_a_restart(queue: &dyn OrderQueue) {
    let e = event(EventKind::Buy);
    queue.push(&e).await.expect("push");
    let first = pop_all(queue, 1, Duration::from_secs(5)).await;
    assert_eq!(first.len(), 1);
    queue.nack(&first[0]).await.expect("nack");
    let second = pop_all(queue, 1, Duration::from_secs(5)).await;
    assert_eq!(second.first().map(|d| &d.event), Some(&e));
    queue.ack(&second[0]).await.expect("ack");
}

async fn contract(queue: &dyn OrderQueue) {
    a_nacked_event_comes_back_without_a_restart(queue).await;
    delivers_and_forgets_after_ack(queue).await;
    duplicates_are_dropped(queue).await;
    an_unacknowledged_event_comes_back(queue).await;
}

#[tokio::test]
async fn redis_queue_keeps_the_contract() {
    let store = testing::fresh_redis().expect("redis");
    contract(&RedisQueue::new(store)).await;
}

#[tokio::test]
async fn sqs_fifo_queue_keeps_the_contract() {
    let config = aws_env::config().await;
    let url = aws_env::fifo_queue(&config).await;
    contract(&SqsQueue::new(&config, url)).await;
}
