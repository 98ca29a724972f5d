//! Login, profile, tokens and accounts.

use serde_json::json;
use sha2::{Digest, Sha256};

use algo_sim::RunningSim;

use crate::helpers::*;

fn checksum(api_key: &str, request_token: &str, api_secret: &str) -> String {
    hex::encode(Sha256::digest(
        format!("{api_key}{request_token}{api_secret}").as_bytes(),
    ))
}

#[tokio::test]
async fn session_token_checks_the_checksum() {
    let sim = frozen_sim().await;
    let anonymous = Kite {
        authorization: None,
        ..Kite::default_account(&sim)
    };
    let good = checksum("sim_key", "any-request-token", "sim_secret");
    let reply = anonymous
        .post_form(
            "/session/token",
            &[
                ("api_key", "sim_key"),
                ("request_token", "any-request-token"),
                ("checksum", &good),
            ],
        )
        .await;
    let data = reply.data();
    assert_eq!(data["access_token"], "sim_token");
    assert_eq!(data["user_id"], "SIM001");
    assert_eq!(data["api_key"], "sim_key");
    for field in [
        "user_name",
        "user_shortname",
        "email",
        "user_type",
        "broker",
        "public_token",
        "login_time",
    ] {
        assert!(data[field].is_string(), "{field}: {data}");
    }
    assert!(data["exchanges"].is_array() && data["products"].is_array());
    let login_time = data["login_time"].as_str().unwrap_or_default();
    assert!(
        chrono::NaiveDateTime::parse_from_str(login_time, "%Y-%m-%d %H:%M:%S").is_ok(),
        "Kite's time format: {login_time}"
    );

    let wrong = checksum("sim_key", "any-request-token", "not_the_secret");
    anonymous
        .post_form(
            "/session/token",
            &[
                ("api_key", "sim_key"),
                ("request_token", "any-request-token"),
                ("checksum", &wrong),
            ],
        )
        .await
        .assert_error(403, "TokenException");
    anonymous
        .post_form(
            "/session/token",
            &[
                ("api_key", "nobody"),
                ("request_token", "r"),
                ("checksum", &checksum("nobody", "r", "sim_secret")),
            ],
        )
        .await
        .assert_error(403, "TokenException");
    anonymous
        .post_form("/session/token", &[("api_key", "sim_key")])
        .await
        .assert_error(400, "InputException");
}

#[tokio::test]
async fn profile_needs_a_live_token() {
    let sim = frozen_sim().await;
    let reply = Kite::default_account(&sim).get("/user/profile").await;
    let data = reply.data();
    assert_eq!(data["user_id"], "SIM001");
    assert_eq!(data["broker"], "ZERODHA");
    assert_eq!(data["meta"]["demat_consent"], "physical");
    assert!(data["avatar_url"].is_null());

    for auth in [
        None,
        Some("token sim_key:wrong"),
        Some("token other:sim_token"),
        Some("Bearer sim_token"),
        Some("token sim_key"),
    ] {
        let kite = Kite {
            authorization: auth.map(str::to_owned),
            ..Kite::default_account(&sim)
        };
        let reply = kite.get("/user/profile").await;
        reply.assert_error(403, "TokenException");
        assert_eq!(
            reply.body["message"], "Incorrect `api_key` or `access_token`.",
            "Kite's message"
        );
    }
    let v2 = reqwest::Client::new()
        .get(format!("{}/user/profile", sim.base_url))
        .header("Authorization", "token sim_key:sim_token")
        .header("X-Kite-Version", "2")
        .send()
        .await
        .expect("send");
    assert_eq!(v2.status().as_u16(), 400, "only version 3 is spoken");
}

#[tokio::test]
async fn an_expired_token_answers_token_exception_until_a_new_login() {
    let sim = frozen_sim().await;
    let kite = Kite::default_account(&sim);
    let data = control(
        &sim,
        "/_sim/tokens/expire",
        json!({ "access_token": "sim_token" }),
    )
    .await;
    assert_eq!(data["expired"], true);
    kite.get("/user/profile")
        .await
        .assert_error(403, "TokenException");
    kite.get("/orders")
        .await
        .assert_error(403, "TokenException");
    kite.place(&market("TCS", "BUY", "1"))
        .await
        .assert_error(403, "TokenException");
    assert!(sim_orders(&sim).await.is_empty(), "nothing was placed");
    let refused = tokio_tungstenite::connect_async(format!(
        "{}?api_key=sim_key&access_token=sim_token",
        sim.ws_url
    ))
    .await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        other => panic!("the ticker refuses an expired token: {other:?}"),
    }
    assert_eq!(
        refused_tokens(&sim).await,
        4,
        "the profile, the book, the placement and the ticker were refused"
    );
    // Other accounts are untouched.
    control(
        &sim,
        "/_sim/accounts",
        json!({ "api_key": "k2", "api_secret": "s2", "access_token": "t2" }),
    )
    .await;
    Kite::new(&sim, "k2", "t2")
        .get("/user/profile")
        .await
        .data();
    // A new login (generate_session) makes the account's token live again.
    Kite {
        authorization: None,
        ..kite.clone()
    }
    .post_form(
        "/session/token",
        &[
            ("api_key", "sim_key"),
            ("request_token", "again"),
            ("checksum", &checksum("sim_key", "again", "sim_secret")),
        ],
    )
    .await
    .data();
    kite.get("/user/profile").await.data();
    // So does a reset.
    control(
        &sim,
        "/_sim/tokens/expire",
        json!({ "access_token": "sim_token" }),
    )
    .await;
    kite.get("/user/profile")
        .await
        .assert_error(403, "TokenException");
    control(&sim, "/_sim/reset", json!({})).await;
    kite.get("/user/profile").await.data();
}

#[tokio::test]
async fn added_accounts_log_in_and_trade_apart() {
    let sim = frozen_sim().await;
    let added = control(
        &sim,
        "/_sim/accounts",
        json!({ "api_key": "alice_key", "api_secret": "alice_secret", "access_token": "alice_token", "user_id": "AL0001", "user_name": "Alice Example" }),
    )
    .await;
    assert_eq!(added["user_id"], "AL0001");
    let alice = Kite::new(&sim, "alice_key", "alice_token");
    let profile = alice.get("/user/profile").await;
    assert_eq!(
        (
            profile.data()["user_id"].as_str(),
            profile.data()["user_name"].as_str()
        ),
        (Some("AL0001"), Some("Alice Example"))
    );
    let session = Kite {
        authorization: None,
        ..alice.clone()
    }
    .post_form(
        "/session/token",
        &[
            ("api_key", "alice_key"),
            ("request_token", "r"),
            ("checksum", &checksum("alice_key", "r", "alice_secret")),
        ],
    )
    .await;
    assert_eq!(session.data()["access_token"], "alice_token");
    let id = alice.place_ok(&market("TCS", "BUY", "1")).await;
    let sim_key = Kite::default_account(&sim);
    assert_eq!(sim_key.get("/orders").await.data(), &json!([]));
    sim_key
        .get(&format!("/orders/{id}"))
        .await
        .assert_error(400, "InputException");
    assert_eq!(
        alice.get("/orders").await.data().as_array().map(Vec::len),
        Some(1)
    );
    let all = sim_orders(&sim).await;
    assert_eq!(
        (all[0]["api_key"].as_str(), all[0]["placed_by"].as_str()),
        (Some("alice_key"), Some("AL0001"))
    );
    control_reply(&sim, "/_sim/accounts", json!({ "api_key": "x" }))
        .await
        .assert_error(400, "InputException");
}

#[tokio::test]
async fn unknown_paths_answer_in_kites_envelope() {
    let sim = frozen_sim().await;
    Kite::default_account(&sim)
        .get("/portfolio/nothing")
        .await
        .assert_error(404, "GeneralException");
    Kite::default_account(&sim)
        .delete("/user/profile")
        .await
        .assert_error(405, "GeneralException");
}

/// Follows the login page as a browser would: the page, then the button's link; returns the
/// redirect's `Location`.
async fn log_in_through_the_page(
    sim: &RunningSim,
    api_key: &str,
    redirect_params: &str,
    button: &str,
) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = browser
        .get(format!("{}/connect/login", sim.base_url))
        .query(&[
            ("v", "3"),
            ("api_key", api_key),
            ("redirect_params", redirect_params),
        ])
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    let marker = format!("\">{button}</a>");
    let end = html
        .find(&marker)
        .unwrap_or_else(|| panic!("a {button} button: {html}"));
    let start = html[..end].rfind("href=\"").expect("its link") + "href=\"".len();
    let href = html[start..end].replace("&amp;", "&");
    let answer = browser
        .get(format!("{}{href}", sim.base_url))
        .send()
        .await
        .expect("button");
    assert_eq!(answer.status(), 302, "{:?}", answer.text().await);
    answer.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

#[tokio::test]
async fn the_login_page_gives_a_request_token_that_works_once_for_a_fresh_access_token() {
    let sim = frozen_sim().await;
    control(&sim, "/_sim/accounts", json!({ "api_key": "sim_key", "api_secret": "sim_secret",
        "access_token": "sim_token", "user_id": "SIM001", "redirect_url": "http://app.test/broker/callback" })).await;
    let location = log_in_through_the_page(&sim, "sim_key", "state=abc.def&x=1", "Log in").await;
    assert!(
        location.starts_with("http://app.test/broker/callback?"),
        "{location}"
    );
    let q = query_of(&location);
    assert_eq!(
        (q["state"].as_str(), q["x"].as_str()),
        ("abc.def", "1"),
        "redirect_params come back"
    );
    assert_eq!(
        (q["status"].as_str(), q["action"].as_str()),
        ("success", "login")
    );
    let request_token = q["request_token"].clone();

    let anonymous = Kite {
        authorization: None,
        ..Kite::default_account(&sim)
    };
    let exchange = || async {
        anonymous
            .post_form(
                "/session/token",
                &[
                    ("api_key", "sim_key"),
                    ("request_token", &request_token),
                    (
                        "checksum",
                        &checksum("sim_key", &request_token, "sim_secret"),
                    ),
                ],
            )
            .await
    };
    let session = exchange().await;
    let fresh = session.data()["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_ne!(fresh, "sim_token", "a fresh token per login");
    Kite::new(&sim, "sim_key", &fresh)
        .get("/user/profile")
        .await
        .data();
    let replay = exchange().await;
    replay.assert_error(403, "TokenException");
    assert_eq!(replay.body["message"], "Token is invalid or has expired.");

    // Another login, another token; expiring the account kills them all, standing one included.
    let again = query_of(&log_in_through_the_page(&sim, "sim_key", "", "Log in").await)
        ["request_token"]
        .clone();
    let second = anonymous
        .post_form(
            "/session/token",
            &[
                ("api_key", "sim_key"),
                ("request_token", &again),
                ("checksum", &checksum("sim_key", &again, "sim_secret")),
            ],
        )
        .await
        .data()["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_ne!(second, fresh);
    let expired = control(&sim, "/_sim/tokens/expire", json!({ "api_key": "sim_key" })).await;
    assert_eq!(expired["tokens"], 3);
    for token in [fresh.as_str(), second.as_str(), "sim_token"] {
        Kite::new(&sim, "sim_key", token)
            .get("/user/profile")
            .await
            .assert_error(403, "TokenException");
    }
}

#[tokio::test]
async fn a_cancelled_login_comes_back_without_a_token_and_an_app_without_a_redirect_url_is_refused()
{
    let sim = frozen_sim().await;
    control(
        &sim,
        "/_sim/accounts",
        json!({ "api_key": "k2", "api_secret": "s2", "access_token": "t2",
        "redirect_url": "http://app.test/cb?from=kite" }),
    )
    .await;
    let q = query_of(&log_in_through_the_page(&sim, "k2", "state=s", "Cancel").await);
    assert_eq!(
        (
            q["status"].as_str(),
            q["from"].as_str(),
            q["state"].as_str()
        ),
        ("cancelled", "kite", "s")
    );
    assert!(!q.contains_key("request_token"));

    // The default account has no redirect URL registered: the login cannot finish.
    let refused = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!(
            "{}/connect/login/authorize?api_key=sim_key&decision=allow",
            sim.base_url
        ))
        .send()
        .await
        .expect("authorize");
    assert_eq!(refused.status(), 400);
    assert!(refused
        .text()
        .await
        .expect("html")
        .contains("No redirect URL is registered"));
    let unknown = reqwest::get(format!("{}/connect/login?v=3&api_key=nobody", sim.base_url))
        .await
        .expect("page");
    assert_eq!(unknown.status(), 400);
}
