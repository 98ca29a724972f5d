//! The local AWS emulator (moto server, started by scripts/services) and throw-away resources.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_sqs::types::QueueAttributeName;
use uuid::Uuid;

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

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..12])
}

/// A FIFO queue like `orders.fifo`, with a short visibility timeout so redelivery is quick.
pub async fn fifo_queue(config: &aws_config::SdkConfig) -> String {
    let client = aws_sdk_sqs::Client::new(config);
    let out = client
        .create_queue()
        .queue_name(format!("{}.fifo", unique("orders")))
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::VisibilityTimeout, "1")
        .send()
        .await
        .expect(
            "create queue on the AWS emulator (is moto server running? scripts/services starts it)",
        );
    out.queue_url.expect("queue url")
}

/// An idempotency table like the one Terraform creates.
pub async fn ledger_table(config: &aws_config::SdkConfig) -> String {
    let client = aws_sdk_dynamodb::Client::new(config);
    let name = unique("idempotency");
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("ledger_key")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attr"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("ledger_key")
                .key_type(KeyType::Hash)
                .build()
                .expect("key"),
        )
        .send()
        .await
        .expect(
            "create table on the AWS emulator (is moto server running? scripts/services starts it)",
        );
    name
}
