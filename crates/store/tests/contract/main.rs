//! One contract suite per port, run against every adapter: the queue against Redis and SQS FIFO,
//! the ledger against Postgres and DynamoDB (SQS and DynamoDB on the local AWS emulator).
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod aws_env;
mod broker_keys;
mod eventbridge;
mod ledger;
mod locks;
mod order_log;
mod paper;
mod queue;
mod runtime;
mod secrets;
mod strategies;
