//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    auth, broker, broker_login, dto, health, instruments, notifications, pnl, risk, strategies,
};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// utoipa names an operation after its handler, so `broker::status` and `strategies::status`
/// would both be `status`; OpenAPI wants operation ids unique (and the mobile app's generated
/// types key operations by them). A clashing id becomes `<first tag>_<id>`.
struct UniqueOperationIds;

impl Modify for UniqueOperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut seen = std::collections::HashMap::<String, usize>::new();
        for op in operations(openapi) {
            if let Some(id) = &op.operation_id {
                *seen.entry(id.clone()).or_default() += 1;
            }
        }
        for op in operations(openapi) {
            let (Some(id), Some(tag)) =
                (&op.operation_id, op.tags.as_ref().and_then(|t| t.first()))
            else {
                continue;
            };
            if seen.get(id).copied().unwrap_or(0) > 1 {
                op.operation_id = Some(format!("{tag}_{id}"));
            }
        }
    }
}

fn operations(
    openapi: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
    })
}

#[derive(OpenApi)]
#[openapi(
    info(title = "algo trading API", description = "Time-based intraday strategies on Zerodha Kite Connect. Errors: {\"error\":{\"code\",\"message\",\"fields\"?}}."),
    paths(
        health::health,
        auth::register, auth::login, auth::refresh, auth::logout, auth::logout_all, auth::me,
        risk::risk, risk::set_risk,
        broker::connect, broker::status, broker::disconnect,
        broker_login::save_keys, broker_login::login,
        strategies::create, strategies::list, strategies::get_one, strategies::update, strategies::move_stop, strategies::delete,
        strategies::start, strategies::stop, strategies::square_off, strategies::status, strategies::orders,
        instruments::search,
        pnl::pnl, pnl::strategy_days,
        notifications::list, notifications::mark_read, notifications::preferences, notifications::set_preferences,
        notifications::register_device, notifications::remove_device,
        notifications::telegram_status, notifications::telegram_link, notifications::telegram_unlink,
    ),
    components(schemas(dto::ErrorBody, dto::ErrorDetail, dto::FieldErrorOut)),
    modifiers(&BearerAuth, &UniqueOperationIds),
    tags((name = "auth"), (name = "broker"), (name = "strategies"), (name = "notifications"), (name = "health")),
)]
pub struct ApiDoc;

/// The document the `/openapi.json` route serves (a snapshot is committed for the mobile app,
/// `mobile/src/api/openapi.json`, and checked by `tests/openapi.rs`).
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as JSON.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
