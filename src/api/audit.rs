//! The audit trail for auditors and admins: search (JSON or CSV), chain verification, the signed
//! export of the system stream, and the public key that verifies exports (public).

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use chrono::DateTime;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    api::reply::run,
    api::{
        extract::{optional_id, ListOf, PageQuery},
        views::AuditEventView,
    },
    auth::Actor,
    error::{AppError, AppResult, FieldErrors, Problem},
    present::csv::{self, CSV_MAX_ROWS},
    services::{
        audit_export::{self, AuditSigner, PublicKey},
        audit_search,
        audit_verify::{self, VerifyReport},
    },
    services::{cursor, rows::AuditFilter, split_page, Page},
    state::AppState,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Events at or after this time (RFC 3339, e.g. `2026-11-24T00:00:00Z`).
    pub from: Option<String>,
    /// Events at or before this time (RFC 3339).
    pub to: Option<String>,
    pub actor_id: Option<String>,
    /// An exact action, e.g. `user.created`.
    pub action: Option<String>,
    pub incident_id: Option<String>,
    /// `json` (default) or `csv`; `Accept: text/csv` also asks for CSV. A CSV download holds up to
    /// `limit` rows (default and maximum 50 000) and names the next page in `X-Next-Cursor`.
    pub format: Option<String>,
}

fn parse_time(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
) -> Option<chrono::NaiveDateTime> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    errors.check(
        field,
        DateTime::parse_from_rfc3339(raw)
            .map(|t| t.naive_utc())
            .map_err(|_| "must be an RFC 3339 time such as 2026-11-24T10:00:00Z".to_owned()),
    )
}

fn wants_csv(req: &HttpRequest, format: Option<&str>, errors: &mut FieldErrors) -> bool {
    match format.map(str::trim) {
        Some("csv") => true,
        Some("json") => false,
        None | Some("") => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("text/csv")),
        Some(_) => {
            errors.add("format", "must be json or csv");
            false
        }
    }
}

/// Search the audit log, oldest first (auditor, admin).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(PageQuery, AuditQuery),
    responses((status = 200, body = ListOf<AuditEventView>, description = "JSON, or `text/csv` when asked"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn search(
    state: web::Data<AppState>,
    actor: Actor,
    req: HttpRequest,
    page: web::Query<PageQuery>,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let mut errors = FieldErrors::new();
    let filter = AuditFilter {
        from: parse_time(&mut errors, "from", query.from.as_deref()),
        to: parse_time(&mut errors, "to", query.to.as_deref()),
        actor_id: optional_id(&mut errors, "actor_id", query.actor_id.as_deref()),
        action: query.action.clone().filter(|a| !a.trim().is_empty()),
        incident_id: optional_id(&mut errors, "incident_id", query.incident_id.as_deref()),
    };
    let csv = wants_csv(&req, query.format.as_deref(), &mut errors);
    let page = if csv {
        csv_page(&page, &mut errors)
    } else {
        page.page(&mut errors)
    };
    errors.into_result()?;
    let rows = run(&state, &actor, move |conn, actor| {
        if csv {
            audit_search::search_many(conn, actor, &filter, page.after, page.limit)
        } else {
            audit_search::search(conn, actor, &filter, page.after, page.limit + 1)
        }
    })
    .await?;
    let (rows, next_cursor) = split_page(rows, page, |e| e.id);
    if csv {
        let mut res = HttpResponse::Ok();
        res.content_type("text/csv; charset=utf-8").insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"qalxan-audit.csv\"",
        ));
        if let Some(next) = next_cursor {
            res.insert_header(("X-Next-Cursor", next));
        }
        return Ok(res.body(csv::to_csv(&rows)));
    }
    Ok(HttpResponse::Ok().json(ListOf {
        items: rows
            .into_iter()
            .map(AuditEventView::from)
            .collect::<Vec<_>>(),
        next_cursor,
    }))
}

/// Re-check every hash chain and head (auditor, admin).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = VerifyReport, description = "`ok` is false when a chain is broken"),
        (status = 403, body = Problem)))]
pub async fn verify(
    state: web::Data<AppState>,
    actor: Actor,
) -> AppResult<web::Json<VerifyReport>> {
    let report = run(&state, &actor, move |conn, actor| {
        audit_verify::verify(conn, actor)
    })
    .await?;
    Ok(web::Json(report))
}

fn signer(state: &AppState) -> AppResult<AuditSigner> {
    AuditSigner::from_settings(&state.settings).map_err(AppError::Internal)
}

/// The system stream as a signed bundle (auditor, admin); verify it offline with
/// `qalxan audit verify-bundle`. The export is itself audited (`audit.exported`).
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "A `qalxan-case-bundle/1` JSON bundle (see docs/AUDIT.md)", body = Object),
        (status = 403, body = Problem)))]
pub async fn export(state: web::Data<AppState>, actor: Actor) -> AppResult<HttpResponse> {
    let signer = signer(&state)?;
    let bundle = run(&state, &actor, move |conn, actor| {
        audit_export::export_system(conn, actor, &signer)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"qalxan-audit-system.json\"",
        ))
        .json(bundle))
}

/// The Ed25519 public key that signs exports. Public, no authentication: whoever receives a
/// bundle must be able to fetch the key to check it against.
#[utoipa::path(get, path = "/api/v1/audit/public-key", tag = "audit",
    responses((status = 200, body = PublicKey)))]
pub async fn public_key(state: web::Data<AppState>) -> AppResult<web::Json<PublicKey>> {
    Ok(web::Json(audit_export::public_key(&signer(&state)?)))
}

/// Like `PageQuery::page`, with the larger limit of a download.
pub fn csv_page(page: &PageQuery, errors: &mut FieldErrors) -> Page {
    let limit = match page.limit.as_deref().map(str::trim) {
        None | Some("") => CSV_MAX_ROWS,
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if (1..=CSV_MAX_ROWS).contains(&n) => n,
            _ => {
                errors.add(
                    "limit",
                    format!("must be a number from 1 to {CSV_MAX_ROWS}"),
                );
                CSV_MAX_ROWS
            }
        },
    };
    let after = page
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .and_then(|raw| {
            let decoded = cursor::decode(raw);
            if decoded.is_none() {
                errors.add("cursor", "is not a cursor returned by this list");
            }
            decoded
        });
    Page { limit, after }
}
