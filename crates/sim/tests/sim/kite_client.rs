//! The Kite client against the simulator over real HTTP and WebSocket: the simulator speaks
//! Kite's protocol, and the client reads it.

use std::time::Duration;

use algo_kite::ticker::{decode_frame, ClientRequest, Frame, Mode, ServerMessage};
use algo_kite::types::OrderState;
use algo_kite::{
    KiteError, KiteHttp, MarketProtection, OrderRequest, OrderType, Secret, TransactionType,
};
use algo_sim::{spawn, SimConfig};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

fn frozen() -> SimConfig {
    SimConfig {
        walk_interval: None,
        heartbeat_interval: Duration::from_millis(200),
        ..Default::default()
    }
}

fn order(symbol: &str, side: TransactionType, kind: OrderType) -> OrderRequest {
    OrderRequest {
        tradingsymbol: symbol.into(),
        exchange: "NSE".into(),
        transaction_type: side,
        order_type: kind,
        quantity: 2,
        product: "MIS".into(),
        validity: "DAY".into(),
        price_paise: None,
        trigger_price_paise: None,
        tag: Some("t1".into()),
        market_protection: MarketProtection::Automatic,
        algo_id: None,
    }
}

async fn control(sim: &algo_sim::RunningSim, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url))
        .json(&body)
        .send()
        .await
        .expect("control");
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

#[tokio::test]
async fn session_profile_and_bad_tokens() {
    let sim = spawn(frozen()).await;
    let http = KiteHttp::new(&sim.base_url, Duration::from_secs(2)).expect("http");
    let session = http
        .generate_session("sim_key", "req_token", &Secret::new("sim_secret"))
        .await
        .expect("session");
    assert_eq!(
        (session.user_id.as_str(), session.access_token.as_str()),
        ("SIM001", "sim_token")
    );
    let bad = http
        .generate_session("sim_key", "req_token", &Secret::new("wrong"))
        .await;
    assert!(matches!(bad, Err(KiteError::Auth { .. })), "{bad:?}");
    let profile = http
        .client("sim_key", Secret::new("sim_token"))
        .profile()
        .await
        .expect("profile");
    assert_eq!(profile.user_id, "SIM001");
    let expired = http.client("sim_key", Secret::new("nope")).profile().await;
    assert!(matches!(expired, Err(KiteError::Auth { .. })));
    control(
        &sim,
        "/_sim/tokens/expire",
        json!({ "access_token": "sim_token" }),
    )
    .await;
    assert!(http
        .client("sim_key", Secret::new("sim_token"))
        .profile()
        .await
        .is_err_and(|e| e.is_auth()));
}

#[tokio::test]
async fn order_types_live_their_kite_lifecycles() {
    let sim = spawn(frozen()).await;
    let client = KiteHttp::new(&sim.base_url, Duration::from_secs(2))
        .expect("http")
        .client("sim_key", Secret::new("sim_token"));
    // MARKET fills at once at the last price.
    let id = client
        .place_order(&order("TCS", TransactionType::Buy, OrderType::Market))
        .await
        .expect("market");
    let h = client.order_history(&id).await.expect("history");
    let last = h.last().expect("state");
    assert_eq!(last.state(), OrderState::Complete);
    assert_eq!(
        (last.filled_quantity, last.average_price.paise()),
        (2, Some(350_000))
    );
    assert!(h.len() >= 2, "history has every status change");
    // LIMIT waits until the price crosses.
    let mut limit = order("INFY", TransactionType::Buy, OrderType::Limit);
    limit.price_paise = Some(149_000);
    let lid = client.place_order(&limit).await.expect("limit");
    assert_eq!(
        client
            .order_history(&lid)
            .await
            .expect("h")
            .last()
            .map(|o| o.status.clone())
            .as_deref(),
        Some("OPEN")
    );
    control(
        &sim,
        "/_sim/price",
        json!({ "symbol": "INFY", "price": "1489.95" }),
    )
    .await;
    let filled = client.order_history(&lid).await.expect("h");
    assert_eq!(
        filled.last().map(|o| (o.state(), o.average_price.paise())),
        Some((OrderState::Complete, Some(148_995)))
    );
    // SL-M is TRIGGER PENDING until the trigger, then fills at market.
    let mut slm = order("SBIN", TransactionType::Sell, OrderType::SlM);
    slm.trigger_price_paise = Some(79_000);
    let sid = client.place_order(&slm).await.expect("slm");
    assert_eq!(
        client
            .order_history(&sid)
            .await
            .expect("h")
            .last()
            .map(|o| o.status.clone())
            .as_deref(),
        Some("TRIGGER PENDING")
    );
    control(
        &sim,
        "/_sim/price",
        json!({ "symbol": "SBIN", "price": 789.5 }),
    )
    .await;
    assert_eq!(
        client
            .order_history(&sid)
            .await
            .expect("h")
            .last()
            .map(|o| o.state()),
        Some(OrderState::Complete)
    );
    // Cancel an open order; a complete one cannot be.
    let mut far = order("RELIANCE", TransactionType::Buy, OrderType::Limit);
    far.price_paise = Some(100);
    let fid = client.place_order(&far).await.expect("far limit");
    client.cancel_order(&fid).await.expect("cancel");
    assert_eq!(
        client
            .order_history(&fid)
            .await
            .expect("h")
            .last()
            .map(|o| o.state()),
        Some(OrderState::Cancelled)
    );
    assert!(matches!(
        client.cancel_order(&id).await,
        Err(KiteError::Rejected { .. })
    ));
    // Orders are listed with their tags.
    let all = client.orders().await.expect("orders");
    assert_eq!(all.len(), 4);
    assert!(client
        .find_order_by_tag("t1")
        .await
        .expect("find")
        .is_some());
    assert!(client
        .find_order_by_tag("nope")
        .await
        .expect("find")
        .is_none());
}

#[tokio::test]
async fn faults_fail_the_next_orders_as_asked() {
    let sim = spawn(frozen()).await;
    let client = KiteHttp::new(&sim.base_url, Duration::from_millis(800))
        .expect("http")
        .client("sim_key", Secret::new("sim_token"));
    let o = order("TCS", TransactionType::Buy, OrderType::Market);
    control(
        &sim,
        "/_sim/faults",
        json!({ "kind": "http_429", "count": 1 }),
    )
    .await;
    assert!(matches!(
        client.place_order(&o).await,
        Err(KiteError::Retryable { status: 429, .. })
    ));
    control(
        &sim,
        "/_sim/faults",
        json!({ "kind": "http_500", "count": 1 }),
    )
    .await;
    assert!(client
        .place_order(&o)
        .await
        .is_err_and(|e| e.is_retryable() && e.is_ambiguous()));
    control(
        &sim,
        "/_sim/faults",
        json!({ "kind": "token_exception", "count": 1 }),
    )
    .await;
    assert!(client.place_order(&o).await.is_err_and(|e| e.is_auth()));
    assert_eq!(
        client.orders().await.expect("orders").len(),
        0,
        "none of those placed anything"
    );
    control(
        &sim,
        "/_sim/faults",
        json!({ "kind": "timeout", "count": 1, "delay_ms": 3000 }),
    )
    .await;
    let timed_out = client.place_order(&o).await;
    assert!(
        timed_out.is_err_and(|e| e.is_ambiguous()),
        "no answer in time"
    );
    assert_eq!(
        client.orders().await.expect("orders").len(),
        1,
        "but it was placed"
    );
    control(
        &sim,
        "/_sim/faults",
        json!({ "kind": "reject", "count": 1 }),
    )
    .await;
    let id = client
        .place_order(&o)
        .await
        .expect("an order id comes back");
    let last = client
        .order_history(&id)
        .await
        .expect("h")
        .last()
        .cloned()
        .expect("state");
    assert_eq!(last.state(), OrderState::Rejected);
    assert!(last.status_message.unwrap_or_default().contains("RMS"));
}

#[tokio::test]
async fn instruments_and_ltp() {
    let sim = spawn(frozen()).await;
    let client = KiteHttp::new(&sim.base_url, Duration::from_secs(2))
        .expect("http")
        .client("sim_key", Secret::new("sim_token"));
    let nse = client.instruments("NSE").await.expect("instruments");
    assert!(nse.len() >= 300);
    for (symbol, token) in [
        ("TCS", 2953217),
        ("INFY", 408065),
        ("RELIANCE", 738561),
        ("SBIN", 779521),
        ("NIFTY 50", 256265),
    ] {
        assert_eq!(
            nse.get("NSE", symbol).map(|i| i.instrument_token),
            Some(token),
            "{symbol}"
        );
    }
    assert_eq!(
        nse.get("NSE", "NIFTY 50").map(|i| i.segment.as_str()),
        Some("INDICES")
    );
    let ltp = client.ltp(&["NSE:TCS", "NSE:INFY"]).await.expect("ltp");
    assert_eq!(ltp["NSE:TCS"].last_price.paise(), Some(350_000));
    assert_eq!(ltp["NSE:INFY"].instrument_token, 408065);
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next frame with ticks (skipping heartbeats and text), and its size.
async fn next_ticks(ws: &mut Socket) -> (Vec<algo_kite::ticker::Tick>, usize) {
    loop {
        match tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
            Ok(Some(Ok(Message::Binary(b)))) if b.len() > 1 => match decode_frame(&b) {
                Ok(Frame::Ticks(t)) => return (t, b.len()),
                other => panic!("{other:?}"),
            },
            Ok(Some(Ok(_))) => continue,
            other => panic!("no tick: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_ticker_speaks_kites_protocol() {
    let sim = spawn(frozen()).await;
    let bad = tokio_tungstenite::connect_async(format!(
        "{}?api_key=sim_key&access_token=wrong",
        sim.ws_url
    ))
    .await;
    assert!(bad.is_err(), "a bad token is refused at the handshake");
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "{}?api_key=sim_key&access_token=sim_token",
        sim.ws_url
    ))
    .await
    .expect("connect");
    // Heartbeats arrive on their own.
    let beat = tokio::time::timeout(Duration::from_secs(2), ws.next())
        .await
        .expect("heartbeat")
        .expect("frame")
        .expect("ok");
    assert_eq!(beat, Message::Binary(vec![0u8].into()));
    ws.send(Message::Text(
        ClientRequest::Subscribe(vec![408065]).to_json().into(),
    ))
    .await
    .expect("subscribe");
    let (ticks, len) = next_ticks(&mut ws).await;
    assert_eq!(
        (ticks[0].mode, len),
        (Mode::Quote, 2 + 2 + 44),
        "quote by default"
    );
    ws.send(Message::Text(
        ClientRequest::Mode(Mode::Full, vec![408065])
            .to_json()
            .into(),
    ))
    .await
    .expect("mode");
    let (ticks, len) = next_ticks(&mut ws).await;
    assert_eq!((ticks[0].mode, len), (Mode::Full, 2 + 2 + 184));
    control(
        &sim,
        "/_sim/price",
        json!({ "symbol": "INFY", "price": "1512.35" }),
    )
    .await;
    let (ticks, _) = next_ticks(&mut ws).await;
    assert_eq!(
        (ticks[0].instrument_token, ticks[0].last_price_paise()),
        (408065, Some(151_235))
    );
    // An order of this account arrives as a text message.
    let client = KiteHttp::new(&sim.base_url, Duration::from_secs(2))
        .expect("http")
        .client("sim_key", Secret::new("sim_token"));
    let id = client
        .place_order(&order("INFY", TransactionType::Buy, OrderType::Market))
        .await
        .expect("order");
    let update = loop {
        match tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => match ServerMessage::parse(t.as_str()) {
                Ok(ServerMessage::Order(o)) if o.status == "COMPLETE" => break o,
                _ => continue,
            },
            Ok(Some(Ok(_))) => continue,
            other => panic!("no order update: {other:?}"),
        }
    };
    assert_eq!(
        (update.order_id, update.average_price_paise),
        (id, Some(151_235))
    );
    // Unsubscribed instruments send nothing; a disconnect drops the socket.
    ws.send(Message::Text(
        ClientRequest::Unsubscribe(vec![408065]).to_json().into(),
    ))
    .await
    .expect("unsubscribe");
    control(&sim, "/_sim/disconnect", json!({})).await;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
            Ok(Some(Ok(Message::Binary(b)))) if b.len() > 1 => panic!("a tick after unsubscribing"),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => break true,
            Ok(Some(Ok(_))) => continue,
            Err(_) => break false,
        }
    };
    assert!(closed, "the disconnect dropped the socket");
}
