//! Who is looking at a page: the extractors HTML handlers take.
//!
//! - `SignedIn`: a live session (re-read with its user on every request); otherwise the browser
//!   is sent to `/login?next=…`.
//! - `Submitted<T>`: a signed-in form post whose `csrf_token` matches the session's, then the
//!   form `T`; a missing or wrong token is refused with 403 before the form is even parsed.
//! - `Visitor`: anyone (the sign-in page, public pages), signed in or not.

use std::{future::Future, pin::Pin};

use actix_web::{
    cookie::{Cookie, SameSite},
    dev::Payload,
    http::StatusCode,
    web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError,
};
use serde::de::DeserializeOwned;

use crate::{
    auth::{
        actor::client_ip,
        session::{
            constant_time_eq, random_token, SessionPolicy, CSRF_FIELD, LOGIN_CSRF_COOKIE,
            SESSION_COOKIE,
        },
        Actor,
    },
    domain::{text, Locale},
    error::{AppError, FieldErrors},
    services,
    services::rows::{SessionRow, User},
    state::AppState,
    web::{
        i18n,
        page::{see_other, Page, PageUser, LANG_COOKIE},
    },
};

/// Why an HTML request did not get its page. Everything but `SignIn` becomes an HTML error page
/// (see `web::errors`).
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("sign-in required")]
    SignIn { next: String },
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error(transparent)]
    App(#[from] AppError),
}

/// Marks a 403 response as a CSRF refusal, so the error page can say what to do about it.
#[derive(Clone, Copy, Debug)]
pub struct CsrfRefused;

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::SignIn { .. } | WebError::App(AppError::Unauthorized) => {
                StatusCode::SEE_OTHER
            }
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::App(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            WebError::SignIn { next } => sign_in_redirect(next),
            WebError::App(AppError::Unauthorized) => sign_in_redirect("/"),
            WebError::Csrf => {
                let mut res = HttpResponse::Forbidden().finish();
                res.extensions_mut().insert(CsrfRefused);
                res
            }
            WebError::App(e) => e.error_response(),
        }
    }
}

fn sign_in_redirect(next: &str) -> HttpResponse {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", next)
        .finish();
    see_other(&format!("/login?{query}"))
}

pub type WebResult = Result<HttpResponse, WebError>;

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("app state missing")))
}

/// Cookies are `Secure` when the public address is https.
pub fn secure_cookies(state: &AppState) -> bool {
    state.settings.base_url.scheme() == "https"
}

pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(secure_cookies(state))
        .same_site(SameSite::Lax)
        .finish()
}

/// A cookie that tells the browser to forget `name`.
pub fn removal_cookie(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "")
        .path("/")
        .http_only(true)
        .secure(secure_cookies(state))
        .same_site(SameSite::Lax)
        .finish();
    cookie.make_removal();
    cookie
}

fn path_and_query(req: &HttpRequest) -> String {
    req.uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
}

/// A visitor's language: `?lang=` (remembered in a cookie), the cookie, `Accept-Language`, or
/// Azerbaijani. Returns whether the choice should be remembered.
pub fn visitor_locale(req: &HttpRequest) -> (Locale, bool) {
    let asked = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Locale::parse(&v).ok());
    if let Some(locale) = asked {
        return (locale, true);
    }
    let remembered = req
        .cookie(LANG_COOKIE)
        .and_then(|c| Locale::parse(c.value()).ok());
    let accepted = || {
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(i18n::from_accept_language)
    };
    (remembered.or_else(accepted).unwrap_or_default(), false)
}

/// The page of someone not signed in (no database work: also used for error pages).
pub fn visitor_page(req: &HttpRequest) -> Page {
    let (locale, remember_locale) = visitor_locale(req);
    let cert_name = state(req)
        .map(|s| s.settings.cert_name.clone())
        .unwrap_or_else(|_| "CERT".into());
    Page {
        locale,
        tz: chrono_tz::Asia::Baku,
        user: None,
        csrf: String::new(),
        path: path_and_query(req),
        title: String::new(),
        cert_name,
        notice: None,
        remember_locale,
        cookies: Vec::new(),
    }
}

pub struct SignedIn {
    pub actor: Actor,
    pub user: User,
    pub session: SessionRow,
    /// Ready for templates; give it a title with `page.clone().with_title(…)` or `ctx.page(…)`.
    pub page: Page,
}

impl SignedIn {
    /// The page context with a translated title.
    pub fn page(&self, title_key: &str) -> Page {
        self.page.clone().with_title(title_key)
    }

    /// The live session of this request, if any.
    pub async fn resolve(req: &HttpRequest) -> Result<Option<Self>, AppError> {
        let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Ok(None);
        };
        let state = state(req)?;
        let policy = SessionPolicy::from_settings(&state.settings);
        let Some((session, user)) = state
            .db
            .run(move |conn| services::sessions::resolve(conn, &policy, &token))
            .await?
        else {
            return Ok(None);
        };
        let actor = Actor::from_user(&user, client_ip(req))?;
        let page = Page {
            locale: actor.locale,
            tz: i18n::time_zone(&user.time_zone),
            user: Some(PageUser::from(&actor)),
            csrf: session.csrf_token.clone(),
            path: path_and_query(req),
            title: String::new(),
            cert_name: state.settings.cert_name.clone(),
            notice: None,
            remember_locale: false,
            cookies: Vec::new(),
        };
        // The error page of this request shows the same header and language.
        req.extensions_mut().insert(page.clone());
        Ok(Some(Self {
            actor,
            user,
            session,
            page,
        }))
    }

    async fn require(req: &HttpRequest) -> Result<Self, WebError> {
        match Self::resolve(req).await? {
            Some(signed_in) => Ok(signed_in),
            None => {
                let next = if req.method() == actix_web::http::Method::GET {
                    path_and_query(req)
                } else {
                    req.path().to_owned()
                };
                Err(WebError::SignIn { next })
            }
        }
    }
}

impl FromRequest for SignedIn {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Self::require(&req).await })
    }
}

/// The `csrf_token` field of a url-encoded body, compared in constant time with `expected`.
pub fn check_csrf(body: &[u8], expected: &str) -> Result<(), WebError> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let sent = fields
        .iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.as_str());
    match sent {
        Some(sent) if !expected.is_empty() && constant_time_eq(sent, expected) => Ok(()),
        _ => Err(WebError::Csrf),
    }
}

/// The form `T` from a url-encoded body; a field holding control characters (`domain::text`)
/// is refused with 422 before any handler sees the form.
pub fn parse_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, WebError> {
    let mut refused = FieldErrors::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if text::check(&key).is_err() || text::check(&value).is_err() {
            refused.add(&text::printable(&key), text::REFUSED);
        }
    }
    refused.into_result()?;
    serde_urlencoded::from_bytes(body)
        .map_err(|e| WebError::App(AppError::BadRequest(format!("invalid form: {e}"))))
}

/// A form post by a signed-in user, CSRF-checked.
pub struct Submitted<T> {
    pub who: SignedIn,
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for Submitted<T> {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let who = SignedIn::require(&req).await?;
            let body = body
                .await
                .map_err(|e| AppError::BadRequest(format!("cannot read the form: {e}")))?;
            check_csrf(&body, &who.session.csrf_token)?;
            let form = parse_form(&body)?;
            Ok(Self { who, form })
        })
    }
}

/// Anyone: the signed-in user's page if there is a session, else a visitor's, carrying the
/// sign-in form's pre-session CSRF token (set as a cookie when new).
pub struct Visitor {
    pub signed_in: Option<SignedIn>,
    pub page: Page,
}

impl Visitor {
    pub fn page(&self, title_key: &str) -> Page {
        self.page.clone().with_title(title_key)
    }
}

impl FromRequest for Visitor {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(signed_in) = SignedIn::resolve(&req).await? {
                let page = signed_in.page.clone();
                return Ok(Self {
                    signed_in: Some(signed_in),
                    page,
                });
            }
            let mut page = visitor_page(&req);
            match req
                .cookie(LOGIN_CSRF_COOKIE)
                .filter(|c| c.value().len() >= 32)
            {
                Some(cookie) => page.csrf = cookie.value().to_owned(),
                None => {
                    let state = state(&req)?;
                    page.csrf = random_token();
                    page.cookies.push(
                        Cookie::build(LOGIN_CSRF_COOKIE, page.csrf.clone())
                            .path("/")
                            .http_only(true)
                            .secure(secure_cookies(&state))
                            .same_site(SameSite::Lax)
                            .finish(),
                    );
                }
            }
            Ok(Self {
                signed_in: None,
                page,
            })
        })
    }
}
