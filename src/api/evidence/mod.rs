//! Evidence endpoints: upload, lists and metadata, verified download, chain of custody.

use actix_multipart::Multipart;
use actix_web::{
    http::header::{self, HeaderValue},
    web, HttpRequest, HttpResponse,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

pub mod transfer;
pub mod views;

pub use views::{CustodyEventView, EvidenceView};

use transfer::{file_body, persist, read_form_checked};

use crate::{
    api::extract::{JsonBody, ListOf, PageQuery},
    auth::Actor,
    db::models::{evidence::Evidence, split_page},
    domain::evidence::content_disposition,
    error::{AppError, AppResult, FieldErrors, Problem},
    services::evidence::{
        self,
        store::{self, Check, Store},
        CustodyInput,
    },
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

fn is_form_data(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Upload evidence to an incident: the file streams to disk while it is hashed; above
/// `QALXAN_EVIDENCE_MAX_BYTES` the upload ends with 413 and nothing is kept.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/evidence", tag = "evidence", security(("bearer" = [])),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = EvidenceView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
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

/// An upload, from the API or a web form (`csrf_ok` checks the form's token): authorised before
/// the body is read, streamed into the store, then recorded.
pub async fn receive(
    req: &HttpRequest,
    state: &AppState,
    actor: Actor,
    incident_id: i64,
    payload: web::Payload,
    csrf_ok: Option<&(dyn Fn(&str) -> bool + Sync)>,
) -> AppResult<Evidence> {
    if !is_form_data(req) {
        return Err(AppError::UnsupportedMediaType(
            "evidence is uploaded as multipart/form-data with `file` and `description`".into(),
        ));
    }
    let max = state.settings.evidence_max_bytes;
    // The multipart framing adds little; a declared length far above the limit is refused
    // before a byte is written.
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max.saturating_add(1024 * 1024)) {
        return Err(AppError::PayloadTooLarge(format!(
            "the file exceeds the limit of {max} bytes"
        )));
    }
    let checker = actor.clone();
    state
        .db
        .run(move |conn| evidence::authorise_upload(conn, &checker, incident_id))
        .await?;
    let store = Store::new(&state.settings.data_dir);
    let multipart = Multipart::new(req.headers(), payload);
    let form = read_form_checked(multipart, store.clone(), max, csrf_ok).await?;
    let stored = persist(form.blob, store).await?;
    let meta = form.meta;
    state
        .db
        .run(move |conn| evidence::record_upload(conn, &actor, incident_id, &meta, &stored))
        .await
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
    let rows = state
        .db
        .run(move |conn| evidence::list(conn, &actor, id, page))
        .await?;
    let (rows, next_cursor) = split_page(rows, page, |e| e.id);
    Ok(web::Json(ListOf {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
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
    let found = state
        .db
        .run(move |conn| evidence::get(conn, &actor, id))
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

/// A verified download for the API and the web pages alike: re-hashed, recorded in the chain
/// of custody, then streamed.
pub async fn serve(state: &AppState, actor: Actor, id: i64) -> AppResult<HttpResponse> {
    let reader = actor.clone();
    let item = state
        .db
        .run(move |conn| evidence::prepare_download(conn, &reader, id))
        .await?;
    let store = Store::new(&state.settings.data_dir);
    let (sha256, size) = (item.sha256.clone(), item.size as u64);
    let check = web::block(move || store::verify(&store, &sha256, size))
        .await?
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("cannot read evidence")))?;
    let verified = matches!(check, Check::Intact(_));
    let recorded = item.clone();
    state
        .db
        .run(move |conn| evidence::record_access(conn, &actor, &recorded, verified))
        .await?;
    let Check::Intact(file) = check else {
        tracing::error!(evidence_id = item.id, sha256 = %item.sha256, "stored evidence failed its integrity check");
        return Err(AppError::Conflict(
            "the stored file no longer matches its recorded SHA-256; it is not served and the failure was recorded in the chain of custody".into(),
        ));
    };
    let digest = hex::decode(&item.sha256).unwrap_or_default();
    let mut res = HttpResponse::Ok();
    res.content_type("application/octet-stream")
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&item.file_name),
        ))
        .insert_header((header::ETAG, format!("\"{}\"", item.sha256)))
        .insert_header((
            "Repr-Digest",
            format!("sha-256=:{}:", STANDARD.encode(digest)),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Compressing arbitrary binaries wastes CPU and would drop Content-Length.
        .insert_header((
            header::CONTENT_ENCODING,
            HeaderValue::from_static("identity"),
        ));
    Ok(res.body(file_body(file, item.size as u64)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordCustody {
    /// `transferred`, `sealed`, `returned` or `destroyed`.
    pub action: String,
    /// Who has the item afterwards (required for `transferred` and `returned`).
    pub holder: Option<String>,
    pub location: Option<String>,
    pub purpose: Option<String>,
    /// Who authorised it (required for `destroyed`).
    pub authority: Option<String>,
    pub note: Option<String>,
    /// IANA zone the event happened in; defaults to your profile's zone.
    pub time_zone: Option<String>,
}

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
    let event = state
        .db
        .run(move |conn| {
            evidence::record_custody(
                conn,
                &actor,
                id,
                CustodyInput {
                    action: body.action,
                    holder: body.holder,
                    location: body.location,
                    purpose: body.purpose,
                    authority: body.authority,
                    note: body.note,
                    time_zone: body.time_zone,
                },
            )
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
    let rows = state
        .db
        .run(move |conn| evidence::custody(conn, &actor, id, page))
        .await?;
    let (rows, next_cursor) = split_page(rows, page, |e| e.id);
    Ok(web::Json(ListOf {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
