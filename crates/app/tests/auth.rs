//! `/auth/*` through the Router, on real Postgres and Redis.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use algo_app::auth::hash_pool::HashPool;
use algo_app::auth::login_limits::{BACKOFF_BASE, BACKOFF_CAP, FREE_PER_EMAIL, FREE_PER_SOURCE};
use algo_app::auth::tokens::{TokenKeys, ACCESS_TTL};
use algo_app::{router, AppState};
use algo_core::{Clock, OffsetClock};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use chrono::Utc;
use serde_json::{json, Value};
use support::spawn_app;
use support::system::TestSystem;
use tower::ServiceExt;

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

// ---- account security (#21): login limits, the argon2 bound, refresh families, logout ----

/// A request as it reaches the Router from `source` (the TCP peer `algo serve` hands on as
/// `ConnectInfo`), or from nowhere known; answers status, `Retry-After` and body.
async fn send(
    state: &AppState,
    path: &str,
    source: Option<&str>,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Option<u64>, Value) {
    let mut req = Request::builder().method(Method::POST).uri(path);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut req = match body {
        Some(b) => req
            .header("Content-Type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    if let Some(ip) = source {
        let ip: IpAddr = ip.parse().expect("an address");
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 40_000)));
    }
    let response = router(state.clone()).oneshot(req).await.expect("response");
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (
        status,
        retry_after,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn login_from(
    state: &AppState,
    source: &str,
    email: &str,
    password: &str,
) -> (StatusCode, Option<u64>, Value) {
    send(
        state,
        "/auth/login",
        Some(source),
        None,
        Some(json!({ "email": email, "password": password })),
    )
    .await
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn fifty_concurrent_wrong_passwords_for_one_email_let_five_through_to_argon2() {
    let mut app = spawn_app().await;
    // Slots for all 50, so what holds them back is the shared counter, not the process bound.
    app.state.hashes = Arc::new(HashPool::new(64));
    app.register("target@example.com").await;
    let before = app.state.hashes.ran();
    let guesses = (0..50).map(|i| {
        let state = app.state.clone();
        tokio::spawn(async move {
            login_from(
                &state,
                "198.51.100.7",
                "target@example.com",
                &format!("guess {i}"),
            )
            .await
        })
    });
    let answers: Vec<_> = futures_util::future::join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let wrong = answers
        .iter()
        .filter(|(s, _, b)| *s == StatusCode::UNAUTHORIZED && code(b) == "INVALID_CREDENTIALS")
        .count();
    let limited: Vec<_> = answers
        .iter()
        .filter(|(s, _, b)| *s == StatusCode::TOO_MANY_REQUESTS && code(b) == "RATE_LIMITED")
        .collect();
    assert_eq!(
        wrong, 5,
        "exactly the free attempts were checked: {answers:?}"
    );
    assert_eq!(limited.len(), 45, "{answers:?}");
    assert_eq!(
        app.state.hashes.ran() - before,
        5,
        "argon2 ran for the five, no more"
    );
    for (_, retry_after, _) in &limited {
        let secs = retry_after.expect("Retry-After on a 429");
        assert!((29..=30).contains(&secs), "the first back-off: {secs}");
    }
    // The same flood from 50 addresses at once, on the process's own bound of slots: still
    // at most five hashes, and every other answer a 429 of one kind or the other.
    app.state.hashes = Arc::new(HashPool::default());
    app.register("second@example.com").await;
    let before = app.state.hashes.ran();
    let guesses = (0..50).map(|i| {
        let state = app.state.clone();
        tokio::spawn(async move {
            login_from(
                &state,
                &format!("203.0.113.{i}"),
                "second@example.com",
                "guess",
            )
            .await
        })
    });
    let answers: Vec<_> = futures_util::future::join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let ran = app.state.hashes.ran() - before;
    assert!((1..=5).contains(&ran), "{ran} hashes ran");
    let wrong = answers
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(u64::try_from(wrong).expect("count"), ran);
    assert!(answers
        .iter()
        .all(|(s, _, b)| *s == StatusCode::UNAUTHORIZED
            || (*s == StatusCode::TOO_MANY_REQUESTS
                && ["RATE_LIMITED", "TOO_MANY_LOGINS"].contains(&code(b)))));
}

#[tokio::test]
async fn a_second_source_is_limited_separately_and_register_shares_the_limit() {
    let app = spawn_app().await;
    app.register("known@example.com").await;
    let attacker = "198.51.100.20";
    // Spraying: one guess for each of many emails, so no email's own limit is reached.
    for i in 0..FREE_PER_SOURCE {
        let (status, _, body) = login_from(
            &app.state,
            attacker,
            &format!("user{i}@example.com"),
            "guess",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{i}: {body}");
    }
    let (status, retry_after, body) =
        login_from(&app.state, attacker, "fresh@example.com", "guess").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED")
    );
    assert!(retry_after.is_some_and(|s| s > 0));
    // Register answers the same to that source, so it is no way around the limit.
    let (status, _, body) = send(
        &app.state,
        "/auth/register",
        Some(attacker),
        None,
        Some(json!({ "email": "known@example.com", "password": "another password" })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED")
    );
    // Another address has its own count.
    let (status, _, body) =
        login_from(&app.state, "198.51.100.21", "fresh@example.com", "guess").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
    );
    let (status, _, body) =
        login_from(&app.state, "198.51.100.21", "known@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Register still says EMAIL_TAKEN, and each one counts like a failed login: a sweep for
    // registered emails from one address stops after the free attempts.
    let sweeper = "198.51.100.30";
    for i in 0..FREE_PER_SOURCE {
        let (status, _, body) = send(
            &app.state,
            "/auth/register",
            Some(sweeper),
            None,
            Some(json!({ "email": "known@example.com", "password": "another password" })),
        )
        .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::CONFLICT, "EMAIL_TAKEN"),
            "{i}"
        );
    }
    let (status, _, body) = send(
        &app.state,
        "/auth/register",
        Some(sweeper),
        None,
        Some(json!({ "email": "known@example.com", "password": "another password" })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED")
    );
    let (status, _, body) = login_from(&app.state, sweeper, "known@example.com", PASSWORD).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"),
        "one count for both routes"
    );
    // New accounts and right passwords take their attempt back: a family's address signs up
    // and in as often as it likes.
    let family = "198.51.100.40";
    for i in 0..FREE_PER_SOURCE + 5 {
        let (status, _, body) = send(
            &app.state,
            "/auth/register",
            Some(family),
            None,
            Some(json!({ "email": format!("member{i}@example.com"), "password": PASSWORD })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{i}: {body}");
        let (status, _, body) = login_from(
            &app.state,
            family,
            &format!("member{i}@example.com"),
            PASSWORD,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{i}: {body}");
    }
}

#[tokio::test]
async fn the_owner_signs_in_once_the_back_off_has_passed() {
    let clock = Arc::new(OffsetClock::at(Utc::now()));
    let s = TestSystem::builder().clock(clock.clone()).start().await;
    let state = &s.system.state;
    let (status, _, body) = send(
        state,
        "/auth/register",
        Some("192.0.2.1"),
        None,
        Some(json!({ "email": "owner@example.com", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let attacker = "198.51.100.50";
    for i in 0..FREE_PER_EMAIL {
        let (status, _, _) = login_from(state, attacker, "owner@example.com", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{i}");
    }
    // The email is backing off, whoever asks, and the right password is not checked.
    let ran = state.hashes.ran();
    let (status, retry_after, body) =
        login_from(state, "192.0.2.1", "owner@example.com", PASSWORD).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED")
    );
    let base = BACKOFF_BASE.as_secs();
    assert!(
        retry_after.is_some_and(|secs| secs > base - 5 && secs <= base),
        "{retry_after:?}"
    );
    assert_eq!(state.hashes.ran(), ran);
    clock.set(clock.now() + chrono::Duration::seconds(20));
    let (status, _, _) = login_from(state, "192.0.2.1", "owner@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "not yet");
    // The attacker stops; the back-off ends and the owner is in.
    clock.set(clock.now() + chrono::Duration::seconds(11));
    let (status, _, body) = login_from(state, "192.0.2.1", "owner@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // An attacker who keeps going waits twice as long each time, never forever.
    let (status, _, _) = login_from(state, attacker, "owner@example.com", "guess").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "one more guess after the back-off"
    );
    let (status, retry_after, _) = login_from(state, attacker, "owner@example.com", "guess").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        retry_after.is_some_and(|secs| secs > 2 * base - 5 && secs <= 2 * base),
        "doubled: {retry_after:?}"
    );
    clock.set(clock.now() + chrono::Duration::from_std(BACKOFF_CAP).expect("duration"));
    let (status, _, body) = login_from(state, "192.0.2.1", "owner@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    s.shutdown().await;
}

#[tokio::test]
async fn busy_hash_slots_answer_too_many_logins_at_once() {
    let mut app = spawn_app().await;
    app.state.hashes = Arc::new(HashPool::new(2));
    app.register("busy@example.com").await;
    let held: Vec<_> = (0..2)
        .map(|_| app.state.hashes.try_start().expect("a free slot"))
        .collect();
    let ran = app.state.hashes.ran();
    for path in ["/auth/login", "/auth/register"] {
        let (status, retry_after, body) = send(
            &app.state,
            path,
            Some("192.0.2.9"),
            None,
            Some(json!({ "email": "busy@example.com", "password": PASSWORD })),
        )
        .await;
        assert_eq!(
            (status, code(&body), retry_after),
            (StatusCode::TOO_MANY_REQUESTS, "TOO_MANY_LOGINS", Some(1)),
            "{path}"
        );
    }
    assert_eq!(app.state.hashes.ran(), ran, "no hash ran");
    drop(held);
    let (status, _, body) = login_from(&app.state, "192.0.2.9", "busy@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The self-hosted server: the limits count by the TCP peer over a real socket, and no
/// `X-Forwarded-For` a client writes moves it to another count.
#[tokio::test]
async fn self_hosted_counts_by_the_tcp_peer_not_by_forwarded_headers() {
    let app = spawn_app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let served = router(app.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, served).await });
    let url = format!("http://{addr}/auth/login");
    let from = |local: &str| {
        reqwest::Client::builder()
            .local_address(local.parse::<IpAddr>().expect("ip"))
            .build()
            .expect("client")
    };
    let (one, two) = (from("127.0.0.1"), from("127.0.0.2"));
    for i in 0..FREE_PER_SOURCE {
        let r = one
            .post(&url)
            .header("x-forwarded-for", format!("10.9.8.{i}"))
            .header("x-real-ip", format!("10.9.7.{i}"))
            .json(&json!({ "email": format!("spray{i}@example.com"), "password": "guess" }))
            .send()
            .await
            .expect("answer");
        assert_eq!(r.status(), reqwest::StatusCode::UNAUTHORIZED, "{i}");
    }
    let r = one
        .post(&url)
        .header("x-forwarded-for", "10.9.9.9")
        .json(&json!({ "email": "spray-last@example.com", "password": "guess" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    let r = two
        .post(&url)
        .json(&json!({ "email": "spray-last@example.com", "password": "guess" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        r.status(),
        reqwest::StatusCode::UNAUTHORIZED,
        "127.0.0.2 has a count of its own"
    );
    server.abort();
}

fn refresh_token(body: &Value) -> String {
    body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned()
}

#[tokio::test]
async fn a_retried_refresh_within_the_grace_window_gets_the_same_pair() {
    let clock = Arc::new(OffsetClock::at(Utc::now()));
    let s = TestSystem::builder().clock(clock.clone()).start().await;
    let state = &s.system.state;
    let (_, _, registered) = send(
        state,
        "/auth/register",
        None,
        None,
        Some(json!({ "email": "grace@example.com", "password": PASSWORD })),
    )
    .await;
    let first = refresh_token(&registered);
    let refresh = |token: String| async move {
        send(
            state,
            "/auth/refresh",
            None,
            None,
            Some(json!({ "refresh_token": token })),
        )
        .await
    };
    let (status, _, rotated) = refresh(first.clone()).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(refresh_token(&rotated), first);
    // The answer was lost; the app retries with the token it still holds.
    clock.set(clock.now() + chrono::Duration::seconds(10));
    let (status, _, retried) = refresh(first.clone()).await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried, rotated, "the same pair, access token included");
    let access = rotated["access_token"].as_str().expect("access");
    let (status, me) = s.call(Method::GET, "/auth/me", Some(access), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    // The new token works, once.
    let (status, _, next) = refresh(refresh_token(&rotated)).await;
    assert_eq!(status, StatusCode::OK, "{next}");

    // Two refreshes of one token at the same moment (two requests hit a 401 together):
    // both get the one new pair.
    let current = refresh_token(&next);
    let (a, b) = tokio::join!(refresh(current.clone()), refresh(current.clone()));
    assert_eq!(
        (a.0, b.0),
        (StatusCode::OK, StatusCode::OK),
        "{} {}",
        a.2,
        b.2
    );
    assert_eq!(a.2, b.2);
    let (status, _, body) = refresh("junk".into()).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
    );
    s.shutdown().await;
}

#[tokio::test]
async fn a_reuse_after_the_grace_window_revokes_that_session_only() {
    let clock = Arc::new(OffsetClock::at(Utc::now()));
    let s = TestSystem::builder().clock(clock.clone()).start().await;
    let state = &s.system.state;
    let (_, _, phone) = send(
        state,
        "/auth/register",
        None,
        None,
        Some(json!({ "email": "families@example.com", "password": PASSWORD })),
    )
    .await;
    let (status, _, laptop) =
        login_from(state, "192.0.2.30", "families@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{laptop}");
    let refresh = |token: String| async move {
        send(
            state,
            "/auth/refresh",
            None,
            None,
            Some(json!({ "refresh_token": token })),
        )
        .await
    };
    let stolen = refresh_token(&phone);
    let (status, _, rotated) = refresh(stolen.clone()).await;
    assert_eq!(status, StatusCode::OK);
    clock.set(clock.now() + chrono::Duration::seconds(31));
    let (status, _, body) = refresh(stolen).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("already used"));
    let (status, _, _) = refresh(refresh_token(&rotated)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the phone's session is over"
    );
    let (status, _, body) = refresh(refresh_token(&laptop)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the laptop's session lives on: {body}"
    );

    // Within the window, but the new token was already used: not a lost answer, a replay.
    let (_, _, tablet) = login_from(state, "192.0.2.30", "families@example.com", PASSWORD).await;
    let t0 = refresh_token(&tablet);
    let (_, _, t1) = refresh(t0.clone()).await;
    let (status, _, t2) = refresh(refresh_token(&t1)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = refresh(t0).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = refresh(refresh_token(&t2)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the tablet's session is over"
    );
    s.shutdown().await;
}

#[tokio::test]
async fn logout_ends_the_session_and_logout_all_every_session() {
    let app = spawn_app().await;
    let (access, first, _) = app.register("bye@example.com").await;
    let refresh = |token: String| {
        let state = app.state.clone();
        async move {
            send(
                &state,
                "/auth/refresh",
                None,
                None,
                Some(json!({ "refresh_token": token })),
            )
            .await
        }
    };
    let logout = |token: String| {
        let state = app.state.clone();
        async move {
            send(
                &state,
                "/auth/logout",
                None,
                None,
                Some(json!({ "refresh_token": token })),
            )
            .await
        }
    };
    // A rotated session ends by its current token, with its earlier ones.
    let (_, _, rotated) = refresh(first.clone()).await;
    let (_, _, other) = login_from(&app.state, "192.0.2.40", "bye@example.com", PASSWORD).await;
    let (status, _, body) = logout(refresh_token(&rotated)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        refresh(refresh_token(&rotated)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refresh(first).await.0,
        StatusCode::UNAUTHORIZED,
        "not even as a retry"
    );
    assert_eq!(logout("junk".into()).await.0, StatusCode::NO_CONTENT);
    // The other session lives until logout-all.
    let (status, _, other) = refresh(refresh_token(&other)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, third) = login_from(&app.state, "192.0.2.40", "bye@example.com", PASSWORD).await;
    let (status, _, body) = send(&app.state, "/auth/logout-all", None, None, None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
    );
    let (status, _, body) = send(&app.state, "/auth/logout-all", None, Some(&access), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        refresh(refresh_token(&other)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refresh(refresh_token(&third)).await.0,
        StatusCode::UNAUTHORIZED
    );
}
