//! The ticker WebSocket: handshake, subscriptions and modes, price frames, heartbeats, order
//! updates, disconnects.

use std::time::Duration;

use algo_kite::ticker::{ClientRequest, Mode};
use algo_sim::SimConfig;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::helpers::*;

const INFY: u32 = 408065;
const NIFTY: u32 = 256265;

async fn send(ws: &mut Socket, request: ClientRequest) {
    ws.send(Message::Text(request.to_json().into()))
        .await
        .expect("send a request");
}

#[tokio::test]
async fn bad_credentials_are_refused_at_the_handshake() {
    let sim = frozen_sim().await;
    for query in [
        "?api_key=sim_key&access_token=wrong",
        "?api_key=nobody&access_token=sim_token",
        "?api_key=sim_key",
        "",
    ] {
        match tokio_tungstenite::connect_async(format!("{}{query}", sim.ws_url)).await {
            Err(WsError::Http(response)) => assert_eq!(response.status(), 403, "{query}"),
            other => panic!("{query}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_subscription_gets_quote_ticks_and_each_price_change() {
    let sim = frozen_sim().await;
    let mut ws = connect(&sim, "sim_key", "sim_token").await;
    send(&mut ws, ClientRequest::Subscribe(vec![INFY])).await;
    // The current tick comes at once, in quote mode (Kite's default).
    let (ticks, lengths) = next_ticks(&mut ws).await;
    assert_eq!(ticks.len(), 1);
    assert_eq!(
        (ticks[0].instrument_token, ticks[0].mode, lengths[0]),
        (INFY, Mode::Quote, 44)
    );
    assert_eq!(ticks[0].last_price_paise(), Some(150_000));
    set_price(&sim, "INFY", json!("1512.35")).await;
    let (tick, _) = tick_at(&mut ws, INFY, 151_235).await;
    let ohlc = tick.ohlc.expect("quote ticks carry OHLC");
    assert_eq!(
        (ohlc.open, ohlc.high, ohlc.close),
        (150_000, 151_235, 150_000)
    );
    // A price of an instrument not subscribed sends nothing; the next frame is INFY's.
    set_price(&sim, "TCS", json!(3600)).await;
    set_price(&sim, "INFY", json!(1500.05)).await;
    let (ticks, _) = next_ticks(&mut ws).await;
    assert_eq!(
        ticks
            .iter()
            .map(|t| (t.instrument_token, t.last_price))
            .collect::<Vec<_>>(),
        [(INFY, 150_005)]
    );
}

#[tokio::test]
async fn modes_change_the_packet_size() {
    let sim = frozen_sim().await;
    let mut ws = connect(&sim, "sim_key", "sim_token").await;
    send(&mut ws, ClientRequest::Subscribe(vec![INFY, NIFTY])).await;
    let (_, lengths) = next_ticks(&mut ws).await;
    assert_eq!(lengths, [44, 28], "quote: equity 44, index 28");
    for (mode, equity, index, price) in [
        (Mode::Ltp, 8, 8, "1501"),
        (Mode::Full, 184, 32, "1502"),
        (Mode::Quote, 44, 28, "1503"),
    ] {
        send(&mut ws, ClientRequest::Mode(mode, vec![INFY, NIFTY])).await;
        let (ticks, lengths) = next_ticks(&mut ws).await;
        assert!(ticks.iter().all(|t| t.mode == mode), "{ticks:?}");
        assert_eq!(lengths, [equity, index], "{mode:?}");
        // Later frames keep the mode.
        set_price(&sim, "INFY", json!(price)).await;
        let paise = algo_sim::money::parse_paise(price).expect("price");
        let (tick, length) = tick_at(&mut ws, INFY, paise).await;
        assert_eq!((tick.mode, length), (mode, equity));
        if mode == Mode::Full {
            let depth = tick.depth.expect("full ticks carry depth");
            assert!(depth.buy()[0].price < depth.sell()[0].price);
        }
    }
    send(&mut ws, ClientRequest::Mode(Mode::Full, vec![NIFTY])).await;
    set_price(&sim, "NIFTY 50", json!(24100)).await;
    let (tick, length) = tick_at(&mut ws, NIFTY, 2_410_000).await;
    assert_eq!((length, tick.tradable), (32, false));
}

#[tokio::test]
async fn heartbeats_arrive_every_interval() {
    let sim = algo_sim::spawn(SimConfig {
        heartbeat_interval: Duration::from_millis(50),
        ..frozen()
    })
    .await;
    let mut ws = connect(&sim, "sim_key", "sim_token").await;
    for _ in 0..5 {
        assert_eq!(
            next_message(&mut ws).await,
            Message::Binary(vec![0u8].into())
        );
    }
}

#[tokio::test]
async fn unsubscribed_instruments_send_nothing() {
    let sim = frozen_sim().await;
    let mut ws = connect(&sim, "sim_key", "sim_token").await;
    send(&mut ws, ClientRequest::Subscribe(vec![INFY])).await;
    next_ticks(&mut ws).await;
    send(&mut ws, ClientRequest::Unsubscribe(vec![INFY])).await;
    // The server handles messages in order: once a heartbeat follows the unsubscribe, it is in
    // force. Prices set after that must not arrive.
    during_heartbeats(&mut ws, 1).await;
    set_price(&sim, "INFY", json!(1555)).await;
    let meanwhile = during_heartbeats(&mut ws, 3).await;
    assert!(
        meanwhile.iter().all(|r| !matches!(r, Received::Ticks(..))),
        "{meanwhile:?}"
    );
    // Requests that are not Kite's are answered with an error message.
    ws.send(Message::Text("{\"a\":\"dance\"}".into()))
        .await
        .expect("send");
    let error = loop {
        if let Received::Text(v) = receive(&mut ws).await {
            break v;
        }
    };
    assert_eq!(error["type"], "error");
}

#[tokio::test]
async fn order_updates_reach_only_their_account() {
    let sim = frozen_sim().await;
    control(
        &sim,
        "/_sim/accounts",
        json!({ "api_key": "k2", "api_secret": "s2", "access_token": "t2", "user_id": "U2" }),
    )
    .await;
    let mut mine = connect(&sim, "sim_key", "sim_token").await;
    let mut theirs = connect(&sim, "k2", "t2").await;
    let kite = Kite::default_account(&sim);
    let id = kite
        .place_ok(&order("INFY", "BUY", "LIMIT", "1490", ""))
        .await;
    let open = order_update(&mut mine, &id, "OPEN").await;
    assert_eq!(open["pending_quantity"], 3);
    set_price(&sim, "INFY", json!("1489.95")).await;
    let done = order_update(&mut mine, &id, "COMPLETE").await;
    assert_eq!(done["average_price"], json!(1489.95));
    assert_eq!(
        (
            done["filled_quantity"].as_u64(),
            done["unfilled_quantity"].as_u64()
        ),
        (Some(3), Some(0))
    );
    assert_eq!(done["user_id"], "SIM001");
    // Postback-shaped, with Kite's checksum sha256(order_id + order_timestamp + api_secret).
    let expected = hex::encode(Sha256::digest(
        format!(
            "{id}{}sim_secret",
            done["order_timestamp"].as_str().expect("order_timestamp")
        )
        .as_bytes(),
    ));
    assert_eq!(done["checksum"], expected);
    // The other account's first order update is for its own order.
    let theirs_id = Kite::new(&sim, "k2", "t2")
        .place_ok(&market("TCS", "SELL", "1"))
        .await;
    let first = loop {
        if let Received::Text(v) = receive(&mut theirs).await {
            break v;
        }
    };
    assert_eq!(first["data"]["order_id"], theirs_id.as_str(), "{first}");
    // Rejections arrive as updates too.
    control(
        &sim,
        "/_sim/faults",
        json!({ "kind": "reject", "count": 1 }),
    )
    .await;
    let rejected = kite.place_ok(&market("TCS", "BUY", "1")).await;
    let update = order_update(&mut mine, &rejected, "REJECTED").await;
    assert!(update["status_message"]
        .as_str()
        .is_some_and(|m| m.starts_with("RMS:")));
}

#[tokio::test]
async fn disconnect_drops_every_socket_and_clients_can_reconnect() {
    let sim = frozen_sim().await;
    let mut a = connect(&sim, "sim_key", "sim_token").await;
    let mut b = connect(&sim, "sim_key", "sim_token").await;
    // Both are being served once their first heartbeat arrives.
    next_message(&mut a).await;
    next_message(&mut b).await;
    let dropped = control(&sim, "/_sim/disconnect", json!({})).await;
    assert_eq!(dropped["dropped"], 2);
    for ws in [&mut a, &mut b] {
        let ended = loop {
            match tokio::time::timeout(DEADLINE, ws.next()).await {
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => break true,
                Ok(Some(Ok(_))) => continue,
                Err(_) => break false,
            }
        };
        assert!(ended, "the socket was dropped");
    }
    let mut again = connect(&sim, "sim_key", "sim_token").await;
    send(&mut again, ClientRequest::Subscribe(vec![INFY])).await;
    assert_eq!(next_ticks(&mut again).await.0[0].instrument_token, INFY);
}

#[tokio::test]
async fn the_walk_streams_ticks() {
    let sim = algo_sim::spawn(SimConfig {
        walk_interval: Some(Duration::from_millis(30)),
        ..frozen()
    })
    .await;
    let mut ws = connect(&sim, "sim_key", "sim_token").await;
    send(&mut ws, ClientRequest::Subscribe(vec![INFY])).await;
    send(&mut ws, ClientRequest::Mode(Mode::Ltp, vec![INFY])).await;
    let mut prices = Vec::new();
    while prices.len() < 5 {
        let (ticks, _) = next_ticks(&mut ws).await;
        prices.extend(
            ticks
                .iter()
                .filter(|t| t.mode == Mode::Ltp)
                .map(|t| t.last_price),
        );
    }
    prices.dedup();
    assert!(
        prices.len() >= 3,
        "the walk keeps moving the price: {prices:?}"
    );
    assert!(
        prices.iter().all(|p| p % 5 == 0),
        "on 5-paise ticks: {prices:?}"
    );
}
