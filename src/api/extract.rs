//! Request extractors that turn every client mistake into the right problem+json: 415 for a
//! body that is not JSON, 413 above the limit, 400 for broken JSON, 422 with the field's path for
//! JSON of the wrong shape or values that fail validation.

use std::{future::Future, pin::Pin};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::{
    domain::text,
    error::{AppError, FieldErrors},
    services::{cursor, Page},
};

/// Largest JSON body accepted: room for a 100 000-character description in any script.
pub const JSON_LIMIT: usize = 1024 * 1024;

pub struct JsonBody<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Parses JSON into `T`, naming the failing field for shape errors and for strings holding
/// control characters (`domain::text`), which never get past this point.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Checked on the untyped document so that every string is seen, also ones the typed
    // parse would ignore or fail on first; a syntax error falls through to the typed parse,
    // which reports it.
    if let Ok(document) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let refused = text::refused_paths(&document);
        if !refused.is_empty() {
            let mut errors = FieldErrors::new();
            for path in refused {
                errors.add(&path, text::REFUSED);
            }
            return Err(AppError::Validation(errors));
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_data() {
            let path = e.path().to_string();
            let field = if path == "." || path.is_empty() {
                "body".to_owned()
            } else {
                path
            };
            let message = inner.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            AppError::field(&field, message)
        } else {
            AppError::BadRequest(format!("malformed JSON: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

impl<T> FromRequest for JsonBody<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(AppError::UnsupportedMediaType(
                    "the request body must be application/json".into(),
                ));
            }
            let too_large =
                || AppError::PayloadTooLarge(format!("the JSON body exceeds {JSON_LIMIT} bytes"));
            if declared_len.is_some_and(|n| n > JSON_LIMIT) {
                return Err(too_large());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    AppError::BadRequest(format!("cannot read the request body: {e}"))
                })?;
                if body.len() + chunk.len() > JSON_LIMIT {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            let value: T = parse_json(&body)?;
            value
                .validate()
                .map_err(|e| AppError::Validation(FieldErrors::from(e)))?;
            Ok(JsonBody(value))
        })
    }
}

/// `limit` and `cursor` as every list takes them.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn page(&self, errors: &mut FieldErrors) -> Page {
        let limit = match self.limit.as_deref() {
            None | Some("") => Page::DEFAULT_LIMIT,
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if (1..=Page::MAX_LIMIT).contains(&n) => n,
                _ => {
                    errors.add(
                        "limit",
                        format!("must be a number from 1 to {}", Page::MAX_LIMIT),
                    );
                    Page::DEFAULT_LIMIT
                }
            },
        };
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(raw) => {
                let decoded = cursor::decode(raw);
                if decoded.is_none() {
                    errors.add("cursor", "is not a cursor returned by this list");
                }
                decoded
            }
        };
        Page { limit, after }
    }
}

/// Shared with the web's filters, so an id typed as text fails the same way in both.
pub use crate::present::filters::optional_id;

/// A list page as the API returns it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ListOf<T: serde::Serialize> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Lives with the domain so that service inputs can be the PATCH bodies themselves.
pub use crate::domain::patch::double_option;
