//! `api` Lambda: API Gateway (HTTP API, payload v2) → the app's Router.
#![allow(unused_crate_dependencies)] // the library uses the rest

use lambda_http::Error;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .without_time() // CloudWatch stamps each line
        .init();
    let router = api::build().await.map_err(|e| {
        tracing::error!(error = %e, "start-up failed");
        Error::from(e.to_string())
    })?;
    lambda_http::run(router).await
}
