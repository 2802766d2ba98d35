use actix_web::{web, HttpResponse};
use serde::Deserialize;
use validator::Validate;

use crate::{
    api::reply::{paged, run},
    api::{
        extract::{JsonBody, ListOf, PageQuery},
        views::risk::{
            IncidentRefView, RiskDetailView, RiskEventView, RiskView, ThreatView, VulnerabilityView,
        },
    },
    auth::Actor,
    domain::threat,
    error::{AppResult, FieldErrors, Problem},
    present::risk_filters::RiskQuery,
    services::risks as service,
    state::AppState,
};

/// The request bodies are the service inputs themselves, so a field cannot drift between them.
pub use crate::services::risks::{RiskInput as CreateRisk, RiskPatch as UpdateRisk};

/// The threat catalogue: ENISA Threat Landscape prime threats and the RSIT classes they cover.
#[utoipa::path(get, path = "/api/v1/threats", tag = "risks", security(("bearer" = [])),
    responses((status = 200, body = Vec<ThreatView>)))]
pub async fn threats(_actor: Actor) -> web::Json<Vec<ThreatView>> {
    web::Json(threat::threats().iter().map(Into::into).collect())
}

/// Register a risk: reporters for their own organisation, CERT staff for any.
#[utoipa::path(post, path = "/api/v1/risks", tag = "risks", security(("bearer" = [])), request_body = CreateRisk,
    responses((status = 201, body = RiskView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<CreateRisk>,
) -> AppResult<HttpResponse> {
    let created = run(&state, &actor, move |conn, actor| {
        service::create(conn, actor, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(RiskView::from(created)))
}

/// The register: your organisation's risks for reporters, all for CERT staff and auditors.
#[utoipa::path(get, path = "/api/v1/risks", tag = "risks", security(("bearer" = [])), params(PageQuery, RiskQuery),
    responses((status = 200, body = ListOf<RiskView>), (status = 403, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    page: web::Query<PageQuery>,
    query: web::Query<RiskQuery>,
) -> AppResult<web::Json<ListOf<RiskView>>> {
    let mut errors = FieldErrors::new();
    let page = page.page(&mut errors);
    let filter = query.filter(&mut errors);
    errors.into_result()?;
    let rows = run(&state, &actor, move |conn, actor| {
        service::list(conn, actor, filter, page)
    })
    .await?;
    Ok(paged(rows, page, |r| r.id, Into::into))
}

/// One risk with its assets, incidents, vulnerabilities and the incidents since its last review.
#[utoipa::path(get, path = "/api/v1/risks/{id}", tag = "risks", security(("bearer" = [])),
    responses((status = 200, body = RiskDetailView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<RiskDetailView>> {
    let id = id.into_inner();
    let detail = run(&state, &actor, move |conn, actor| {
        service::get(conn, actor, id)
    })
    .await?;
    Ok(web::Json(detail.into()))
}

/// Change a risk; `"reviewed": true` records a review and clears `review_due`.
#[utoipa::path(patch, path = "/api/v1/risks/{id}", tag = "risks", security(("bearer" = [])), request_body = UpdateRisk,
    responses((status = 200, body = RiskView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<UpdateRisk>,
) -> AppResult<web::Json<RiskView>> {
    let id = id.into_inner();
    let updated = run(&state, &actor, move |conn, actor| {
        service::update(conn, actor, id, body)
    })
    .await?;
    Ok(web::Json(updated.into()))
}

/// The risk's audit events, oldest first, with before and after of each change.
#[utoipa::path(get, path = "/api/v1/risks/{id}/history", tag = "risks", security(("bearer" = [])),
    responses((status = 200, body = Vec<RiskEventView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn history(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<RiskEventView>>> {
    let id = id.into_inner();
    let events = run(&state, &actor, move |conn, actor| {
        service::history(conn, actor, id)
    })
    .await?;
    Ok(web::Json(events.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkIncident {
    pub incident_id: i64,
}

/// Link an incident you may see to the risk.
#[utoipa::path(post, path = "/api/v1/risks/{id}/incidents", tag = "risks", security(("bearer" = [])), request_body = LinkIncident,
    responses((status = 201, body = IncidentRefView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn link_incident(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<LinkIncident>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let i = run(&state, &actor, move |conn, actor| {
        service::link_incident(conn, actor, id, body.incident_id)
    })
    .await?;
    Ok(HttpResponse::Created().json(IncidentRefView {
        id: i.id,
        reference: i.reference,
        title: i.title,
        status: i.status,
        asset_id: None,
    }))
}

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkCve {
    pub cve: String,
}

/// Link a known vulnerability to the risk.
#[utoipa::path(post, path = "/api/v1/risks/{id}/vulnerabilities", tag = "risks", security(("bearer" = [])), request_body = LinkCve,
    responses((status = 201, body = VulnerabilityView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn link_vulnerability(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<LinkCve>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let v = run(&state, &actor, move |conn, actor| {
        service::link_vulnerability(conn, actor, id, &body.cve)
    })
    .await?;
    Ok(HttpResponse::Created().json(VulnerabilityView::from(v)))
}
