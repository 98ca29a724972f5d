//! `algo demo`: a scripted session against a running `algo dev`, through the public HTTP API
//! and the simulator's control API only, printing each step.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::Utc;
use serde_json::{json, Value};

struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("calling {path} (is `algo dev` running?)"))?;
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(Value::Null);
        Ok((status, body))
    }
}

fn step(n: u32, what: &str, ok: bool, detail: impl std::fmt::Display) {
    println!(
        "  {n}. {:<44} {} {detail}",
        what,
        if ok { "ok  " } else { "FAIL" }
    );
}

async fn wait_for(api: &Api, id: &str, deadline: Duration, want: &str) -> anyhow::Result<Value> {
    let until = Instant::now() + deadline;
    loop {
        let (_, s) = api
            .call(
                reqwest::Method::GET,
                &format!("/strategy/status/{id}"),
                None,
            )
            .await?;
        if s["position"] == want || Instant::now() > until {
            return Ok(s);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Runs the demo; errors when a step fails.
pub async fn run(api_url: &str, sim_url: &str) -> anyhow::Result<()> {
    let mut api = Api {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?,
        base: api_url.trim_end_matches('/').into(),
        token: None,
    };
    println!("algo demo against {api_url} (simulated exchange {sim_url})");
    let email = format!(
        "demo-{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let (s, b) = api
        .call(
            reqwest::Method::POST,
            "/auth/register",
            Some(json!({ "email": email, "password": "demo password 1" })),
        )
        .await?;
    step(1, "register", s == 201, &email);
    if s != 201 {
        bail!("register failed: {b}");
    }
    api.token = b["access_token"].as_str().map(str::to_owned);
    let (s, b) = api
        .call(reqwest::Method::POST, "/broker/connect", Some(json!({ "api_key": "sim_key", "secret_key": "sim_secret", "access_token": "sim_token" })))
        .await?;
    step(
        2,
        "connect the simulated broker",
        s == 200,
        format!("broker user {}", b["broker_user_id"]),
    );
    if s != 200 {
        bail!("broker connect failed: {b}");
    }
    let now = Utc::now().with_timezone(&algo_core::IST);
    let buy = (now + chrono::Duration::seconds(5))
        .format("%H:%M:%S")
        .to_string();
    let sell = (now + chrono::Duration::seconds(120))
        .format("%H:%M:%S")
        .to_string();
    let http = reqwest::Client::new();
    let ltp: Value = http
        .get(format!("{sim_url}/quote/ltp?i=NSE:TCS"))
        .header("Authorization", "token sim_key:sim_token")
        .header("X-Kite-Version", "3")
        .send()
        .await?
        .json()
        .await?;
    let price = ltp["data"]["NSE:TCS"]["last_price"]
        .as_f64()
        .context("TCS price from the simulator")?;
    let stop = ((price * 0.98) * 20.0).floor() / 20.0;
    let body = json!({ "symbol": "TCS", "buy_time": buy, "sell_time": sell, "stop_loss": format!("{stop:.2}"), "quantity": 1 });
    let (s, b) = api
        .call(reqwest::Method::POST, "/strategy/create", Some(body))
        .await?;
    step(
        3,
        "create: buy TCS in 5 s, sell in 2 min",
        s == 201,
        format!("stop-loss {stop:.2} (price {price:.2})"),
    );
    let id = b["strategy_id"].as_str().context("strategy id")?.to_owned();
    let (s, _) = api
        .call(
            reqwest::Method::POST,
            "/strategy/start",
            Some(json!({ "strategy_id": id })),
        )
        .await?;
    step(4, "start", s == 200, "timers armed");
    let status = wait_for(&api, &id, Duration::from_secs(20), "bought").await?;
    step(
        5,
        "timed buy filled",
        status["position"] == "bought",
        format!("position {}", status["position"]),
    );
    if status["position"] != "bought" {
        bail!("the buy did not fill: {status}");
    }
    let under = format!("{:.2}", stop - 1.0);
    let r = http
        .post(format!("{sim_url}/_sim/price"))
        .json(&json!({ "symbol": "TCS", "price": under }))
        .send()
        .await?;
    step(
        6,
        "move the price under the stop",
        r.status().is_success(),
        format!("TCS → {under}"),
    );
    let status = wait_for(&api, &id, Duration::from_secs(15), "sold").await?;
    step(
        7,
        "stop-loss exit filled",
        status["position"] == "sold",
        format!("position {}", status["position"]),
    );
    let (_, log) = api
        .call(
            reqwest::Method::GET,
            &format!("/strategy/{id}/orders"),
            None,
        )
        .await?;
    for o in log["orders"].as_array().into_iter().flatten() {
        println!(
            "       order {:<9} {:<9} avg {:>9} latency {} ms",
            o["event"].as_str().unwrap_or(""),
            o["status"].as_str().unwrap_or(""),
            o["average_price"].as_str().unwrap_or("-"),
            o["latency_ms"]
        );
    }
    if status["position"] != "sold" {
        bail!("the stop-loss did not exit: {status}");
    }
    let (s, _) = api
        .call(
            reqwest::Method::POST,
            "/strategy/stop",
            Some(json!({ "strategy_id": id })),
        )
        .await?;
    step(8, "stop", s == 200, "done");
    println!("demo complete: one buy at its time, one stop-loss exit, nothing twice.");
    Ok(())
}
