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

/// What Terraform sets, pointed at the local services and the AWS emulator: the secrets live in
/// Secrets Manager (named by their *_SECRET_ARN), `DATABASE_URL` names a database that exists
/// but has no tables and carries no credentials. Returns that URL and the JWT secret.
async fn aws_env() -> (String, String) {
    let sdk = algo_store::testing::aws::config().await;
    let server = algo_store::testing::database_server_url();
    let url = algo_store::testing::replace_database(
        &server,
        &format!("algo_test_{}", uuid::Uuid::new_v4().simple()),
    );
    algo_store::postgres::ensure_database(&url, std::time::Duration::from_secs(10))
        .await
        .expect("an empty database");
    // The URL without its credentials: those come from the RDS-style secret.
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host_and_db = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let (user, password) = rest
        .rsplit_once('@')
        .and_then(|(creds, _)| creds.split_once(':'))
        .unwrap_or(("postgres", "postgres"));
    let jwt = format!("jwt-from-secrets-manager-{}", uuid::Uuid::new_v4().simple());
    let redis = serde_json::json!({
        "url": std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
    });
    let secret = |value: String| {
        let sdk = sdk.clone();
        async move { algo_store::testing::aws::secret(&sdk, &value).await }
    };
    let pairs = [
        ("DATABASE_URL", format!("{scheme}://{host_and_db}")),
        (
            "DATABASE_SECRET_ARN",
            secret(serde_json::json!({"username": user, "password": password}).to_string()).await,
        ),
        ("REDIS_SECRET_ARN", secret(redis.to_string()).await),
        ("ALGO_JWT_SECRET_ARN", secret(jwt.clone()).await),
        (
            "ALGO_BROKER_KEY_SECRET_ARN",
            secret("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()).await,
        ),
        ("ALGO_KITE_API_KEY", "k".into()),
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
        if std::env::var(k).is_err() || k.starts_with("ALGO_") || k.starts_with("DATABASE_") {
            std::env::set_var(k, v);
        }
    }
    // ALGO_KITE_ACCESS_TOKEN too: the AWS profile starts without one.
    for plain in [
        "ALGO_JWT_SECRET",
        "ALGO_BROKER_KEY",
        "ALGO_KITE_ACCESS_TOKEN",
    ] {
        std::env::remove_var(plain);
    }
    (url, jwt)
}

#[tokio::test]
async fn the_lambda_router_answers_api_gateway_v2_events() {
    let (url, jwt) = aws_env().await;
    // Migrations run once per deploy, not at a cold start: on the empty database the api
    // refuses to start, naming what is missing; after the deploy's step it starts.
    let Err(refused) = api::build().await else {
        panic!("a database behind the code is refused");
    };
    assert!(
        format!("{refused:#}").contains("lacks migrations"),
        "{refused:#}"
    );
    let pg = algo_store::postgres::pool(&url, std::time::Duration::from_secs(10)).expect("pool");
    let users: bool = sqlx::query_scalar("SELECT to_regclass('public.users') IS NOT NULL")
        .fetch_one(&pg)
        .await
        .expect("query");
    assert!(!users, "the api Lambda does not migrate at start-up");
    algo_store::postgres::migrate(&pg)
        .await
        .expect("the deploy's migration step");
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
    let (status, body) = call(
        router.clone(),
        &event("POST", "/auth/login", Some("{not json")),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "BAD_REQUEST");

    // Access tokens are signed with the JWT secret fetched from Secrets Manager.
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    let credentials =
        serde_json::json!({"email": email, "password": "correct horse battery staple"});
    let (status, body) = call(
        router,
        &event("POST", "/auth/register", Some(&credentials.to_string())),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let token = body["access_token"].as_str().expect("an access token");
    algo_app::auth::tokens::TokenKeys::new(jwt.as_bytes())
        .verify(token, algo_core::Clock::now(&algo_core::SystemClock))
        .expect("signed with the secret's value");
    assert!(
        algo_app::auth::tokens::TokenKeys::new(b"0123456789abcdef0123456789abcdef")
            .verify(token, algo_core::Clock::now(&algo_core::SystemClock))
            .is_err(),
        "and not with any other"
    );
}
