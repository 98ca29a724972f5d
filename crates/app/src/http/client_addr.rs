//! Where a request came from, as the platform reports it: never a header the client sets
//! (`X-Forwarded-For`, `Forwarded`, `X-Real-IP` are ignored), since anyone can write those.
//!
//! - Self-hosted (`algo serve`, `algo dev`): the TCP peer, axum's `ConnectInfo<SocketAddr>`
//!   (the server is started with `into_make_service_with_connect_info`).
//! - AWS: API Gateway's own `requestContext.http.sourceIp`, which the Lambda adapter copies
//!   into a [`SourceIp`] extension ([`with_source_ip`]); request extensions cannot come from
//!   the client.
//!
//! With neither (a test's `oneshot`), the address is unknown and every such request shares
//! one bucket.

use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::Extensions;

/// The client's address as a trusted adapter found it (API Gateway's `sourceIp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceIp(pub IpAddr);

/// The source of a request: [`SourceIp`] if an adapter set one, else the TCP peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAddr {
    Known(IpAddr),
    Unknown,
}

impl ClientAddr {
    /// What a request's extensions say.
    pub fn of(extensions: &Extensions) -> Self {
        if let Some(SourceIp(ip)) = extensions.get::<SourceIp>() {
            return Self::Known(*ip);
        }
        match extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => Self::Known(peer.ip()),
            None => Self::Unknown,
        }
    }

    /// The key rate limits count under. IPv4 (also mapped into IPv6) by address; IPv6 by its
    /// /64, the block one subscriber gets, so cycling through one's own addresses gains nothing.
    pub fn bucket(&self) -> String {
        match self {
            Self::Known(IpAddr::V4(v4)) => v4.to_string(),
            Self::Known(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                    format!("{net}/64")
                }
            },
            Self::Unknown => "unknown".into(),
        }
    }
}

impl fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Known(ip) => write!(f, "{ip}"),
            Self::Unknown => f.write_str("unknown"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.extensions))
    }
}

/// `router` with every request's [`SourceIp`] set from what `read` finds in its extensions
/// (the Lambda adapter's request context).
pub fn with_source_ip(
    router: axum::Router,
    read: fn(&Extensions) -> Option<IpAddr>,
) -> axum::Router {
    router.layer(axum::middleware::map_request(
        move |mut req: Request| async move {
            // An adapter that cannot find the address leaves none, rather than keep an older one.
            req.extensions_mut().remove::<SourceIp>();
            if let Some(ip) = read(req.extensions()) {
                req.extensions_mut().insert(SourceIp(ip));
            }
            req
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_group_an_ipv6_subscriber_and_unmap_ipv4() {
        let v6 = |s: &str| ClientAddr::Known(s.parse().expect("ip"));
        assert_eq!(v6("2001:db8:1:2:aaaa::1").bucket(), "2001:db8:1:2::/64");
        assert_eq!(
            v6("2001:db8:1:2:aaaa::1").bucket(),
            v6("2001:db8:1:2:ffff:1:2:3").bucket()
        );
        assert_ne!(
            v6("2001:db8:1:2::1").bucket(),
            v6("2001:db8:1:3::1").bucket()
        );
        assert_eq!(v6("::ffff:203.0.113.9").bucket(), "203.0.113.9");
        assert_eq!(v6("203.0.113.9").bucket(), "203.0.113.9");
        assert_eq!(ClientAddr::Unknown.bucket(), "unknown");
    }

    #[test]
    fn an_adapter_address_wins_over_the_tcp_peer() {
        let mut ext = Extensions::new();
        assert_eq!(ClientAddr::of(&ext), ClientAddr::Unknown);
        ext.insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 443))));
        assert_eq!(ClientAddr::of(&ext).to_string(), "10.0.0.1");
        ext.insert(SourceIp([203, 0, 113, 1].into()));
        assert_eq!(ClientAddr::of(&ext).to_string(), "203.0.113.1");
    }
}
