//! Orders made ready before their instant.
//!
//! An [`ArmedOrder`] owns a connection of its own, opened (and for `https`, the TLS handshake
//! done) ahead of time, and its request already built, so at the instant only the request's
//! bytes go out. A pooled client cannot promise that: a thousand orders due in the same second
//! find a handful of idle connections and open the rest then, each paying a TCP (and TLS)
//! handshake while the clock runs.
//!
//! Sending never places twice: a connection found closed before the request was written gives
//! [`KiteError::Unreachable`] (nothing reached the broker; place it another way), and any
//! failure after that is [`KiteError::NoAnswer`] (look the order up by its tag).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use crate::client::parse_json;
use crate::error::KiteError;
use crate::pacer::OrderPacer;
use crate::types::OrderId;

/// Where the REST API lives, split for opening connections by hand.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    https: bool,
    /// The TLS settings when they differ from the shared public-roots ones.
    tls: Option<Arc<rustls::ClientConfig>>,
    host: String,
    port: u16,
    /// `Host` header value: the host, and the port when it is not the scheme's default.
    authority: String,
    /// Any path in front of the API's own (`""` for Kite's).
    prefix: String,
}

impl Endpoint {
    pub(crate) fn authority(&self) -> &str {
        &self.authority
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    pub(crate) fn parse(base_url: &str) -> Result<Self, KiteError> {
        let bad = |why: &str| KiteError::Protocol {
            status: 0,
            message: format!("invalid broker URL: {why}"),
        };
        let url = reqwest::Url::parse(base_url).map_err(|e| bad(&e.to_string()))?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => return Err(bad(&format!("scheme {other} is not http or https"))),
        };
        let host = url.host_str().ok_or_else(|| bad("no host"))?.to_owned();
        let port = url.port_or_known_default().ok_or_else(|| bad("no port"))?;
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        Ok(Self {
            https,
            tls: None,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port,
            authority,
            prefix: url.path().trim_end_matches('/').to_owned(),
        })
    }

    /// The same endpoint, trusting the PEM certificates in `pem` besides the public roots.
    pub(crate) fn trusting(mut self, pem: &[u8]) -> Result<Self, KiteError> {
        use rustls::pki_types::pem::PemObject;
        let bad = |message: String| KiteError::Protocol { status: 0, message };
        let mut roots = public_roots();
        for cert in rustls::pki_types::CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| bad(format!("root certificates: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| bad(format!("root certificate: {e}")))?;
        }
        self.tls = Some(client_config(roots)?);
        Ok(self)
    }

    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, KiteError> {
        match &self.tls {
            Some(config) => Ok(config.clone()),
            None => shared_tls_config(),
        }
    }
}

fn public_roots() -> rustls::RootCertStore {
    rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// The TLS settings for armed connections with public roots, built once.
fn shared_tls_config() -> Result<Arc<rustls::ClientConfig>, KiteError> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    if let Some(config) = CONFIG.get() {
        return Ok(config.clone());
    }
    let config = client_config(public_roots())?;
    Ok(CONFIG.get_or_init(|| config).clone())
}

/// HTTP/1.1 over TLS with `roots`, on ring (one provider, whatever else the process links).
fn client_config(roots: rustls::RootCertStore) -> Result<Arc<rustls::ClientConfig>, KiteError> {
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| KiteError::Unreachable {
        message: format!("TLS setup: {e}"),
    })?
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// An order whose connection is open and whose request is built; [`ArmedOrder::send`] at the
/// instant. Dropping it closes the connection: keep it until the rush is over.
pub struct ArmedOrder {
    sender: http1::SendRequest<Full<Bytes>>,
    request: Option<http::Request<Full<Bytes>>>,
    /// The user's order pacer, and the api_key it paces.
    pacer: (Arc<dyn OrderPacer>, String),
    timeout: Duration,
    connection: JoinHandle<()>,
}

impl std::fmt::Debug for ArmedOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmedOrder")
            .field("open", &!self.sender.is_closed())
            .finish_non_exhaustive()
    }
}

impl Drop for ArmedOrder {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

impl ArmedOrder {
    /// Opens the connection for `request` (already built, headers and all).
    pub(crate) async fn open(
        endpoint: &Endpoint,
        request: http::Request<Full<Bytes>>,
        pacer: (Arc<dyn OrderPacer>, String),
        timeout: Duration,
    ) -> Result<Self, KiteError> {
        let unreachable = |message: String| KiteError::Unreachable { message };
        let connect = async {
            let tcp = TcpStream::connect((endpoint.host.as_str(), endpoint.port))
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            tcp.set_nodelay(true)
                .map_err(|e| unreachable(e.to_string()))?;
            if endpoint.https {
                let name = rustls::pki_types::ServerName::try_from(endpoint.host.clone())
                    .map_err(|e| unreachable(e.to_string()))?;
                let tls = tokio_rustls::TlsConnector::from(endpoint.tls_config()?)
                    .connect(name, tcp)
                    .await
                    .map_err(|e| unreachable(format!("TLS: {e}")))?;
                handshake(tls).await
            } else {
                handshake(tcp).await
            }
        };
        let (sender, connection) = tokio::time::timeout(timeout, connect)
            .await
            .map_err(|_| unreachable("connecting timed out".into()))??;
        Ok(Self {
            sender,
            request: Some(request),
            pacer,
            timeout,
            connection,
        })
    }

    /// Whether the connection is still open (a hint: it may close at any moment).
    pub fn is_open(&self) -> bool {
        !self.sender.is_closed()
    }

    /// Sends the order (within the user's order rate limit) and returns the broker's order id.
    ///
    /// Once only: a second call is an ambiguous error (the first may have placed it). The
    /// connection stays open until the order is dropped, so a burst of orders does not also
    /// pay for a burst of closes (a `shutdown` and a `close` on each end) while it goes out.
    pub async fn send(&mut self) -> Result<String, KiteError> {
        let request = self.request.take().ok_or_else(|| KiteError::Protocol {
            status: 0,
            message: "this armed order was already sent; look it up by its tag".into(),
        })?;
        let (pacer, api_key) = &self.pacer;
        pacer.acquire(api_key).await;
        let timeout = self.timeout;
        let exchange = async {
            if let Err(e) = self.sender.ready().await {
                return Err(KiteError::Unreachable {
                    message: format!("armed connection closed before sending: {e}"),
                });
            }
            let response = match self.sender.try_send_request(request).await {
                Ok(response) => response,
                Err(mut e) => {
                    let message = e.error().to_string();
                    return Err(if e.take_message().is_some() {
                        KiteError::Unreachable {
                            message: format!("armed connection closed before sending: {message}"),
                        }
                    } else {
                        KiteError::NoAnswer { message }
                    });
                }
            };
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| KiteError::NoAnswer {
                    message: e.to_string(),
                })?
                .to_bytes();
            parse_json::<OrderId>(status, &body)
        };
        let id = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| KiteError::NoAnswer {
                message: format!("no answer within {} ms", timeout.as_millis()),
            })??;
        Ok(id.order_id)
    }
}

async fn handshake<T>(io: T) -> Result<(http1::SendRequest<Full<Bytes>>, JoinHandle<()>), KiteError>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) =
        http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| KiteError::Unreachable {
                message: e.to_string(),
            })?;
    let task = tokio::spawn(async move {
        // Ends when the exchange is done, the broker closes, or the order is dropped.
        let _ = connection.await;
    });
    Ok((sender, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_of_kite_and_of_a_local_simulator() {
        let kite = Endpoint::parse("https://api.kite.trade").expect("kite");
        assert!(kite.https);
        assert_eq!(
            (
                kite.host.as_str(),
                kite.port,
                kite.authority(),
                kite.prefix()
            ),
            ("api.kite.trade", 443, "api.kite.trade", "")
        );
        let sim = Endpoint::parse("http://127.0.0.1:8089/kite/").expect("sim");
        assert_eq!(sim.port, 8089);
        assert!(!sim.https);
        assert_eq!(sim.authority, "127.0.0.1:8089");
        assert_eq!(sim.prefix, "/kite");
        let v6 = Endpoint::parse("http://[::1]:9000").expect("v6");
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.authority, "[::1]:9000");
    }

    #[test]
    fn other_schemes_are_refused() {
        assert!(Endpoint::parse("ftp://example.com").is_err());
        assert!(Endpoint::parse("not a url").is_err());
    }
}
