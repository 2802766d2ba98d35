//! `/audit` for auditors and admins: the audit log with filters and keyset pages, its CSV
//! download, chain verification on demand, the signed system-stream bundle, and links to the
//! case-history export of one incident. Everything goes through the audit services, which check
//! `Action::ReadAudit` themselves; the handlers check it first only to refuse with a page.

use std::collections::HashMap;

use actix_web::{
    http::{header, StatusCode},
    web, HttpResponse,
};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::DbConn,
    domain::identity::EmailAddress,
    error::{AppError, AppResult},
    present::csv::{to_csv, CSV_MAX_ROWS},
    services::{
        audit_export::{self, AuditSigner},
        audit_search::{self, Resolved, TypedFilter, Who},
        audit_verify::{self, VerifyReport},
        rows::AuditEvent,
        split_page, Page as DbPage,
    },
    state::AppState,
    web::{
        context::{SignedIn, Submitted, WebResult},
        forms::{page_after, FormErrors},
        page::{render, Page},
    },
};

/// The filter form, as typed (shown again as typed).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// A user id or email address.
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    /// An incident reference or id.
    #[serde(default)]
    pub incident: String,
    #[serde(default)]
    pub after: String,
    /// The case-history box: an incident reference or id.
    #[serde(default)]
    pub case: String,
}

impl AuditQuery {
    /// The filters as a query string (without the page cursor).
    fn filters(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("from", &self.from),
                ("to", &self.to),
                ("actor", &self.actor),
                ("action", &self.action),
                ("incident", &self.incident),
            ])
            .finish()
    }
}

/// Actions with a label of their own; others show their code.
pub const KNOWN_ACTIONS: &[&str] = &[
    "asset.created",
    "asset.linked",
    "asset.proposed",
    "asset.updated",
    "audit.exported",
    "auth.login",
    "auth.login_failed",
    "auth.logout",
    "comment.added",
    "incident.assigned",
    "incident.created",
    "incident.duplicate_merged",
    "incident.shared",
    "incident.transitioned",
    "incident.updated",
    "model.trained",
    "observable.added",
    "organisation.created",
    "organisation.updated",
    "outbox.retried",
    "task.created",
    "task.updated",
    "technique.tagged",
    "technique.untagged",
    "user.created",
    "user.updated",
    "user.updated_own",
];

pub fn action_key(action: &str) -> Option<String> {
    KNOWN_ACTIONS
        .contains(&action)
        .then(|| format!("audit-action-{}", action.replace(['.', '_'], "-")))
}

/// One event as the table shows it.
pub struct EventRow {
    pub event: AuditEvent,
    pub action_label: String,
    pub actor: String,
    /// The details JSON, indented (escaped by the template like any text).
    pub details: String,
}

pub struct CaseLinks {
    pub id: i64,
    pub reference: String,
}

#[derive(Template)]
#[template(path = "audit/log.html")]
struct AuditTemplate {
    page: Page,
    query: AuditQuery,
    errors: FormErrors,
    events: Vec<EventRow>,
    next_href: Option<String>,
    csv_href: String,
    verify_action: String,
    verify: Option<VerifyReport>,
    case: Option<CaseLinks>,
    case_error: Option<String>,
}

/// A `datetime-local` value in the reader's zone, or an RFC 3339 time, as UTC.
fn parse_time(tz: Tz, raw: &str) -> Option<Result<NaiveDateTime, ()>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(Ok(t.naive_utc()));
    }
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"));
    Some(
        local
            .ok()
            .and_then(|l| tz.from_local_datetime(&l).earliest())
            .map(|t| t.naive_utc())
            .ok_or(()),
    )
}

/// A user id or an email address; empty names nobody in particular.
fn who(raw: &str) -> Result<Option<Who>, ()> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = raw.parse::<i64>() {
        return Ok(Some(Who::Id(id)));
    }
    EmailAddress::parse(raw)
        .map(|e| Some(Who::Email(e.as_str().to_owned())))
        .map_err(|_| ())
}

fn trimmed(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The filter as typed, checked for form (times in the reader's zone, a person as an id or an
/// email address); each mistake goes to `errors` under its field.
fn typed_filter(page: &Page, query: &AuditQuery, errors: &mut FormErrors) -> TypedFilter {
    let mut time = |field: &str, raw: &str| match parse_time(page.tz, raw) {
        Some(Err(())) => {
            errors.add(field, page.t("audit-err-time"));
            None
        }
        parsed => parsed.and_then(Result::ok),
    };
    let (from, to) = (time("from", &query.from), time("to", &query.to));
    let who = who(&query.actor).unwrap_or_else(|()| {
        errors.add("actor", page.t("audit-err-actor"));
        None
    });
    TypedFilter {
        from,
        to,
        who,
        action: trimmed(&query.action),
        incident: trimmed(&query.incident),
    }
}

/// What the database work of the page produced.
struct Loaded {
    resolved: Resolved,
    events: Vec<AuditEvent>,
    emails: HashMap<i64, String>,
    case: Option<Option<CaseLinks>>,
    verify: Option<VerifyReport>,
}

/// One trip to the pool: the names in the filter, a page of events (only when the whole filter
/// is valid), who acted, the case box's incident, and the verification if asked for.
fn load(
    conn: &mut DbConn,
    actor: &Actor,
    typed: TypedFilter,
    (filter_ok, page): (bool, DbPage),
    case: &str,
    verify: bool,
) -> AppResult<Loaded> {
    let resolved = audit_search::resolve(conn, actor, typed)?;
    let events = if filter_ok && resolved.complete() {
        audit_search::search(conn, actor, &resolved.filter, page.after, page.limit + 1)?
    } else {
        Vec::new()
    };
    let emails = audit_search::actor_emails(conn, actor, &events)?;
    let case = match case.trim() {
        "" => None,
        raw => Some(
            audit_search::find_incident(conn, actor, raw)?
                .map(|(id, reference)| CaseLinks { id, reference }),
        ),
    };
    let verify = verify
        .then(|| audit_verify::verify(conn, actor))
        .transpose()?;
    Ok(Loaded {
        resolved,
        events,
        emails,
        case,
        verify,
    })
}

fn event_row(page: &Page, emails: &HashMap<i64, String>, event: AuditEvent) -> EventRow {
    EventRow {
        action_label: action_key(&event.action)
            .map_or_else(|| event.action.clone(), |k| page.t(&k)),
        actor: match event.actor_id {
            None => page.t("audit-actor-system"),
            Some(id) => emails.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
        },
        details: serde_json::from_str::<serde_json::Value>(&event.details)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| event.details.clone()),
        event,
    }
}

async fn audit_page(state: &AppState, ctx: SignedIn, query: AuditQuery, verify: bool) -> WebResult {
    authz::require(&ctx.actor, Action::ReadAudit)?;
    let page = ctx.page("audit-title");
    let mut errors = FormErrors::default();
    let typed = typed_filter(&page, &query, &mut errors);
    let db_page = page_after(&query.after)?;
    let (actor, case, filter_ok) = (ctx.actor.clone(), query.case.clone(), errors.is_empty());
    let loaded = state
        .db
        .run(move |conn| load(conn, &actor, typed, (filter_ok, db_page), &case, verify))
        .await?;
    if loaded.resolved.unknown_actor {
        errors.add("actor", page.t("audit-err-actor-unknown"));
    }
    if loaded.resolved.unknown_incident {
        errors.add("incident", page.t("audit-err-incident"));
    }
    let (events, next) = split_page(loaded.events, db_page, |e| e.id);
    let events = events
        .into_iter()
        .map(|event| event_row(&page, &loaded.emails, event))
        .collect();
    let (case, case_error) = match loaded.case {
        None => (None, None),
        Some(Some(links)) => (Some(links), None),
        Some(None) => (None, Some(page.t("audit-err-incident"))),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let filters = query.filters();
    let template = AuditTemplate {
        page,
        next_href: next.map(|c| format!("/audit?{filters}&after={c}")),
        csv_href: format!("/audit/csv?{filters}"),
        verify_action: format!("/audit/verify?{filters}"),
        query,
        errors,
        events,
        verify: loaded.verify,
        case,
        case_error,
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn log(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<AuditQuery>,
) -> WebResult {
    audit_page(&state, ctx, query.into_inner(), false).await
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// "Verify all chains now": the log page again, with the verification's outcome.
pub async fn verify(
    state: web::Data<AppState>,
    posted: Submitted<EmptyForm>,
    query: web::Query<AuditQuery>,
) -> WebResult {
    audit_page(&state, posted.who, query.into_inner(), true).await
}

/// The filtered log as CSV, the same rows and format as the API's download. A filter that
/// does not parse or names nobody is refused rather than widened.
pub async fn csv(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<AuditQuery>,
) -> WebResult {
    authz::require(&ctx.actor, Action::ReadAudit)?;
    let (tz, q) = (ctx.page.tz, query.into_inner());
    let bad = || AppError::BadRequest("invalid filter".into());
    let typed = TypedFilter {
        from: parse_time(tz, &q.from).transpose().map_err(|_| bad())?,
        to: parse_time(tz, &q.to).transpose().map_err(|_| bad())?,
        who: who(&q.actor).map_err(|_| bad())?,
        action: trimmed(&q.action),
        incident: trimmed(&q.incident),
    };
    let actor = ctx.actor.clone();
    let mut rows = state
        .db
        .run(move |conn| {
            let resolved = audit_search::resolve(conn, &actor, typed)?;
            if !resolved.complete() {
                return Err(bad());
            }
            audit_search::search_many(conn, &actor, &resolved.filter, None, CSV_MAX_ROWS)
        })
        .await?;
    rows.truncate(CSV_MAX_ROWS as usize);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"qalxan-audit.csv\"",
        ))
        .body(to_csv(&rows)))
}

/// The signed bundle of the system stream. A post: the export is itself audited.
pub async fn bundle(state: web::Data<AppState>, posted: Submitted<EmptyForm>) -> WebResult {
    authz::require(&posted.who.actor, Action::ReadAudit)?;
    let signer = AuditSigner::from_settings(&state.settings).map_err(AppError::Internal)?;
    let actor = posted.who.actor.clone();
    let bundle = state
        .db
        .run(move |conn| audit_export::export_system(conn, &actor, &signer))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"qalxan-audit-system.json\"",
        ))
        .json(bundle))
}
