//! The web UI: server-rendered HTML (askama templates under `web/templates/`, compiled in),
//! our own CSS and script (`web/static/`, embedded), translations (`web/i18n/`, embedded).
//! Every page works without JavaScript; every state-changing form carries a CSRF token.
//!
//! Adding a page:
//! 1. a handler taking `SignedIn` (GET) or `Submitted<Form>` (POST; CSRF already checked) that
//!    calls the service (the service does `authz::require` and the audit), then
//!    `render(StatusCode::OK, &template.page, &template)` or `see_other(...)` after a post;
//! 2. a template struct with a `page: Page` field (`ctx.page("title-key")`) and a template that
//!    `{% extends "base.html" %}` and fills `{% block content %}`;
//! 3. its strings in `web/i18n/{az,en,ru}/*.ftl` (a unit test checks all three have every key);
//! 4. a line in `routes` below, and a `nav()` entry in `page.rs` if it belongs in the menu.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod context;
pub mod errors;
pub mod export;
pub mod forms;
pub mod home;
pub mod incidents;
pub mod page;
pub mod profile;
pub mod public;
pub mod registry;
pub mod risks;
pub mod static_files;
pub mod stats;

/// Translations are shared with the printable case report, which the API serves as well.
pub use crate::present::i18n;

use actix_web::web;

pub use context::{SignedIn, Submitted, Visitor, WebError, WebResult};
pub use page::{render, see_other, Page};

pub fn routes(cfg: &mut web::ServiceConfig) {
    use admin::{organisations, sla, users};
    cfg.configure(incidents::routes);
    cfg.configure(risks::routes);
    cfg.route("/", web::get().to(home::home))
        .route("/static/{path:.*}", web::get().to(static_files::serve))
        .service(
            web::resource("/login")
                .get(auth::login_page)
                .post(auth::login),
        )
        .service(
            web::resource("/logout")
                .get(auth::logout_page)
                .post(auth::logout),
        )
        .route("/language", web::post().to(auth::set_language))
        .route("/incidents/{id}/export", web::get().to(export::export))
        .service(
            web::resource("/profile")
                .get(profile::page)
                .post(profile::save),
        )
        .service(
            web::resource("/report")
                .get(public::report_form)
                .post(public::report_submit),
        )
        .service(
            web::resource("/track")
                .get(public::track_form)
                .post(public::track_post),
        )
        .route("/track/{code}", web::get().to(public::track))
        .route("/dashboard", web::get().to(stats::dashboard))
        .route("/stats", web::get().to(stats::kpis))
        .route("/stats.csv", web::get().to(stats::kpis_csv))
        .route("/stats/national", web::get().to(stats::national))
        .route("/audit", web::get().to(audit::log))
        .route("/audit/csv", web::get().to(audit::csv))
        .route("/audit/verify", web::post().to(audit::verify))
        .route("/audit/bundle", web::post().to(audit::bundle))
        .service(
            web::resource("/assets")
                .get(registry::list)
                .post(registry::create),
        )
        .route("/assets/new", web::get().to(registry::new_form))
        .service(
            web::resource("/assets/{id}")
                .get(registry::show)
                .post(registry::update),
        )
        .service(
            web::resource("/admin/users")
                .get(users::list)
                .post(users::create),
        )
        .route("/admin/users/new", web::get().to(users::new_form))
        .service(
            web::resource("/admin/users/{id}")
                .get(users::edit_form)
                .post(users::update),
        )
        .service(
            web::resource("/admin/organisations")
                .get(organisations::list)
                .post(organisations::create),
        )
        .route(
            "/admin/organisations/new",
            web::get().to(organisations::new_form),
        )
        .service(
            web::resource("/admin/organisations/{id}")
                .get(organisations::edit_form)
                .post(organisations::update),
        )
        .route("/admin/sla", web::get().to(sla::show))
        .route("/admin/sla/{severity}", web::post().to(sla::update));
}

#[cfg(test)]
mod tests {
    use crate::{
        domain::{reference_data, Locale, OrganisationKind, Role},
        web::i18n::translate,
    };

    /// Keys built in Rust (labels of codes, titles, notices) exist in every language: a missing
    /// one would show as the key itself.
    #[test]
    fn keys_built_in_code_exist_in_every_language() {
        let mut keys: Vec<String> = [
            "login-title",
            "login-failed",
            "login-throttled",
            "login-signed-out",
            "logout-title",
            "home-title",
            "users-title",
            "user-new-title",
            "user-edit-title",
            "organisations-title",
            "organisation-new-title",
            "organisation-edit-title",
            "notice-created",
            "notice-saved",
            "nav-home",
            "nav-users",
            "nav-organisations",
            "nav-incidents",
            "nav-dashboard",
            "nav-stats",
            "dash-title",
            "stats-title",
            "national-title",
            "stats-total",
            "stats-seconds",
            "stats-minutes",
            "stats-hours",
            "stats-days",
            "stats-trend-title",
            "stats-volume-class",
            "stats-volume-sector",
            "stats-axis-month",
            "stats-axis-hours",
            "stats-axis-class",
            "stats-axis-sector",
            "dash-axis-day",
            "stats-axis-category",
            "dash-axis-incidents",
            "dash-daily-title",
            "dash-open-total",
            "dash-unassigned",
            "dash-overdue-ack",
            "dash-overdue-contain",
            "dash-overdue-resolve",
            "dash-intake-24h",
            "dash-intake-7d",
            "national-whole-year",
            "national-quarter",
            "inc-filter-open",
            "inc-filter-reported_from",
            "inc-filter-reported_before",
            "inc-filter-sector",
            "inc-filter-class",
            "inc-filter-overdue",
            "sector-none",
            "error-csrf-text",
            "err-email-taken",
            "err-name-taken",
            "err-last-admin",
            "err-required",
            "err-email",
            "err-password-email",
            "err-password-repeat",
            "err-organisation-missing",
            "err-organisation-inactive",
            "err-staff-role",
            "err-current-password",
            "err-min-chars",
            "err-max-chars",
            "err-choice",
            "err-sector",
            "err-invalid",
        ]
        .iter()
        .map(|k| k.to_string())
        .collect();
        keys.extend(
            crate::domain::kpi::GroupBy::ALL
                .iter()
                .map(|g| format!("stats-group-{}", g.as_str())),
        );
        for role in Role::ALL {
            keys.push(format!("role-{role}"));
            keys.push(format!("home-role-{role}"));
        }
        keys.extend(
            OrganisationKind::ALL
                .iter()
                .map(|k| format!("org-kind-{k}")),
        );
        keys.extend(Locale::ALL.iter().map(|l| format!("locale-{l}")));
        keys.extend(
            reference_data::sectors()
                .iter()
                .map(|s| format!("sector-{}", s.sector)),
        );
        keys.extend(
            [
                "nav-risks",
                "nav-vulnerabilities",
                "nav-exposure",
                "risks-title",
                "risk-title",
            ]
            .map(String::from),
        );
        for level in crate::domain::risk::RiskLevel::ALL {
            keys.push(format!("risks-level-{level}"));
        }
        for treatment in crate::domain::risk::Treatment::ALL {
            keys.push(format!("risks-treatment-{treatment}"));
        }
        for status in crate::domain::risk::VulnerabilityStatus::ALL {
            keys.push(format!("vulns-status-{status}"));
        }
        for n in 1..=5 {
            keys.push(format!("risks-likelihood-{n}"));
            keys.push(format!("risks-impact-{n}"));
        }
        for status in [400, 403, 404, 405, 409, 413, 429, 500, 503] {
            keys.push(format!("error-{status}-title"));
            keys.push(format!("error-{status}-text"));
        }
        for locale in Locale::ALL {
            for key in &keys {
                assert_ne!(
                    &translate(*locale, key, &[("min", "1"), ("max", "2")]),
                    key,
                    "{locale}"
                );
            }
        }
    }
}
