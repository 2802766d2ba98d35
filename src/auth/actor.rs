//! The authenticated caller, extracted once per request from the bearer token and re-read from
//! the database, so deactivation and role changes apply on the very next request.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::{
    db::models::user::User,
    domain::{Locale, Role},
    error::AppError,
    state::AppState,
};

#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: i64,
    pub locale: Locale,
    pub ip: Option<String>,
}

impl Actor {
    pub fn from_user(user: &User, ip: Option<String>) -> Result<Self, AppError> {
        Ok(Self {
            user_id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            role: Role::parse(&user.role)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("stored role: {e}")))?,
            organisation_id: user.organisation_id,
            locale: Locale::parse(&user.locale).unwrap_or_default(),
            ip,
        })
    }
}

/// The peer's address. Forwarded headers are not trusted: they are the client's to forge, and the
/// address feeds login throttling and the audit trail.
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for Actor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let ip = client_ip(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("app state missing")))?;
            let user_id = token
                .and_then(|t| state.tokens.verify(&t))
                .ok_or(AppError::Unauthorized)?;
            let user = state
                .db
                .run(move |conn| Ok(crate::db::models::user::find(conn, user_id)?))
                .await
                .map_err(|e| match e {
                    AppError::NotFound => AppError::Unauthorized,
                    other => other,
                })?;
            if !user.active {
                return Err(AppError::Unauthorized);
            }
            Actor::from_user(&user, ip)
        })
    }
}
