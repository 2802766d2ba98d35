//! The text rule of `domain::text` applied to the request line, before routing, so that no
//! handler has to remember it for its query or path parameters:
//!
//! - a path holding a control character (percent-encoded, since the request line cannot carry
//!   one raw) names nothing here: 404;
//! - API query parameters holding one are refused with 422 naming the parameter;
//! - on pages, the characters are dropped from the query instead, as search boxes may: a reader
//!   who pasted one gets the results for the rest of the text.
//!
//! Bodies are checked by their extractors (`api::extract`, `web::context::parse_form`, the
//! evidence upload).

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{Service, ServiceRequest, ServiceResponse},
    http::Uri,
};
use futures_util::future::LocalBoxFuture;

use crate::{
    domain::text,
    error::{AppError, FieldErrors},
    web::errors::is_web_path,
};

/// What to do with a request line.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Pass,
    Refuse(Refusal),
    /// The same path with this query (the refused characters dropped).
    Rewrite(String),
}

/// Why a request is refused (not `AppError`, so that verdicts can be compared in tests).
#[derive(Debug, PartialEq)]
pub enum Refusal {
    NotFound,
    Parameters(FieldErrors),
}

fn decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// The verdict on a request for `path` (as sent, still percent-encoded) with `query`.
pub fn inspect(path: &str, query: Option<&str>) -> Verdict {
    if text::check(&decode(path)).is_err() {
        return Verdict::Refuse(Refusal::NotFound);
    }
    let Some(query) = query else {
        return Verdict::Pass;
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let bad = |(k, v): &(String, String)| text::check(k).is_err() || text::check(v).is_err();
    if !pairs.iter().any(bad) {
        return Verdict::Pass;
    }
    if !is_web_path(path) {
        let mut errors = FieldErrors::new();
        for (key, _) in pairs.iter().filter(|p| bad(p)) {
            errors.add(&text::printable(key), text::REFUSED);
        }
        return Verdict::Refuse(Refusal::Parameters(errors));
    }
    let cleaned = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            pairs
                .iter()
                .map(|(k, v)| (text::strip(k), text::strip(v)))
                .filter(|(k, _)| !k.is_empty()),
        )
        .finish();
    Verdict::Rewrite(cleaned)
}

/// The middleware: see the module comment.
pub fn guard<S, B>(
    mut req: ServiceRequest,
    srv: &S,
) -> LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    let verdict = inspect(req.path(), req.uri().query());
    let refusal = match verdict {
        Verdict::Pass => None,
        Verdict::Refuse(Refusal::NotFound) => Some(AppError::NotFound),
        Verdict::Refuse(Refusal::Parameters(errors)) => Some(AppError::Validation(errors)),
        Verdict::Rewrite(query) => {
            let path_and_query = if query.is_empty() {
                req.path().to_owned()
            } else {
                format!("{}?{query}", req.path())
            };
            match path_and_query.parse::<Uri>() {
                Ok(uri) => {
                    req.head_mut().uri = uri;
                    None
                }
                // Cannot happen (re-encoded from parts of a valid URI); refuse rather than pass.
                Err(_) => Some(AppError::BadRequest("invalid query string".into())),
            }
        }
    };
    match refusal {
        None => {
            let fut = srv.call(req);
            Box::pin(async move { Ok(fut.await?.map_into_left_body()) })
        }
        Some(error) => {
            let (request, _) = req.into_parts();
            let response = ServiceResponse::from_err(error, request).map_into_right_body();
            Box::pin(async move { Ok(response) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_parameters(verdict: Verdict) -> Vec<String> {
        match verdict {
            Verdict::Refuse(Refusal::Parameters(errors)) => errors.0.into_keys().collect(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn clean_requests_pass_untouched() {
        assert_eq!(inspect("/api/v1/incidents", None), Verdict::Pass);
        assert_eq!(
            inspect("/api/v1/incidents", Some("q=bank%0Aloan&limit=5")),
            Verdict::Pass
        );
        assert_eq!(inspect("/incidents", Some("q=%C9%99li%09x")), Verdict::Pass);
        assert_eq!(inspect("/track/AbC-_123", None), Verdict::Pass);
    }

    #[test]
    fn api_query_parameters_with_control_characters_are_named() {
        assert_eq!(
            refused_parameters(inspect("/api/v1/incidents", Some("q=%00&limit=5"))),
            vec!["q"]
        );
        assert_eq!(
            refused_parameters(inspect(
                "/api/v1/observables",
                Some("kind=ipv4&value=1%01&x%00=1")
            )),
            vec!["value", "x\\u{0}"]
        );
        assert_eq!(
            refused_parameters(inspect("/readyz", Some("a=%7F"))),
            vec!["a"]
        );
    }

    #[test]
    fn page_queries_lose_the_characters_instead() {
        assert_eq!(
            inspect("/incidents", Some("q=ba%00nk&status=new")),
            Verdict::Rewrite("q=bank&status=new".into())
        );
        assert_eq!(
            inspect("/incidents", Some("%00=1&q=%01")),
            Verdict::Rewrite("q=".into())
        );
    }

    #[test]
    fn paths_with_control_characters_name_nothing() {
        for path in [
            "/api/v1/public/reports/%00abc",
            "/track/abc%01",
            "/api/v1/incidents/1%00",
            "/%7f",
        ] {
            assert_eq!(
                inspect(path, None),
                Verdict::Refuse(Refusal::NotFound),
                "{path}"
            );
        }
    }
}
