//! Access tokens (short-lived JWTs, HS256 pinned) and refresh tokens (random, single use,
//! rotated within a family: one family per sign-in).

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long an access token lives.
pub const ACCESS_TTL: Duration = Duration::minutes(15);
/// How long a refresh token lives.
pub const REFRESH_TTL: Duration = Duration::days(30);
/// How long after a rotation the rotated token may be presented again and get the same new
/// pair: the app's retry of a refresh whose answer was lost. Later, it is a replay.
pub const REFRESH_REUSE_GRACE: Duration = Duration::seconds(30);

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    iat: i64,
    exp: i64,
    typ: String,
}

/// Why an access token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Invalid,
}

/// Signs and checks access tokens with one secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(<redacted>)")
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// An access token for `user` valid from `now` for [`ACCESS_TTL`].
    pub fn access_token(&self, user: Uuid, now: DateTime<Utc>) -> Result<String, String> {
        let claims = Claims {
            sub: user,
            iat: now.timestamp(),
            exp: (now + ACCESS_TTL).timestamp(),
            typ: "access".into(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// The user of a valid access token at `now` (the clock that issued it, so a test's
    /// injected day signs in as the real one does). Only HS256 is accepted, `exp` is enforced
    /// with no leeway.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Uuid, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        match decode::<Claims>(token, &self.decoding, &validation) {
            Ok(data) if data.claims.typ != "access" => Err(TokenError::Invalid),
            Ok(data) if data.claims.exp <= now.timestamp() => Err(TokenError::Expired),
            Ok(data) => Ok(data.claims.sub),
            Err(_) => Err(TokenError::Invalid),
        }
    }
}

impl TokenKeys {
    /// The refresh token that replaces `presented` when it is rotated: HMAC-SHA256 of it
    /// under the signing secret, as URL-safe base64 (the shape of [`new_refresh_token`]).
    /// Derived, not random, so a retry of the same rotation (its answer lost) is answered
    /// with the same token without the server keeping any token but as a hash; unguessable
    /// without the secret, like the access tokens.
    pub fn successor_refresh_token(&self, presented: &str) -> Result<String, String> {
        let message = format!("algo refresh rotation v1\n{presented}");
        jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, Algorithm::HS256)
            .map_err(|e| e.to_string())
    }
}

/// How long a Kite login may take, from `GET /broker/login` to its callback.
pub const LOGIN_STATE_TTL: Duration = Duration::minutes(10);

#[derive(Debug, Serialize, Deserialize)]
struct LoginClaims {
    sub: Uuid,
    jti: Uuid,
    iat: i64,
    exp: i64,
    typ: String,
}

/// A login's `state`: whose login it is and its one-time nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginState {
    pub user: Uuid,
    pub nonce: Uuid,
}

impl TokenKeys {
    /// The signed `state` a Kite login carries through `redirect_params` and back to the
    /// callback, valid from `now` for [`LOGIN_STATE_TTL`]. Typed `broker_login`, so it is
    /// never taken for an access token, nor an access token for it.
    pub fn login_state(&self, state: LoginState, now: DateTime<Utc>) -> Result<String, String> {
        let claims = LoginClaims {
            sub: state.user,
            jti: state.nonce,
            iat: now.timestamp(),
            exp: (now + LOGIN_STATE_TTL).timestamp(),
            typ: "broker_login".into(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Checks a login `state`: signed by us, typed `broker_login`, not expired at `now` (the
    /// injected clock's, not the system's).
    pub fn verify_login_state(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginState, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub", "jti"]);
        match decode::<LoginClaims>(token, &self.decoding, &validation) {
            Ok(data) if data.claims.typ != "broker_login" => Err(TokenError::Invalid),
            Ok(data) if data.claims.exp <= now.timestamp() => Err(TokenError::Expired),
            Ok(data) => Ok(LoginState {
                user: data.claims.sub,
                nonce: data.claims.jti,
            }),
            Err(_) => Err(TokenError::Invalid),
        }
    }
}

/// A new refresh token: 32 random bytes, URL-safe base64. Only its hash is stored.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a refresh token.
pub fn refresh_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_tokens_verify_and_expire() {
        let keys = TokenKeys::new(b"test secret of enough length....");
        let user = Uuid::new_v4();
        let now = Utc::now();
        let token = keys.access_token(user, now).expect("sign");
        assert_eq!(keys.verify(&token, now), Ok(user));
        assert_eq!(
            keys.verify(&token, now + ACCESS_TTL - Duration::seconds(1)),
            Ok(user)
        );
        assert_eq!(
            keys.verify(&token, now + ACCESS_TTL),
            Err(TokenError::Expired)
        );
        let old = keys
            .access_token(user, now - ACCESS_TTL - Duration::seconds(1))
            .expect("sign");
        assert_eq!(keys.verify(&old, now), Err(TokenError::Expired));
        // An injected day long past signs in on its own clock.
        let then = now - Duration::days(400);
        let past = keys.access_token(user, then).expect("sign");
        assert_eq!(keys.verify(&past, then), Ok(user));
        assert_eq!(keys.verify(&past, now), Err(TokenError::Expired));
        let other = TokenKeys::new(b"another secret of enough length.");
        assert_eq!(other.verify(&token, now), Err(TokenError::Invalid));
        assert_eq!(keys.verify("not.a.jwt", now), Err(TokenError::Invalid));
    }

    #[test]
    fn refuses_the_none_algorithm() {
        let keys = TokenKeys::new(b"test secret of enough length....");
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let exp = Utc::now().timestamp() + 600;
        let forged = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&format!(
                r#"{{"sub":"{}","iat":0,"exp":{exp},"typ":"access"}}"#,
                Uuid::new_v4()
            ))
        );
        assert_eq!(keys.verify(&forged, Utc::now()), Err(TokenError::Invalid));
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let a = new_refresh_token();
        let b = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(refresh_hash(&a).len(), 32);
        assert_eq!(refresh_hash(&a), refresh_hash(&a));
    }

    #[test]
    fn a_successor_is_fixed_by_its_token_and_the_secret() {
        let keys = TokenKeys::new(b"test secret of enough length....");
        let token = new_refresh_token();
        let next = keys.successor_refresh_token(&token).expect("sign");
        assert_eq!(next.len(), 43, "the shape of a fresh refresh token");
        assert_eq!(next, keys.successor_refresh_token(&token).expect("sign"));
        assert_ne!(next, token);
        assert_ne!(
            keys.successor_refresh_token(&next).expect("sign"),
            next,
            "each rotation moves on"
        );
        let other = TokenKeys::new(b"another secret of enough length.");
        assert_ne!(other.successor_refresh_token(&token).expect("sign"), next);
    }

    #[test]
    fn a_login_state_binds_its_user_and_expires_and_is_no_access_token() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let state = LoginState {
            user: Uuid::new_v4(),
            nonce: Uuid::new_v4(),
        };
        let signed = keys.login_state(state, now).expect("sign");
        assert_eq!(keys.verify_login_state(&signed, now), Ok(state));
        assert_eq!(
            keys.verify_login_state(&signed, now + LOGIN_STATE_TTL),
            Err(TokenError::Expired)
        );
        assert_eq!(
            keys.verify(&signed, now),
            Err(TokenError::Invalid),
            "not an access token"
        );
        let access = keys.access_token(state.user, now).expect("sign");
        assert_eq!(
            keys.verify_login_state(&access, now),
            Err(TokenError::Invalid)
        );
        let other = TokenKeys::new(b"another secret, also 32 bytes!!!");
        assert_eq!(
            other.verify_login_state(&signed, now),
            Err(TokenError::Invalid)
        );
        let mut tampered = signed.clone();
        tampered.insert(10, 'x');
        assert_eq!(
            keys.verify_login_state(&tampered, now),
            Err(TokenError::Invalid)
        );
    }
}
