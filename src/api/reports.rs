//! NIS2 reporting stages of significant incidents (Art. 23).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    api::extract::JsonBody,
    api::reply::run,
    api::views::{ReportList, ReportView},
    auth::Actor,
    domain::time,
    error::{AppResult, Problem},
    services::{nis2, rows::IncidentReport},
    state::AppState,
};

pub use crate::services::nis2::{ReportInput as SubmitReport, ReportRequest as RequestReport};

/// The incident's reporting stages and submissions, oldest first, with what is due next
/// (reporters of the incident's organisation, CERT staff, auditors).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/reports", tag = "nis2", security(("bearer" = [])),
    responses((status = 200, body = ReportList), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<ReportList>> {
    let id = id.into_inner();
    let rows = run(&state, &actor, move |conn, actor| {
        nis2::list(conn, actor, id)
    })
    .await?;
    Ok(web::Json(ReportList::new(&rows, time::now())))
}

/// Submit a stage (once), or a correction naming the version it `supersedes`: the reporting
/// organisation's reporters, or CERT staff on their behalf. 409 when the stage is not open.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/reports", tag = "nis2", security(("bearer" = [])),
    request_body = SubmitReport,
    responses((status = 201, body = ReportView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<SubmitReport>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (saved, rows) = run(&state, &actor, move |conn, actor| {
        let saved = nis2::submit(conn, actor, id, body)?;
        Ok((saved.id, nis2::list(conn, actor, id)?))
    })
    .await?;
    Ok(HttpResponse::Created().json(view_of(&rows, saved)))
}

/// Ask the entity for an intermediate report by `due_at` (CERT staff).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/reports/request", tag = "nis2", security(("bearer" = [])),
    request_body = RequestReport,
    responses((status = 201, body = ReportView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<RequestReport>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (opened, rows) = run(&state, &actor, move |conn, actor| {
        let opened = nis2::request(conn, actor, id, body)?;
        Ok((opened.id, nis2::list(conn, actor, id)?))
    })
    .await?;
    Ok(HttpResponse::Created().json(view_of(&rows, opened)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledge {
    /// The CERT's answer to the entity (at most 20 000 characters).
    pub feedback: String,
}

/// Answer a submitted early warning (coordinators and admins); due 24 h after its submission.
#[utoipa::path(post, path = "/api/v1/incident-reports/{id}/acknowledge", tag = "nis2", security(("bearer" = [])),
    request_body = Acknowledge,
    responses((status = 200, body = ReportView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn acknowledge(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<Acknowledge>,
) -> AppResult<web::Json<ReportView>> {
    let id = id.into_inner();
    let (report_id, rows) = run(&state, &actor, move |conn, actor| {
        let answered = nis2::acknowledge(conn, actor, id, &body.feedback)?;
        Ok((answered.id, nis2::list(conn, actor, answered.incident_id)?))
    })
    .await?;
    Ok(web::Json(view_of(&rows, report_id)))
}

/// The view of row `id` among the incident's rows (a correction's state needs its chain).
fn view_of(rows: &[IncidentReport], id: i64) -> ReportView {
    let items = ReportList::new(rows, time::now()).items;
    items
        .into_iter()
        .find(|v| v.id == id)
        .expect("the written row is among the incident's rows")
}
