//! Trading accounts (the keys an app holds for one user), their login (request tokens the login
//! page issues, each good once, exchanged for a fresh access token), and which access tokens have
//! expired.

use std::collections::{HashMap, HashSet};
use std::fmt;

use sha2::{Digest, Sha256};

/// The default account's keys.
pub const DEFAULT_API_KEY: &str = "sim_key";
pub const DEFAULT_API_SECRET: &str = "sim_secret";
pub const DEFAULT_ACCESS_TOKEN: &str = "sim_token";
pub const DEFAULT_USER_ID: &str = "SIM001";

/// One account. `Debug` redacts the secret and the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub api_key: String,
    pub api_secret: String,
    pub access_token: String,
    pub user_id: String,
    pub user_name: String,
    /// The redirect URL registered for the app in Kite's developer console: where the login
    /// page sends the browser with the request token. `None`: the login page refuses.
    pub redirect_url: Option<String>,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("api_key", &self.api_key)
            .field("api_secret", &"<redacted>")
            .field("access_token", &"<redacted>")
            .field("user_id", &self.user_id)
            .field("user_name", &self.user_name)
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

impl Account {
    /// `sim_key` / `sim_secret` / `sim_token`, user `SIM001`.
    pub fn default_account() -> Self {
        Self {
            api_key: DEFAULT_API_KEY.into(),
            api_secret: DEFAULT_API_SECRET.into(),
            access_token: DEFAULT_ACCESS_TOKEN.into(),
            user_id: DEFAULT_USER_ID.into(),
            user_name: "Sim Trader".into(),
            redirect_url: None,
        }
    }

    /// True when `checksum` is hex `sha256(api_key + request_token + api_secret)`, as
    /// `POST /session/token` requires.
    pub fn session_checksum_matches(&self, request_token: &str, checksum: &str) -> bool {
        let expected = hex::encode(Sha256::digest(
            format!("{}{request_token}{}", self.api_key, self.api_secret).as_bytes(),
        ));
        expected.eq_ignore_ascii_case(checksum.trim())
    }

    /// A postback's checksum: hex `sha256(order_id + order_timestamp + api_secret)`.
    pub fn postback_checksum(&self, order_id: &str, order_timestamp: &str) -> String {
        hex::encode(Sha256::digest(
            format!("{order_id}{order_timestamp}{}", self.api_secret).as_bytes(),
        ))
    }
}

/// Every account by api_key, the tokens its logins issued, the request tokens not yet
/// exchanged, and the access tokens that now answer `TokenException`.
#[derive(Debug, Default)]
pub struct Accounts {
    by_api_key: HashMap<String, Account>,
    /// Access tokens issued by logins through the login page, by token: their api_key.
    issued: HashMap<String, String>,
    /// Request tokens the login page issued and nobody exchanged yet: their api_key.
    pending: HashMap<String, String>,
    /// Request tokens already exchanged: a second exchange is refused.
    used: HashSet<String>,
    expired: HashSet<String>,
    /// A counter that makes each issued token unique.
    next: u64,
}

/// What exchanging a request token gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchanged {
    /// A login through the login page: a fresh access token, live from now.
    Fresh(String),
    /// A request token the login page never issued (a client that skipped it): the account's
    /// standing token, made live again. The simulator's behaviour before the login page existed.
    Standing,
}

impl Accounts {
    /// Just the default account.
    pub fn with_default() -> Self {
        let mut accounts = Self::default();
        accounts.upsert(Account::default_account());
        accounts
    }

    /// Adds an account, or replaces the one with the same api_key.
    pub fn upsert(&mut self, account: Account) {
        self.expired.remove(&account.access_token);
        self.by_api_key.insert(account.api_key.clone(), account);
    }

    pub fn get(&self, api_key: &str) -> Option<&Account> {
        self.by_api_key.get(api_key)
    }

    /// The account these credentials open, if the token is its own and has not expired.
    pub fn authenticate(&self, api_key: &str, access_token: &str) -> Option<&Account> {
        let own = |a: &&Account| {
            a.access_token == access_token
                || self.issued.get(access_token).is_some_and(|k| k == api_key)
        };
        self.by_api_key
            .get(api_key)
            .filter(own)
            .filter(|_| !self.expired.contains(access_token))
    }

    /// From now on the token answers `TokenException`.
    pub fn expire(&mut self, access_token: &str) {
        self.expired.insert(access_token.to_owned());
    }

    /// Every token of the account (its standing one and every login's) answers
    /// `TokenException` from now on: what the morning does to them all. How many.
    pub fn expire_account(&mut self, api_key: &str) -> usize {
        let mut tokens: Vec<String> = self
            .issued
            .iter()
            .filter(|(_, k)| *k == api_key)
            .map(|(t, _)| t.clone())
            .collect();
        if let Some(account) = self.by_api_key.get(api_key) {
            tokens.push(account.access_token.clone());
        }
        let count = tokens.len();
        self.expired.extend(tokens);
        count
    }

    /// A request token for `api_key`, good for one exchange.
    pub fn issue_request_token(&mut self, api_key: &str) -> String {
        self.next += 1;
        let token = format!("rt{:016x}", self.next);
        self.pending.insert(token.clone(), api_key.to_owned());
        token
    }

    /// Exchanges a request token of `api_key`'s (its checksum already checked). `None` when the
    /// login page issued it for another app, or it was exchanged already.
    pub fn exchange(&mut self, api_key: &str, request_token: &str) -> Option<Exchanged> {
        match self.pending.get(request_token) {
            Some(owner) if owner == api_key => {
                self.pending.remove(request_token);
                self.used.insert(request_token.to_owned());
                self.next += 1;
                let token = format!("at{:016x}", self.next);
                self.issued.insert(token.clone(), api_key.to_owned());
                Some(Exchanged::Fresh(token))
            }
            Some(_) => None,
            None if self.used.contains(request_token) => None,
            None => {
                self.revive(api_key);
                Some(Exchanged::Standing)
            }
        }
    }

    /// A new login: the account's token works again.
    pub fn revive(&mut self, api_key: &str) {
        if let Some(token) = self.by_api_key.get(api_key).map(|a| a.access_token.clone()) {
            self.expired.remove(&token);
        }
    }

    pub fn clear_expired(&mut self) {
        self.expired.clear();
    }

    /// Whether `api_key`'s account exists and where its logins go.
    pub fn redirect_url(&self, api_key: &str) -> Option<Option<&str>> {
        self.by_api_key
            .get(api_key)
            .map(|a| a.redirect_url.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authenticates_live_tokens_only() {
        let mut accounts = Accounts::with_default();
        assert!(accounts.authenticate("sim_key", "sim_token").is_some());
        assert!(accounts.authenticate("sim_key", "other").is_none());
        assert!(accounts.authenticate("nope", "sim_token").is_none());
        accounts.expire("sim_token");
        assert!(accounts.authenticate("sim_key", "sim_token").is_none());
        accounts.revive("sim_key");
        assert!(accounts.authenticate("sim_key", "sim_token").is_some());
    }

    #[test]
    fn checksums_are_kites() {
        let a = Account::default_account();
        // sha256("sim_key" + "req" + "sim_secret")
        let good = hex::encode(Sha256::digest(b"sim_keyreqsim_secret"));
        assert!(a.session_checksum_matches("req", &good));
        assert!(a.session_checksum_matches("req", &good.to_uppercase()));
        assert!(!a.session_checksum_matches("other", &good));
        assert_eq!(
            a.postback_checksum("1", "2021-01-01 09:15:00"),
            hex::encode(Sha256::digest(b"12021-01-01 09:15:00sim_secret"))
        );
        assert!(!format!("{a:?}").contains("sim_token"));
    }
}
