//! Evidence endpoints: upload, lists and metadata, verified download, chain of custody.

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use utoipa::ToSchema;

pub use crate::present::views::evidence as views;
pub use views::{CustodyEventView, EvidenceView};

use crate::{
    api::extract::{JsonBody, ListOf, PageQuery},
    api::reply::{paged, run},
    auth::Actor,
    error::{AppResult, FieldErrors, Problem},
    present::evidence::{receive, serve},
    services::evidence,
    state::AppState,
};

/// The upload form (`multipart/form-data`); the parts may come in either order.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the form only
pub struct EvidenceUpload {
    /// The file; its part's `filename` and `Content-Type` are kept as metadata.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// What the file is and where it came from (required, at most 10 000 characters).
    pub description: String,
}

/// Upload evidence to an incident: the file streams to disk while it is hashed; above
/// `QALXAN_EVIDENCE_MAX_BYTES` the upload ends with 413, on a full disk with 507, and nothing
/// is kept.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/evidence", tag = "evidence", security(("bearer" = [])),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = EvidenceView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
        (status = 507, description = "No room left in the evidence store; nothing was kept", body = Problem)))]
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let created = receive(&req, &state, actor, id.into_inner(), payload, None).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/evidence/{}", created.id)))
        .json(EvidenceView::from(created)))
}

/// An incident's evidence you may see, newest first (the reporter side: only what their
/// organisation uploaded).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/evidence", tag = "evidence", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = ListOf<EvidenceView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<ListOf<EvidenceView>>> {
    let mut errors = FieldErrors::new();
    let page = page.page(&mut errors);
    errors.into_result()?;
    let id = id.into_inner();
    let rows = run(&state, &actor, move |conn, actor| {
        evidence::list(conn, actor, id, page)
    })
    .await?;
    Ok(paged(rows, page, |e| e.id, Into::into))
}

/// One evidence record's metadata.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "evidence", security(("bearer" = [])),
    responses((status = 200, body = EvidenceView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<EvidenceView>> {
    let id = id.into_inner();
    let found = run(&state, &actor, move |conn, actor| {
        evidence::get(conn, actor, id)
    })
    .await?;
    Ok(web::Json(found.into()))
}

/// Download the file, always as `application/octet-stream` attachment. The stored bytes are
/// re-hashed first and the attempt is recorded in the chain of custody: `accessed`, or
/// `integrity_failure` with 409 when the bytes no longer match. 410 after `destroyed`.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/content", tag = "evidence", security(("bearer" = [])),
    responses((status = 200, description = "The file's bytes", content_type = "application/octet-stream"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 410, body = Problem)))]
pub async fn content(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    serve(&state, actor, id.into_inner()).await
}

/// The request body is the service input itself, so a field cannot drift between them.
pub use crate::services::evidence::CustodyInput as RecordCustody;

/// Record a custody event by hand (CERT staff). 409 once the item was destroyed.
#[utoipa::path(post, path = "/api/v1/evidence/{id}/custody", tag = "evidence", security(("bearer" = [])), request_body = RecordCustody,
    responses((status = 201, body = CustodyEventView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_custody(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<RecordCustody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let event = run(&state, &actor, move |conn, actor| {
        evidence::record_custody(conn, actor, id, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(CustodyEventView::from(event)))
}

/// The chain of custody, oldest first.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/custody", tag = "evidence", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = ListOf<CustodyEventView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn custody(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<ListOf<CustodyEventView>>> {
    let mut errors = FieldErrors::new();
    let page = page.page(&mut errors);
    errors.into_result()?;
    let id = id.into_inner();
    let rows = run(&state, &actor, move |conn, actor| {
        evidence::custody(conn, actor, id, page)
    })
    .await?;
    Ok(paged(rows, page, |e| e.id, Into::into))
}
