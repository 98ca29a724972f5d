//! Kite's login page, as the simulator serves it: `GET /connect/login?v=3&api_key=…` shows the
//! app's name and two buttons; "Log in" sends the browser to the redirect URL registered for
//! the app (`/_sim/accounts`' `redirect_url`) with a fresh `request_token`, `action=login` and
//! `status=success`, and the `redirect_params` the app passed appended, as Kite does; "Cancel"
//! sends it there with `status=cancelled` and no token. A request token works once, for that
//! app, at `POST /session/token`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::envelope::KiteError;
use crate::router::AppState;

/// The query of both pages.
fn param<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn refused(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html><title>Login failed</title><h1>Login failed</h1><p>{}</p>",
            escape(message)
        )),
    )
        .into_response()
}

/// `GET /connect/login?v=3&api_key=…&redirect_params=…`.
pub async fn page(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if param(&query, "v") != Some("3") {
        return refused("Invalid `v`: the login page speaks version 3.");
    }
    let Some(api_key) = param(&query, "api_key") else {
        return refused("Missing `api_key`.");
    };
    let Some(account) = app.exchange.account(api_key) else {
        return refused("Invalid `api_key`.");
    };
    let redirect_params = param(&query, "redirect_params").unwrap_or("");
    let link = |decision: &str| {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("api_key", api_key)
            .append_pair("redirect_params", redirect_params)
            .append_pair("decision", decision)
            .finish();
        format!("/connect/login/authorize?{query}")
    };
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Kite (simulated): Login</title></head>\
         <body><main><h1>Log in to Kite</h1>\
         <p>The app <strong>{app}</strong> asks to trade for <strong>{user}</strong> ({user_id}).</p>\
         <p><a role=\"button\" href=\"{allow}\">Log in</a> <a role=\"button\" href=\"{cancel}\">Cancel</a></p>\
         </main></body></html>",
        app = escape(api_key),
        user = escape(&account.user_name),
        user_id = escape(&account.user_id),
        allow = escape(&link("allow")),
        cancel = escape(&link("cancel")),
    ))
    .into_response()
}

/// `GET /connect/login/authorize?api_key=…&redirect_params=…&decision=allow|cancel`: the
/// buttons' target; answers 302 to the app's redirect URL.
pub async fn authorize(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(api_key) = param(&query, "api_key") else {
        return refused("Missing `api_key`.");
    };
    let allowed = match param(&query, "decision") {
        Some("allow") => true,
        Some("cancel") => false,
        _ => return refused("Missing `decision`."),
    };
    let (redirect, request_token) = match app.exchange.issue_request_token(api_key) {
        Ok(issued) => issued,
        Err(KiteError { message, .. }) => return refused(&message),
    };
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    // The app's own parameters first, decoded from the one URL-encoded string it passed.
    for (k, v) in form_urlencoded::parse(param(&query, "redirect_params").unwrap_or("").as_bytes())
    {
        pairs.append_pair(&k, &v);
    }
    if allowed {
        pairs.append_pair("request_token", &request_token);
    }
    pairs
        .append_pair("action", "login")
        .append_pair("type", "login")
        .append_pair("status", if allowed { "success" } else { "cancelled" });
    let separator = if redirect.contains('?') { '&' } else { '?' };
    let location = format!("{redirect}{separator}{}", pairs.finish());
    tracing::info!(api_key, allowed, "login page answered");
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}
