//! The incident pages: the list and work queue, the filing form and the case page with its
//! sections (comments, workflow, assignment, tasks, assets, observables, evidence, shares,
//! history). Handlers stay thin: the services decide who may do what and write the audit trail;
//! this module only turns forms into service calls and service answers into pages.

pub mod case;
pub mod case_data;
pub mod case_forms;
pub mod collaboration;
pub mod evidence;
pub mod filing;
pub mod labels;
pub mod list;
pub mod names;
pub mod nis2;
pub mod queue;
pub mod refusal;
pub mod techniques;

use actix_web::web;
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

pub use labels::Labels;

/// The routes of the incident pages (`/incidents/{id}/export` is the lead's).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/incidents")
            .get(list::list)
            .post(filing::create),
    )
    .route("/incidents/new", web::get().to(filing::new_form))
    .route("/incidents/{id}", web::get().to(case::show))
    .route("/incidents/{id}/edit", web::post().to(case_forms::edit))
    .route(
        "/incidents/{id}/transition",
        web::post().to(case_forms::transition),
    )
    .route("/incidents/{id}/assign", web::post().to(case_forms::assign))
    .route(
        "/incidents/{id}/comments",
        web::post().to(case_forms::comment),
    )
    .route(
        "/incidents/{id}/tasks",
        web::post().to(collaboration::add_task),
    )
    .route(
        "/incidents/{id}/tasks/{task_id}",
        web::post().to(collaboration::update_task),
    )
    .route(
        "/incidents/{id}/shares",
        web::post().to(collaboration::share),
    )
    .route(
        "/incidents/{id}/assets",
        web::post().to(collaboration::link_asset),
    )
    .route(
        "/incidents/{id}/observables",
        web::post().to(collaboration::add_observable),
    )
    .route(
        "/incidents/{id}/observables/import",
        web::post().to(collaboration::import_observables),
    )
    .route("/incidents/{id}/significant", web::post().to(nis2::mark))
    .route("/incidents/{id}/reports", web::post().to(nis2::submit))
    .route(
        "/incidents/{id}/reports/request",
        web::post().to(nis2::request),
    )
    .route(
        "/incidents/{id}/reports/{report_id}/acknowledge",
        web::post().to(nis2::acknowledge),
    )
    .route(
        "/incidents/{id}/techniques",
        web::post().to(techniques::add),
    )
    .route(
        "/incidents/{id}/techniques/{technique_id}/remove",
        web::post().to(techniques::remove),
    )
    .route("/incidents/{id}/evidence", web::post().to(evidence::upload))
    .route(
        "/incidents/{id}/evidence/{evidence_id}",
        web::get().to(evidence::download),
    )
    .route(
        "/incidents/{id}/evidence/{evidence_id}/custody",
        web::post().to(evidence::custody),
    );
}

/// A `datetime-local` value (`2026-11-24T09:30`) read in the user's zone, as the RFC 3339 time
/// the services take. Anything else is passed on unchanged, so the service explains the problem.
pub fn local_to_rfc3339(tz: Tz, raw: &str) -> String {
    let trimmed = raw.trim();
    let parsed = NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S"));
    match parsed
        .ok()
        .and_then(|t| tz.from_local_datetime(&t).earliest())
    {
        Some(local) => local
            .naive_utc()
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => trimmed.to_owned(),
    }
}

/// A stored UTC time as a `datetime-local` value in the user's zone.
pub fn utc_to_local_input(tz: Tz, utc: Option<NaiveDateTime>) -> String {
    utc.map(|t| {
        t.and_utc()
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_users_zone() {
        let baku = chrono_tz::Asia::Baku;
        assert_eq!(
            local_to_rfc3339(baku, "2026-11-24T13:30"),
            "2026-11-24T09:30:00Z"
        );
        assert_eq!(local_to_rfc3339(baku, "yesterday"), "yesterday");
        let utc = NaiveDateTime::parse_from_str("2026-11-24T09:30:00", "%Y-%m-%dT%H:%M:%S").ok();
        assert_eq!(utc_to_local_input(baku, utc), "2026-11-24T13:30");
        assert_eq!(utc_to_local_input(baku, None), "");
    }

    /// Every `inc-…` key written in the templates and handlers exists in every language.
    #[test]
    fn keys_of_the_incident_pages_exist_in_every_language() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut text = String::new();
        for dir in [
            "web/templates/incidents",
            "web/templates/incidents/case",
            "src/web/incidents",
        ] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    text.push_str(&std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut keys = labels::keys();
        for piece in text.split('"').skip(1).step_by(2) {
            let complete = piece
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if piece.starts_with("inc-") && complete && !piece.ends_with('-') {
                keys.push(piece.to_owned());
            }
        }
        assert!(keys.len() > 150, "{}", keys.len());
        for locale in crate::domain::Locale::ALL {
            for key in &keys {
                let args = [
                    ("n", "1"),
                    ("zone", "Asia/Baku"),
                    ("status", "x"),
                    ("added", "1"),
                    ("line", "1"),
                    ("value", "v"),
                    ("message", "m"),
                ];
                assert_ne!(
                    &crate::web::i18n::translate(*locale, key, &args),
                    key,
                    "{locale}"
                );
            }
        }
    }
}
