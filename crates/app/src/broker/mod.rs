//! The user's broker connection: sealed keys, the day a Kite session lives, and the pace of
//! its orders across processes.

pub mod crypto;
pub mod pacer;
pub mod paper;
pub mod session;
