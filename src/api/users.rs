use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    api::reply::{paged, run},
    api::{
        extract::{optional_id, JsonBody, ListOf, PageQuery},
        views::UserView,
    },
    auth::Actor,
    domain::Role,
    error::{AppResult, FieldErrors, Problem},
    services::rows::UserFilter,
    services::users::{self, UserPatch},
    state::AppState,
};

/// The request body is the service input itself, so a field cannot drift between them.
pub use crate::services::users::UserInput as CreateUser;

/// Create a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<CreateUser>,
) -> AppResult<HttpResponse> {
    let user = run(&state, &actor, move |conn, actor| {
        users::create(conn, actor, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    pub organisation_id: Option<String>,
    pub role: Option<String>,
    /// `true` or `false`.
    pub active: Option<String>,
}

/// The user directory (CERT staff and auditors).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), params(PageQuery, UserQuery),
    responses((status = 200, body = ListOf<UserView>), (status = 403, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    page: web::Query<PageQuery>,
    query: web::Query<UserQuery>,
) -> AppResult<web::Json<ListOf<UserView>>> {
    let mut errors = FieldErrors::new();
    let page = page.page(&mut errors);
    let filter = UserFilter {
        organisation_id: optional_id(
            &mut errors,
            "organisation_id",
            query.organisation_id.as_deref(),
        ),
        role: query
            .role
            .as_deref()
            .filter(|r| !r.is_empty())
            .and_then(|r| errors.check("role", Role::parse(r)))
            .map(|r| r.as_str().to_owned()),
        active: match query.active.as_deref() {
            None | Some("") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                errors.add("active", "must be true or false");
                None
            }
        },
    };
    errors.into_result()?;
    let rows = run(&state, &actor, move |conn, actor| {
        users::list(conn, actor, &filter, page)
    })
    .await?;
    Ok(paged(rows, page, |u| u.id, Into::into))
}

/// One user (CERT staff and auditors; anyone for themselves).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<UserView>> {
    let id = id.into_inner();
    let user = run(&state, &actor, move |conn, actor| {
        users::get(conn, actor, id)
    })
    .await?;
    Ok(web::Json(user.into()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub locale: Option<String>,
    /// `false` deactivates: the user's tokens stop working on the next request.
    pub active: Option<bool>,
    /// Set a new password for the user.
    pub password: Option<String>,
}

/// Change a user's role, language, name, password or active flag (admin).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), request_body = UpdateUser,
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Would leave no active administrator", body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<UpdateUser>,
) -> AppResult<web::Json<UserView>> {
    let id = id.into_inner();
    let user = run(&state, &actor, move |conn, actor| {
        users::update(
            conn,
            actor,
            id,
            UserPatch {
                display_name: body.display_name,
                role: body.role,
                locale: body.locale,
                active: body.active,
                password: body.password,
            },
        )
    })
    .await?;
    Ok(web::Json(user.into()))
}
