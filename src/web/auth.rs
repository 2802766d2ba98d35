//! Signing in and out of the web UI, and choosing the language.
//!
//! Sign-in goes through `services::auth::login`, the same as the API: same throttle, same audit.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::{
        actor::client_ip,
        session::{session_id, SessionPolicy, LOGIN_CSRF_COOKIE, SESSION_COOKIE},
    },
    error::AppError,
    services::{self, auth::LoginAttempt, rows::User},
    state::AppState,
    web::{
        context::{
            check_csrf, parse_form, removal_cookie, session_cookie, Submitted, Visitor, WebError,
            WebResult,
        },
        forms::FormErrors,
        page::{render, safe_next, see_other, Page},
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    page: Page,
    email: String,
    next: String,
    errors: FormErrors,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

pub async fn login_page(visitor: Visitor, query: web::Query<LoginQuery>) -> WebResult {
    let next = safe_next(query.next.as_deref());
    if visitor.signed_in.is_some() {
        return Ok(see_other(&next));
    }
    let page = visitor
        .page("login-title")
        .with_notice(query.signed_out.as_ref().map(|_| "login-signed-out"));
    let template = LoginTemplate {
        page,
        email: String::new(),
        next,
        errors: FormErrors::default(),
    };
    Ok(render(StatusCode::OK, &template.page, &template)?)
}

/// The sign-in form again with one message above it; the email address stays as typed.
fn refused(status: StatusCode, key: &str, page: Page, email: String, next: String) -> WebResult {
    let mut errors = FormErrors::default();
    errors.general.push(page.t(key));
    let template = LoginTemplate {
        page,
        email,
        next,
        errors,
    };
    Ok(render(status, &template.page, &template)?)
}

/// The account behind the form's credentials, through the same throttle and audit as the API.
async fn check_credentials(
    state: &AppState,
    req: &HttpRequest,
    form: &LoginForm,
) -> Result<User, AppError> {
    let ip = client_ip(req);
    let limit = state.settings.login_ip_limit as i32;
    let (email, password) = (form.email.clone(), form.password.clone());
    state
        .db
        .run(move |conn| {
            services::auth::login(
                conn,
                &LoginAttempt {
                    email: &email,
                    password: &password,
                    ip: ip.as_deref(),
                    address_limit: limit,
                },
            )
        })
        .await
}

/// A new session for `user` (the browser's previous one deleted), then on to `next`.
async fn start_session(state: &AppState, req: &HttpRequest, user: User, next: &str) -> WebResult {
    let policy = SessionPolicy::from_settings(&state.settings);
    let previous = req.cookie(SESSION_COOKIE).map(|c| session_id(c.value()));
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // The response is built before the session exists: one that cannot be sent must not leave
    // a session row behind. (`safe_next` only passes valid header values; this is the backstop.)
    let mut response = see_other(next);
    if let Some(error) = response.error() {
        return Err(AppError::Internal(anyhow::anyhow!("cannot redirect to next: {error}")).into());
    }
    response
        .add_cookie(&removal_cookie(state, LOGIN_CSRF_COOKIE))
        .map_err(|e| AppError::Internal(e.into()))?;
    let (token, _) = state
        .db
        .run(move |conn| {
            services::sessions::start(
                conn,
                &policy,
                &user,
                user_agent.as_deref(),
                previous.as_deref(),
            )
        })
        .await?;
    response
        .add_cookie(&session_cookie(state, token))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    body: web::Bytes,
) -> WebResult {
    // No session yet: the token must match the one the sign-in form was served with.
    let expected = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    check_csrf(&body, &expected)?;
    let form: LoginForm = parse_form(&body)?;
    let next = safe_next(form.next.as_deref());
    let page = visitor.page("login-title");
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    if form.email.len() > 254 || form.password.len() > 1024 {
        return refused(unprocessable, "login-failed", page, String::new(), next);
    }
    match check_credentials(&state, &req, &form).await {
        Ok(user) => start_session(&state, &req, user, &next).await,
        Err(AppError::Unauthorized) => {
            refused(unprocessable, "login-failed", page, form.email, next)
        }
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            let status = StatusCode::TOO_MANY_REQUESTS;
            let mut response = refused(status, "login-throttled", page, form.email, next)?;
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                retry_after_secs.max(1).into(),
            );
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutTemplate {
    page: Page,
}

/// Signing out changes state, so it is a form post; following a link only asks.
pub async fn logout_page(visitor: Visitor) -> WebResult {
    if visitor.signed_in.is_none() {
        return Ok(see_other("/login"));
    }
    let template = LogoutTemplate {
        page: visitor.page("logout-title"),
    };
    Ok(render(StatusCode::OK, &template.page, &template)?)
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    posted: Submitted<EmptyForm>,
) -> WebResult {
    let row = posted.who.session.clone();
    let ip = client_ip(&req);
    state
        .db
        .run(move |conn| services::sessions::end(conn, &row, ip))
        .await?;
    let mut response = see_other("/login?signed_out=1");
    response
        .add_cookie(&removal_cookie(&state, SESSION_COOKIE))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// A signed-in user's language is their stored preference: the switcher changes it.
pub async fn set_language(
    state: web::Data<AppState>,
    posted: Submitted<LanguageForm>,
) -> Result<HttpResponse, WebError> {
    let Submitted { who, form } = posted;
    let next = safe_next(form.next.as_deref());
    let actor = who.actor.clone();
    state
        .db
        .run(move |conn| {
            services::users::update_own(
                conn,
                &actor,
                services::users::OwnPatch {
                    display_name: None,
                    locale: Some(form.lang),
                    new_password: None,
                    current_password: None,
                    notifications: None,
                },
            )
        })
        .await?;
    Ok(see_other(&next))
}
