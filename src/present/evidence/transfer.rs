//! Moving evidence bytes over HTTP without holding them: the multipart upload is written to the
//! store piece by piece as it arrives, the download is read back piece by piece as it is sent.

use actix_multipart::{Field, Multipart};
use actix_web::{body::SizedStream, web};
use futures_util::{stream, StreamExt};

use crate::{
    auth::session::CSRF_FIELD,
    domain::{
        evidence::{media_type, sanitise_file_name, MAX_DESCRIPTION},
        text,
    },
    error::{AppError, AppResult, FieldErrors},
    services::{
        evidence::{
            store::{self, Store, StoredBlob, TempBlob},
            UploadMeta,
        },
        incidents::check_text,
    },
};

/// What a complete, valid upload form carried; the file is still a temporary blob.
pub struct UploadForm {
    pub blob: TempBlob,
    pub meta: UploadMeta,
}

fn bad_multipart(e: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("malformed multipart body: {e}"))
}

fn too_large(max: u64) -> AppError {
    AppError::PayloadTooLarge(format!("the file exceeds the limit of {max} bytes"))
}

/// Reads the form: `file` (exactly one) and `description`, in either order. Anything else,
/// or a file above `max` bytes, ends the upload with the temporary file deleted.
pub async fn read_form(form: Multipart, store: Store, max: u64) -> AppResult<UploadForm> {
    read_form_checked(form, store, max, None).await
}

/// `read_form` for the web pages: the form must start with a `csrf_token` field that
/// `csrf_ok` accepts, before any byte of the file is written (otherwise `Forbidden`).
pub async fn read_form_checked(
    mut form: Multipart,
    store: Store,
    max: u64,
    csrf_ok: Option<&(dyn Fn(&str) -> bool + Sync)>,
) -> AppResult<UploadForm> {
    let mut file: Option<(TempBlob, String, String)> = None;
    let mut description: Option<String> = None;
    let mut errors = FieldErrors::new();
    let mut csrf_checked = csrf_ok.is_none();
    while let Some(field) = form.next().await {
        let field = field.map_err(bad_multipart)?;
        let name = field.name().unwrap_or_default().to_owned();
        if let (Some(check), false) = (csrf_ok, csrf_checked) {
            if name != CSRF_FIELD || !check(&read_text(field, CSRF_FIELD).await?) {
                return Err(AppError::Forbidden);
            }
            csrf_checked = true;
            continue;
        }
        match name.as_str() {
            "file" if file.is_some() => {
                return Err(AppError::field("file", "send exactly one file per upload"))
            }
            "file" => {
                let disposition = field.content_disposition();
                let raw_name = disposition
                    .and_then(|d| d.get_filename_ext())
                    .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
                    .or_else(|| {
                        disposition
                            .and_then(|d| d.get_filename())
                            .map(str::to_owned)
                    })
                    .unwrap_or_default();
                let declared = field.content_type().map(|m| m.essence_str().to_owned());
                let blob = receive_file(field, store.clone(), max).await?;
                file = Some((
                    blob,
                    sanitise_file_name(&raw_name),
                    media_type(declared.as_deref()),
                ));
            }
            "description" => description = Some(read_text(field, "description").await?),
            other => {
                return Err(AppError::field(
                    other,
                    "is not a field of this form (send `file` and `description`)",
                ))
            }
        }
    }
    let description = check_text(
        &mut errors,
        "description",
        description.as_deref().unwrap_or_default(),
        MAX_DESCRIPTION,
        true,
    );
    if file.is_none() {
        errors.add("file", "is required");
    }
    if !csrf_checked {
        return Err(AppError::Forbidden);
    }
    errors.into_result()?;
    let (blob, file_name, media_type) = file.expect("checked above");
    Ok(UploadForm {
        blob,
        meta: UploadMeta {
            file_name,
            media_type,
            description: description.expect("checked above"),
        },
    })
}

/// Streams one file part into a temporary blob, hashing on the way, in `store::CHUNK` pieces
/// written on the blocking pool so the executor never waits for the disk.
async fn receive_file(mut field: Field, store: Store, max: u64) -> AppResult<TempBlob> {
    let mut blob = web::block(move || store.create_temp())
        .await?
        .map_err(|e| AppError::storage(e, "cannot create temp file"))?;
    let mut pending = web::BytesMut::with_capacity(store::CHUNK);
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(bad_multipart)?;
        if blob.size() + (pending.len() + chunk.len()) as u64 > max {
            return Err(too_large(max)); // `blob` drops here and deletes the file
        }
        pending.extend_from_slice(&chunk);
        if pending.len() >= store::CHUNK {
            blob = write_piece(blob, pending.split().freeze()).await?;
        }
    }
    if !pending.is_empty() {
        blob = write_piece(blob, pending.split().freeze()).await?;
    }
    Ok(blob)
}

async fn write_piece(mut blob: TempBlob, piece: web::Bytes) -> AppResult<TempBlob> {
    let (blob, result) = web::block(move || {
        let result = blob.write(&piece);
        (blob, result)
    })
    .await?;
    // Returning early drops `blob`, which deletes its temporary file: a full disk leaves no
    // partial upload behind.
    result.map_err(|e| AppError::storage(e, "cannot write upload"))?;
    Ok(blob)
}

async fn read_text(mut field: Field, name: &str) -> AppResult<String> {
    // Characters may take up to four bytes; the character limit is checked afterwards.
    let limit = MAX_DESCRIPTION * 4;
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(bad_multipart)?;
        if bytes.len() + chunk.len() > limit {
            return Err(AppError::field(
                name,
                format!("must be at most {MAX_DESCRIPTION} characters long"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(bytes).map_err(|_| AppError::field(name, "must be UTF-8 text"))?;
    text::check(&text).map_err(|m| AppError::field(name, m))?;
    Ok(text)
}

/// Moves a finished upload to its content address.
pub async fn persist(blob: TempBlob, store: Store) -> AppResult<StoredBlob> {
    web::block(move || blob.finish(&store))
        .await?
        .map_err(|e| AppError::storage(e, "cannot store upload"))
}

/// The body of a download: exactly `size` bytes read from `file` in pieces on the blocking
/// pool, with `Content-Length` set.
pub fn file_body(
    file: std::fs::File,
    size: u64,
) -> SizedStream<impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>>> {
    let pieces = stream::try_unfold((file, size), |(file, remaining)| async move {
        if remaining == 0 {
            return Ok(None);
        }
        let (file, piece) = web::block(move || store::read_chunk(file, remaining))
            .await
            .map_err(std::io::Error::other)??;
        let left = remaining - piece.len() as u64;
        Ok(Some((web::Bytes::from(piece), (file, left))))
    });
    SizedStream::new(size, pieces)
}
