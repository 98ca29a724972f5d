//! Secrets Manager: the AWS profile's secrets, fetched when a function (or the feed worker)
//! starts, so none of them sits in the Lambda configuration or the Terraform state, and a new
//! value (a rotated database password) reaches the next cold start without an apply. No Kite
//! access token is among them: market data runs on the trader's login, stored in Postgres.
//!
//! Each entry of [`SECRET_VARS`] names a setting and the variable holding the ARN of the secret
//! it comes from. When the ARN variable is set, the secret wins over the setting's own
//! variable; [`env_with_secrets`] returns the merged lookup `Config::from_lookup` reads.

use std::collections::HashMap;

use async_trait::async_trait;

use crate::StoreError;

/// How a secret's string becomes the setting's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The whole string.
    Plain,
    /// One field of a JSON object.
    JsonField(&'static str),
    /// An RDS-managed secret (`{"username","password"}`) put into the setting's own URL, which
    /// names host, port, database and options but no credentials.
    PostgresCredentials,
}

/// A setting that may come from a secret.
#[derive(Debug, Clone, Copy)]
pub struct SecretVar {
    pub var: &'static str,
    pub arn_var: &'static str,
    pub shape: Shape,
}

/// Every setting the AWS profile may fetch from Secrets Manager (infra/ sets the ARN variables;
/// infra/tests/test_consistency.py checks them against this table).
pub const SECRET_VARS: &[SecretVar] = &[
    SecretVar {
        var: "DATABASE_URL",
        arn_var: "DATABASE_SECRET_ARN",
        shape: Shape::PostgresCredentials,
    },
    SecretVar {
        var: "REDIS_URL",
        arn_var: "REDIS_SECRET_ARN",
        shape: Shape::JsonField("url"),
    },
    SecretVar {
        var: "ALGO_JWT_SECRET",
        arn_var: "ALGO_JWT_SECRET_ARN",
        shape: Shape::Plain,
    },
    SecretVar {
        var: "ALGO_BROKER_KEY",
        arn_var: "ALGO_BROKER_KEY_SECRET_ARN",
        shape: Shape::Plain,
    },
];

/// Where secret strings come from.
#[async_trait]
pub trait SecretSource: Send + Sync {
    /// The current string of the secret `arn`.
    async fn value(&self, arn: &str) -> Result<String, StoreError>;
}

#[derive(Debug, Clone)]
pub struct SecretsManager {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManager {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self {
            client: aws_sdk_secretsmanager::Client::new(config),
        }
    }
}

#[async_trait]
impl SecretSource for SecretsManager {
    async fn value(&self, arn: &str) -> Result<String, StoreError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|e| {
                StoreError::Secret(format!(
                    "{arn}: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(e)
                ))
            })?;
        out.secret_string
            .filter(|s| !s.is_empty())
            .ok_or_else(|| StoreError::Secret(format!("{arn}: no string value")))
    }
}

/// The settings of [`SECRET_VARS`] whose ARN variable `env` has, fetched and shaped.
/// Errors name the setting and the secret, never its value.
pub async fn resolve(
    source: &dyn SecretSource,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<HashMap<String, String>, StoreError> {
    let mut out = HashMap::new();
    for s in SECRET_VARS {
        let Some(arn) = env(s.arn_var) else { continue };
        let raw = source.value(&arn).await?;
        let bad = |why: &str| StoreError::Secret(format!("{} from {arn}: {why}", s.var));
        let value = match s.shape {
            Shape::Plain => raw,
            Shape::JsonField(field) => {
                json_field(&raw, field).ok_or_else(|| bad(&format!("no string field {field:?}")))?
            }
            Shape::PostgresCredentials => {
                let user = json_field(&raw, "username").ok_or_else(|| bad("no username"))?;
                let password = json_field(&raw, "password").ok_or_else(|| bad("no password"))?;
                let url = env(s.var)
                    .ok_or_else(|| bad(&format!("{} (host, port, database) is not set", s.var)))?;
                with_credentials(&url, &user, &password)
                    .ok_or_else(|| bad("the URL is not postgres://host…"))?
            }
        };
        out.insert(s.var.to_owned(), value);
    }
    Ok(out)
}

/// The process environment, with the settings whose secrets are configured fetched from
/// Secrets Manager (an empty variable counts as unset).
pub async fn env_with_secrets(
    config: &aws_config::SdkConfig,
) -> Result<impl Fn(&str) -> Option<String>, StoreError> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let secrets = resolve(&SecretsManager::new(config), &env).await?;
    Ok(move |k: &str| secrets.get(k).cloned().or_else(|| env(k)))
}

fn json_field(raw: &str, field: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(raw).ok()?;
    v.get(field)?.as_str().map(str::to_owned)
}

/// `postgres://host:port/db?opts` with `user:password@` put in (percent-encoded).
fn with_credentials(url: &str, user: &str, password: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "postgres" | "postgresql") || rest.is_empty() {
        return None;
    }
    // Any credentials already in the URL give way to the secret's.
    let rest = match rest.split_once('/') {
        Some((authority, path)) => {
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{host}/{path}")
        }
        None => rest.rsplit_once('@').map_or(rest, |(_, h)| h).to_owned(),
    };
    Some(format!(
        "{scheme}://{}:{}@{rest}",
        encode(user),
        encode(password)
    ))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_go_into_the_url_encoded() {
        assert_eq!(
            with_credentials(
                "postgres://db.internal:5432/algo?sslmode=require",
                "algo",
                "p@ss:/w%rd"
            )
            .as_deref(),
            Some("postgres://algo:p%40ss%3A%2Fw%25rd@db.internal:5432/algo?sslmode=require")
        );
        assert_eq!(
            with_credentials("postgres://old:creds@h/algo", "u", "p").as_deref(),
            Some("postgres://u:p@h/algo")
        );
        assert_eq!(with_credentials("mysql://h/db", "u", "p"), None);
        assert_eq!(with_credentials("not a url", "u", "p"), None);
    }
}
