use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    api::reply::{paged, run},
    api::{
        extract::{JsonBody, ListOf, PageQuery},
        views::risk::{
            AssetVulnerabilitiesView, AssetVulnerabilityView, ExposureView, VulnerabilityView,
        },
    },
    auth::Actor,
    error::{AppResult, FieldErrors, Problem},
    present::feed,
    services::{
        rows::VulnerabilityFilter,
        vulnerabilities::{self as service, AssetVulnerabilityInput},
    },
    state::AppState,
};

/// The request bodies are the service inputs themselves.
pub use crate::services::vulnerabilities::{
    AssetVulnerabilityInput as LinkVulnerability, VulnerabilityInput as CreateVulnerability,
};

/// A file as the import takes it (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)] // documents the form only
pub struct VulnerabilityFile {
    /// The KEV catalogue (JSON) or an EPSS file (CSV); told apart by the part's type, the
    /// file name's extension, or its first character.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportSummary {
    /// `kev` or `epss`.
    pub format: String,
    pub entries: usize,
    pub created: usize,
    pub updated: usize,
}

/// Load the CISA KEV catalogue (`application/json`) or a FIRST EPSS file (`text/csv`, with its
/// comment line), as the body or as the `file` part of a form. Re-importing updates; a
/// malformed file is 422 naming the entry or line, and nothing of it is kept.
#[utoipa::path(post, path = "/api/v1/vulnerabilities/import", tag = "vulnerabilities", security(("bearer" = [])),
    request_body(content(
        (VulnerabilityFile = "multipart/form-data"),
        (String = "application/json"),
        (String = "text/csv"),
    )),
    responses((status = 200, body = ImportSummary), (status = 403, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    actor: Actor,
    payload: web::Payload,
) -> AppResult<web::Json<ImportSummary>> {
    crate::authz::require(&actor, crate::authz::Action::ManageVulnerabilities)?;
    let (format, bytes) = feed::read(&req, payload, None).await?;
    let report = run(&state, &actor, move |conn, actor| {
        service::import(conn, actor, format, &bytes)
    })
    .await?;
    Ok(web::Json(ImportSummary {
        format: report.format.as_str().into(),
        entries: report.entries,
        created: report.created,
        updated: report.updated,
    }))
}

/// Record a CVE with its CVSS vector (3.x or 4.0, scored by the RustSec `cvss` crate); a
/// known CVE is updated (200).
#[utoipa::path(post, path = "/api/v1/vulnerabilities", tag = "vulnerabilities", security(("bearer" = [])),
    request_body = CreateVulnerability,
    responses((status = 201, body = VulnerabilityView), (status = 200, body = VulnerabilityView),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<CreateVulnerability>,
) -> AppResult<HttpResponse> {
    let (row, created) = run(&state, &actor, move |conn, actor| {
        service::record(conn, actor, body)
    })
    .await?;
    let view = VulnerabilityView::from(row);
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VulnerabilityQuery {
    /// `true`: only entries of the KEV catalogue.
    pub kev: Option<String>,
    /// Only EPSS probabilities at least this (0 to 1).
    pub min_epss: Option<String>,
    /// Text in the CVE, vendor, product or summary.
    pub q: Option<String>,
}

impl VulnerabilityQuery {
    pub fn filter(&self, errors: &mut FieldErrors) -> VulnerabilityFilter {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        VulnerabilityFilter {
            kev: match given(&self.kev).as_deref() {
                None => None,
                Some("true") => Some(true),
                Some("false") => Some(false),
                Some(_) => {
                    errors.add("kev", "must be true or false");
                    None
                }
            },
            min_epss_ppm: given(&self.min_epss).and_then(|m| {
                errors.check(
                    "min_epss",
                    m.parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=1.0).contains(p))
                        .map(|p| (p * 1e6).round() as i32)
                        .ok_or_else(|| "must be a number from 0 to 1".to_owned()),
                )
            }),
            q: given(&self.q).map(|q| q.to_lowercase()),
        }
    }
}

/// Known vulnerabilities (everyone but liaisons).
#[utoipa::path(get, path = "/api/v1/vulnerabilities", tag = "vulnerabilities", security(("bearer" = [])),
    params(PageQuery, VulnerabilityQuery),
    responses((status = 200, body = ListOf<VulnerabilityView>), (status = 403, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    page: web::Query<PageQuery>,
    query: web::Query<VulnerabilityQuery>,
) -> AppResult<web::Json<ListOf<VulnerabilityView>>> {
    let mut errors = FieldErrors::new();
    let page = page.page(&mut errors);
    let filter = query.filter(&mut errors);
    errors.into_result()?;
    let rows = run(&state, &actor, move |conn, actor| {
        service::list(conn, actor, filter, page)
    })
    .await?;
    Ok(paged(rows, page, |v| v.id, Into::into))
}

/// One vulnerability by its CVE identifier.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/{cve}", tag = "vulnerabilities", security(("bearer" = [])),
    params(("cve" = String, Path, description = "CVE-YYYY-NNNN")),
    responses((status = 200, body = VulnerabilityView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    cve: web::Path<String>,
) -> AppResult<web::Json<VulnerabilityView>> {
    let cve = cve.into_inner();
    let row = run(&state, &actor, move |conn, actor| {
        service::get(conn, actor, &cve)
    })
    .await?;
    Ok(web::Json(row.into()))
}

/// Link a known CVE to an asset (or change the link's status): reporters for their own
/// organisation's assets, CERT staff for any.
#[utoipa::path(post, path = "/api/v1/assets/{id}/vulnerabilities", tag = "vulnerabilities", security(("bearer" = [])),
    request_body = LinkVulnerability,
    responses((status = 201, body = AssetVulnerabilityView), (status = 200, body = AssetVulnerabilityView),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn link_asset(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<AssetVulnerabilityInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (link, v, created) = run(&state, &actor, move |conn, actor| {
        service::link_asset(conn, actor, id, body)
    })
    .await?;
    let view = AssetVulnerabilityView::from((link, v));
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// An asset's vulnerabilities, and KEV entries proposed for its vendor and product.
#[utoipa::path(get, path = "/api/v1/assets/{id}/vulnerabilities", tag = "vulnerabilities", security(("bearer" = [])),
    responses((status = 200, body = AssetVulnerabilitiesView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn of_asset(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<AssetVulnerabilitiesView>> {
    let id = id.into_inner();
    let found = run(&state, &actor, move |conn, actor| {
        service::of_asset(conn, actor, id)
    })
    .await?;
    Ok(web::Json(AssetVulnerabilitiesView {
        items: found.linked.into_iter().map(Into::into).collect(),
        proposed: found.proposed.into_iter().map(Into::into).collect(),
    }))
}

/// Assets with open vulnerabilities, most exposed first (criticality × (KEV ? 1 : EPSS)),
/// with the reasons: your organisation's for reporters, all for CERT staff and auditors.
#[utoipa::path(get, path = "/api/v1/exposure", tag = "vulnerabilities", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = ListOf<ExposureView>), (status = 403, body = Problem)))]
pub async fn exposure(
    state: web::Data<AppState>,
    actor: Actor,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<ListOf<ExposureView>>> {
    let mut errors = FieldErrors::new();
    let page = page.page(&mut errors);
    errors.into_result()?;
    let all = run(&state, &actor, move |conn, actor| {
        service::exposure(conn, actor)
    })
    .await?;
    // The order is computed, so the cursor is a position in it.
    let start = page.after.unwrap_or(0).max(0) as usize;
    let rows: Vec<(i64, _)> = all
        .into_iter()
        .enumerate()
        .skip(start)
        .map(|(i, e)| (i as i64 + 1, e))
        .collect();
    Ok(paged(
        rows,
        page,
        |(position, _)| *position,
        |(_, e)| ExposureView::from(e),
    ))
}
