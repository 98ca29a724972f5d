//! `/openapi.json` describes every route the Router serves.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use axum::http::{Method, StatusCode};

#[tokio::test]
async fn the_document_is_openapi_3_1_and_covers_every_route() {
    let app = support::spawn_app().await;
    let r = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body["openapi"].as_str().unwrap_or("").starts_with("3.1"),
        "{}",
        r.body["openapi"]
    );
    let paths = r.body["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/health", "get"),
        ("/auth/register", "post"),
        ("/auth/login", "post"),
        ("/auth/refresh", "post"),
        ("/auth/me", "get"),
        ("/broker/connect", "post"),
        ("/broker/status", "get"),
        ("/broker", "delete"),
        ("/strategy/create", "post"),
        ("/strategies", "get"),
        ("/strategy/{id}", "get"),
        ("/strategy/{id}", "put"),
        ("/strategy/{id}", "delete"),
        ("/strategy/start", "post"),
        ("/strategy/stop", "post"),
        ("/strategy/status/{id}", "get"),
        ("/strategy/{id}/orders", "get"),
    ] {
        let op = &paths.get(path).unwrap_or_else(|| panic!("{path} missing"))[method];
        assert!(op.is_object(), "{method} {path} missing");
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses
                .keys()
                .any(|k| k.starts_with('4') || k.starts_with('5')),
            "{method} {path} documents no error"
        );
    }
    assert!(r.body["components"]["securitySchemes"]["bearer"].is_object());
    assert!(r.body["components"]["schemas"]["ErrorBody"].is_object());
}
