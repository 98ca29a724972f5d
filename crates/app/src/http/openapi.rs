//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{auth, broker, dto, health, strategies};

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

#[derive(OpenApi)]
#[openapi(
    info(title = "algo trading API", description = "Time-based intraday strategies on Zerodha Kite Connect. Errors: {\"error\":{\"code\",\"message\",\"fields\"?}}."),
    paths(
        health::health,
        auth::register, auth::login, auth::refresh, auth::me,
        broker::connect, broker::status, broker::disconnect,
        strategies::create, strategies::list, strategies::get_one, strategies::update, strategies::delete,
        strategies::start, strategies::stop, strategies::status, strategies::orders,
    ),
    components(schemas(dto::ErrorBody, dto::ErrorDetail, dto::FieldErrorOut)),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "broker"), (name = "strategies"), (name = "health")),
)]
pub struct ApiDoc;

/// The document as JSON.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
