//! Isolation for tests: a fresh, migrated database and a unique Redis key prefix per test.

use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

use crate::redis::RedisStore;
use crate::StoreError;

/// The server tests use: `TEST_DATABASE_URL`, else `DATABASE_URL`, else the local default.
pub fn database_server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

/// `REDIS_URL`, else the local default.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A database of one test's own, named `algo_test_<random>`, migrated.
/// `scripts/test` drops these before each run; a test never needs to clean up.
pub async fn fresh_database() -> Result<(PgPool, String), StoreError> {
    let server = database_server_url();
    let name = format!("algo_test_{}", Uuid::new_v4().simple());
    let url = replace_database(&server, &name);
    crate::postgres::ensure_database(&url, Duration::from_secs(10)).await?;
    let pool = crate::postgres::pool(&url, Duration::from_secs(10))?;
    crate::postgres::migrate(&pool).await?;
    Ok((pool, url))
}

/// A Redis store whose keys no other test shares.
pub fn fresh_redis() -> Result<RedisStore, StoreError> {
    RedisStore::new(
        &redis_url(),
        format!("test:{}:", Uuid::new_v4().simple()),
        Duration::from_secs(2),
    )
}

/// `url` with its database name replaced by `name`.
pub fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    // The path starts at the first '/' after "scheme://authority".
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// The local AWS emulator (moto server, started by `scripts/services`) and throw-away resources
/// shaped like the ones Terraform creates.
#[cfg(feature = "aws")]
pub mod aws {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    use aws_sdk_sqs::types::QueueAttributeName;
    use uuid::Uuid;

    /// SDK configuration for the emulator at `AWS_ENDPOINT_URL` (default `http://127.0.0.1:4566`).
    pub async fn config() -> aws_config::SdkConfig {
        let endpoint =
            std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:4566".into());
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("ap-south-1"))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                "test", "test", None, None, "tests",
            ))
            .load()
            .await
    }

    /// `prefix-<random>`.
    pub fn unique(prefix: &str) -> String {
        format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..12])
    }

    /// A FIFO queue like `orders.fifo` with the given visibility timeout; returns its URL.
    pub async fn fifo_queue(config: &aws_config::SdkConfig, visibility_secs: u32) -> String {
        aws_sdk_sqs::Client::new(config)
            .create_queue()
            .queue_name(format!("{}.fifo", unique("orders")))
            .attributes(QueueAttributeName::FifoQueue, "true")
            .attributes(QueueAttributeName::VisibilityTimeout, visibility_secs.to_string())
            .send()
            .await
            .expect("create a queue on the AWS emulator (is moto server running? scripts/services starts it)")
            .queue_url
            .expect("a created queue has a URL")
    }

    /// An idempotency table like Terraform's (hash key `ledger_key`); returns its name.
    pub async fn ledger_table(config: &aws_config::SdkConfig) -> String {
        let name = unique("idempotency");
        let attr = AttributeDefinition::builder()
            .attribute_name("ledger_key")
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("a complete attribute definition");
        let key = KeySchemaElement::builder()
            .attribute_name("ledger_key")
            .key_type(KeyType::Hash)
            .build()
            .expect("a complete key");
        aws_sdk_dynamodb::Client::new(config)
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr)
            .key_schema(key)
            .send()
            .await
            .expect("create a table on the AWS emulator (is moto server running? scripts/services starts it)");
        name
    }

    /// A secret holding `value`, like the ones Terraform creates; returns its ARN.
    pub async fn secret(config: &aws_config::SdkConfig, value: &str) -> String {
        aws_sdk_secretsmanager::Client::new(config)
            .create_secret()
            .name(unique("algo/secret"))
            .secret_string(value)
            .send()
            .await
            .expect("create a secret on the AWS emulator (is moto server running? scripts/services starts it)")
            .arn
            .expect("a created secret has an ARN")
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            replace_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
