//! Evidence bytes over HTTP for both edges: the upload (authorised before the body is read,
//! streamed into the store while hashed) and the verified download (re-hashed, recorded in the
//! chain of custody, then streamed). The API and the case page call the same code, so limits,
//! hashing and the `accessed` record cannot drift apart.

use actix_multipart::Multipart;
use actix_web::{
    http::header::{self, HeaderValue},
    web, HttpRequest, HttpResponse,
};
use base64::{engine::general_purpose::STANDARD, Engine};

pub mod transfer;

use transfer::{file_body, persist, read_form_checked};

use crate::{
    auth::Actor,
    domain::evidence::content_disposition,
    error::{AppError, AppResult},
    services::{
        evidence::{
            self,
            store::{self, Check, Store},
        },
        rows::Evidence,
    },
    state::AppState,
};

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
