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
        ("/auth/logout", "post"),
        ("/auth/logout-all", "post"),
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

/// The mobile app's types are generated from a committed copy of the document
/// (`mobile/src/api/openapi.json`); this fails when the server's document has drifted from it.
/// `UPDATE_OPENAPI=1` rewrites the copy instead.
#[test]
fn the_committed_snapshot_for_the_mobile_app_is_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../mobile/src/api/openapi.json");
    let document = algo_app::http::openapi::document();
    let mut ids = std::collections::BTreeSet::new();
    for item in document.paths.paths.values() {
        for op in [&item.get, &item.put, &item.post, &item.delete]
            .into_iter()
            .flatten()
        {
            let id = op.operation_id.clone().expect("every operation has an id");
            assert!(ids.insert(id.clone()), "operationId {id} is not unique");
        }
    }
    let mut current = serde_json::to_string_pretty(&document).expect("the document serialises");
    current.push('\n');
    if std::env::var_os("UPDATE_OPENAPI").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, &current)
            .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == current,
        "{} is out of date with the server's /openapi.json (or missing).\n\
         Run `UPDATE_OPENAPI=1 cargo test -p algo-app --test openapi`, then \
         `(cd mobile && npm run api:types)`, and commit both files.",
        path.display()
    );
}
