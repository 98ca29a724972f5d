//! The Router answers an API Gateway HTTP API (payload v2) event as the Lambda would see it.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use axum::body::Body;
use tower::ServiceExt;

fn event(method: &str, path: &str, body: Option<&str>) -> String {
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": { "content-type": "application/json", "host": "abc.execute-api.ap-south-1.amazonaws.com" },
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc", "domainName": "abc.execute-api.ap-south-1.amazonaws.com",
            "domainPrefix": "abc", "requestId": "req-1", "routeKey": "$default", "stage": "$default",
            "time": "25/Nov/2026:04:00:00 +0000", "timeEpoch": 1795665600000u64,
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.1", "userAgent": "test" }
        },
        "body": body,
        "isBase64Encoded": false
    })
    .to_string()
}

async fn call(router: algo_app::http::Router, json: &str) -> (u16, serde_json::Value) {
    let request = lambda_http::request::from_str(json).expect("an API Gateway v2 event");
    let (parts, body) = request.into_parts();
    let request = axum::http::Request::from_parts(parts, Body::from(body.to_vec()));
    let response = router.oneshot(request).await.expect("response");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

fn aws_env() {
    // What Terraform sets, pointed at the local services and the AWS emulator.
    let pairs = [
        (
            "DATABASE_URL",
            std::env::var("TEST_DATABASE_URL")
                .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into()),
        ),
        (
            "REDIS_URL",
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        ),
        ("ALGO_JWT_SECRET", "0123456789abcdef0123456789abcdef".into()),
        (
            "ALGO_BROKER_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        ),
        ("ALGO_KITE_API_KEY", "k".into()),
        ("ALGO_KITE_ACCESS_TOKEN", "t".into()),
        ("ALGO_CORS_ORIGINS", "https://app.example.com".into()),
        ("ALGO_SCHEDULE_GROUP", "algo".into()),
        (
            "ALGO_ORDERS_QUEUE_URL",
            "http://127.0.0.1:4566/123456789012/orders.fifo".into(),
        ),
        (
            "ALGO_ORDERS_QUEUE_ARN",
            "arn:aws:sqs:ap-south-1:123456789012:orders.fifo".into(),
        ),
        (
            "ALGO_SCHEDULER_ROLE_ARN",
            "arn:aws:iam::123456789012:role/scheduler".into(),
        ),
        ("ALGO_LEDGER_TABLE", "idempotency".into()),
        ("AWS_REGION", "ap-south-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
    ];
    // This test binary holds one test, which sets its environment before anything reads it.
    for (k, v) in pairs {
        if std::env::var(k).is_err() || k.starts_with("ALGO_") {
            std::env::set_var(k, v);
        }
    }
}

#[tokio::test]
async fn the_lambda_router_answers_api_gateway_v2_events() {
    aws_env();
    let router = api::build()
        .await
        .expect("the AWS profile builds from its environment");
    let (status, body) = call(router.clone(), &event("GET", "/health", None)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["calendar"], "nse",
        "the AWS profile trades on the NSE calendar"
    );
    let (status, body) = call(router.clone(), &event("GET", "/auth/me", None)).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "UNAUTHORIZED");
    let (status, body) = call(router, &event("POST", "/auth/login", Some("{not json"))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "BAD_REQUEST");
}
