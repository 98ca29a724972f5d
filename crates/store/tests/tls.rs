//! Encrypted connections, as the AWS profile makes them: Postgres with `sslmode=require` (the
//! machine's Postgres has TLS on, as Debian installs it) and Redis over `rediss://` (a
//! TLS-only redis-server of this test's own, with a throw-away certificate).
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use algo_store::redis::RedisStore;
use algo_store::{postgres, testing};
use redis::AsyncCommands;

/// `url` with `sslmode` set to `mode`.
fn with_sslmode(url: &str, mode: &str) -> String {
    let base = url.split_once('?').map_or(url, |(b, _)| b);
    format!("{base}?sslmode={mode}")
}

async fn connection_is_encrypted(url: &str) -> bool {
    let pool = postgres::pool(url, Duration::from_secs(10)).expect("pool");
    sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&pool)
        .await
        .expect("query over the connection")
}

#[tokio::test]
async fn postgres_connections_follow_the_urls_sslmode() {
    // The server's own `postgres` database: the configured one need not exist yet.
    let server = testing::replace_database(&testing::database_server_url(), "postgres");
    assert!(
        connection_is_encrypted(&with_sslmode(&server, "require")).await,
        "sslmode=require must give an encrypted session"
    );
    assert!(
        !connection_is_encrypted(&with_sslmode(&server, "disable")).await,
        "sslmode=disable is a plain session (so the check above can tell them apart)"
    );
}

/// A redis-server that speaks only TLS, on a free port; killed on drop.
struct TlsRedis {
    child: Child,
    port: u16,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tls_redis() -> TlsRedis {
    let dir = std::env::temp_dir().join(format!("algo-tls-redis-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    run(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert));
    let port = free_port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--tls-auth-clients",
            "no",
        ])
        .args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
        .arg("--dir")
        .arg(&dir)
        .arg("--tls-cert-file")
        .arg(&cert)
        .arg("--tls-key-file")
        .arg(&key)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (scripts/services installs it)");
    let server = TlsRedis {
        child,
        port,
        _dir: TempDir(dir),
    };
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "TLS redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

#[tokio::test]
async fn redis_store_works_over_tls() {
    let server = tls_redis();
    // `#insecure`: the throw-away certificate has no CA; ElastiCache's chain to public roots.
    let store = RedisStore::new(
        &format!("rediss://127.0.0.1:{}/#insecure", server.port),
        "tls:",
        Duration::from_secs(5),
    )
    .expect("store");
    let mut conn = store.conn().await.expect("TLS connection");
    let () = conn.set("tls:k", "over tls").await.expect("SET");
    let got: String = conn.get("tls:k").await.expect("GET");
    assert_eq!(got, "over tls");

    // The same server refuses a plain connection: the store above really spoke TLS.
    let plain = RedisStore::new(
        &format!("redis://127.0.0.1:{}", server.port),
        "tls:",
        Duration::from_secs(2),
    )
    .expect("store");
    assert!(
        plain.conn().await.is_err(),
        "a plain client must not get through"
    );
}
