//! The case export of one incident, the same bytes for the API (bearer) and the web (session):
//! a signed JSON bundle, CSV, or the printable report.

use actix_web::{http::header, web, HttpResponse};
use serde_json::{json, Value};

use crate::{
    auth::Actor,
    error::{AppError, AppResult},
    present::{
        csv, report,
        views::{
            CommentView, CustodyEventView, EvidenceView, IncidentAssetView, IncidentView,
            ObservableView, ShareView, TaskView, TechniqueTagView,
        },
    },
    services::{
        audit_export::AuditSigner,
        incidents::export::{self, CaseFile},
    },
    state::AppState,
};

/// The `case` member of a bundle: the API's own shapes, so readers need learn only one.
pub fn case_json(case: &CaseFile, actor: &Actor) -> Value {
    json!({
        "incident": IncidentView::for_actor(case.incident.clone(), actor),
        "comments": case.comments.iter().cloned().map(CommentView::from).collect::<Vec<_>>(),
        "tasks": case.tasks.iter().cloned().map(TaskView::from).collect::<Vec<_>>(),
        "shares": case.shares.iter().cloned().map(ShareView::from).collect::<Vec<_>>(),
        "observables": case.observables.iter().cloned().map(|o| ObservableView::new(o, vec![], vec![])).collect::<Vec<_>>(),
        "techniques": case.techniques.iter().cloned().map(TechniqueTagView::from).collect::<Vec<_>>(),
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

/// `Content-Disposition` for a download named `name`.
pub fn attachment(name: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    )
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
                .body(csv::to_csv(&case.events)))
        }
        "html" => report::case_report(state, actor, id).await,
        _ => Err(AppError::field("format", "must be json, csv or html")),
    }
}
