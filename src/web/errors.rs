//! Error pages. Outside `/api/` and the operations endpoints, every error response that is not
//! already HTML (a problem+json from `AppError`, a bare 404/405 from the router, a CSRF refusal)
//! is replaced here by a page in the reader's language, with the same status.

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::ServiceResponse,
    http::{header, StatusCode},
    HttpMessage, HttpResponse,
};
use askama::Template;

use crate::{
    domain::text,
    error::AppError,
    web::{
        context::{visitor_page, CsrfRefused, WebError},
        page::{render, Page},
    },
};

/// Pages people read, as opposed to the machine endpoints that answer problem+json.
pub fn is_web_path(path: &str) -> bool {
    !(path == "/api"
        || path.starts_with("/api/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics"))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    page: Page,
    status: u16,
    text: String,
}

fn keys(status: StatusCode, csrf: bool) -> (&'static str, &'static str) {
    match status.as_u16() {
        403 if csrf => ("error-403-title", "error-csrf-text"),
        400 => ("error-400-title", "error-400-text"),
        403 => ("error-403-title", "error-403-text"),
        404 => ("error-404-title", "error-404-text"),
        405 => ("error-405-title", "error-405-text"),
        409 => ("error-409-title", "error-409-text"),
        413 => ("error-413-title", "error-413-text"),
        429 => ("error-429-title", "error-429-text"),
        503 => ("error-503-title", "error-503-text"),
        s if s >= 500 => ("error-500-title", "error-500-text"),
        _ => ("error-400-title", "error-400-text"),
    }
}

/// The HTML page for an error response, or `None` to leave it alone.
pub fn page_for<B: MessageBody + 'static>(res: &ServiceResponse<B>) -> Option<HttpResponse> {
    let status = res.status();
    let csrf = res.response().extensions().get::<CsrfRefused>().is_some();
    let req = res.request();
    // Bound first: `visitor_page` reads cookies, which borrows the extensions mutably.
    let known = req.extensions().get::<Page>().cloned();
    let page = known.unwrap_or_else(|| visitor_page(req));
    let (title, text) = keys(status, csrf);
    let text = match refused_fields(res) {
        Some(fields) => page.t_arg("error-control-text", "fields", &fields),
        None => page.t(text),
    };
    let template = ErrorTemplate {
        text,
        page: page.with_title(title),
        status: status.as_u16(),
    };
    let mut response = render(status, &template.page, &template).ok()?;
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = res.headers().get(&name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    Some(response)
}

/// The fields of a form refused for control characters (`web::context::parse_form`): there is
/// no form page to show them at, so the error page names them.
fn refused_fields<B>(res: &ServiceResponse<B>) -> Option<String> {
    let error = res.response().error()?.as_error::<WebError>()?;
    let WebError::App(AppError::Validation(errors)) = error else {
        return None;
    };
    let fields: Vec<&str> = errors
        .0
        .iter()
        .filter(|(_, messages)| messages.iter().any(|m| m == text::REFUSED))
        .map(|(field, _)| field.as_str())
        .collect();
    (!fields.is_empty()).then(|| fields.join(", "))
}

/// Swaps the body of `res` for the error page when it is a web path.
pub fn replace<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> Result<ServiceResponse<EitherBody<B>>, ServiceResponse<B>> {
    if !is_web_path(res.request().path()) {
        return Err(res);
    }
    match page_for(&res) {
        Some(page) => {
            let (req, _) = res.into_parts();
            Ok(ServiceResponse::new(req, page).map_into_right_body())
        }
        None => Err(res),
    }
}
