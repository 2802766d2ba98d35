//! Case-history exports of one incident for auditors: a signed JSON bundle or CSV.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{
    api::reply::run,
    auth::Actor,
    error::{AppError, AppResult, Problem},
    present::{
        csv,
        export::{attachment, case_json, respond},
    },
    services::{audit_export::AuditSigner, incidents::export},
    state::AppState,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default: the signed bundle), `csv` (one row per event) or `html` (a printable report).
    pub format: Option<String>,
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
        let events = run(&state, &actor, move |conn, actor| {
            export::range_events(conn, actor, from, to)
        })
        .await?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(attachment(&format!("{name}.csv")))
            .body(csv::to_csv(&events)));
    }
    let signer = AuditSigner::from_settings(&state.settings).map_err(AppError::Internal)?;
    let collection = run(&state, &actor, move |conn, actor| {
        export::range_bundles(conn, actor, &signer, from, to, |case| {
            case_json(case, actor)
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(attachment(&format!("{name}.json")))
        .json(collection))
}
