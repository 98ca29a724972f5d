//! The local AWS emulator: the shared helpers of `algo_store::testing::aws`.

pub use algo_store::testing::aws::{config, ledger_table, unique};

/// A FIFO queue with a short visibility timeout, so redelivery is quick.
pub async fn fifo_queue(config: &aws_config::SdkConfig) -> String {
    algo_store::testing::aws::fifo_queue(config, 1).await
}
