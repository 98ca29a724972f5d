//! Settings fetched from Secrets Manager (on the AWS emulator), shaped as the AWS profile needs.

use std::collections::HashMap;

use algo_store::aws::secrets::{resolve, SecretsManager, SECRET_VARS};
use algo_store::testing::aws;
use algo_store::StoreError;

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Sync {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

#[tokio::test]
async fn each_setting_comes_from_its_secret_in_its_shape() {
    let sdk = aws::config().await;
    let jwt = aws::secret(&sdk, "jwt-secret-from-secrets-manager-0123456789").await;
    let redis = aws::secret(
        &sdk,
        r#"{"url":"rediss://:tok@cache.internal:6379","auth_token":"tok"}"#,
    )
    .await;
    let db = aws::secret(&sdk, r#"{"username":"algo","password":"p@ss/word"}"#).await;
    let env = lookup(&[
        ("ALGO_JWT_SECRET", "the plain variable loses to the secret"),
        ("ALGO_JWT_SECRET_ARN", &jwt),
        ("REDIS_SECRET_ARN", &redis),
        (
            "DATABASE_URL",
            "postgres://db.internal:5432/algo?sslmode=require",
        ),
        ("DATABASE_SECRET_ARN", &db),
        ("ALGO_BROKER_KEY", "set directly, no ARN"),
    ]);
    let got = resolve(&SecretsManager::new(&sdk), &env)
        .await
        .expect("resolve");
    assert_eq!(
        got["ALGO_JWT_SECRET"],
        "jwt-secret-from-secrets-manager-0123456789"
    );
    assert_eq!(got["REDIS_URL"], "rediss://:tok@cache.internal:6379");
    assert_eq!(
        got["DATABASE_URL"],
        "postgres://algo:p%40ss%2Fword@db.internal:5432/algo?sslmode=require"
    );
    assert!(
        !got.contains_key("ALGO_BROKER_KEY"),
        "without its ARN a setting stays the environment's"
    );
    assert_eq!(got.len(), 3);
    let names: Vec<&str> = SECRET_VARS.iter().map(|s| s.var).collect();
    assert_eq!(
        names,
        [
            "DATABASE_URL",
            "REDIS_URL",
            "ALGO_JWT_SECRET",
            "ALGO_BROKER_KEY"
        ],
        "no Kite access token: market data runs on the trader's stored login"
    );
}

#[tokio::test]
async fn a_missing_or_misshapen_secret_is_an_error_naming_it_but_not_its_value() {
    let sdk = aws::config().await;
    let sm = SecretsManager::new(&sdk);
    let missing = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:algo/nothing-AbCdEf";
    let err = resolve(&sm, &lookup(&[("ALGO_JWT_SECRET_ARN", missing)]))
        .await
        .expect_err("a missing secret");
    assert!(
        matches!(&err, StoreError::Secret(m) if m.contains(missing)),
        "{err}"
    );

    let no_url = aws::secret(&sdk, r#"{"auth_token":"hunter2-token"}"#).await;
    let err = resolve(&sm, &lookup(&[("REDIS_SECRET_ARN", &no_url)]))
        .await
        .expect_err("no url field");
    let text = err.to_string();
    assert!(
        text.contains("REDIS_URL") && text.contains("\"url\""),
        "{text}"
    );
    assert!(
        !text.contains("hunter2"),
        "the error must not carry the secret: {text}"
    );

    let creds = aws::secret(&sdk, r#"{"username":"algo","password":"pw"}"#).await;
    let err = resolve(&sm, &lookup(&[("DATABASE_SECRET_ARN", &creds)]))
        .await
        .expect_err("credentials without a DATABASE_URL to put them in");
    assert!(err.to_string().contains("DATABASE_URL"), "{err}");
}
