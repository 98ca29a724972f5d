//! Telegram through a local server that speaks the Bot API (getUpdates, sendMessage, 403 for a
//! blocked bot): a user links a chat with a one-time code sent as `/start <code>`, each notice
//! then reaches that chat once, a used or foreign code links nothing, and a chat that blocked
//! the bot is unlinked.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use algo_app::notify::expo::ExpoPush;
use algo_app::notify::telegram::Telegram;
use algo_app::notify::{PushConfig, PushWorker};
use algo_core::OffsetClock;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};
use support::system::*;

const BOT: &str = "123456:test-bot-token";
const BLOCKED: i64 = 666;

#[derive(Default)]
struct Bot {
    /// Updates waiting for getUpdates.
    updates: Vec<Value>,
    /// (chat_id, text) of every message the bot sent.
    sent: Vec<(i64, String)>,
}

type Shared = Arc<Mutex<Bot>>;

async fn api(
    State(bot): State<Shared>,
    Path((token, method)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if token != format!("bot{BOT}") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "ok": false, "error_code": 401, "description": "Unauthorized" })),
        );
    }
    let mut b = bot.lock().expect("lock");
    match method.as_str() {
        "getUpdates" => {
            let offset = body["offset"].as_i64().unwrap_or(0);
            let result: Vec<Value> = b
                .updates
                .iter()
                .filter(|u| u["update_id"].as_i64().unwrap_or(0) >= offset)
                .cloned()
                .collect();
            (
                StatusCode::OK,
                Json(json!({ "ok": true, "result": result })),
            )
        }
        "sendMessage" => {
            let chat = body["chat_id"].as_i64().unwrap_or(0);
            if chat == BLOCKED {
                return (
                    StatusCode::FORBIDDEN,
                    Json(
                        json!({ "ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user" }),
                    ),
                );
            }
            b.sent
                .push((chat, body["text"].as_str().unwrap_or("").to_owned()));
            (
                StatusCode::OK,
                Json(
                    json!({ "ok": true, "result": { "message_id": b.sent.len(), "chat": { "id": chat } } }),
                ),
            )
        }
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({ "ok": false, "error_code": 404, "description": "Not Found" })),
        ),
    }
}

async fn fake_bot() -> (String, Shared) {
    let bot: Shared = Arc::default();
    let app = Router::new()
        .route("/{token}/{method}", post(api))
        .with_state(bot.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, bot)
}

fn says(bot: &Shared, chat: i64) -> Vec<String> {
    bot.lock()
        .expect("lock")
        .sent
        .iter()
        .filter(|(c, _)| *c == chat)
        .map(|(_, t)| t.clone())
        .collect()
}

fn start(bot: &Shared, update_id: i64, chat: i64, text: &str) {
    bot.lock().expect("lock").updates.push(
        json!({ "update_id": update_id, "message": { "message_id": update_id, "chat": { "id": chat, "type": "private" }, "text": text } }),
    );
}

async fn link(s: &TestSystem, token: &str) -> Value {
    let (status, body) = s
        .call(Method::POST, "/telegram/link", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn a_linked_chat_gets_each_notice_once_and_a_blocked_bot_unlinks() {
    let (url, bot) = fake_bot().await;
    let s = TestSystem::builder()
        .env("ALGO_TELEGRAM_BOT_TOKEN", BOT)
        .env("ALGO_TELEGRAM_BOT_NAME", "algo_test_bot")
        .env("ALGO_TELEGRAM_API_URL", &url)
        .env("ALGO_EXPO_PUSH_URL", "http://127.0.0.1:9")
        .env("ALGO_PUSH_INTERVAL_MS", "3600000")
        .start()
        .await;
    let clock = Arc::new(OffsetClock::at(Utc::now()));
    let worker = PushWorker {
        pg: s.system.state.pg.clone(),
        calendar: s.system.executor.calendar.clone(),
        expo: ExpoPush::new("http://127.0.0.1:9", None, Duration::from_secs(1)).expect("client"),
        telegram: Some(Telegram::new(&url, BOT, Duration::from_secs(5)).expect("bot")),
        clock: clock.clone(),
        config: PushConfig::default(),
    };
    let token = s.trader().await;
    let (_, status) = s.call(Method::GET, "/telegram", Some(&token), None).await;
    assert_eq!(status, json!({ "configured": true, "linked": false }));
    let first = link(&s, &token).await;
    let code = first["code"].as_str().expect("code").to_owned();
    assert_eq!(
        first["link"],
        format!("https://t.me/algo_test_bot?start={code}")
    );

    // A stranger's guess links nothing; the user's own /start links their chat; the code is spent.
    start(&bot, 1, 42, "/start wrongcode");
    start(&bot, 2, 1001, &format!("/start {code}"));
    start(&bot, 3, 43, &format!("/start {code}"));
    worker.run_once().await.expect("pass");
    assert!(
        says(&bot, 42)[0].contains("expired or was used"),
        "{:?}",
        says(&bot, 42)
    );
    assert!(
        says(&bot, 1001)[0].starts_with("Linked."),
        "{:?}",
        says(&bot, 1001)
    );
    assert!(
        says(&bot, 43)[0].contains("expired or was used"),
        "the code works once"
    );
    let (_, status) = s.call(Method::GET, "/telegram", Some(&token), None).await;
    assert_eq!(status["linked"], true);
    // The updates are not read twice.
    worker.run_once().await.expect("pass");
    assert_eq!(says(&bot, 1001).len(), 1);

    let (_, buy) = buy_now(&s, &token, "TCS").await;
    s.system.executor.handle(&buy).await;
    worker.run_once().await.expect("pass");
    worker.run_once().await.expect("pass");
    assert_eq!(
        says(&bot, 1001),
        vec![
            "Linked. Your strategies' fills, stop-losses and refusals will be sent here."
                .to_owned(),
            "Bought TCS\n5 TCS at ₹3,500.00.".to_owned()
        ]
    );

    // Another user's chat blocked the bot: the send unlinks it, and nothing is retried.
    let other = s.trader().await;
    let code = link(&s, &other).await["code"]
        .as_str()
        .expect("code")
        .to_owned();
    start(&bot, 4, BLOCKED, &format!("/start {code}"));
    worker.run_once().await.expect("pass");
    let (_, buy) = buy_now(&s, &other, "INFY").await;
    s.system.executor.handle(&buy).await;
    worker.run_once().await.expect("pass");
    let (_, status) = s.call(Method::GET, "/telegram", Some(&other), None).await;
    assert_eq!(status["linked"], false, "a blocked bot unlinks the chat");
    assert_eq!(
        says(&bot, 1001).len(),
        2,
        "the first user's chat got nothing of the other's"
    );

    // The first user unlinks: nothing more goes to the chat.
    let (_, unlinked) = s
        .call(Method::POST, "/telegram/unlink", Some(&token), None)
        .await;
    assert_eq!(unlinked["linked"], false);
    s.system.shutdown().await;
}

#[tokio::test]
async fn without_a_bot_the_link_says_so() {
    let s = TestSystem::builder().start().await;
    let token = s.user().await;
    let (status, body) = s
        .call(Method::POST, "/telegram/link", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("ALGO_TELEGRAM_BOT_TOKEN"));
    let (_, status) = s.call(Method::GET, "/telegram", Some(&token), None).await;
    assert_eq!(status, json!({ "configured": false, "linked": false }));
    s.system.shutdown().await;
}
