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
    error::{AppResult, FieldErrors, Problem},
    present::filters::{apply_cursor, cursor_after, parse_filter, IncidentQuery},
    services::incidents::{self, workflow},
    state::AppState,
};

/// The request bodies are the service inputs themselves, so a field cannot drift between them.
pub use crate::services::incidents::{
    workflow::TransitionRequest as Transition, IncidentInput as CreateIncident,
    IncidentPatch as UpdateIncident,
};

/// File an incident.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", security(("bearer" = [])), request_body = CreateIncident,
    responses((status = 201, body = IncidentView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<CreateIncident>,
) -> AppResult<HttpResponse> {
    let settings = state.settings.clone();
    let created = run(&state, &actor, move |conn, actor| {
        incidents::create(conn, actor, &settings, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(IncidentView::for_actor(created, &actor)))
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
    let rows = run(&state, &actor, move |conn, actor| {
        incidents::list(conn, actor, &filter, page)
    })
    .await?;
    Ok(paged_by(
        rows,
        page,
        |i| cursor_after(&order, i),
        |i| IncidentView::for_actor(i, &actor),
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
    let found = run(&state, &actor, move |conn, actor| {
        incidents::get(conn, actor, id)
    })
    .await?;
    Ok(web::Json(IncidentView::for_actor(found, &actor)))
}

/// Change an incident's details (CERT staff).
#[utoipa::path(patch, path = "/api/v1/incidents/{id}", tag = "incidents", security(("bearer" = [])), request_body = UpdateIncident,
    responses((status = 200, body = IncidentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<UpdateIncident>,
) -> AppResult<web::Json<IncidentView>> {
    let id = id.into_inner();
    let updated = run(&state, &actor, move |conn, actor| {
        incidents::update(conn, actor, id, body)
    })
    .await?;
    Ok(web::Json(IncidentView::for_actor(updated, &actor)))
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
    let moved = run(&state, &actor, move |conn, actor| {
        workflow::transition(conn, actor, id, body)
    })
    .await?;
    Ok(web::Json(IncidentView::for_actor(moved, &actor)))
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
    let assigned = run(&state, &actor, move |conn, actor| {
        workflow::assign(conn, actor, id, body.assignee_id)
    })
    .await?;
    Ok(web::Json(IncidentView::for_actor(assigned, &actor)))
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
