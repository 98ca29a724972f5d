//! The AWS profile's adapters. Clients honour `AWS_ENDPOINT_URL`, so tests run them against a
//! local emulator (moto server).

#[cfg(feature = "aws-dynamodb")]
pub mod dynamodb;
#[cfg(feature = "aws-scheduler")]
pub mod eventbridge;
#[cfg(feature = "aws-secrets")]
pub mod secrets;
#[cfg(feature = "aws-sqs")]
pub mod sqs;

/// The shared SDK configuration from the environment (region, credentials, endpoint).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}
