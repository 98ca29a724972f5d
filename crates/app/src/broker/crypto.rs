//! AES-256-GCM for broker secrets: a fresh random nonce for every seal, the user id as
//! associated data so a ciphertext copied onto another user's row does not open.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user's broker credentials, in the clear. Never logged: `Debug` redacts.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BrokerSecrets {
    pub api_key: String,
    pub secret_key: String,
    pub access_token: String,
}

impl std::fmt::Debug for BrokerSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerSecrets")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

/// Sealed secrets: what the database stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
}

impl Sealed {
    /// The stored row of these sealed keys for `user_id`: no session yet (`not_connected`, no
    /// token date, no broker identity). Callers name what differs with struct update syntax.
    pub fn into_row(
        self,
        user_id: Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> algo_store::ports::BrokerKeysRow {
        algo_store::ports::BrokerKeysRow {
            user_id,
            ciphertext: self.ciphertext,
            nonce: self.nonce,
            key_id: self.key_id,
            broker_user_id: None,
            user_name: None,
            status: "not_connected".into(),
            status_reason: None,
            token_date: None,
            updated_at: now,
        }
    }
}

/// The data key and its id (so keys can be rotated: rows name the key that sealed them).
#[derive(Clone)]
pub struct BrokerCipher {
    cipher: Aes256Gcm,
    key_id: String,
}

impl std::fmt::Debug for BrokerCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerCipher")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl BrokerCipher {
    /// A cipher for a 32-byte key.
    pub fn new(key: &[u8; 32], key_id: impl Into<String>) -> Self {
        Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
            key_id: key_id.into(),
        }
    }

    pub fn seal(&self, user_id: Uuid, secrets: &BrokerSecrets) -> Result<Sealed, String> {
        let plaintext = serde_json::to_vec(secrets).map_err(|e| e.to_string())?;
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: &plaintext,
                    aad: user_id.as_bytes(),
                },
            )
            .map_err(|_| "encryption failed".to_owned())?;
        Ok(Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
            key_id: self.key_id.clone(),
        })
    }

    pub fn open(&self, user_id: Uuid, sealed: &Sealed) -> Result<BrokerSecrets, String> {
        if sealed.key_id != self.key_id {
            return Err(format!(
                "sealed under key {:?}, this process has {:?}",
                sealed.key_id, self.key_id
            ));
        }
        if sealed.nonce.len() != 12 {
            return Err("bad nonce length".into());
        }
        let plaintext = self
            .cipher
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: user_id.as_bytes(),
                },
            )
            .map_err(|_| "decryption failed".to_owned())?;
        serde_json::from_slice(&plaintext).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> BrokerSecrets {
        BrokerSecrets {
            api_key: "k".into(),
            secret_key: "s3cret".into(),
            access_token: "t0ken".into(),
        }
    }

    #[test]
    fn seals_with_a_fresh_nonce_and_opens_only_for_its_user() {
        let cipher = BrokerCipher::new(&[7u8; 32], "v1");
        let user = Uuid::new_v4();
        let a = cipher.seal(user, &secrets()).expect("seal");
        let b = cipher.seal(user, &secrets()).expect("seal");
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert!(!String::from_utf8_lossy(&a.ciphertext).contains("s3cret"));
        assert_eq!(cipher.open(user, &a), Ok(secrets()));
        assert!(
            cipher.open(Uuid::new_v4(), &a).is_err(),
            "another user's row must not open"
        );
        let mut tampered = a.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(cipher.open(user, &tampered).is_err());
        assert!(BrokerCipher::new(&[8u8; 32], "v1").open(user, &a).is_err());
        assert!(!format!("{:?}", secrets()).contains("s3cret"));
    }
}
