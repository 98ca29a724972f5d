//! Push notifications through a local server that speaks Expo's push API (tickets, receipts,
//! `DeviceNotRegistered`, 503): each notice reaches each live device once, a failed send comes
//! back after its back-off, a dead token is forgotten, muted kinds are not pushed, and a sender
//! that dies after claiming a delivery leaves it to the next after the lease.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use algo_app::notify::expo::ExpoPush;
use algo_app::notify::{PushConfig, PushWorker};
use algo_core::{Clock, EventKind, OffsetClock, OrderEvent, TradingCalendar};
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};
use support::system::*;

/// What the fake Expo was sent and how it answers.
#[derive(Default)]
struct Expo {
    /// Accepted messages, in order.
    accepted: Vec<Value>,
    /// Requests answered 503.
    unavailable: usize,
    /// The next this many send requests answer 503.
    fail_next: usize,
    /// Tokens answered DeviceNotRegistered at the send.
    dead: HashSet<String>,
    /// Tokens whose receipts say DeviceNotRegistered.
    dead_at_receipt: HashSet<String>,
    /// Ticket id → token.
    tickets: Vec<(String, String)>,
}

type Shared = Arc<Mutex<Expo>>;

async fn send(
    State(expo): State<Shared>,
    Json(messages): Json<Vec<Value>>,
) -> (StatusCode, Json<Value>) {
    let mut e = expo.lock().expect("lock");
    if e.fail_next > 0 {
        e.fail_next -= 1;
        e.unavailable += 1;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "errors": [{ "code": "INTERNAL_SERVER_ERROR", "message": "try again" }] }),
            ),
        );
    }
    let mut tickets = Vec::new();
    for m in messages {
        let to = m["to"].as_str().unwrap_or("").to_owned();
        if e.dead.contains(&to) {
            tickets.push(json!({ "status": "error", "message": format!("\"{to}\" is not a registered push notification recipient"), "details": { "error": "DeviceNotRegistered" } }));
        } else {
            let id = format!("ticket-{}", e.tickets.len() + 1);
            e.tickets.push((id.clone(), to));
            e.accepted.push(m);
            tickets.push(json!({ "status": "ok", "id": id }));
        }
    }
    (StatusCode::OK, Json(json!({ "data": tickets })))
}

async fn receipts(State(expo): State<Shared>, Json(body): Json<Value>) -> Json<Value> {
    let e = expo.lock().expect("lock");
    let mut data = serde_json::Map::new();
    for id in body["ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if let Some((_, to)) = e.tickets.iter().find(|(t, _)| t == id) {
            let receipt = if e.dead_at_receipt.contains(to) {
                json!({ "status": "error", "message": "gone", "details": { "error": "DeviceNotRegistered" } })
            } else {
                json!({ "status": "ok" })
            };
            data.insert(id.to_owned(), receipt);
        }
    }
    Json(json!({ "data": data }))
}

async fn fake_expo() -> (String, Shared) {
    let expo: Shared = Arc::default();
    let app = Router::new()
        .route("/--/api/v2/push/send", post(send))
        .route("/--/api/v2/push/getReceipts", post(receipts))
        .with_state(expo.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, expo)
}

fn accepted(expo: &Shared) -> Vec<(String, String)> {
    expo.lock()
        .expect("lock")
        .accepted
        .iter()
        .map(|m| {
            (
                m["to"].as_str().unwrap_or("").to_owned(),
                m["title"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

async fn device(s: &TestSystem, token: &str, push_token: &str) {
    let (status, body) = s
        .call(
            Method::POST,
            "/devices",
            Some(token),
            Some(json!({ "expo_push_token": push_token, "platform": "android" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn each_notice_reaches_each_live_device_once_and_dead_tokens_are_forgotten() {
    let (url, expo) = fake_expo().await;
    let s = TestSystem::builder()
        .env("ALGO_EXPO_PUSH_URL", &url)
        .start()
        .await;
    let clock = Arc::new(OffsetClock::at(Utc::now()));
    let worker = PushWorker {
        pg: s.system.state.pg.clone(),
        calendar: s.system.executor.calendar.clone(),
        expo: ExpoPush::new(&url, None, Duration::from_secs(5)).expect("client"),
        telegram: None,
        clock: clock.clone(),
        config: PushConfig {
            receipt_after: Duration::ZERO,
            ..PushConfig::default()
        },
    };
    let token = s.trader().await;
    let (alive, gone) = ("ExponentPushToken[alive-1]", "ExponentPushToken[gone-2]");
    device(&s, &token, alive).await;
    device(&s, &token, gone).await;
    expo.lock().expect("lock").dead.insert(gone.to_owned());

    let (id, buy) = buy_now(&s, &token, "TCS").await;
    s.system.executor.handle(&buy).await;
    worker.run_once().await.expect("pass");
    worker
        .run_once()
        .await
        .expect("a second pass sends nothing more");
    assert_eq!(
        accepted(&expo),
        vec![(alive.to_owned(), "Bought TCS".to_owned())]
    );
    let devices = algo_store::postgres::push::devices(&s.system.state.pg, uuid(&id, &s).await)
        .await
        .expect("devices");
    assert_eq!(
        devices,
        vec![alive.to_owned()],
        "DeviceNotRegistered forgets the token"
    );

    // Expo is down for one request: the stop-loss notice is tried again after its back-off.
    expo.lock().expect("lock").fail_next = 1;
    let stop = OrderEvent::new(
        id.parse().expect("uuid"),
        EventKind::StopLoss,
        TradingCalendar::trading_date(Utc::now()),
        Utc::now(),
    );
    s.system.executor.handle(&stop).await;
    worker.run_once().await.expect("pass");
    clock.set(clock.now() + chrono::Duration::seconds(10));
    worker.run_once().await.expect("pass after the back-off");
    assert_eq!(expo.lock().expect("lock").unavailable, 1);
    assert_eq!(
        accepted(&expo),
        vec![
            (alive.to_owned(), "Bought TCS".to_owned()),
            (alive.to_owned(), "Stop-loss hit on TCS".to_owned())
        ]
    );

    // A receipt that says DeviceNotRegistered forgets the token too.
    expo.lock()
        .expect("lock")
        .dead_at_receipt
        .insert(alive.to_owned());
    worker.run_once().await.expect("receipts");
    let user = uuid(&id, &s).await;
    assert!(
        algo_store::postgres::push::devices(&s.system.state.pg, user)
            .await
            .expect("devices")
            .is_empty()
    );
    s.system.shutdown().await;
}

/// The strategy's user.
async fn uuid(strategy_id: &str, s: &TestSystem) -> uuid::Uuid {
    sqlx::query_scalar("SELECT user_id FROM strategies WHERE id = $1")
        .bind(strategy_id.parse::<uuid::Uuid>().expect("uuid"))
        .fetch_one(&s.system.state.pg)
        .await
        .expect("strategy")
}

#[tokio::test]
async fn muted_kinds_stay_in_the_app_and_a_dead_senders_claim_passes_on() {
    let (url, expo) = fake_expo().await;
    let s = TestSystem::builder()
        .env("ALGO_EXPO_PUSH_URL", &url)
        .start()
        .await;
    let token = s.trader().await;
    let phone = "ExponentPushToken[phone-3]";
    device(&s, &token, phone).await;
    let (status, prefs) = s
        .call(
            Method::PUT,
            "/notifications/preferences",
            Some(&token),
            Some(json!({ "push": true, "telegram": true, "muted_kinds": ["entry_filled", "entry_filled"] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{prefs}");
    assert_eq!(
        prefs,
        json!({ "push": true, "telegram": true, "muted_kinds": ["entry_filled"] })
    );
    let (_, read) = s
        .call(
            Method::GET,
            "/notifications/preferences",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(read, prefs);
    let (status, bad) = s
        .call(
            Method::PUT,
            "/notifications/preferences",
            Some(&token),
            Some(json!({ "push": true, "telegram": true, "muted_kinds": ["fills"] })),
        )
        .await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("BAD_REQUEST"))
    );
    for (body, why) in [
        (
            json!({ "expo_push_token": "not-a-token", "platform": "ios" }),
            "token",
        ),
        (
            json!({ "expo_push_token": "ExponentPushToken[]", "platform": "ios" }),
            "token",
        ),
        (
            json!({ "expo_push_token": phone, "platform": "symbian" }),
            "platform",
        ),
    ] {
        let (status, answer) = s
            .call(Method::POST, "/devices", Some(&token), Some(body))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {answer}");
    }

    // A muted kind is listed in the app and not pushed.
    let (_, buy) = buy_now(&s, &token, "INFY").await;
    s.system.executor.handle(&buy).await;
    let clock = Arc::new(OffsetClock::at(Utc::now()));
    let worker = PushWorker {
        pg: s.system.state.pg.clone(),
        calendar: s.system.executor.calendar.clone(),
        expo: ExpoPush::new(&url, None, Duration::from_secs(5)).expect("client"),
        telegram: None,
        clock: clock.clone(),
        config: PushConfig::default(),
    };
    worker.run_once().await.expect("pass");
    let (_, list) = s
        .call(Method::GET, "/notifications", Some(&token), None)
        .await;
    assert_eq!(list["notifications"][0]["kind"], "entry_filled", "{list}");
    assert!(accepted(&expo).is_empty(), "muted: {:?}", accepted(&expo));

    // A sender claims a delivery and dies before sending: after the lease, another sends it.
    let (status, _) = s
        .call(
            Method::PUT,
            "/notifications/preferences",
            Some(&token),
            Some(json!({ "push": true, "telegram": true, "muted_kinds": [] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, second) = buy_now(&s, &token, "TCS").await;
    s.system.executor.handle(&second).await;
    let pg = &s.system.state.pg;
    let far = clock.now() + chrono::Duration::days(1);
    algo_store::postgres::push::expand(pg, clock.now(), 100)
        .await
        .expect("dispatch");
    let claimed = algo_store::postgres::push::claim_due(pg, far, chrono::Duration::minutes(5), 100)
        .await
        .expect("claim");
    assert!(claimed.iter().any(|d| d.target == phone), "{claimed:?}");
    clock.set(far + chrono::Duration::seconds(1));
    worker.run_once().await.expect("pass inside the lease");
    assert!(
        accepted(&expo).is_empty(),
        "still leased: {:?}",
        accepted(&expo)
    );
    clock.set(far + chrono::Duration::minutes(6));
    worker.run_once().await.expect("pass after the lease");
    assert_eq!(
        accepted(&expo),
        vec![(phone.to_owned(), "Bought TCS".to_owned())]
    );

    // Signing out on the phone: nothing more goes to it.
    let (status, removed) = s
        .call(
            Method::POST,
            "/devices/remove",
            Some(&token),
            Some(json!({ "expo_push_token": phone })),
        )
        .await;
    assert_eq!(
        (status, removed["registered"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    s.system.shutdown().await;
}
