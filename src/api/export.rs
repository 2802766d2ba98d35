//! Case-history exports of one incident for auditors: a signed JSON bundle or CSV.

use actix_web::{http::header, web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{
    api::{
        audit_csv,
        evidence::views::{CustodyEventView, EvidenceView},
        views::{
            CommentView, IncidentAssetView, IncidentView, ObservableView, ShareView, TaskView,
        },
    },
    auth::Actor,
    error::{AppError, AppResult, Problem},
    services::{
        audit_export::AuditSigner,
        incidents::export::{self, CaseFile},
    },
    state::AppState,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default: the signed bundle), `csv` (one row per event) or `html` (a printable report).
    pub format: Option<String>,
}

/// The `case` member of a bundle: the API's own shapes, so readers need learn only one.
pub fn case_json(case: &CaseFile, actor: &Actor) -> Value {
    json!({
        "incident": IncidentView::for_actor(case.incident.clone(), actor),
        "comments": case.comments.iter().cloned().map(CommentView::from).collect::<Vec<_>>(),
        "tasks": case.tasks.iter().cloned().map(TaskView::from).collect::<Vec<_>>(),
        "shares": case.shares.iter().cloned().map(ShareView::from).collect::<Vec<_>>(),
        "observables": case.observables.iter().cloned().map(|o| ObservableView::new(o, vec![], vec![])).collect::<Vec<_>>(),
        "assets": case.assets.iter().cloned().map(IncidentAssetView::from).collect::<Vec<_>>(),
        "evidence": case.evidence.iter().cloned().map(|(item, custody)| {
            let mut value = serde_json::to_value(EvidenceView::from(item)).unwrap_or_default();
            value["custody"] = json!(custody.into_iter().map(CustodyEventView::from).collect::<Vec<_>>());
            value
        }).collect::<Vec<_>>(),
        "people": case.people,
        "organisation": { "id": case.incident.organisation_id, "name": case.organisation_name },
    })
}

fn attachment(name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    )
}

/// The whole case history of an incident (auditors and admins); each export is audited.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/export", tag = "audit", security(("bearer" = [])), params(ExportQuery),
    responses((status = 200, description = "A signed `qalxan-case-bundle/1` (json), CSV or HTML", body = Object),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn incident(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> AppResult<HttpResponse> {
    respond(&state, actor, id.into_inner(), query.format.as_deref()).await
}

/// One answer for the API (bearer) and the web UI (session): the same bytes either way.
pub async fn respond(
    state: &web::Data<AppState>,
    actor: Actor,
    id: i64,
    format: Option<&str>,
) -> AppResult<HttpResponse> {
    match format.unwrap_or("json") {
        "json" => {
            let signer = AuditSigner::from_settings(&state.settings).map_err(AppError::Internal)?;
            let viewer = actor.clone();
            let bundle = state
                .db
                .run(move |conn| {
                    export::bundle(conn, &actor, id, &signer, |case| case_json(case, &viewer))
                })
                .await?;
            let reference = bundle["case"]["incident"]["reference"]
                .as_str()
                .unwrap_or("incident")
                .to_owned();
            Ok(HttpResponse::Ok()
                .insert_header(attachment(&format!("{reference}.json")))
                .json(bundle))
        }
        "csv" => {
            let case = state
                .db
                .run(move |conn| export::case_file(conn, &actor, id, "csv"))
                .await?;
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header(attachment(&format!("{}.csv", case.incident.reference)))
                .body(audit_csv::to_csv(&case.events)))
        }
        "html" => crate::web::export::case_report(state, actor, id).await,
        _ => Err(AppError::field("format", "must be json, csv or html")),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// Incidents reported at or after this time (RFC 3339).
    pub from: String,
    /// ... and at or before this time (RFC 3339).
    pub to: String,
    /// `json` (default: a signed `qalxan-case-collection/1` of case bundles) or `csv`.
    pub format: Option<String>,
}

/// The case histories of every incident reported in a date range (auditors and admins), at
/// most 500; verify the collection offline with `qalxan audit verify-bundle`.
#[utoipa::path(get, path = "/api/v1/audit/cases", tag = "audit", security(("bearer" = [])), params(RangeQuery),
    responses((status = 200, description = "A signed collection of case bundles, or CSV", body = Object),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn range(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<RangeQuery>,
) -> AppResult<HttpResponse> {
    let mut errors = crate::error::FieldErrors::new();
    let from = crate::services::incidents::parse_time(&mut errors, "from", &query.from);
    let to = crate::services::incidents::parse_time(&mut errors, "to", &query.to);
    let format = query.format.clone().unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "csv") {
        errors.add("format", "must be json or csv");
    }
    errors.into_result()?;
    let (from, to) = (from.unwrap(), to.unwrap());
    let name = format!(
        "qalxan-cases-{}-{}",
        from.format("%Y%m%d"),
        to.format("%Y%m%d")
    );
    if format == "csv" {
        let events = state
            .db
            .run(move |conn| export::range_events(conn, &actor, from, to))
            .await?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(attachment(&format!("{name}.csv")))
            .body(audit_csv::to_csv(&events)));
    }
    let signer = AuditSigner::from_settings(&state.settings).map_err(AppError::Internal)?;
    let viewer = actor.clone();
    let collection = state
        .db
        .run(move |conn| {
            export::range_bundles(conn, &actor, &signer, from, to, |case| {
                case_json(case, &viewer)
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(attachment(&format!("{name}.json")))
        .json(collection))
}
