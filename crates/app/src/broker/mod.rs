//! The user's broker connection: sealed keys.

pub mod crypto;
