//! The daily Kite login (issue #16) through the Router and the simulator's login page over real
//! HTTP: keys saved, the login URL, Kite's page, the callback, and an order with the session it
//! gave. A bad, replayed or missing state and a cancelled login save nothing and say why.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::collections::HashMap;

use algo_app::executor::Handled;
use algo_core::Clock;
use axum::http::{Method, StatusCode};
use serde_json::json;
use support::system::*;

const CALLBACK: &str = "http://app.test/broker/callback";

/// A user whose Kite app keys are saved, with the simulator's app registered to redirect to
/// this server's callback.
async fn with_keys(s: &TestSystem) -> String {
    s.sim_post(
        "/_sim/accounts",
        json!({ "api_key": "sim_key", "api_secret": "sim_secret", "access_token": "sim_token",
                "user_id": "SIM001", "user_name": "Sim Trader", "redirect_url": CALLBACK }),
    )
    .await;
    let token = s.user().await;
    let (status, body) = s
        .call(
            Method::POST,
            "/broker/keys",
            Some(&token),
            Some(json!({ "api_key": "sim_key", "secret_key": "sim_secret" })),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("not_connected")),
        "{body}"
    );
    token
}

/// What a browser does with the login URL: Kite's page, then one of its buttons; the path and
/// query of the callback Kite redirects to.
async fn through_kites_page(s: &TestSystem, login_url: &str, button: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = browser.get(login_url).send().await.expect("login page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    let end = html.find(&format!("\">{button}</a>")).expect("the button");
    let start = html[..end].rfind("href=\"").expect("its link") + 6;
    let href = html[start..end].replace("&amp;", "&");
    let answer = browser
        .get(format!("{}{href}", s.sim.base_url))
        .send()
        .await
        .expect("button");
    assert_eq!(answer.status(), 302);
    let location = answer.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    location
        .strip_prefix("http://app.test")
        .expect("our callback")
        .to_owned()
}

async fn login_url(s: &TestSystem, token: &str) -> String {
    let (status, body) = s
        .call(Method::GET, "/broker/login", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["login_url"].as_str().expect("login_url").to_owned()
}

async fn broker_status(s: &TestSystem, token: &str) -> String {
    let (_, body) = s
        .call(Method::GET, "/broker/status", Some(token), None)
        .await;
    body["status"].as_str().unwrap_or_default().to_owned()
}

fn query(path: &str) -> HashMap<String, String> {
    let q = path.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

#[tokio::test]
async fn a_trader_logs_in_through_kites_page_and_the_session_places_orders() {
    let s = TestSystem::builder().start().await;
    let token = with_keys(&s).await;
    assert_eq!(broker_status(&s, &token).await, "not_connected");
    let url = login_url(&s, &token).await;
    assert!(
        url.starts_with(&format!(
            "{}/connect/login?v=3&api_key=sim_key&redirect_params=",
            s.sim.base_url
        )),
        "{url}"
    );

    let callback = through_kites_page(&s, &url, "Log in").await;
    let q = query(&callback);
    assert_eq!(q["status"], "success");
    assert!(
        q.contains_key("state") && q.contains_key("request_token"),
        "{callback}"
    );
    let (status, page) = s.page(&callback).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Connected to Kite") && page.contains("algo://broker/connected"),
        "{page}"
    );
    assert_eq!(broker_status(&s, &token).await, "connected");

    // The session is the login's own: the standing token dying changes nothing.
    s.sim_post(
        "/_sim/tokens/expire",
        json!({ "access_token": "sim_token" }),
    )
    .await;
    let (_, buy) = buy_now(&s, &token, "TCS").await;
    assert_eq!(
        s.system.executor.handle(&buy).await,
        Handled::Done("order COMPLETE".into())
    );

    // The same callback again (a reload, or someone replaying it): refused, nothing changes.
    let (status, page) = s.page(&callback).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("already used") && page.contains("Nothing was saved"),
        "{page}"
    );
    assert_eq!(broker_status(&s, &token).await, "connected");
    s.shutdown().await;
}

#[tokio::test]
async fn a_cancelled_login_a_forged_state_and_a_missing_one_save_nothing_and_say_why() {
    let s = TestSystem::builder().start().await;
    let token = with_keys(&s).await;

    let cancelled = through_kites_page(&s, &login_url(&s, &token).await, "Cancel").await;
    let (status, page) = s.page(&cancelled).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("cancelled"), "{page}");
    assert_eq!(broker_status(&s, &token).await, "not_connected");

    let good = through_kites_page(&s, &login_url(&s, &token).await, "Log in").await;
    let q = query(&good);
    let forged = {
        let mut state = q["state"].clone();
        state.insert(20, 'x');
        format!(
            "/broker/callback?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("state", &state)
                .append_pair("request_token", &q["request_token"])
                .append_pair("status", "success")
                .finish()
        )
    };
    let (status, page) = s.page(&forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("not one this server signed"), "{page}");
    let bare = format!(
        "/broker/callback?request_token={}&status=success",
        q["request_token"]
    );
    let (status, page) = s.page(&bare).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("without its state"), "{page}");
    assert_eq!(broker_status(&s, &token).await, "not_connected");

    // Another user's state cannot log this user in: the state names its own user.
    let other = with_keys(&s).await;
    let theirs = through_kites_page(&s, &login_url(&s, &other).await, "Log in").await;
    let (status, _) = s.page(&theirs).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(broker_status(&s, &other).await, "connected");
    assert_eq!(
        broker_status(&s, &token).await,
        "not_connected",
        "only the state's user"
    );

    // The untouched good login still works once.
    let (status, page) = s.page(&good).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(broker_status(&s, &token).await, "connected");
    s.shutdown().await;
}

#[tokio::test]
async fn a_login_needs_saved_keys_first() {
    let s = TestSystem::builder().start().await;
    let token = s.user().await;
    let (status, body) = s
        .call(Method::GET, "/broker/login", Some(&token), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("BROKER_NOT_CONNECTED")),
        "{body}"
    );
    s.shutdown().await;
}

/// Logs the user in through Kite's page and the callback.
async fn log_in(s: &TestSystem, token: &str) {
    let callback = through_kites_page(s, &login_url(s, token).await, "Log in").await;
    let (status, page) = s.page(&callback).await;
    assert_eq!(status, StatusCode::OK, "{page}");
}

// The next morning, on the NSE calendar with one injected clock: Monday's login trades Monday;
// overnight Kite kills every token; on Tuesday before the buy time the status says a login is
// needed and the BUY that comes at 09:30 sends nothing; the trader logs in at 09:30:02 and the
// BUY goes out at once, then the SELL at its time. One BUY and one SELL each day, at the broker.
#[tokio::test]
async fn the_next_morning_waits_for_the_login_and_then_enters_at_once() {
    let clock = std::sync::Arc::new(algo_core::OffsetClock::at(ist((2026, 12, 7), (9, 29, 57))));
    let s = TestSystem::builder()
        .calendar(algo_core::CalendarKind::Nse)
        .clock(clock.clone())
        .start()
        .await;
    let token = with_keys(&s).await;
    log_in(&s, &token).await;
    let (_, monday) = s
        .call(Method::GET, "/broker/status", Some(&token), None)
        .await;
    assert_eq!(monday["status"], "connected");
    assert!(
        monday["valid_until"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-12-08T00:30:00")),
        "06:00 IST on Tuesday: {monday}"
    );
    let id = s.running(&token, "TCS", "09:30:00", "09:30:12").await;
    let orders = s
        .wait_orders(std::time::Duration::from_secs(25), |o| side(o, "SELL") >= 1)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 1),
        "Monday: {orders:?}"
    );

    // Overnight: the process restarts, Kite kills every token of the app at 06:00.
    let down = s.stopped().await;
    clock.set(ist((2026, 12, 8), (9, 29, 57)));
    let s = down.start().await;
    // The app's access token (15 minutes) is yesterday's: it refreshes, as the app does.
    let token = s.refreshed(&token).await;
    s.sim_post("/_sim/tokens/expire", json!({ "api_key": "sim_key" }))
        .await;
    let (_, broker) = s
        .call(Method::GET, "/broker/status", Some(&token), None)
        .await;
    assert_eq!(broker["status"], "expired", "{broker}");
    let before = s.status(&token, &id).await;
    assert_eq!(
        before["waiting_for"], "login",
        "log in needed before the buy time: {before}"
    );

    // 09:30:00 comes and goes: the BUY is handled with no order attempt.
    while clock.now() < ist((2026, 12, 8), (9, 30, 2)) {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (_, log) = s
        .call(
            Method::GET,
            &format!("/strategy/{id}/orders"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        log["orders"].as_array().map(Vec::len),
        Some(2),
        "nothing recorded for Tuesday: {log}"
    );
    assert_eq!(
        s.sim_orders().await.len(),
        2,
        "nothing sent with the dead token"
    );
    assert_eq!(
        s.sim_refused_tokens().await,
        0,
        "no request at all with the dead token: it was known dead at 06:00"
    );

    log_in(&s, &token).await;
    let orders = s
        .wait_orders(std::time::Duration::from_secs(5), |o| side(o, "BUY") >= 2)
        .await;
    assert_eq!(
        side(&orders, "BUY"),
        2,
        "the BUY went out on the login: {orders:?}"
    );
    let orders = s
        .wait_orders(std::time::Duration::from_secs(20), |o| side(o, "SELL") >= 2)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (2, 2),
        "{orders:?}"
    );
    let tuesday = s
        .wait_status(&token, &id, std::time::Duration::from_secs(5), |v| {
            v["position"] == "sold"
        })
        .await;
    assert_eq!(
        (tuesday["position"].as_str(), &tuesday["waiting_for"]),
        (Some("sold"), &serde_json::Value::Null),
        "{tuesday}"
    );
    s.shutdown().await;
}

/// Polls the watcher's health until `cond` holds (10 s at most).
async fn feed_until(
    s: &TestSystem,
    what: &str,
    cond: impl Fn(&algo_app::feed::FeedHealth) -> bool,
) {
    let feed = s.feed.as_ref().expect("built with the watcher");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !cond(&feed.health()) {
        assert!(
            std::time::Instant::now() < until,
            "timed out waiting for {what}: {:?}",
            feed.health()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

// The watcher runs on the trader's login of the day: when Kite kills the token it stops
// dialling (no retry with the dead token) and says it waits for a login; the next login reaches
// it within seconds, with no restart, and a later stop fires once.
#[tokio::test]
async fn the_watcher_waits_for_a_login_and_picks_the_new_session_up_without_a_restart() {
    let s = TestSystem::builder().with_feed().start().await;
    let token = with_keys(&s).await;
    feed_until(&s, "waiting before any login", |h| {
        h.waiting_for_login && h.connections == 0
    })
    .await;
    log_in(&s, &token).await;
    feed_until(&s, "connected on the login's token", |h| {
        !h.waiting_for_login && h.connections >= 1
    })
    .await;

    let (status, body) = s
        .call(Method::POST, "/strategy/create", Some(&token), Some(json!({ "symbol": "TCS", "buy_time": quiet_times().await.0, "sell_time": quiet_times().await.1, "stop_loss": "3400.00", "quantity": 2 })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["strategy_id"].as_str().expect("id").to_owned();
    let (status, _) = s
        .call(
            Method::POST,
            "/strategy/start",
            Some(&token),
            Some(json!({ "strategy_id": id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let now = chrono::Utc::now();
    let buy = algo_core::OrderEvent::new(
        id.parse().expect("uuid"),
        algo_core::EventKind::Buy,
        algo_core::TradingCalendar::trading_date(now),
        now,
    );
    assert_eq!(
        s.system.executor.handle(&buy).await,
        Handled::Done("order COMPLETE".into())
    );
    feed_until(&s, "the stop armed", |h| {
        h.armed_stops == 1 && h.subscribed == 1
    })
    .await;

    // Kite kills every token of the app and drops the ticker.
    s.sim_post("/_sim/tokens/expire", json!({ "api_key": "sim_key" }))
        .await;
    s.sim_post("/_sim/disconnect", json!({})).await;
    feed_until(&s, "the refused token noticed", |h| {
        h.waiting_for_login && h.connections == 0
    })
    .await;

    log_in(&s, &token).await;
    feed_until(&s, "reconnected on the new login", |h| {
        !h.waiting_for_login && h.connections >= 1 && h.subscribed == 1
    })
    .await;
    s.sim_post(
        "/_sim/price",
        json!({ "symbol": "TCS", "price": "3399.00" }),
    )
    .await;
    let orders = s
        .wait_orders(std::time::Duration::from_secs(5), |o| side(o, "SELL") >= 1)
        .await;
    assert_eq!(
        (side(&orders, "BUY"), side(&orders, "SELL")),
        (1, 1),
        "{orders:?}"
    );
    s.shutdown().await;
}

/// [`with_keys`] for a user signed up here: its access and refresh tokens.
async fn signed_up_with_keys(s: &TestSystem) -> (String, String) {
    s.sim_post(
        "/_sim/accounts",
        json!({ "api_key": "sim_key", "api_secret": "sim_secret", "access_token": "sim_token",
                "user_id": "SIM001", "user_name": "Sim Trader", "redirect_url": CALLBACK }),
    )
    .await;
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    let (status, body) = s
        .call(
            Method::POST,
            "/auth/register",
            None,
            Some(json!({ "email": email, "password": "long enough pw" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["access_token"].as_str().expect("access").to_owned();
    let refresh = body["refresh_token"].as_str().expect("refresh").to_owned();
    let (status, body) = s
        .call(
            Method::POST,
            "/broker/keys",
            Some(&token),
            Some(json!({ "api_key": "sim_key", "secret_key": "sim_secret" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (token, refresh)
}

/// A new access token for `refresh` (`POST /auth/refresh`).
async fn refreshed(s: &TestSystem, refresh: &str) -> String {
    let (status, body) = s
        .call(
            Method::POST,
            "/auth/refresh",
            None,
            Some(json!({ "refresh_token": refresh })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().expect("access").to_owned()
}

/// `POST /strategy/create` of `symbol` at times far from the clock's.
async fn create(s: &TestSystem, token: &str, symbol: &str) -> (StatusCode, serde_json::Value) {
    s.call(
        Method::POST,
        "/strategy/create",
        Some(token),
        Some(json!({ "symbol": symbol, "buy_time": "11:00:00", "sell_time": "12:00:00", "stop_loss": "1.00", "quantity": 1 })),
    )
    .await
}

async fn strategies(s: &TestSystem, token: &str) -> usize {
    let (status, body) = s.call(Method::GET, "/strategies", Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["strategies"].as_array().map_or(0, Vec::len)
}

/// A create refused because nobody has a live Kite session: a clear error, nothing saved.
async fn refused_for_login(s: &TestSystem, token: &str, symbol: &str, saved: usize) {
    let (status, body) = create(s, token, symbol).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("BROKER_NOT_CONNECTED")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("log in to Kite"), "{body}");
    assert_eq!(strategies(s, token).await, saved, "nothing saved");
}

// The instrument list behind strategy create runs on the trader's login too, with no
// ALGO_KITE_ACCESS_TOKEN configured (one injected clock): before any login a create says to log
// in to Kite and saves nothing; Monday's login looks TCS up; overnight Kite kills the token, and
// on Tuesday the list is fetched again (yesterday's is not reused), so until Tuesday's login a
// create says to log in, and after it the new session's list answers.
#[tokio::test]
async fn strategy_create_looks_the_symbol_up_with_the_days_login() {
    let clock = std::sync::Arc::new(algo_core::OffsetClock::at(ist((2026, 12, 7), (8, 0, 0))));
    let s = TestSystem::builder().clock(clock.clone()).start().await;
    let (token, refresh) = signed_up_with_keys(&s).await;
    assert!(
        s.config.kite_access_token.0.is_empty(),
        "no market-data token configured"
    );
    refused_for_login(&s, &token, "TCS", 0).await;

    log_in(&s, &token).await;
    let (status, body) = create(&s, &token, "TCS").await;
    assert_eq!(status, StatusCode::CREATED, "Monday, on its login: {body}");

    s.sim_post("/_sim/tokens/expire", json!({ "api_key": "sim_key" }))
        .await;
    clock.set(ist((2026, 12, 8), (8, 0, 0)));
    // Where access tokens live on the injected clock, yesterday's has expired: refresh, as the
    // app does.
    let token = refreshed(&s, &refresh).await;
    refused_for_login(&s, &token, "INFY", 1).await;
    log_in(&s, &token).await;
    let (status, body) = create(&s, &token, "INFY").await;
    assert_eq!(status, StatusCode::CREATED, "Tuesday, on its login: {body}");
    assert_eq!(strategies(&s, &token).await, 2);
    s.shutdown().await;
}

// Kite refusing the session the list is fetched with (403 TokenException) is not retried with
// that token: every create says to log in, with no second call to Kite, until a new login.
#[tokio::test]
async fn a_refused_session_is_not_retried_for_the_instrument_list() {
    let s = TestSystem::builder().start().await;
    let token = with_keys(&s).await;
    log_in(&s, &token).await;
    s.sim_post(
        "/_sim/faults",
        json!({ "kind": "instruments_token_exception", "count": 1 }),
    )
    .await;
    refused_for_login(&s, &token, "TCS", 0).await;
    // The fault is spent: asking Kite again with the refused token would now succeed.
    refused_for_login(&s, &token, "TCS", 0).await;
    log_in(&s, &token).await;
    let (status, body) = create(&s, &token, "TCS").await;
    assert_eq!(status, StatusCode::CREATED, "on the new login: {body}");
    s.shutdown().await;
}
