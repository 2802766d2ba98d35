use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    api::reply::{paged, run},
    api::{
        extract::{JsonBody, ListOf, PageQuery},
        views::OrganisationView,
    },
    auth::Actor,
    error::{AppResult, FieldErrors, Problem},
    services::organisations::{self, OrganisationInput, OrganisationPatch},
    state::AppState,
};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// `cert`, `government`, `cii_operator`, `private`, `law_enforcement`, `partner_cert` or `public`.
    pub kind: String,
    /// A NIS2 sector code, e.g. `banking`.
    pub sector: Option<String>,
    pub contact_email: Option<String>,
    /// NIS2: `essential`, `important` or `none` (default).
    pub nis2_entity: Option<String>,
}

/// Create an organisation (admin).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])),
    request_body = CreateOrganisation,
    responses((status = 201, body = OrganisationView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<CreateOrganisation>,
) -> AppResult<HttpResponse> {
    let org = run(&state, &actor, move |conn, actor| {
        organisations::create(
            conn,
            actor,
            OrganisationInput {
                name: body.name,
                kind: body.kind,
                sector: body.sector,
                contact_email: body.contact_email,
                nis2_entity: body.nis2_entity,
            },
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(OrganisationView::from(org)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationFilter {
    /// Only organisations of this kind.
    pub kind: Option<String>,
}

/// Organisations visible to you: all for CERT staff and auditors, your own otherwise.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])),
    params(PageQuery, OrganisationFilter),
    responses((status = 200, body = ListOf<OrganisationView>), (status = 401, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    page: web::Query<PageQuery>,
    filter: web::Query<OrganisationFilter>,
) -> AppResult<web::Json<ListOf<OrganisationView>>> {
    let mut errors = FieldErrors::new();
    let page = page.page(&mut errors);
    let kind = filter.into_inner().kind.filter(|k| !k.is_empty());
    if let Some(k) = &kind {
        errors.check("kind", crate::domain::OrganisationKind::parse(k));
    }
    errors.into_result()?;
    let rows = run(&state, &actor, move |conn, actor| {
        organisations::list(conn, actor, kind.as_deref(), page)
    })
    .await?;
    Ok(paged(rows, page, |o| o.id, Into::into))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = OrganisationView), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<OrganisationView>> {
    let id = id.into_inner();
    let org = run(&state, &actor, move |conn, actor| {
        organisations::get(conn, actor, id)
    })
    .await?;
    Ok(web::Json(org.into()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganisation {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::api::extract::double_option")]
    #[schema(value_type = Option<String>)]
    pub sector: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::extract::double_option")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    pub active: Option<bool>,
    /// NIS2: `essential`, `important` or `none`.
    pub nis2_entity: Option<String>,
}

/// Change an organisation (admin). `null` clears `sector` or `contact_email`.
#[utoipa::path(patch, path = "/api/v1/organisations/{id}", tag = "organisations", security(("bearer" = [])),
    request_body = UpdateOrganisation,
    responses((status = 200, body = OrganisationView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Another organisation has this name", body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<UpdateOrganisation>,
) -> AppResult<web::Json<OrganisationView>> {
    let id = id.into_inner();
    let org = run(&state, &actor, move |conn, actor| {
        organisations::update(
            conn,
            actor,
            id,
            OrganisationPatch {
                name: body.name,
                sector: body.sector,
                contact_email: body.contact_email,
                active: body.active,
                nis2_entity: body.nis2_entity,
            },
        )
    })
    .await?;
    Ok(web::Json(org.into()))
}
