//! Armed orders: the connection opened ahead of the instant, the request written at it. Against
//! the simulator for what the broker sees, and against bare sockets for each way a connection
//! can fail, because "was it sent?" decides between placing again and looking the order up.

use std::time::Duration;

use algo_kite::{
    KiteError, KiteHttp, MarketProtection, OrderRequest, OrderType, Secret, TransactionType,
};

use crate::helpers::frozen_sim;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::time::Instant;

fn market_buy(tag: &str) -> OrderRequest {
    OrderRequest {
        tradingsymbol: "TCS".into(),
        exchange: "NSE".into(),
        transaction_type: TransactionType::Buy,
        order_type: OrderType::Market,
        quantity: 3,
        product: "MIS".into(),
        validity: "DAY".into(),
        price_paise: None,
        trigger_price_paise: None,
        tag: Some(tag.into()),
        market_protection: MarketProtection::Automatic,
        algo_id: None,
    }
}

/// A client of a bare socket server at `url`.
fn bare_client(url: &str, timeout: Duration) -> algo_kite::KiteClient {
    KiteHttp::new(url, timeout)
        .expect("http")
        .client("k", Secret::new("t"))
}

#[tokio::test]
async fn an_armed_order_waits_on_its_connection_and_is_placed_once() {
    let sim = frozen_sim().await;
    let client = KiteHttp::new(&sim.base_url, Duration::from_secs(2))
        .expect("http")
        .client("sim_key", Secret::new("sim_token"));
    let mut armed = client
        .arm_order(&market_buy("armed1"))
        .await
        .expect("armed");
    // Armed a second ahead: the connection is still there when the instant comes.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(armed.is_open());
    assert!(
        client.orders().await.expect("orders").is_empty(),
        "arming sends nothing"
    );
    let id = armed.send().await.expect("placed");
    let again = armed.send().await;
    assert!(
        again.as_ref().is_err_and(KiteError::is_ambiguous),
        "a second send is refused as maybe-placed: {again:?}"
    );
    let orders = client.orders().await.expect("orders");
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0].order_id, id);
    assert_eq!(orders[0].tag.as_deref(), Some("armed1"));
    assert_eq!(orders[0].quantity, 3);
    assert_eq!(orders[0].transaction_type, "BUY");
}

#[tokio::test]
async fn an_armed_order_gets_the_brokers_errors() {
    let sim = frozen_sim().await;
    let http = KiteHttp::new(&sim.base_url, Duration::from_secs(2)).expect("http");
    // A bad token is the broker's answer at the instant, as for any order.
    let expired = http
        .client("sim_key", Secret::new("not_the_token"))
        .arm_order(&market_buy("armed2"))
        .await
        .expect("arming does not authenticate")
        .send()
        .await;
    assert!(
        expired.as_ref().is_err_and(KiteError::is_auth),
        "{expired:?}"
    );
    // An order Kite would refuse is refused before any connection is opened.
    let mut zero = market_buy("armed3");
    zero.quantity = 0;
    let client = http.client("sim_key", Secret::new("sim_token"));
    assert!(matches!(
        client.arm_order(&zero).await,
        Err(KiteError::Rejected { status: 400, .. })
    ));
    assert!(client.orders().await.expect("orders").is_empty());
}

/// A listener whose connections each get `serve`d.
async fn listener<F, Fut>(serve: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket));
        }
    });
    url
}

/// Reads until the request's headers have arrived.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    seen
}

#[tokio::test]
async fn a_connection_closed_before_the_instant_means_not_sent() {
    let url = listener(|socket| async move { drop(socket) }).await;
    let client = bare_client(&url, Duration::from_secs(2));
    let mut armed = client.arm_order(&market_buy("x")).await.expect("armed");
    let deadline = Instant::now() + Duration::from_secs(5);
    while armed.is_open() {
        assert!(Instant::now() < deadline, "the close was never noticed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let sent = armed.send().await;
    assert!(
        matches!(sent, Err(KiteError::Unreachable { .. })),
        "safe to place another way: {sent:?}"
    );
}

#[tokio::test]
async fn a_connection_lost_after_the_request_means_look_it_up() {
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel();
    let url = listener(move |mut socket| {
        let seen_tx = seen_tx.clone();
        async move {
            let request = read_request(&mut socket).await;
            let _ = seen_tx.send(request);
            drop(socket);
        }
    })
    .await;
    let client = bare_client(&url, Duration::from_secs(2));
    let sent = client
        .arm_order(&market_buy("x"))
        .await
        .expect("armed")
        .send()
        .await;
    assert!(
        sent.as_ref().is_err_and(KiteError::is_ambiguous),
        "the broker may have it: {sent:?}"
    );
    let request = String::from_utf8(seen_rx.recv().await.expect("a request")).expect("utf-8");
    assert!(
        request.starts_with("POST /orders/regular HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(request.contains("x-kite-version: 3\r\n") || request.contains("X-Kite-Version: 3\r\n"));
    assert!(request.contains("token k:t\r\n"), "{request}");
}

#[tokio::test]
async fn no_answer_in_time_means_look_it_up() {
    let url = listener(|mut socket| async move {
        let _ = read_request(&mut socket).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let client = bare_client(&url, Duration::from_millis(300));
    let mut armed = client.arm_order(&market_buy("x")).await.expect("armed");
    let sent = armed.send().await;
    assert!(matches!(sent, Err(KiteError::NoAnswer { .. })), "{sent:?}");
}
