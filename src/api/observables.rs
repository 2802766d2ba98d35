use actix_web::{http::header, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    api::reply::run,
    api::{
        extract::{parse_json, JsonBody, PageQuery},
        views::{AssetView, ObservableView, SightingView},
    },
    auth::Actor,
    domain::text,
    error::{AppError, AppResult, FieldErrors, Problem},
    services::{
        observables::{self as service, NewIndicator, Sighting},
        split_page,
    },
    state::AppState,
};

fn sighting_view(s: Sighting) -> SightingView {
    SightingView {
        incident_id: s.incident_id,
        reference: s.reference,
        observable_id: s.observable_id,
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateObservable {
    /// `ip`, `cidr`, `domain`, `url`, `email`, `md5`, `sha1`, `sha256`, `filename`, `asn` or `other`.
    pub kind: String,
    /// Normalised before storing; defanged forms (`hxxp`, `[.]`) are accepted.
    pub value: String,
    /// Defaults to the incident's TLP.
    pub tlp: Option<String>,
    pub note: Option<String>,
}

/// Record an observable on an incident (CERT staff). An IP inside a registered asset's range
/// links that asset to the incident.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/observables", tag = "observables", security(("bearer" = [])),
    request_body = CreateObservable,
    responses((status = 201, body = ObservableView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<CreateObservable>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let created = run(&state, &actor, move |conn, actor| {
        let created = service::add(
            conn,
            actor,
            id,
            NewIndicator {
                kind: body.kind,
                value: body.value,
                tlp: body.tlp,
                note: body.note,
            },
        )?;
        service::list(conn, actor, id)
            .map(|all| all.into_iter().find(|d| d.observable.id == created.id))
    })
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Created().json(ObservableView::new(
        created.observable,
        created
            .also_seen_in
            .into_iter()
            .map(sighting_view)
            .collect(),
        created.assets.into_iter().map(AssetView::from).collect(),
    )))
}

/// The incident's observables you may see, with "also seen in" and matching assets.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/observables", tag = "observables", security(("bearer" = [])),
    responses((status = 200, body = Vec<ObservableView>), (status = 404, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<ObservableView>>> {
    let id = id.into_inner();
    let rows = run(&state, &actor, move |conn, actor| {
        service::list(conn, actor, id)
    })
    .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|d| {
                ObservableView::new(
                    d.observable,
                    d.also_seen_in.into_iter().map(sighting_view).collect(),
                    d.assets.into_iter().map(AssetView::from).collect(),
                )
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CorrelationQuery {
    /// The indicator to look up, in any common form.
    pub value: String,
    /// Its kind; guessed from the value when left out.
    pub kind: Option<String>,
}

/// A list page like every other (`items`, `next_cursor`), headed by what was looked up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Correlation {
    pub kind: String,
    /// The value as it was normalised for the lookup.
    pub value: String,
    /// Incidents you may see where it was recorded, newest first.
    pub items: Vec<SightingView>,
    pub next_cursor: Option<String>,
}

/// Every incident you may see that shares an indicator.
#[utoipa::path(get, path = "/api/v1/observables", tag = "observables", security(("bearer" = [])), params(CorrelationQuery, PageQuery),
    responses((status = 200, body = Correlation), (status = 422, body = Problem)))]
pub async fn correlate(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<CorrelationQuery>,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Correlation>> {
    let CorrelationQuery { value, kind } = query.into_inner();
    let mut errors = FieldErrors::new();
    let page = page.page(&mut errors);
    errors.into_result()?;
    let (kind, value, found) = run(&state, &actor, move |conn, actor| {
        service::correlate(conn, actor, &value, kind.as_deref(), page)
    })
    .await?;
    // An indicator is recorded once per incident, so the incident id orders the pages.
    let (found, next_cursor) = split_page(found, page, |s| s.incident_id);
    Ok(web::Json(Correlation {
        kind: kind.as_str().to_owned(),
        value,
        items: found.into_iter().map(sighting_view).collect(),
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportObservables {
    /// One indicator per line, or CSV lines `kind,value[,tlp]`; `#` starts a comment.
    pub text: String,
    /// TLP for lines that give none (default: the incident's).
    pub tlp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportLineError {
    pub line: usize,
    pub value: String,
    pub error: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub created: usize,
    pub duplicates: usize,
    pub errors: Vec<ImportLineError>,
}

/// Import a list of indicators (JSON `{text}`, or the list itself as `text/plain` or `text/csv`).
/// Valid lines are kept; the others are reported with their line number.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/observables/import", tag = "observables", security(("bearer" = [])),
    request_body(content = ImportObservables, description = "or a text/plain or text/csv body"),
    responses((status = 200, body = ImportResult), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem)))]
pub async fn import(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<web::Json<ImportResult>> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let (text, tlp) = match content_type.as_str() {
        "application/json" => {
            let parsed: ImportObservables = parse_json(&body)?;
            (parsed.text, parsed.tlp)
        }
        "text/plain" | "text/csv" => (
            String::from_utf8(body.to_vec())
                .map_err(|_| AppError::BadRequest("the list must be UTF-8 text".into()))
                .and_then(|list| {
                    // The body stands for the JSON form's `text` field, under the same rule.
                    text::check(&list).map_err(|m| AppError::field("text", m))?;
                    Ok(list)
                })?,
            req.uri().query().and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "tlp")
                    .map(|(_, v)| v.into_owned())
            }),
        ),
        _ => {
            return Err(AppError::UnsupportedMediaType(
                "send application/json, text/plain or text/csv".into(),
            ))
        }
    };
    let id = id.into_inner();
    let report = run(&state, &actor, move |conn, actor| {
        service::import(conn, actor, id, &text, tlp.as_deref())
    })
    .await?;
    Ok(web::Json(ImportResult {
        created: report.created.len(),
        duplicates: report.duplicates,
        errors: report
            .errors
            .into_iter()
            .map(|(line, value, error)| ImportLineError { line, value, error })
            .collect(),
    }))
}
