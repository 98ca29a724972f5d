//! Accounts: password hashing (bounded per process), login limits, access and refresh tokens.

pub mod hash_pool;
pub mod login_limits;
pub mod password;
pub mod tokens;
