//! Reporting without an account: `/report` (the form, and the receipt as the direct answer to
//! its post), `/track` (a form asking for the tracking code) and `/track/{code}` (the status).
//!
//! The tracking code is a bearer secret. The receipt is the response to the POST, never a page
//! one could reload or reach again: the code appears exactly once. Following it: the `/track`
//! form posts the code in the body, so it stays out of URLs, browser history and access logs;
//! `/track/{code}` exists too (the receipt links to it, for bookmarking) and, like every page
//! showing a code, answers with `Referrer-Policy: no-referrer` and `Cache-Control: no-store`.

use actix_web::{
    http::{header, StatusCode},
    web, HttpRequest, HttpResponse,
};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::{actor::client_ip, session::LOGIN_CSRF_COOKIE},
    domain::reference_data,
    error::AppError,
    services::incidents::public::{self, PublicReport},
    services::rows::{Comment, Incident},
    state::AppState,
    web::{
        context::{check_csrf, parse_form, Visitor, WebResult},
        forms::FormErrors,
        page::{render, Page},
    },
};

/// What the public form sends; kept and shown again when it comes back with errors.
#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    category: String,
}

/// One `<optgroup>` of the category picker: an RSIT class and its types.
pub struct CategoryGroup {
    pub label: String,
    pub types: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "public/report.html")]
struct ReportTemplate {
    page: Page,
    form: ReportForm,
    errors: FormErrors,
    categories: Vec<CategoryGroup>,
}

#[derive(Template)]
#[template(path = "public/receipt.html")]
struct ReceiptTemplate {
    page: Page,
    reference: String,
    code: String,
}

#[derive(Template)]
#[template(path = "public/throttled.html")]
struct ThrottledTemplate {
    page: Page,
    minutes: String,
}

/// The RSIT taxonomy grouped by class, in the reader's language, `selected` chosen.
fn categories(page: &Page, selected: &str) -> Vec<CategoryGroup> {
    let mut groups: Vec<CategoryGroup> = Vec::new();
    let mut classes: Vec<&str> = Vec::new();
    let mut types: Vec<_> = reference_data::rsit_types().collect();
    types.sort_by(|a, b| a.class.cmp(&b.class).then(a.type_name.cmp(&b.type_name)));
    for t in types {
        if classes.last() != Some(&t.class.as_str()) {
            classes.push(&t.class);
            groups.push(CategoryGroup {
                label: page.t(&format!("report-class-{}", t.class)),
                types: Vec::new(),
            });
        }
        let label = page.t(&format!("report-type-{}", t.type_name));
        let group = groups.last_mut().expect("a group was pushed");
        group
            .types
            .push((t.type_name.clone(), label, t.type_name == selected));
    }
    groups
}

fn form_page(page: Page, form: ReportForm, errors: FormErrors, status: StatusCode) -> WebResult {
    let template = ReportTemplate {
        categories: categories(&page, &form.category),
        page,
        form,
        errors,
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn report_form(visitor: Visitor) -> WebResult {
    form_page(
        visitor.page("report-title"),
        ReportForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// Marks a response that shows a tracking code: no caching, no `Referer` carrying it away.
fn private(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, "no-store".parse().unwrap());
    headers.insert(header::REFERRER_POLICY, "no-referrer".parse().unwrap());
    response
}

pub async fn report_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    body: web::Bytes,
) -> WebResult {
    // Signed in: the session's token; a visitor: the pre-session token of the form's cookie
    // (the sign-in page's double-submit pattern).
    let expected = match &visitor.signed_in {
        Some(s) => s.session.csrf_token.clone(),
        None => req
            .cookie(LOGIN_CSRF_COOKIE)
            .map(|c| c.value().to_owned())
            .unwrap_or_default(),
    };
    check_csrf(&body, &expected)?;
    let form: ReportForm = parse_form(&body)?;
    let page = visitor.page("report-title");
    let settings = state.settings.clone();
    let limit = state.settings.public_report_limit as i32;
    let ip = client_ip(&req);
    let report = PublicReport {
        title: form.title.clone(),
        description: form.description.clone(),
        contact_email: form.contact_email.clone(),
        category: Some(form.category.trim().to_owned()).filter(|c| !c.is_empty()),
    };
    let outcome = state
        .db
        .run(move |conn| public::submit(conn, &settings, ip.as_deref(), limit, report))
        .await;
    match outcome {
        Ok((incident, code)) => {
            let template = ReceiptTemplate {
                page: page.with_title("receipt-title"),
                reference: incident.reference,
                code,
            };
            Ok(private(render(StatusCode::OK, &template.page, &template)?))
        }
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            let secs = retry_after_secs.max(1);
            let template = ThrottledTemplate {
                page: page.with_title("report-throttled-title"),
                minutes: secs.div_ceil(60).to_string(),
            };
            let mut response = render(StatusCode::TOO_MANY_REQUESTS, &template.page, &template)?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
            Ok(response)
        }
        Err(error) => {
            let errors = FormErrors::from_error(&page, error)?;
            let status = errors.status();
            form_page(page, form, errors, status)
        }
    }
}

#[derive(Template)]
#[template(path = "public/track_form.html")]
struct TrackFormTemplate {
    page: Page,
    not_found: bool,
}

#[derive(Template)]
#[template(path = "public/track.html")]
struct TrackTemplate {
    page: Page,
    incident: Incident,
    comments: Vec<Comment>,
}

impl TrackTemplate {
    fn status_label(&self) -> String {
        self.page
            .t(&format!("track-status-{}", self.incident.status))
    }
}

pub async fn track_form(visitor: Visitor) -> WebResult {
    let template = TrackFormTemplate {
        page: visitor.page("track-title"),
        not_found: false,
    };
    Ok(private(render(StatusCode::OK, &template.page, &template)?))
}

#[derive(Debug, Default, Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    code: String,
}

/// The status page, or the 404 page saying nothing about why (wrong, expired or never issued).
async fn show(state: &AppState, visitor: Visitor, code: String) -> WebResult {
    let found = state
        .db
        .run(move |conn| public::track(conn, code.trim()))
        .await;
    let response = match found {
        Ok((incident, comments)) => {
            let template = TrackTemplate {
                page: visitor.page("track-title"),
                incident,
                comments,
            };
            render(StatusCode::OK, &template.page, &template)?
        }
        Err(AppError::NotFound) => {
            let template = TrackFormTemplate {
                page: visitor.page("track-title"),
                not_found: true,
            };
            render(StatusCode::NOT_FOUND, &template.page, &template)?
        }
        Err(other) => return Err(other.into()),
    };
    Ok(private(response))
}

pub async fn track(
    state: web::Data<AppState>,
    visitor: Visitor,
    code: web::Path<String>,
) -> WebResult {
    show(&state, visitor, code.into_inner()).await
}

/// The `/track` form: a lookup, not a change, so no CSRF token; the code travels in the body.
pub async fn track_post(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<TrackForm>,
) -> WebResult {
    show(&state, visitor, form.into_inner().code).await
}

#[cfg(test)]
mod tests {
    use crate::{
        domain::{asset::AssetKind, reference_data, workflow::Status, Locale},
        web::{
            audit::{action_key, KNOWN_ACTIONS},
            i18n::translate,
        },
    };

    /// Keys the public, audit and asset pages build in code exist in every language.
    #[test]
    fn keys_built_in_code_exist_in_every_language() {
        let mut keys: Vec<String> = [
            "report-title",
            "report-throttled-title",
            "receipt-title",
            "track-title",
            "audit-title",
            "audit-err-time",
            "audit-err-actor",
            "audit-err-actor-unknown",
            "audit-err-incident",
            "audit-actor-system",
            "assets-title",
            "asset-title",
            "asset-new-title",
            "assets-any",
            "assets-choose",
            "assets-sector-default",
            "nav-audit",
            "nav-assets",
        ]
        .iter()
        .map(|k| k.to_string())
        .collect();
        keys.extend(Status::ALL.iter().map(|s| format!("track-status-{s}")));
        for t in reference_data::rsit_types() {
            keys.push(format!("report-class-{}", t.class));
            keys.push(format!("report-type-{}", t.type_name));
        }
        keys.extend(AssetKind::ALL.iter().map(|k| format!("assets-kind-{k}")));
        keys.extend((1..=4).map(|c| format!("assets-criticality-{c}")));
        for action in KNOWN_ACTIONS {
            keys.push(action_key(action).unwrap());
        }
        assert_eq!(action_key("evidence.uploaded"), None);
        for locale in Locale::ALL {
            for key in &keys {
                assert_ne!(&translate(*locale, key, &[]), key, "{locale}");
            }
        }
    }
}
