use std::time::Duration;

use algo_core::OrderEvent;
use async_trait::async_trait;

use crate::StoreError;

/// One delivered event and what acknowledging it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub event: OrderEvent,
    /// Adapter-specific handle (SQS receipt handle, the Redis list element).
    pub receipt: String,
}

/// Order events on their way to the executor: at-least-once, deduplicated by `event_id` for a
/// few minutes (SQS FIFO's window), never lost once `push` returned.
#[async_trait]
pub trait OrderQueue: Send + Sync + 'static {
    /// Enqueues an event. A second push of the same `event_id` within the dedup window is dropped.
    async fn push(&self, event: &OrderEvent) -> Result<(), StoreError>;
    /// Up to `max` events, waiting at most `wait` for the first one. A popped event is delivered
    /// again if it is not acknowledged (after a crash, or after the visibility timeout).
    async fn pop(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, StoreError>;
    /// The event is done with: it will not be delivered again.
    async fn ack(&self, delivery: &Delivery) -> Result<(), StoreError>;
    /// Hands an event back for another delivery soon (the store it needed was down).
    async fn nack(&self, delivery: &Delivery) -> Result<(), StoreError>;
    /// Puts back every event a dead consumer took and never acknowledged; returns how many.
    /// Call at start-up, before consuming.
    async fn recover(&self) -> Result<usize, StoreError>;
}
