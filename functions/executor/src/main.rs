//! `executor` Lambda: SQS FIFO `orders.fifo` → the app's executor, with partial batch failures;
//! and the minute's sweep (`{"sweep": {}}`).
#![allow(unused_crate_dependencies)] // the library uses the rest

use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .without_time()
        .init();
    // Built once per cold start, shared by every invocation.
    let function = executor::Function::from_env().await.map_err(|e| {
        tracing::error!(error = %e, "start-up failed");
        Error::from(e.to_string())
    })?;
    let function = &function;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            function
                .invoke(event.payload)
                .await
                .map_err(|e| Error::from(format!("{e:#}")))
        },
    ))
    .await
}
