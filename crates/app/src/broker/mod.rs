//! The user's broker connection: sealed keys, and the day a Kite session lives.

pub mod crypto;
pub mod session;
