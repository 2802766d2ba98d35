use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    api::reply::{paged, run},
    api::{
        extract::{double_option, optional_id, JsonBody, ListOf, PageQuery},
        views::{AssetView, IncidentAssetView},
    },
    auth::Actor,
    domain::{asset::AssetKind, time::to_utc},
    error::{AppResult, FieldErrors, Problem},
    services::assets::{self as service, AssetPatch},
    services::rows::AssetFilter,
    state::AppState,
};

/// The request body is the service input itself, so a field cannot drift between them.
pub use crate::services::assets::AssetInput as CreateAsset;

/// Register an asset (CERT staff), or propose one of your own organisation (reporters).
#[utoipa::path(post, path = "/api/v1/assets", tag = "assets", security(("bearer" = [])), request_body = CreateAsset,
    responses((status = 201, body = AssetView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<CreateAsset>,
) -> AppResult<HttpResponse> {
    let created = run(&state, &actor, move |conn, actor| {
        service::create(conn, actor, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(AssetView::from(created)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetQuery {
    pub organisation_id: Option<String>,
    pub kind: Option<String>,
    /// `true` or `false`: proposals waiting for approval are `false`.
    pub approved: Option<String>,
}

/// The registry: all of it for CERT staff and auditors, your organisation's for reporters.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets", security(("bearer" = [])), params(PageQuery, AssetQuery),
    responses((status = 200, body = ListOf<AssetView>), (status = 403, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    page: web::Query<PageQuery>,
    query: web::Query<AssetQuery>,
) -> AppResult<web::Json<ListOf<AssetView>>> {
    let mut errors = FieldErrors::new();
    let page = page.page(&mut errors);
    let filter = AssetFilter {
        only_organisation: None,
        organisation_id: optional_id(
            &mut errors,
            "organisation_id",
            query.organisation_id.as_deref(),
        ),
        kind: query
            .kind
            .as_deref()
            .filter(|k| !k.is_empty())
            .and_then(|k| errors.check("kind", AssetKind::parse(k)))
            .map(|k| k.as_str().to_owned()),
        approved: match query.approved.as_deref() {
            None | Some("") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                errors.add("approved", "must be true or false");
                None
            }
        },
    };
    errors.into_result()?;
    let rows = run(&state, &actor, move |conn, actor| {
        service::list(conn, actor, filter, page)
    })
    .await?;
    Ok(paged(rows, page, |a| a.id, Into::into))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetIncidentView {
    pub incident_id: i64,
    pub reference: String,
    pub title: String,
    pub status: String,
    pub impact: Option<String>,
    pub linked_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetDetail {
    #[serde(flatten)]
    pub asset: AssetView,
    /// The incidents that affected it (those you may see), newest first.
    pub incidents: Vec<AssetIncidentView>,
}

/// One asset with its incident history.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets", security(("bearer" = [])),
    responses((status = 200, body = AssetDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<AssetDetail>> {
    let id = id.into_inner();
    let (asset, history) = run(&state, &actor, move |conn, actor| {
        service::get(conn, actor, id)
    })
    .await?;
    Ok(web::Json(AssetDetail {
        asset: asset.into(),
        incidents: history
            .into_iter()
            .map(|h| AssetIncidentView {
                incident_id: h.link.incident_id,
                reference: h.reference,
                title: h.title,
                status: h.status,
                impact: h.link.impact,
                linked_at: to_utc(h.link.created_at),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAsset {
    pub name: Option<String>,
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub hostname: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub ip: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub domain: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub sector: Option<Option<String>>,
    pub criticality: Option<i32>,
    /// Approve a reporter's proposal.
    pub approved: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub vendor: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub product: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub cpe: Option<Option<String>>,
}

/// Change or approve an asset (CERT staff).
#[utoipa::path(patch, path = "/api/v1/assets/{id}", tag = "assets", security(("bearer" = [])), request_body = UpdateAsset,
    responses((status = 200, body = AssetView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<UpdateAsset>,
) -> AppResult<web::Json<AssetView>> {
    let id = id.into_inner();
    let updated = run(&state, &actor, move |conn, actor| {
        service::update(
            conn,
            actor,
            id,
            AssetPatch {
                name: body.name,
                kind: body.kind,
                hostname: body.hostname,
                ip: body.ip,
                domain: body.domain,
                sector: body.sector,
                criticality: body.criticality,
                approved: body.approved,
                vendor: body.vendor,
                product: body.product,
                cpe: body.cpe,
            },
        )
    })
    .await?;
    Ok(web::Json(updated.into()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkAsset {
    pub asset_id: i64,
    /// What the incident did to the asset.
    pub impact: Option<String>,
}

/// Record that the incident affects an asset (CERT staff).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/assets", tag = "assets", security(("bearer" = [])), request_body = LinkAsset,
    responses((status = 201, body = IncidentAssetView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn link(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<LinkAsset>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (link, asset) = run(&state, &actor, move |conn, actor| {
        service::link(conn, actor, id, body.asset_id, body.impact)
    })
    .await?;
    Ok(HttpResponse::Created().json(IncidentAssetView::from((link, asset))))
}

/// The assets an incident affects.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/assets", tag = "assets", security(("bearer" = [])),
    responses((status = 200, body = Vec<IncidentAssetView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn links(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<IncidentAssetView>>> {
    let id = id.into_inner();
    let rows = run(&state, &actor, move |conn, actor| {
        service::links(conn, actor, id)
    })
    .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}
