//! TLS for the stores' connections: `rediss://` to ElastiCache (in-transit encryption) and
//! `sslmode=require` (or `verify-full`) to RDS.
//!
//! sqlx hands rustls its provider explicitly; redis-rs builds its configuration with the
//! process-wide default, which rustls cannot choose by itself when more than one provider is
//! compiled in (the AWS SDK brings aws-lc-rs, reqwest and sqlx bring ring): without one
//! installed, the first `rediss://` connection panics.

/// Installs ring as the process-wide rustls provider, once. A provider installed earlier (by
/// this or anything else in the process) is kept. Every store constructor calls it.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another provider is already the default: fine, any will do.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
