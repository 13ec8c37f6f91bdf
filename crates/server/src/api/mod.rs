//! The JSON API under `/api/v1`, described by the OpenAPI document at
//! `/api/v1/openapi.json`. This file is the table of contents: each resource
//! has its own module and `router()`.

pub mod idempotency;

mod audit;
mod calendars;
mod changes;
mod constraints;
pub mod contract;
mod contracts;
pub mod inbound;
mod links;
mod me;
mod orders;
mod parties;
mod promises;
mod reports;
mod requests;
mod services;
mod teams;
mod terms;
mod tokens;
mod users;
mod webhooks;

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Deserializer};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Problem;
use crate::state::AppState;

/// The OpenAPI document's fixed parts; paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kept API",
        version = "1",
        description = "The JSON API of Kept, a service-delivery platform. Authenticate with an API token \
                       (`Authorization: Bearer <token>`). Errors are `application/problem+json`; their \
                       `type` values are listed at `/problems`. Lists are paginated with `cursor` and \
                       `limit`. POSTs accept an `Idempotency-Key` header."
    ),
    servers((url = "/api/v1")),
    components(schemas(Problem, ArchivedParam, parties::OrderParam, kept_domain::RequestId)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "parties", description = "Organisations, sites, departments, teams and people"),
        (name = "calendars", description = "Business calendars and business-time arithmetic on them"),
        (name = "contracts", description = "Provider, client, customers, services, calendar and steering group"),
        (name = "change requests", description = "Proposed changes to a contract, decided by its steering group"),
        (name = "requests", description = "Orders, service requests, incidents, questions and internal tasks, with their SLA clocks"),
        (name = "chain", description = "Supplier → customer links and walks along the service chain"),
        (name = "promises", description = "Dates committed to customers: quotes from the team's whole load, promises, renegotiations"),
        (name = "reports", description = "Promise integrity over a period, per team, contract, customer, or internal against external"),
        (name = "teams", description = "The provider's teams: members, their calendars and shares of hours, absences"),
        (name = "services", description = "The service catalog: what is in scope and what is not"),
        (name = "users", description = "Logins and their roles"),
        (name = "tokens", description = "The caller's API tokens"),
        (name = "webhooks", description = "Endpoints told of events, signed as Standard Webhooks describes"),
        (name = "audit", description = "Who changed what"),
        (name = "mail", description = "Email in: messages from a mail service's inbound hook"),
        (name = "meta", description = "About the API itself"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        // The inbound email hook's own token (`inbound_email_token`), sent
        // either way: not an API token.
        components.add_security_scheme(
            "inbound_token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "inbound_basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

/// The API routes (relative to `/api/v1`) and the OpenAPI document for them.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, spec) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(me::router())
        .merge(parties::router())
        .merge(links::router())
        .merge(calendars::router())
        .merge(services::router())
        .merge(contracts::router())
        .merge(terms::router())
        .merge(changes::router())
        .merge(requests::router())
        .merge(teams::router())
        .merge(promises::router())
        .merge(orders::router())
        .merge(reports::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(webhooks::router())
        .merge(audit::router())
        .merge(inbound::router())
        .merge(routes())
        .split_for_parts();
    (router, contract::complete(spec))
}

/// The routes of the API, the OpenAPI document among them.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The OpenAPI document, rendered once.
static SPEC_JSON: OnceLock<String> = OnceLock::new();

/// This document: the OpenAPI 3.1 description of the API.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    let json =
        SPEC_JSON.get_or_init(|| router().1.to_pretty_json().unwrap_or_else(|_| "{}".into()));
    ([(header::CONTENT_TYPE, "application/json")], json.clone())
}

/// Whether lists include archived things.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArchivedParam {
    /// Only active things (the default).
    #[default]
    Active,
    /// Only archived things.
    Archived,
    /// Both.
    All,
}

impl From<ArchivedParam> for kept_store::ArchivedFilter {
    fn from(p: ArchivedParam) -> Self {
        match p {
            ArchivedParam::Active => Self::Active,
            ArchivedParam::Archived => Self::Archived,
            ArchivedParam::All => Self::All,
        }
    }
}

/// Deserializes a field that may be absent (outer `None`, via
/// `#[serde(default)]`), `null` (`Some(None)`) or a value.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Deserializes an optional text parameter, reading an empty one (`cursor=`,
/// as a form sends it) as absent.
pub fn empty_as_none<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer).map(|v| v.filter(|s| !s.is_empty()))
}
