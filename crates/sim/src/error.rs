//! Errors of the in-process API ([`crate::Sim`]'s methods).

/// Why a call on [`crate::Sim`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("unknown instrument {0:?} (use TCS or NSE:TCS)")]
    UnknownSymbol(String),
    #[error("price must be positive, got {0} paise")]
    InvalidPrice(i64),
}
