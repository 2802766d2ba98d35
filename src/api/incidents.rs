use std::collections::HashSet;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    api::reply::{paged_by, run},
    api::{
        extract::{JsonBody, ListOf, PageQuery},
        views::{AuditEventView, IncidentView},
    },
    auth::Actor,
    db::DbConn,
    error::{AppResult, FieldErrors, Problem},
    present::filters::{apply_cursor, cursor_after, parse_filter, IncidentQuery},
    services::{
        incidents::{self, workflow},
        nis2,
        rows::Incident,
    },
    state::AppState,
};

/// The request bodies are the service inputs themselves, so a field cannot drift between them.
pub use crate::services::incidents::{
    workflow::TransitionRequest as Transition, IncidentInput as CreateIncident,
    IncidentPatch as UpdateIncident,
};

/// An incident with the ids of significant incidents among it.
fn marked(conn: &mut DbConn, incident: Incident) -> AppResult<(Incident, HashSet<i64>)> {
    let marks = nis2::significant_among(conn, &[incident.id])?;
    Ok((incident, marks))
}

/// File an incident.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", security(("bearer" = [])), request_body = CreateIncident,
    responses((status = 201, body = IncidentView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<CreateIncident>,
) -> AppResult<HttpResponse> {
    let settings = state.settings.clone();
    let (created, marks) = run(&state, &actor, move |conn, actor| {
        let incident = incidents::create(conn, actor, &settings, body)?;
        marked(conn, incident)
    })
    .await?;
    Ok(HttpResponse::Created().json(IncidentView::marked(created, &actor, &marks)))
}

/// Incidents you may see, newest first (or `sort=due`: the next SLA deadline first), with filters.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", security(("bearer" = [])), params(PageQuery, IncidentQuery),
    responses((status = 200, body = ListOf<IncidentView>), (status = 422, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    page: web::Query<PageQuery>,
    query: web::Query<IncidentQuery>,
) -> AppResult<web::Json<ListOf<IncidentView>>> {
    let mut errors = FieldErrors::new();
    let mut filter = parse_filter(&query, &mut errors);
    let cursor = page.cursor.clone();
    let mut page = PageQuery {
        cursor: None,
        ..page.into_inner()
    }
    .page(&mut errors);
    page.after = apply_cursor(cursor.as_deref(), &mut filter, &mut errors);
    errors.into_result()?;
    let order = filter.clone();
    let (rows, marks) = run(&state, &actor, move |conn, actor| {
        let rows = incidents::list(conn, actor, &filter, page)?;
        let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
        Ok((rows, nis2::significant_among(conn, &ids)?))
    })
    .await?;
    Ok(paged_by(
        rows,
        page,
        |i| cursor_after(&order, i),
        |i| IncidentView::marked(i, &actor, &marks),
    ))
}

/// One incident (404 if it does not exist or you may not see it).
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", security(("bearer" = [])),
    responses((status = 200, body = IncidentView), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<IncidentView>> {
    let id = id.into_inner();
    let (found, marks) = run(&state, &actor, move |conn, actor| {
        let incident = incidents::get(conn, actor, id)?;
        marked(conn, incident)
    })
    .await?;
    Ok(web::Json(IncidentView::marked(found, &actor, &marks)))
}

/// Change an incident's details (CERT staff). `significant: true` alone marks a NIS2
/// entity's incident significant: the reporter side may send that too.
#[utoipa::path(patch, path = "/api/v1/incidents/{id}", tag = "incidents", security(("bearer" = [])), request_body = UpdateIncident,
    responses((status = 200, body = IncidentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<UpdateIncident>,
) -> AppResult<web::Json<IncidentView>> {
    let id = id.into_inner();
    let (updated, marks) = run(&state, &actor, move |conn, actor| {
        let incident = incidents::update(conn, actor, id, body)?;
        marked(conn, incident)
    })
    .await?;
    Ok(web::Json(IncidentView::marked(updated, &actor, &marks)))
}

/// Move an incident through the workflow: 409 for a move that does not exist, 422 for a missing
/// guard field, 403 for a role that may not.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/transitions", tag = "incidents", security(("bearer" = [])), request_body = Transition,
    responses((status = 200, body = IncidentView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transition(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<Transition>,
) -> AppResult<web::Json<IncidentView>> {
    let id = id.into_inner();
    let (moved, marks) = run(&state, &actor, move |conn, actor| {
        let incident = workflow::transition(conn, actor, id, body)?;
        marked(conn, incident)
    })
    .await?;
    Ok(web::Json(IncidentView::marked(moved, &actor, &marks)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// A CERT staff member, or `null` to unassign.
    pub assignee_id: Option<i64>,
}

/// Assign an incident (coordinators and admins).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/assign", tag = "incidents", security(("bearer" = [])), request_body = Assign,
    responses((status = 200, body = IncidentView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<Assign>,
) -> AppResult<web::Json<IncidentView>> {
    let id = id.into_inner();
    let (assigned, marks) = run(&state, &actor, move |conn, actor| {
        let incident = workflow::assign(conn, actor, id, body.assignee_id)?;
        marked(conn, incident)
    })
    .await?;
    Ok(web::Json(IncidentView::marked(assigned, &actor, &marks)))
}

/// The incident's audit events, oldest first (CERT staff and auditors).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/history", tag = "incidents", security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditEventView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn history(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<AuditEventView>>> {
    let id = id.into_inner();
    let events = run(&state, &actor, move |conn, actor| {
        incidents::history(conn, actor, id)
    })
    .await?;
    Ok(web::Json(events.into_iter().map(Into::into).collect()))
}
