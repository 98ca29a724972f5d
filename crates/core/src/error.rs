//! Stable error codes that clients switch on, and their HTTP statuses, in one place.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Every error a client can see. The string form never changes once published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    BadRequest,
    WeakPassword,
    StrategyInvalid,
    UnknownSymbol,
    Unauthorized,
    TokenExpired,
    InvalidCredentials,
    Forbidden,
    NotFound,
    EmailTaken,
    StrategyOverlap,
    StrategyRunning,
    /// The day's loss reached the trader's limit: nothing starts again until the next trading
    /// day.
    LossLimitHit,
    BrokerNotConnected,
    PayloadTooLarge,
    RateLimited,
    /// Every password hash this instance may run at once is busy: retry in a second.
    TooManyLogins,
    BrokerAuthFailed,
    BrokerUnavailable,
    OrderFailed,
    RedisDown,
    DbDown,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 23] = [
        ErrorCode::BadRequest,
        ErrorCode::WeakPassword,
        ErrorCode::StrategyInvalid,
        ErrorCode::UnknownSymbol,
        ErrorCode::Unauthorized,
        ErrorCode::TokenExpired,
        ErrorCode::InvalidCredentials,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::EmailTaken,
        ErrorCode::StrategyOverlap,
        ErrorCode::StrategyRunning,
        ErrorCode::LossLimitHit,
        ErrorCode::BrokerNotConnected,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RateLimited,
        ErrorCode::TooManyLogins,
        ErrorCode::BrokerAuthFailed,
        ErrorCode::BrokerUnavailable,
        ErrorCode::OrderFailed,
        ErrorCode::RedisDown,
        ErrorCode::DbDown,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::WeakPassword => "WEAK_PASSWORD",
            ErrorCode::StrategyInvalid => "STRATEGY_INVALID",
            ErrorCode::UnknownSymbol => "UNKNOWN_SYMBOL",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::TokenExpired => "TOKEN_EXPIRED",
            ErrorCode::InvalidCredentials => "INVALID_CREDENTIALS",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::EmailTaken => "EMAIL_TAKEN",
            ErrorCode::StrategyOverlap => "STRATEGY_OVERLAP",
            ErrorCode::StrategyRunning => "STRATEGY_RUNNING",
            ErrorCode::LossLimitHit => "LOSS_LIMIT_HIT",
            ErrorCode::BrokerNotConnected => "BROKER_NOT_CONNECTED",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::TooManyLogins => "TOO_MANY_LOGINS",
            ErrorCode::BrokerAuthFailed => "BROKER_AUTH_FAILED",
            ErrorCode::BrokerUnavailable => "BROKER_UNAVAILABLE",
            ErrorCode::OrderFailed => "ORDER_FAILED",
            ErrorCode::RedisDown => "REDIS_DOWN",
            ErrorCode::DbDown => "DB_DOWN",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// The HTTP status this code is answered with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest
            | ErrorCode::WeakPassword
            | ErrorCode::StrategyInvalid
            | ErrorCode::UnknownSymbol => 400,
            ErrorCode::Unauthorized | ErrorCode::TokenExpired | ErrorCode::InvalidCredentials => {
                401
            }
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::EmailTaken
            | ErrorCode::StrategyOverlap
            | ErrorCode::StrategyRunning
            | ErrorCode::LossLimitHit
            | ErrorCode::BrokerNotConnected => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited | ErrorCode::TooManyLogins => 429,
            // 424 Failed Dependency: the request was fine, the broker refused the user's keys.
            ErrorCode::BrokerAuthFailed => 424,
            ErrorCode::BrokerUnavailable | ErrorCode::OrderFailed => 502,
            ErrorCode::RedisDown | ErrorCode::DbDown => 503,
            ErrorCode::Internal => 500,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_design() {
        let status = |c: ErrorCode| c.http_status();
        assert_eq!(status(ErrorCode::StrategyInvalid), 400);
        assert_eq!(status(ErrorCode::TokenExpired), 401);
        assert_eq!(status(ErrorCode::Unauthorized), 401);
        assert_eq!(status(ErrorCode::Forbidden), 403);
        assert_eq!(status(ErrorCode::NotFound), 404);
        assert_eq!(status(ErrorCode::EmailTaken), 409);
        assert_eq!(status(ErrorCode::StrategyOverlap), 409);
        assert_eq!(status(ErrorCode::RateLimited), 429);
        assert_eq!(status(ErrorCode::TooManyLogins), 429);
        assert_eq!(status(ErrorCode::BrokerAuthFailed), 424);
        assert_eq!(status(ErrorCode::RedisDown), 503);
        assert_eq!(status(ErrorCode::DbDown), 503);
    }

    #[test]
    fn wire_names_are_stable_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).expect("serialise");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(seen.insert(code.as_str()), "duplicate {code}");
        }
    }
}
