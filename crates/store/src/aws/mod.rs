//! The AWS profile's adapters. Clients honour `AWS_ENDPOINT_URL`, so tests run them against a
//! local emulator (moto server).

pub mod dynamodb;
pub mod eventbridge;
pub mod secrets;
pub mod sqs;

/// The shared SDK configuration from the environment (region, credentials, endpoint).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}
