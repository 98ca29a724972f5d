//! The AWS idempotency ledger: one DynamoDB item per ledger key, written with conditions.
//!
//! Item: `ledger_key` (S, partition key), `state` (`IN_PROGRESS` | `COMPLETED`), `owner`,
//! `lease_until` (N, epoch ms), `result` (S, JSON), `expires_at` (N, epoch seconds: the table's TTL).

use std::time::Duration;

use algo_core::LedgerKey;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use crate::ports::{Claim, Ledger, LedgerRecord, LedgerState};
use crate::StoreError;

/// Records live a week past their last write; DynamoDB's TTL deletes them after.
const RETENTION_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone)]
pub struct DynamoLedger {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn down(e: impl std::fmt::Display) -> StoreError {
    StoreError::QueueDown(e.to_string())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

impl DynamoLedger {
    pub fn new(config: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_dynamodb::Client::new(config),
            table: table.into(),
        }
    }

    pub fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.client
    }
}

#[async_trait]
impl Ledger for DynamoLedger {
    async fn claim(
        &self,
        key: &LedgerKey,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let now = now_ms();
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("ledger_key", s(key.as_ref()))
            .item("state", s("IN_PROGRESS"))
            .item("owner", s(owner))
            .item("lease_until", n(now + lease_ms))
            .item("expires_at", n(now / 1000 + RETENTION_SECS))
            // New, or an in-progress claim whose lease ran out (its owner died).
            .condition_expression("attribute_not_exists(ledger_key) OR (#state = :in_progress AND lease_until < :now)")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_progress", s("IN_PROGRESS"))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match put {
            Ok(out) => Ok(Claim::Acquired {
                resumed: out.attributes.is_some_and(|a| !a.is_empty()),
            }),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                match self.get(key).await? {
                    Some(LedgerRecord {
                        state: LedgerState::Completed,
                        result,
                        ..
                    }) => Ok(Claim::Completed(result)),
                    _ => Ok(Claim::Busy),
                }
            }
            Err(e) => Err(down(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }

    async fn complete(
        &self,
        key: &LedgerKey,
        owner: &str,
        result: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("ledger_key", s(key.as_ref()))
            .update_expression("SET #state = :completed, #result = :result, expires_at = :expires")
            .condition_expression("#owner = :owner AND #state = :in_progress")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#result", "result")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":completed", s("COMPLETED"))
            .expression_attribute_values(":in_progress", s("IN_PROGRESS"))
            .expression_attribute_values(":result", s(result.to_string()))
            .expression_attribute_values(":owner", s(owner))
            .expression_attribute_values(":expires", n(now_ms() / 1000 + RETENTION_SECS))
            .send()
            .await;
        match update {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(down(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }

    async fn renew(
        &self,
        key: &LedgerKey,
        owner: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("ledger_key", s(key.as_ref()))
            .update_expression("SET lease_until = :until")
            .condition_expression("#owner = :owner AND #state = :in_progress")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":owner", s(owner))
            .expression_attribute_values(":in_progress", s("IN_PROGRESS"))
            .expression_attribute_values(":until", n(now_ms() + lease_ms))
            .send()
            .await;
        match update {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(down(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }

    async fn release(&self, key: &LedgerKey, owner: &str) -> Result<(), StoreError> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("ledger_key", s(key.as_ref()))
            .condition_expression("#owner = :owner AND #state = :in_progress")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":owner", s(owner))
            .expression_attribute_values(":in_progress", s("IN_PROGRESS"))
            .send()
            .await;
        match delete {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(down(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }

    async fn get(&self, key: &LedgerKey) -> Result<Option<LedgerRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("ledger_key", s(key.as_ref()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| down(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        Ok(Some(LedgerRecord {
            state: if text("state").as_deref() == Some("COMPLETED") {
                LedgerState::Completed
            } else {
                LedgerState::InProgress
            },
            owner: text("owner").unwrap_or_default(),
            result: text("result").and_then(|r| serde_json::from_str(&r).ok()),
        }))
    }
}
