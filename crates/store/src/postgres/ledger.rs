//! The self-hosted idempotency ledger: the `idempotency` table.

use std::time::Duration;

use algo_core::LedgerKey;
use async_trait::async_trait;
use sqlx::PgPool;

use crate::ports::{Claim, Ledger, LedgerRecord, LedgerState};
use crate::StoreError;

/// How long a record is kept after its last write.
const RETENTION: &str = "7 days";

/// The Postgres ledger.
#[derive(Debug, Clone)]
pub struct PgLedger {
    pool: PgPool,
}

impl PgLedger {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl Ledger for PgLedger {
    async fn claim(
        &self,
        key: &LedgerKey,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        // Insert, or take over an in-progress claim whose lease ran out; `xmax <> 0` tells an
        // update (a takeover) from an insert.
        let acquired: Option<bool> = sqlx::query_scalar(&format!(
            "INSERT INTO idempotency (ledger_key, state, owner, lease_until, expires_at)
             VALUES ($1, 'IN_PROGRESS', $2, now() + $3 * interval '1 millisecond', now() + interval '{RETENTION}')
             ON CONFLICT (ledger_key) DO UPDATE
                SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until, updated_at = now()
              WHERE idempotency.state = 'IN_PROGRESS' AND idempotency.lease_until < now()
             RETURNING (xmax <> 0)"
        ))
        .bind(key.as_ref())
        .bind(owner)
        .bind(lease_ms)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        if let Some(resumed) = acquired {
            return Ok(Claim::Acquired { resumed });
        }
        match self.get(key).await? {
            Some(LedgerRecord {
                state: LedgerState::Completed,
                result,
                ..
            }) => Ok(Claim::Completed(result)),
            Some(_) => Ok(Claim::Busy),
            // Released between our insert and our read: let the caller come back.
            None => Ok(Claim::Busy),
        }
    }

    async fn complete(
        &self,
        key: &LedgerKey,
        owner: &str,
        result: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(&format!(
            "UPDATE idempotency SET state = 'COMPLETED', result = $3, updated_at = now(), expires_at = now() + interval '{RETENTION}'
             WHERE ledger_key = $1 AND owner = $2 AND state = 'IN_PROGRESS'"
        ))
        .bind(key.as_ref())
        .bind(owner)
        .bind(result)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        Ok(done.rows_affected() == 1)
    }

    async fn renew(
        &self,
        key: &LedgerKey,
        owner: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let renewed = sqlx::query(
            "UPDATE idempotency SET lease_until = now() + $3 * interval '1 millisecond', updated_at = now()
             WHERE ledger_key = $1 AND owner = $2 AND state = 'IN_PROGRESS'",
        )
        .bind(key.as_ref())
        .bind(owner)
        .bind(lease_ms)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        Ok(renewed.rows_affected() == 1)
    }

    async fn fence_others(&self, live: &str) -> Result<u64, StoreError> {
        let fenced = sqlx::query(
            "UPDATE idempotency SET lease_until = now(), updated_at = now()
             WHERE state = 'IN_PROGRESS' AND lease_until > now() AND left(owner, length($1)) <> $1",
        )
        .bind(live)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        Ok(fenced.rows_affected())
    }

    async fn release(&self, key: &LedgerKey, owner: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM idempotency WHERE ledger_key = $1 AND owner = $2 AND state = 'IN_PROGRESS'")
            .bind(key.as_ref())
            .bind(owner)
            .execute(&self.pool)
            .await
            .map_err(StoreError::from_sqlx)?;
        Ok(())
    }

    async fn get(&self, key: &LedgerKey) -> Result<Option<LedgerRecord>, StoreError> {
        let row: Option<(String, String, Option<serde_json::Value>)> =
            sqlx::query_as("SELECT state, owner, result FROM idempotency WHERE ledger_key = $1")
                .bind(key.as_ref())
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::from_sqlx)?;
        Ok(row.map(|(state, owner, result)| LedgerRecord {
            state: if state == "COMPLETED" {
                LedgerState::Completed
            } else {
                LedgerState::InProgress
            },
            owner,
            result,
        }))
    }
}
