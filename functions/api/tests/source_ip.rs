//! The Lambda's routes see the client address API Gateway reports, not what a header claims.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use algo_app::http::client_addr::{with_source_ip, ClientAddr};
use axum::body::Body;
use axum::routing::get;
use tower::ServiceExt;

fn event(source_ip: Option<&str>) -> String {
    let mut http = serde_json::json!({ "method": "GET", "path": "/who", "protocol": "HTTP/1.1", "userAgent": "test" });
    if let Some(ip) = source_ip {
        http["sourceIp"] = ip.into();
    }
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/who",
        "rawQueryString": "",
        "headers": {
            "host": "abc.execute-api.ap-south-1.amazonaws.com",
            // What a client sets to pass for someone else: ignored.
            "x-forwarded-for": "198.51.100.77",
            "x-real-ip": "198.51.100.78",
            "forwarded": "for=198.51.100.79"
        },
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc", "domainName": "abc.execute-api.ap-south-1.amazonaws.com",
            "domainPrefix": "abc", "requestId": "req-1", "routeKey": "$default", "stage": "$default",
            "time": "25/Nov/2026:04:00:00 +0000", "timeEpoch": 1795665600000u64,
            "http": http
        },
        "isBase64Encoded": false
    })
    .to_string()
}

async fn who(source_ip: Option<&str>) -> String {
    let router = with_source_ip(
        axum::Router::new().route("/who", get(|addr: ClientAddr| async move { addr.bucket() })),
        api::source_ip,
    );
    let request =
        lambda_http::request::from_str(&event(source_ip)).expect("an API Gateway v2 event");
    let (parts, body) = request.into_parts();
    let request = axum::http::Request::from_parts(parts, Body::from(body.to_vec()));
    let response = router.oneshot(request).await.expect("response");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 10)
        .await
        .expect("body");
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn the_address_is_api_gateways_source_ip_and_never_a_header() {
    assert_eq!(who(Some("203.0.113.9")).await, "203.0.113.9");
    assert_eq!(
        who(Some("2001:db8:aa:bb:1:2:3:4")).await,
        "2001:db8:aa:bb::/64",
        "IPv6 by its /64"
    );
    assert_eq!(
        who(None).await,
        "unknown",
        "no source in the event: one shared bucket, not the forwarded-for header"
    );
}
