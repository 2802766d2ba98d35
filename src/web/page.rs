//! `Page`: what every template gets — language, time zone, the signed-in user, the CSRF token,
//! the navigation — and the helpers templates call (`t`, `t_arg`, `datetime`, …).

use actix_web::{
    cookie::{time::Duration as CookieDuration, Cookie, SameSite},
    http::{header, StatusCode},
    HttpResponse,
};
use askama::Template;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::{
    auth::Actor,
    authz::{self, Action},
    domain::{Locale, Role},
    error::AppError,
    web::{i18n, static_files},
};

/// A value a template passes however many references deep (askama borrows arguments).
pub trait Arg<T> {
    fn value(&self) -> T;
}

impl Arg<NaiveDateTime> for NaiveDateTime {
    fn value(&self) -> NaiveDateTime {
        *self
    }
}

impl Arg<Option<NaiveDateTime>> for Option<NaiveDateTime> {
    fn value(&self) -> Option<NaiveDateTime> {
        *self
    }
}

impl Arg<i64> for i64 {
    fn value(&self) -> i64 {
        *self
    }
}

impl<T, A: Arg<T> + ?Sized> Arg<T> for &A {
    fn value(&self) -> T {
        (**self).value()
    }
}

/// Remembers a `?lang=` choice of a visitor who is not signed in.
pub const LANG_COOKIE: &str = "qalxan_lang";

#[derive(Clone, Debug)]
pub struct PageUser {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub organisation_id: i64,
}

#[derive(Clone, Debug)]
pub struct NavLink {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// One entry of the language switcher; names are written in their own language.
#[derive(Clone, Debug)]
pub struct Language {
    pub code: &'static str,
    pub short: &'static str,
    pub name: &'static str,
    pub current: bool,
}

#[derive(Clone, Debug)]
pub struct Page {
    pub locale: Locale,
    pub tz: Tz,
    pub user: Option<PageUser>,
    /// The session's CSRF token, or the sign-in form's pre-session token.
    pub csrf: String,
    /// The request path and query, for the language switcher and `next=` links.
    pub path: String,
    pub title: String,
    pub cert_name: String,
    /// A one-line confirmation ("Saved.") shown above the content.
    pub notice: Option<String>,
    /// Set the language cookie on the response (a visitor chose `?lang=`).
    pub remember_locale: bool,
    /// Other cookies the response must set (sign-in form token).
    pub cookies: Vec<Cookie<'static>>,
}

impl Page {
    /// The message `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        i18n::translate(self.locale, key, &[])
    }

    /// The message `key` with one argument.
    pub fn t_arg(&self, key: &str, name: &str, value: &str) -> String {
        i18n::translate(self.locale, key, &[(name, value)])
    }

    pub fn lang(&self) -> &'static str {
        self.locale.as_str()
    }

    pub fn languages(&self) -> Vec<Language> {
        [
            (Locale::Az, "AZ", "Azərbaycanca"),
            (Locale::En, "EN", "English"),
            (Locale::Ru, "RU", "Русский"),
        ]
        .into_iter()
        .map(|(locale, short, name)| Language {
            code: locale.as_str(),
            short,
            name,
            current: locale == self.locale,
        })
        .collect()
    }

    /// A stored UTC time in the reader's zone and format.
    pub fn datetime(&self, utc: impl Arg<NaiveDateTime>) -> String {
        i18n::format_datetime(self.locale, self.tz, utc.value())
    }

    pub fn datetime_opt(&self, utc: impl Arg<Option<NaiveDateTime>>) -> String {
        utc.value()
            .map_or_else(|| self.t("never"), |t| self.datetime(t))
    }

    /// Machine-readable form for `<time datetime=…>`.
    pub fn iso(&self, utc: impl Arg<NaiveDateTime>) -> String {
        crate::domain::time::rfc3339(utc.value())
    }

    pub fn role_label(&self, role: &str) -> String {
        self.t(&format!("role-{role}"))
    }

    pub fn kind_label(&self, kind: &str) -> String {
        self.t(&format!("org-kind-{kind}"))
    }

    pub fn sector_label(&self, sector: &str) -> String {
        self.t(&format!("sector-{sector}"))
    }

    pub fn locale_label(&self, locale: &str) -> String {
        self.t(&format!("locale-{locale}"))
    }

    pub fn asset(&self, name: &str) -> String {
        static_files::url(name)
    }

    /// The current page in another language (visitors; signed-in users post the switch form).
    pub fn lang_href(&self, code: &str) -> String {
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k != "lang")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.push(("lang".into(), code.into()));
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{path}?{query}")
    }

    /// The CSS class of a TLP label: `TLP:AMBER+STRICT` or `amber+strict` → `tlp-amber-strict`.
    pub fn tlp_class(&self, tlp: &str) -> String {
        let value = tlp.trim().to_ascii_lowercase();
        let value = value.strip_prefix("tlp:").unwrap_or(&value);
        format!("tlp-{}", value.replace('+', "-"))
    }

    /// The label as written in every language: `TLP:AMBER+STRICT`.
    pub fn tlp_label(&self, tlp: &str) -> String {
        let value = tlp.trim().to_ascii_uppercase();
        match value.strip_prefix("TLP:") {
            Some(_) => value,
            None => format!("TLP:{value}"),
        }
    }

    /// The navigation for the signed-in user's role. Add a page here to link it.
    pub fn nav(&self) -> Vec<NavLink> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        let mut links = vec![("/", "nav-home")];
        if authz::allows(user.role, Action::ReadIncidents) {
            links.push(("/incidents", "nav-incidents"));
        }
        if authz::allows(user.role, Action::ReadDashboard) {
            links.push(("/dashboard", "nav-dashboard"));
        }
        if authz::allows(user.role, Action::ReadIndicators) {
            links.push(("/stats", "nav-stats"));
        }
        if authz::allows(user.role, Action::ManageUsers) {
            links.push(("/admin/users", "nav-users"));
        }
        if authz::allows(user.role, Action::ManageOrganisations) {
            links.push(("/admin/organisations", "nav-organisations"));
        }
        if authz::allows(user.role, Action::ReadSlaPolicies) {
            links.push(("/admin/sla", "nav-sla"));
        }
        if authz::allows(user.role, Action::ReadAudit) {
            links.push(("/audit", "nav-audit"));
        }
        if authz::allows(user.role, Action::ReadAssets) {
            links.push(("/assets", "nav-assets"));
        }
        if authz::allows(user.role, Action::ReadRisks) {
            links.push(("/risks", "nav-risks"));
            links.push(("/vulnerabilities", "nav-vulnerabilities"));
            links.push(("/exposure", "nav-exposure"));
        }
        links.push(("/profile", "nav-profile"));
        let path = self.path.split('?').next().unwrap_or("/");
        links
            .into_iter()
            .map(|(href, key)| NavLink {
                href,
                label: self.t(key),
                current: if href == "/" {
                    path == "/"
                } else {
                    path == href || path.starts_with(&format!("{href}/"))
                },
            })
            .collect()
    }

    pub fn with_title(mut self, key: &str) -> Self {
        self.title = self.t(key);
        self
    }

    pub fn with_notice(mut self, key: Option<&str>) -> Self {
        self.notice = key.map(|k| self.t(k));
        self
    }

    /// The user as the services see them.
    pub fn is_signed_in(&self) -> bool {
        self.user.is_some()
    }
}

impl From<&Actor> for PageUser {
    fn from(actor: &Actor) -> Self {
        Self {
            id: actor.user_id,
            display_name: actor.display_name.clone(),
            email: actor.email.clone(),
            role: actor.role,
            organisation_id: actor.organisation_id,
        }
    }
}

/// Renders a template into an HTML response: never cached (pages hold personal data), with the
/// cookies the page asked for.
pub fn render<T: Template>(
    status: StatusCode,
    page: &Page,
    template: &T,
) -> Result<HttpResponse, AppError> {
    let body = template
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("template failed: {e}")))?;
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if page.remember_locale {
        response.cookie(
            Cookie::build(LANG_COOKIE, page.lang())
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .max_age(CookieDuration::days(365))
                .finish(),
        );
    }
    for cookie in &page.cookies {
        response.cookie(cookie.clone());
    }
    Ok(response.body(body))
}

/// 303 See Other: where a successful form post sends the browser (post/redirect/get).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// A `next=` target we are willing to redirect to: a local path, never another site (the rule
/// is `domain::redirect`).
pub fn safe_next(next: Option<&str>) -> String {
    crate::domain::redirect::local_path(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str) -> Page {
        Page {
            locale: Locale::En,
            tz: chrono_tz::Asia::Baku,
            user: None,
            csrf: String::new(),
            path: path.into(),
            title: String::new(),
            cert_name: "CERT".into(),
            notice: None,
            remember_locale: false,
            cookies: Vec::new(),
        }
    }

    #[test]
    fn language_links_keep_the_rest_of_the_query() {
        assert_eq!(page("/login").lang_href("ru"), "/login?lang=ru");
        assert_eq!(
            page("/login?next=%2Fadmin&lang=az").lang_href("en"),
            "/login?next=%2Fadmin&lang=en"
        );
    }

    #[test]
    fn tlp_labels_and_classes() {
        let p = page("/");
        assert_eq!(p.tlp_class("TLP:AMBER+STRICT"), "tlp-amber-strict");
        assert_eq!(p.tlp_class("red"), "tlp-red");
        assert_eq!(p.tlp_label("amber+strict"), "TLP:AMBER+STRICT");
        assert_eq!(p.tlp_label("TLP:CLEAR"), "TLP:CLEAR");
    }

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(safe_next(Some("/admin/users?x=1")), "/admin/users?x=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
