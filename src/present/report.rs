//! The printable case report (HTML) of an incident, in the reader's language and time zone:
//! the `html` format of the case export, from the API and the web alike.

use actix_web::{http::header, web, HttpResponse};
use askama::Template;

use crate::{
    auth::Actor,
    domain::time::rfc3339,
    error::{AppError, AppResult},
    present::i18n,
    services::{
        incidents::export::{self, CaseFile},
        rows::{AuditEvent, Comment},
        users,
    },
    state::AppState,
};

/// One audit event as the report prints it.
pub struct EventLine {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Template)]
#[template(path = "export/case.html")]
pub struct CaseReport {
    pub lang: &'static str,
    pub t: Translator,
    pub case: CaseFile,
    pub events: Vec<EventLine>,
    pub shared_comments: Vec<Comment>,
    pub internal_comments: Vec<Comment>,
    pub generated_at: String,
    pub generated_by: String,
    pub head_hash: String,
}

/// Translations and time formatting for the report, in the reader's language and zone.
pub struct Translator {
    locale: crate::domain::Locale,
    tz: chrono_tz::Tz,
}

impl Translator {
    pub fn t(&self, key: &str) -> String {
        i18n::translate(self.locale, key, &[])
    }

    /// A translated label for a code (`export-status-closed`), or the code itself.
    pub fn code(&self, prefix: &str, code: &str) -> String {
        let key = format!(
            "export-{prefix}-{}",
            code.replace(['.', '_', ':', '+'], "-").to_lowercase()
        );
        let text = self.t(&key);
        if text == key {
            code.to_owned()
        } else {
            text
        }
    }

    pub fn time(&self, utc: &chrono::NaiveDateTime) -> String {
        i18n::format_datetime(self.locale, self.tz, *utc)
    }

    pub fn time_opt(&self, utc: &Option<chrono::NaiveDateTime>) -> String {
        utc.as_ref()
            .map(|t| self.time(t))
            .unwrap_or_else(|| "—".into())
    }
}

impl CaseReport {
    /// `TLP:AMBER+STRICT` → `TLP-AMBER-STRICT`, the badge's CSS class.
    pub fn tlp_class(&self) -> String {
        self.case.incident.tlp.replace([':', '+'], "-")
    }

    pub fn person(&self, id: &Option<i64>) -> String {
        match id {
            Some(id) => self
                .case
                .people
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("#{id}")),
            None => self.t.t("export-nobody"),
        }
    }
}

fn event_line(t: &Translator, case: &CaseFile, e: &AuditEvent) -> EventLine {
    let details = serde_json::from_str::<serde_json::Value>(&e.details)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| e.details.clone());
    EventLine {
        seq: e.seq,
        at: format!("{} ({})", t.time(&e.at), rfc3339(e.at)),
        actor: match e.actor_id {
            Some(id) => case
                .people
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("#{id}")),
            None => t.t("export-system"),
        },
        action: t.code("action", &e.action),
        details,
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
    }
}

/// Renders the report; the reading is audited as an export in the incident's stream.
pub async fn case_report(
    state: &web::Data<AppState>,
    actor: Actor,
    id: i64,
) -> AppResult<HttpResponse> {
    let reader = actor.clone();
    let (case, time_zone) = state
        .db
        .run(move |conn| {
            let case = export::case_file(conn, &actor, id, "html")?;
            let tz = users::get(conn, &actor, actor.user_id)?.time_zone;
            Ok((case, tz))
        })
        .await?;
    let t = Translator {
        locale: reader.locale,
        tz: i18n::time_zone(&time_zone),
    };
    let events = case
        .events
        .iter()
        .map(|e| event_line(&t, &case, e))
        .collect();
    let (shared_comments, internal_comments) = case
        .comments
        .iter()
        .cloned()
        .partition(|c| c.visibility == "shared");
    let report = CaseReport {
        lang: reader.locale.as_str(),
        generated_at: t.time(&crate::domain::time::now()),
        generated_by: format!("{} <{}>", reader.display_name, reader.email),
        head_hash: case
            .events
            .last()
            .map(|e| e.hash.clone())
            .unwrap_or_default(),
        events,
        shared_comments,
        internal_comments,
        case,
        t,
    };
    let body = report
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("report template failed: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // A self-contained document: its own styles inline, and no script at all.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}.html\"", report.case.incident.reference),
        ))
        .body(body))
}
