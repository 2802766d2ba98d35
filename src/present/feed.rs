//! Reading a vulnerability file from a request: the body itself (`application/json` for the
//! KEV catalogue, `text/csv` for EPSS) or the `file` part of a `multipart/form-data` form.

use actix_multipart::Multipart;
use actix_web::{http::header, web, HttpRequest};
use futures_util::StreamExt;

use crate::{
    auth::session::CSRF_FIELD,
    error::{AppError, AppResult},
    services::vulnerabilities::Feed,
};

/// Largest file accepted: a full EPSS file is about 10 MB.
pub const FEED_LIMIT: usize = 32 * 1024 * 1024;

fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!("the file exceeds {FEED_LIMIT} bytes"))
}

fn essence(value: Option<&str>) -> String {
    value
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn feed_of_media_type(media_type: &str) -> Option<Feed> {
    match media_type {
        "application/json" => Some(Feed::Kev),
        "text/csv" | "application/csv" => Some(Feed::Epss),
        _ => None,
    }
}

/// A part's format: its media type, else its file name's extension, else its first byte.
fn feed_of_part(media_type: &str, file_name: &str, bytes: &[u8]) -> Feed {
    let name = file_name.to_ascii_lowercase();
    feed_of_media_type(media_type)
        .or_else(|| name.ends_with(".json").then_some(Feed::Kev))
        .or_else(|| name.ends_with(".csv").then_some(Feed::Epss))
        .unwrap_or_else(|| match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Feed::Kev,
            _ => Feed::Epss,
        })
}

async fn collect<S, E>(mut stream: S) -> AppResult<Vec<u8>>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| AppError::BadRequest(format!("cannot read the request body: {e}")))?;
        if bytes.len() + chunk.len() > FEED_LIMIT {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The file and its format. `csrf_ok` (web forms) must accept a `csrf_token` part that comes
/// before the file, else `Forbidden`.
pub async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    csrf_ok: Option<&(dyn Fn(&str) -> bool + Sync)>,
) -> AppResult<(Feed, Vec<u8>)> {
    let media_type = essence(
        req.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > FEED_LIMIT + 64 * 1024)
    {
        return Err(too_large());
    }
    if csrf_ok.is_none() {
        if let Some(feed) = feed_of_media_type(&media_type) {
            return Ok((feed, collect(payload).await?));
        }
    }
    if media_type != "multipart/form-data" {
        return Err(AppError::UnsupportedMediaType(
            "send the KEV catalogue as application/json, an EPSS file as text/csv, \
             or either as the `file` part of multipart/form-data"
                .into(),
        ));
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut csrf_checked = csrf_ok.is_none();
    let mut file = None;
    while let Some(field) = form.next().await {
        let field =
            field.map_err(|e| AppError::BadRequest(format!("malformed multipart body: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        if let (Some(check), false) = (csrf_ok, csrf_checked) {
            let token = String::from_utf8(collect(field).await?).unwrap_or_default();
            if name != CSRF_FIELD || !check(&token) {
                return Err(AppError::Forbidden);
            }
            csrf_checked = true;
            continue;
        }
        if name != "file" {
            return Err(AppError::field(
                &name,
                "is not a field of this form (send `file`)",
            ));
        }
        if file.is_some() {
            return Err(AppError::field("file", "send exactly one file"));
        }
        let part_type = essence(field.content_type().map(|m| m.essence_str()));
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or_default()
            .to_owned();
        let bytes = collect(field).await?;
        file = Some((feed_of_part(&part_type, &file_name, &bytes), bytes));
    }
    if !csrf_checked {
        return Err(AppError::Forbidden);
    }
    file.ok_or_else(|| AppError::field("file", "is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_recognised_by_type_then_name_then_content() {
        assert_eq!(feed_of_part("application/json", "x.csv", b""), Feed::Kev);
        assert_eq!(
            feed_of_part("application/octet-stream", "kev.json", b""),
            Feed::Kev
        );
        assert_eq!(feed_of_part("", "epss_scores.csv", b"{"), Feed::Epss);
        assert_eq!(
            feed_of_part("", "", b"  {\"vulnerabilities\": []}"),
            Feed::Kev
        );
        assert_eq!(feed_of_part("", "", b"#model_version"), Feed::Epss);
    }
}
