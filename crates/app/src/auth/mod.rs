//! Accounts: password hashing, access and refresh tokens.

pub mod password;
pub mod tokens;
