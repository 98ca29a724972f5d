//! The AWS order queue: SQS FIFO, message group = strategy id, deduplication id = event id.

use std::time::Duration;

use algo_core::{decode_queue_message, OrderEvent};
use async_trait::async_trait;

use crate::ports::{Delivery, OrderQueue};
use crate::StoreError;

#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

fn down(e: impl std::fmt::Display) -> StoreError {
    StoreError::QueueDown(e.to_string())
}

impl SqsQueue {
    pub fn new(config: &aws_config::SdkConfig, queue_url: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_sqs::Client::new(config),
            queue_url: queue_url.into(),
        }
    }

    pub fn client(&self) -> &aws_sdk_sqs::Client {
        &self.client
    }
}

#[async_trait]
impl OrderQueue for SqsQueue {
    async fn push(&self, event: &OrderEvent) -> Result<(), StoreError> {
        let body = serde_json::to_string(event).map_err(down)?;
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            // One group per strategy: its events are handled one at a time, in order.
            .message_group_id(event.strategy_id.to_string())
            .message_deduplication_id(event.event_id.replace(':', "_"))
            .send()
            .await
            .map_err(|e| down(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    async fn pop(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, StoreError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .send()
            .await
            .map_err(|e| down(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        let mut deliveries = Vec::new();
        for message in out.messages.unwrap_or_default() {
            let (Some(body), Some(receipt)) = (message.body, message.receipt_handle) else {
                continue;
            };
            match decode_queue_message(&body) {
                Ok(event) => deliveries.push(Delivery { event, receipt }),
                // Left unacknowledged: after maxReceiveCount tries SQS moves it to the DLQ.
                Err(e) => {
                    tracing::error!(error = %e, "unreadable SQS message left for the dead-letter queue")
                }
            }
        }
        Ok(deliveries)
    }

    async fn ack(&self, delivery: &Delivery) -> Result<(), StoreError> {
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(&delivery.receipt)
            .send()
            .await
            .map_err(|e| down(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    async fn nack(&self, delivery: &Delivery) -> Result<(), StoreError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(&delivery.receipt)
            .visibility_timeout(0)
            .send()
            .await
            .map_err(|e| down(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    async fn recover(&self) -> Result<usize, StoreError> {
        // SQS redelivers unacknowledged messages by itself after the visibility timeout.
        Ok(0)
    }
}
