//! `/auth/*` through the Router, on real Postgres and Redis.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use algo_app::auth::tokens::{TokenKeys, ACCESS_TTL};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::Utc;
use serde_json::json;
use support::spawn_app;

#[tokio::test]
async fn register_returns_tokens_that_work() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/auth/register",
            None,
            json!({ "email": "Trader@Example.com", "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["expires_in"], 900);
    let token = r.body["access_token"].as_str().expect("token");
    let me = app.get("/auth/me", token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], "trader@example.com");
    assert_eq!(me.body["broker"]["status"], "not_connected");
}

#[tokio::test]
async fn duplicate_email_is_taken_whatever_its_case() {
    let app = spawn_app().await;
    app.register("a@example.com").await;
    let r = app
        .post(
            "/auth/register",
            None,
            json!({ "email": "A@EXAMPLE.COM", "password": "another password" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.code(), "EMAIL_TAKEN");
}

#[tokio::test]
async fn weak_passwords_and_bad_emails_are_refused() {
    let app = spawn_app().await;
    for pw in ["1234567".to_string(), "x".repeat(129)] {
        let r = app
            .post(
                "/auth/register",
                None,
                json!({ "email": "w@example.com", "password": pw }),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.code(), "WEAK_PASSWORD");
        assert_eq!(r.body["error"]["fields"][0]["field"], "password");
    }
    for email in ["", "no-at-sign", "a@b", "a b@c.com", "@example.com"] {
        let r = app
            .post(
                "/auth/register",
                None,
                json!({ "email": email, "password": "long enough pw" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{email}");
        assert_eq!(r.code(), "BAD_REQUEST");
    }
    let r = app
        .post(
            "/auth/register",
            None,
            json!({ "email": "ok@example.com", "password": "x".repeat(128) }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn login_gives_the_same_answer_for_a_wrong_email_and_a_wrong_password() {
    let app = spawn_app().await;
    app.register("l@example.com").await;
    let ok = app
        .post(
            "/auth/login",
            None,
            json!({ "email": "l@example.com", "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body["access_token"].is_string());
    let wrong_pw = app
        .post(
            "/auth/login",
            None,
            json!({ "email": "l@example.com", "password": "wrong password" }),
        )
        .await;
    let wrong_email = app
        .post(
            "/auth/login",
            None,
            json!({ "email": "nobody@example.com", "password": "wrong password" }),
        )
        .await;
    assert_eq!(wrong_pw.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_pw.body, wrong_email.body);
    assert_eq!(wrong_pw.code(), "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn login_is_rate_limited_per_email_after_five_failures() {
    let app = spawn_app().await;
    app.register("r@example.com").await;
    app.register("other@example.com").await;
    for _ in 0..5 {
        let r = app
            .post(
                "/auth/login",
                None,
                json!({ "email": "r@example.com", "password": "wrong password" }),
            )
            .await;
        assert_eq!(r.code(), "INVALID_CREDENTIALS");
    }
    let locked = app
        .post(
            "/auth/login",
            None,
            json!({ "email": "r@example.com", "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.code(), "RATE_LIMITED");
    let other = app
        .post(
            "/auth/login",
            None,
            json!({ "email": "other@example.com", "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK, "another email is not locked");
}

#[tokio::test]
async fn refresh_rotates_and_a_replayed_token_revokes_the_family() {
    let app = spawn_app().await;
    let (_, refresh, _) = app.register("f@example.com").await;
    let first = app
        .post("/auth/refresh", None, json!({ "refresh_token": refresh }))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let new_refresh = first.body["refresh_token"]
        .as_str()
        .expect("new")
        .to_owned();
    assert_ne!(new_refresh, refresh);
    assert_eq!(
        app.get(
            "/auth/me",
            first.body["access_token"].as_str().expect("access")
        )
        .await
        .status,
        StatusCode::OK
    );
    let replay = app
        .post("/auth/refresh", None, json!({ "refresh_token": refresh }))
        .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(replay.code(), "UNAUTHORIZED");
    let after = app
        .post(
            "/auth/refresh",
            None,
            json!({ "refresh_token": new_refresh }),
        )
        .await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "the replay revoked the newer token too"
    );
    let junk = app
        .post("/auth/refresh", None, json!({ "refresh_token": "junk" }))
        .await;
    assert_eq!(junk.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn missing_bad_and_expired_tokens() {
    let app = spawn_app().await;
    let (_, _, user) = app.register("t@example.com").await;
    let none = app.call(Method::GET, "/auth/me", None, None).await;
    assert_eq!(
        (none.status, none.code()),
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
    );
    let bad = app.get("/auth/me", "not-a-token").await;
    assert_eq!(
        (bad.status, bad.code()),
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
    );
    let keys = TokenKeys::new(&app.config.jwt_secret.0);
    let user = user.parse().expect("uuid");
    let expired = keys
        .access_token(user, Utc::now() - ACCESS_TTL - chrono::Duration::seconds(5))
        .expect("sign");
    let r = app.get("/auth/me", &expired).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "TOKEN_EXPIRED")
    );
    let forged = TokenKeys::new(b"some other secret that is long enough")
        .access_token(user, Utc::now())
        .expect("sign");
    assert_eq!(app.get("/auth/me", &forged).await.code(), "UNAUTHORIZED");
}

#[tokio::test]
async fn bad_bodies_get_clear_codes() {
    let app = spawn_app().await;
    let send = |body: String, content_type: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri("/auth/register")
            .header("Content-Type", content_type)
            .body(Body::from(body))
            .expect("req")
    };
    let r = app.raw(send("{not json".into(), "application/json")).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "BAD_REQUEST")
    );
    let r = app
        .raw(send(
            r#"{"email": 5, "password": "long enough pw"}"#.into(),
            "application/json",
        ))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "BAD_REQUEST")
    );
    let r = app
        .raw(send(
            r#"{"email":"u@example.com","password":"long enough pw","admin":true}"#.into(),
            "application/json",
        ))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        "unknown fields are refused"
    );
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("admin"));
    let r = app
        .raw(send(
            r#"{"email":"u@example.com","password":"long enough pw"}"#.into(),
            "text/plain",
        ))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "BAD_REQUEST")
    );
    let huge = format!(
        r#"{{"email":"u@example.com","password":"{}"}}"#,
        "x".repeat(100_000)
    );
    let r = app.raw(send(huge, "application/json")).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
    );
    let r = app.call(Method::GET, "/nope", None, None).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "NOT_FOUND"));
}
