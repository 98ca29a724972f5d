//! Passwords: argon2id with OWASP's parameters. The work runs off the async threads, bounded
//! per process by [`super::hash_pool::HashPool`].

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Why a password is refused at registration.
pub fn check_strength(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < 8 {
        Err("password must be at least 8 characters")
    } else if n > 128 {
        Err("password must be at most 128 characters")
    } else {
        Ok(())
    }
}

/// The PHC string of `password` (argon2id, random salt). CPU- and memory-heavy (19 MiB): run
/// it through [`super::hash_pool::HashPool`], which bounds how many run at once, never on an
/// async thread.
pub(crate) fn hash_blocking(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// A hash of a password nobody has, checked when the email is unknown so that a wrong email
/// and a wrong password take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("no such user has this password").unwrap_or_default())
}

/// Whether `password` matches the PHC string `hash`; with no hash (an unknown email), the same
/// work against [`dummy_hash`] and `false`. Blocking, as [`hash_blocking`].
pub(crate) fn verify_blocking(password: &str, hash: Option<&str>) -> bool {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| dummy_hash());
    let matches = PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    });
    known && matches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_blocking("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking("correct horse", Some(&h)));
        assert!(!verify_blocking("wrong horse", Some(&h)));
        assert!(!verify_blocking("x", Some("not a hash")));
        assert!(
            !verify_blocking("no such user has this password", None),
            "the dummy hash never lets anyone in"
        );
    }

    #[test]
    fn strength() {
        assert!(check_strength("1234567").is_err());
        assert!(check_strength("12345678").is_ok());
        assert!(check_strength(&"x".repeat(128)).is_ok());
        assert!(check_strength(&"x".repeat(129)).is_err());
    }
}
