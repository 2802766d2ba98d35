//! The OpenAPI document: the handlers' own annotations, completed by one rule that declares the
//! error answers every operation can give because of its shape (a token, a body, a path id, a
//! query string). Kept here rather than in ~55 annotations so a new handler gets them for free and
//! the contract cannot drift from what the extractors and the error type actually send.

use utoipa::{
    openapi::{
        header::HeaderBuilder,
        path::{Operation, ParameterIn},
        security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
        ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Type,
    },
    Modify, OpenApi,
};

use super::*;

/// The media type of every error answer (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Operations that take a token but that every role may use, so no 403 can come from a role.
/// Everything else that needs a token declares 403 (deny by default: some role is refused).
pub const OPEN_TO_EVERY_ROLE: &[(&str, &str)] = &[
    ("get", "/api/v1/me"),
    ("patch", "/api/v1/me"),
    ("get", "/api/v1/organisations"),
    ("get", "/api/v1/organisations/{id}"),
    ("get", "/api/v1/threats"),
];

/// Operations that never answer 503: no database behind them, or (metrics) rendering without it.
pub const NO_DATABASE: &[(&str, &str)] = &[("get", "/healthz"), ("get", "/metrics")];

#[derive(OpenApi)]
#[openapi(
    info(title = "Qalxan API", description = "Incident-response case manager of the national CERT.\n\n\
        Every error answer is `application/problem+json` (RFC 9457); validation errors name the \
        failing fields under `errors`."),
    paths(
        ops::healthz, ops::readyz, ops::metrics,
        auth::login, auth::me, auth::update_me,
        organisations::create, organisations::list, organisations::get, organisations::update,
        users::create, users::list, users::get, users::update,
        incidents::create, incidents::list, incidents::get, incidents::update,
        incidents::transition, incidents::assign, incidents::history,
        reports::list, reports::submit, reports::request, reports::acknowledge,
        collaboration::add_comment, collaboration::comments, collaboration::add_task, collaboration::tasks,
        collaboration::update_task, collaboration::share, collaboration::shares,
        public::submit, public::track,
        assets::create, assets::list, assets::get, assets::update, assets::link, assets::links,
        observables::add, observables::list, observables::correlate, observables::import,
        audit::search, audit::verify, audit::export, audit::public_key, export::incident, export::range,
        outbox::list, outbox::retry,
        sla::list, sla::update,
        evidence::upload, evidence::list, evidence::get, evidence::content, evidence::add_custody, evidence::custody,
        risks::threats, risks::create, risks::list, risks::get, risks::update, risks::history,
        risks::link_incident, risks::link_vulnerability,
        vulnerabilities::import, vulnerabilities::create, vulnerabilities::list, vulnerabilities::get,
        vulnerabilities::link_asset, vulnerabilities::of_asset, vulnerabilities::exposure,
        stats::kpis, stats::dashboard, stats::national,
        techniques::list, techniques::add, techniques::remove, techniques::analyse, techniques::for_incident,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldErrors)),
    modifiers(&SecuritySchemes, &StandardResponses),
    tags(
        (name = "auth", description = "Sign-in and the current user"),
        (name = "organisations", description = "Constituent organisations, agencies and the CERT itself"),
        (name = "users", description = "Accounts and roles"),
        (name = "incidents", description = "Incidents and their workflow"),
        (name = "nis2", description = "NIS2 Art. 23 reporting stages of significant incidents"),
        (name = "collaboration", description = "Comments, tasks and shares on incidents"),
        (name = "public", description = "Reporting without an account"),
        (name = "assets", description = "The critical-infrastructure registry"),
        (name = "observables", description = "Indicators of compromise and their correlation"),
        (name = "evidence", description = "Evidence files and their chain of custody"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "audit", description = "The tamper-evident audit trail: search, verification, signed exports"),
        (name = "admin", description = "Administration: the mail outbox"),
        (name = "risks", description = "The risk register, the threat catalogue and the heat map's data"),
        (name = "vulnerabilities", description = "KEV and EPSS imports, CVSS-scored CVEs, asset vulnerabilities and exposure"),
        (name = "deadlines", description = "SLA targets per severity (the clock that watches them: docs/DEADLINES.md)"),
        (name = "stats", description = "Performance indicators, the situation dashboard and publishable statistics"),
        (name = "techniques", description = "ATT&CK technique tags and learned suggestions"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
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
        // /metrics: a static token from QALXAN_METRICS_TOKEN, not a user's JWT.
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

struct StandardResponses;

impl Modify for StandardResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    complete(method, path, operation);
                    qualify_operation_id(operation);
                }
            }
        }
    }
}

/// utoipa names an operation after its function, so `assets::list` and `evidence::list` would
/// both be `list`; the spec (and code generators) need them unique, so the tag is put in front.
fn qualify_operation_id(operation: &mut Operation) {
    let tag = operation.tags.as_ref().and_then(|t| t.first()).cloned();
    if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
        *id = format!("{tag}_{id}");
    }
}

/// A token is required when the operation names a scheme and does not also offer the empty
/// (anonymous) requirement.
fn needs_token(operation: &Operation) -> bool {
    let anonymous = SecurityRequirement::default();
    operation
        .security
        .as_ref()
        .is_some_and(|s| !s.is_empty() && !s.contains(&anonymous))
}

fn complete(method: &str, path: &str, operation: &mut Operation) {
    let params = operation.parameters.as_deref().unwrap_or_default();
    let in_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
    let in_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
    let body = operation.request_body.is_some();
    let mut add: Vec<(u16, &str)> = Vec::new();
    if needs_token(operation) {
        add.push((
            401,
            "No token, or the token is invalid, expired or its account deactivated",
        ));
        if !OPEN_TO_EVERY_ROLE.contains(&(method, path)) {
            add.push((403, "Your role may not do this"));
        }
    }
    if in_path {
        add.push((
            404,
            "Nothing with this id that you may see (or the id is not a number)",
        ));
    }
    if body {
        add.push((400, "The body cannot be read or is not well-formed"));
        add.push((413, "The body is too large"));
        add.push((415, "The body is not of a supported media type"));
        add.push((422, "A field is missing or invalid; `errors` names it"));
    }
    if in_query {
        add.push((
            400,
            "The query string cannot be parsed or lacks a required parameter",
        ));
        add.push((422, "A query parameter is invalid; `errors` names it"));
    }
    if !NO_DATABASE.contains(&(method, path)) {
        add.push((503, "The database does not answer; try again shortly"));
    }
    let responses = &mut operation.responses.responses;
    for (status, description) in add {
        responses.entry(status.to_string()).or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .build()
                .into()
        });
    }
    // Every error answer, whether declared here or in the handler's annotation, is a Problem.
    for (status, response) in responses.iter_mut() {
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        let RefOr::T(response) = response else {
            continue;
        };
        response.content.clear();
        response.content.insert(
            PROBLEM_JSON.to_owned(),
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        );
        if status == "429" {
            response.headers.insert(
                "Retry-After".to_owned(),
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer))
                    .description(Some("Seconds until the next attempt may succeed"))
                    .build(),
            );
        }
    }
}
