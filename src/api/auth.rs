use std::collections::BTreeMap;

use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    api::reply::run,
    api::{extract::JsonBody, views::UserView},
    auth::{actor::client_ip, Actor},
    db::DbConn,
    error::{AppError, AppResult, Problem},
    services::{self, auth::LoginAttempt, rows::User},
    state::AppState,
};

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginUser {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub organisation_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub user: LoginUser,
}

/// Sign in with email and password; returns a short-lived bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "Unknown email or wrong password (one answer for both)", body = Problem),
        (status = 422, body = Problem),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = Problem),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    JsonBody(body): JsonBody<LoginRequest>,
) -> AppResult<web::Json<LoginResponse>> {
    let ip = client_ip(&req);
    let limit = state.settings.login_ip_limit as i32;
    let user = state
        .db
        .run(move |conn| {
            services::auth::login(
                conn,
                &LoginAttempt {
                    email: &body.email,
                    password: &body.password,
                    ip: ip.as_deref(),
                    address_limit: limit,
                },
            )
        })
        .await?;
    let access_token = state.tokens.issue(user.id).map_err(AppError::Internal)?;
    Ok(web::Json(LoginResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.ttl_seconds(),
        user: LoginUser {
            id: user.id,
            email: user.email,
            role: user.role,
            organisation_id: user.organisation_id,
        },
    }))
}

/// The signed-in user, with their mail preferences.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    /// Each kind of mail that may be switched off, and whether it is on. Essential mail
    /// (receipts, assignments, new incidents, sharing) is always sent and not listed.
    pub notifications: BTreeMap<String, bool>,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeView), (status = 401, body = Problem)))]
pub async fn me(state: web::Data<AppState>, actor: Actor) -> AppResult<web::Json<MeView>> {
    let me = run(&state, &actor, move |conn, actor| {
        let user = services::users::get(conn, actor, actor.user_id)?;
        me_view(conn, user)
    })
    .await?;
    Ok(web::Json(me))
}

/// What `/me` answers after a read or a change: the account with its mail preferences.
fn me_view(conn: &mut DbConn, user: User) -> AppResult<MeView> {
    let notifications = services::notify::preferences(conn, user.id)?;
    Ok(MeView {
        user: user.into(),
        notifications,
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[validate(length(min = 1, max = 200))]
    pub display_name: Option<String>,
    /// `az`, `en` or `ru`.
    pub locale: Option<String>,
    /// A new password (at least 12 characters, not your email); needs `current_password`.
    pub new_password: Option<String>,
    pub current_password: Option<String>,
    /// Switch kinds of mail on or off, e.g. `{"comment_shared": false}`. Only
    /// `incident_acknowledged`, `comment_shared` and `status_changed` can be switched off.
    pub notifications: Option<BTreeMap<String, bool>>,
}

/// Change your own name, language, password or mail preferences.
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), request_body = UpdateMeRequest,
    responses((status = 200, body = MeView), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn update_me(
    state: web::Data<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<UpdateMeRequest>,
) -> AppResult<web::Json<MeView>> {
    let me = run(&state, &actor, move |conn, actor| {
        let user = services::users::update_own(
            conn,
            actor,
            services::users::OwnPatch {
                display_name: body.display_name,
                locale: body.locale,
                new_password: body.new_password,
                current_password: body.current_password,
                notifications: body.notifications,
            },
        )?;
        me_view(conn, user)
    })
    .await?;
    Ok(web::Json(me))
}
