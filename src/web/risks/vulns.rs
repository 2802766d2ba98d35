//! `/vulnerabilities` (the list, loading KEV and EPSS files, recording a CVE), `/exposure`, and
//! linking a CVE to an asset from the asset's page.

use actix_web::{http::StatusCode, web, HttpRequest};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::session::constant_time_eq,
    authz::{self, Action},
    error::{AppError, FieldErrors},
    present::feed,
    services::{
        rows::{Vulnerability, VulnerabilityFilter},
        split_page,
        vulnerabilities::{self as service, AssetVulnerabilityInput, Exposure, VulnerabilityInput},
    },
    state::AppState,
    web::{
        context::{SignedIn, Submitted, WebError, WebResult},
        forms::{page_after, FormErrors},
        i18n::translate,
        page::{render, see_other, Page},
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct VulnQuery {
    #[serde(default)]
    kev: String,
    #[serde(default)]
    min_epss: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: String,
    entries: Option<String>,
    created: Option<String>,
    updated: Option<String>,
    recorded: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    cve: String,
    #[serde(default)]
    cvss_vector: String,
    #[serde(default)]
    summary: String,
}

#[derive(Template)]
#[template(path = "risks/vulnerabilities.html")]
struct ListTemplate {
    page: Page,
    items: Vec<Vulnerability>,
    query: VulnQuery,
    next_href: Option<String>,
    staff: bool,
    /// Problems of a refused file, as `where: what`.
    file_errors: Vec<String>,
    record: RecordForm,
    errors: FormErrors,
}

impl ListTemplate {
    fn epss(&self, ppm: &Option<i32>) -> String {
        ppm.map(|p| format!("{:.3}", f64::from(p) / 1e6))
            .unwrap_or_default()
    }

    fn cvss(&self, tenths: &Option<i32>) -> String {
        tenths
            .map(|t| format!("{:.1}", f64::from(t) / 10.0))
            .unwrap_or_default()
    }
}

async fn list_page(
    state: &AppState,
    ctx: &SignedIn,
    query: VulnQuery,
    file_errors: Vec<String>,
    record: RecordForm,
    errors: FormErrors,
    status: StatusCode,
) -> WebResult {
    authz::require(&ctx.actor, Action::ReadRisks)?;
    let page_req = page_after(&query.after)?;
    let filter = VulnerabilityFilter {
        kev: (query.kev == "true").then_some(true),
        min_epss_ppm: query
            .min_epss
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=1.0).contains(p))
            .map(|p| (p * 1e6).round() as i32),
        q: Some(query.q.trim().to_lowercase()).filter(|q| !q.is_empty()),
    };
    let actor = ctx.actor.clone();
    let rows = state
        .db
        .run(move |conn| service::list(conn, &actor, filter, page_req))
        .await?;
    let (items, next) = split_page(rows, page_req, |v| v.id);
    let mut page = ctx.page("vulns-title");
    if let (Some(e), Some(c), Some(u)) = (&query.entries, &query.created, &query.updated) {
        page.notice = Some(translate(
            page.locale,
            "vulns-import-done",
            &[("entries", e), ("created", c), ("updated", u)],
        ));
    } else if query.recorded.is_some() {
        page.notice = Some(page.t("vulns-recorded"));
    }
    let base = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("kev", &query.kev),
            ("min_epss", &query.min_epss),
            ("q", &query.q),
        ])
        .finish();
    let template = ListTemplate {
        page,
        items,
        next_href: next.map(|c| format!("/vulnerabilities?{base}&after={c}")),
        query,
        staff: authz::allows(ctx.actor.role, Action::ManageVulnerabilities),
        file_errors,
        record,
        errors,
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<VulnQuery>,
) -> WebResult {
    list_page(
        &state,
        &ctx,
        query.into_inner(),
        Vec::new(),
        RecordForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// A KEV or EPSS file from the form (multipart; its CSRF token checked before the file).
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: SignedIn,
    payload: web::Payload,
) -> WebResult {
    authz::require(&ctx.actor, Action::ManageVulnerabilities)?;
    let expected = ctx.session.csrf_token.clone();
    let csrf_ok = move |sent: &str| !expected.is_empty() && constant_time_eq(sent, &expected);
    let read = feed::read(&req, payload, Some(&csrf_ok)).await;
    let (format, bytes) = match read {
        Ok(file) => file,
        Err(AppError::Forbidden) => return Err(WebError::Csrf),
        Err(e) => return Err(e.into()),
    };
    let actor = ctx.actor.clone();
    match state
        .db
        .run(move |conn| service::import(conn, &actor, format, &bytes))
        .await
    {
        Ok(r) => Ok(see_other(&format!(
            "/vulnerabilities?entries={}&created={}&updated={}",
            r.entries, r.created, r.updated
        ))),
        Err(AppError::Validation(FieldErrors(fields))) => {
            let file_errors = fields
                .into_iter()
                .flat_map(|(at, messages)| messages.into_iter().map(move |m| format!("{at}: {m}")))
                .collect();
            let q = VulnQuery::default();
            let (r, e) = (RecordForm::default(), FormErrors::default());
            list_page(
                &state,
                &ctx,
                q,
                file_errors,
                r,
                e,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn record(state: web::Data<AppState>, posted: Submitted<RecordForm>) -> WebResult {
    let Submitted { who, form } = posted;
    let actor = who.actor.clone();
    let input = VulnerabilityInput {
        cve: form.cve.clone(),
        cvss_vector: Some(form.cvss_vector.clone()),
        summary: Some(form.summary.clone()),
    };
    match state
        .db
        .run(move |conn| service::record(conn, &actor, input))
        .await
    {
        Ok((row, _)) => Ok(see_other(&format!(
            "/vulnerabilities?q={}&recorded=1",
            row.cve
        ))),
        Err(error) => {
            let errors = FormErrors::from_error(&who.page, error)?;
            let status = errors.status();
            let q = VulnQuery::default();
            list_page(&state, &who, q, Vec::new(), form, errors, status).await
        }
    }
}

#[derive(Template)]
#[template(path = "risks/exposure.html")]
struct ExposureTemplate {
    page: Page,
    items: Vec<Exposure>,
}

impl ExposureTemplate {
    fn weight(&self, e: &Exposure) -> String {
        format!("{:.3}", e.weight as f64 / 1e6)
    }

    fn reason(&self, v: &Vulnerability) -> String {
        let p = &self.page;
        match (v.kev, v.ransomware_use, v.epss_ppm) {
            (true, true, _) => format!(
                "{}, {}",
                p.t("exposure-reason-kev"),
                p.t("exposure-reason-ransomware")
            ),
            (true, false, _) => p.t("exposure-reason-kev"),
            (false, _, Some(ppm)) => p.t_arg(
                "exposure-reason-epss",
                "epss",
                &format!("{:.3}", f64::from(ppm) / 1e6),
            ),
            (false, _, None) => p.t("exposure-reason-none"),
        }
    }
}

pub async fn exposure(state: web::Data<AppState>, ctx: SignedIn) -> WebResult {
    let actor = ctx.actor.clone();
    let items = state
        .db
        .run(move |conn| service::exposure(conn, &actor))
        .await?;
    let template = ExposureTemplate {
        page: ctx.page("exposure-title"),
        items,
    };
    Ok(render(StatusCode::OK, &template.page, &template)?)
}

#[derive(Debug, Default, Deserialize)]
pub struct AssetLinkForm {
    #[serde(default)]
    cve: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

/// From the asset page: link (or confirm a proposed) CVE, or change a link's status.
pub async fn link_asset(
    state: web::Data<AppState>,
    posted: Submitted<AssetLinkForm>,
    id: web::Path<i64>,
) -> WebResult {
    let Submitted { who, form } = posted;
    let id = id.into_inner();
    let actor = who.actor.clone();
    let input = AssetVulnerabilityInput {
        cve: form.cve,
        status: form.status,
        note: Some(form.note),
    };
    state
        .db
        .run(move |conn| service::link_asset(conn, &actor, id, input))
        .await?;
    Ok(see_other(&format!("/assets/{id}?saved=1#vulnerabilities")))
}
