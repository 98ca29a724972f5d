//! Armed orders over TLS, as they go to the real Kite (`https://api.kite.trade`): a local TLS
//! server with a certificate of its own CA, trusted through `KiteHttp::with_root_certificates`.
//! The certificates are made with the `openssl` CLI, as the Postgres TLS test does.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use algo_kite::{
    KiteError, KiteHttp, MarketProtection, OrderRequest, OrderType, Secret, TransactionType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA and a certificate it issued for 127.0.0.1: `(ca.pem, cert.pem, key.pem)` contents.
fn certificates(dir: &Path) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-days",
        "1",
        "-subj",
        "/CN=algo test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(dir, &ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-subj",
        "/CN=algo test broker",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    ]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("extensions");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "leaf.ext",
            "-out",
            "cert.pem",
        ],
    );
    let read = |name: &str| std::fs::read(dir.join(name)).expect(name);
    (read("ca.pem"), read("cert.pem"), read("key.pem"))
}

/// What the server saw of one request: ALPN, request head, body.
struct Seen {
    alpn: Option<Vec<u8>>,
    head: String,
    body: String,
}

/// A TLS server answering every order with Kite's success envelope; reports each request.
async fn broker(cert: &[u8], key: &[u8]) -> (String, mpsc::UnboundedReceiver<Seen>) {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
        .collect::<Result<_, _>>()
        .expect("certs");
    let key = PrivateKeyDer::from_pem_slice(key).expect("key");
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return; // a client that does not trust us
                };
                let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&seen[..end]).into_owned();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    while seen.len() < end + 4 + length {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let body =
                        String::from_utf8_lossy(&seen[end + 4..end + 4 + length]).into_owned();
                    seen.drain(..end + 4 + length);
                    let _ = tx.send(Seen {
                        alpn: alpn.clone(),
                        head,
                        body,
                    });
                    let answer = r#"{"status":"success","data":{"order_id":"151220000000000"}}"#;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if tls.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, rx)
}

fn order() -> OrderRequest {
    OrderRequest {
        tradingsymbol: "TCS".into(),
        exchange: "NSE".into(),
        transaction_type: TransactionType::Buy,
        order_type: OrderType::Market,
        quantity: 4,
        product: "MIS".into(),
        validity: "DAY".into(),
        price_paise: None,
        trigger_price_paise: None,
        tag: Some("tlstag".into()),
        market_protection: MarketProtection::Automatic,
        algo_id: None,
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("algo-kite-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[tokio::test]
async fn an_armed_order_goes_out_over_tls_to_a_trusted_broker() {
    let dir = temp_dir("tls-ok");
    let (ca, cert, key) = certificates(&dir);
    let (url, mut seen) = broker(&cert, &key).await;
    let http = KiteHttp::with_root_certificates(&url, Duration::from_secs(3), &ca).expect("http");
    let client = http.client("key1", Secret::new("token1"));
    let mut armed = client.arm_order(&order()).await.expect("armed over TLS");
    assert!(armed.is_open());
    assert_eq!(armed.send().await.expect("placed"), "151220000000000");
    let request = seen.recv().await.expect("a request");
    assert_eq!(
        request.alpn.as_deref(),
        Some(&b"http/1.1"[..]),
        "HTTP/1.1 asked for"
    );
    assert!(
        request
            .head
            .starts_with("POST /orders/regular HTTP/1.1\r\n"),
        "{}",
        request.head
    );
    let head = request.head.to_ascii_lowercase();
    assert!(head.contains("authorization: token key1:token1"), "{head}");
    assert!(head.contains("x-kite-version: 3"), "{head}");
    for field in [
        "tradingsymbol=TCS",
        "quantity=4",
        "tag=tlstag",
        "order_type=MARKET",
    ] {
        assert!(request.body.contains(field), "{field} in {}", request.body);
    }
    // The pooled client trusts the same root: lookups and fallbacks go the same way.
    assert_eq!(
        client.place_order(&order()).await.expect("pooled over TLS"),
        "151220000000000"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_before_anything_is_sent() {
    let dir = temp_dir("tls-untrusted");
    let (_, cert, key) = certificates(&dir);
    let (url, mut seen) = broker(&cert, &key).await;
    // The public roots only: this CA is not among them.
    let client = KiteHttp::new(&url, Duration::from_secs(3))
        .expect("http")
        .client("key1", Secret::new("token1"));
    let armed = client.arm_order(&order()).await;
    match armed {
        Err(KiteError::Unreachable { message }) => {
            assert!(message.contains("TLS"), "{message}")
        }
        other => panic!("expected a TLS refusal, got {other:?}"),
    }
    assert!(client.place_order(&order()).await.is_err());
    assert!(seen.try_recv().is_err(), "no request reached the server");
    let _ = std::fs::remove_dir_all(dir);
}
