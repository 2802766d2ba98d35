//! `/audit` for auditors and admins: the audit log with filters and keyset pages, its CSV
//! download, chain verification on demand, the signed system-stream bundle, and links to the
//! case-history export of one incident. Everything goes through the audit services, which check
//! `Action::ReadAudit` themselves; the handlers check it first only to refuse with a page.

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
    domain::{identity::EmailAddress, search},
    error::{AppError, AppResult},
    present::csv as audit_csv,
    services::{
        self,
        audit_export::{self, AuditSigner},
        audit_search,
        audit_verify::{self, VerifyReport},
        cursor,
        rows::{AuditEvent, AuditFilter, IncidentFilter},
        split_page, Page as DbPage,
    },
    state::AppState,
    web::{
        context::{SignedIn, Submitted, WebResult},
        forms::FormErrors,
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
    "observable.added",
    "organisation.created",
    "organisation.updated",
    "outbox.retried",
    "task.created",
    "task.updated",
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

/// An incident id, or the incident whose reference this is (as far as `actor` may see).
pub fn find_incident(conn: &mut DbConn, actor: &Actor, raw: &str) -> AppResult<Option<CaseLinks>> {
    let raw = raw.trim();
    if let Ok(id) = raw.parse::<i64>() {
        return match services::incidents::get(conn, actor, id) {
            Ok(i) => Ok(Some(CaseLinks {
                id: i.id,
                reference: i.reference,
            })),
            Err(AppError::NotFound) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let filter = IncidentFilter {
        search_pattern: Some(search::contains_pattern(raw)),
        ..Default::default()
    };
    let page = DbPage {
        limit: DbPage::MAX_LIMIT,
        after: None,
    };
    Ok(services::incidents::list(conn, actor, &filter, page)?
        .into_iter()
        .find(|i| i.reference.eq_ignore_ascii_case(raw))
        .map(|i| CaseLinks {
            id: i.id,
            reference: i.reference,
        }))
}

/// What the database work of the page produced.
struct Loaded {
    events: Vec<AuditEvent>,
    actors: Vec<(i64, String)>,
    case: Option<Option<CaseLinks>>,
    verify: Option<VerifyReport>,
    bad_actor: bool,
    bad_incident: bool,
}

async fn audit_page(state: &AppState, ctx: SignedIn, query: AuditQuery, verify: bool) -> WebResult {
    authz::require(&ctx.actor, Action::ReadAudit)?;
    let page = ctx.page("audit-title");
    let mut errors = FormErrors::default();
    let from = parse_time(page.tz, &query.from).and_then(|r| {
        r.map_err(|_| errors.add("from", page.t("audit-err-time")))
            .ok()
    });
    let to = parse_time(page.tz, &query.to).and_then(|r| {
        r.map_err(|_| errors.add("to", page.t("audit-err-time")))
            .ok()
    });
    let actor_raw = query.actor.trim().to_owned();
    let email = if actor_raw.is_empty() || actor_raw.parse::<i64>().is_ok() {
        None
    } else {
        match EmailAddress::parse(&actor_raw) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(_) => {
                errors.add("actor", page.t("audit-err-actor"));
                None
            }
        }
    };
    let after = match query.after.trim() {
        "" => None,
        raw => Some(cursor::decode(raw).ok_or(AppError::BadRequest("bad cursor".into()))?),
    };
    let db_page = DbPage {
        limit: DbPage::DEFAULT_LIMIT,
        after,
    };
    let actor = ctx.actor.clone();
    let q = query.clone();
    let filter_ok = errors.is_empty();
    let loaded = state
        .db
        .run(move |conn| {
            let mut bad_actor = false;
            let actor_id = match (&email, q.actor.trim().parse::<i64>()) {
                (_, Ok(id)) => Some(id),
                (Some(email), _) => {
                    let found = services::users::find_by_email(conn, &actor, email)?;
                    bad_actor = found.is_none();
                    found.map(|u| u.id)
                }
                _ => None,
            };
            let mut bad_incident = false;
            let incident_id = match q.incident.trim() {
                "" => None,
                raw => {
                    let found = find_incident(conn, &actor, raw)?;
                    bad_incident = found.is_none();
                    found.map(|c| c.id)
                }
            };
            let filter = AuditFilter {
                from,
                to,
                actor_id,
                action: Some(q.action.trim().to_owned()).filter(|a| !a.is_empty()),
                incident_id,
            };
            let events = if filter_ok && !bad_actor && !bad_incident {
                audit_search::search(conn, &actor, &filter, db_page.after, db_page.limit + 1)?
            } else {
                Vec::new()
            };
            let mut actors = Vec::new();
            for id in events.iter().filter_map(|e| e.actor_id) {
                if actors.iter().all(|(known, _)| *known != id) {
                    if let Ok(user) = services::users::get(conn, &actor, id) {
                        actors.push((id, user.email));
                    }
                }
            }
            let case = match q.case.trim() {
                "" => None,
                raw => Some(find_incident(conn, &actor, raw)?),
            };
            let verify = if verify {
                Some(audit_verify::verify(conn, &actor)?)
            } else {
                None
            };
            Ok(Loaded {
                events,
                actors,
                case,
                verify,
                bad_actor,
                bad_incident,
            })
        })
        .await?;
    if loaded.bad_actor {
        errors.add("actor", page.t("audit-err-actor-unknown"));
    }
    if loaded.bad_incident {
        errors.add("incident", page.t("audit-err-incident"));
    }
    let (events, next) = split_page(loaded.events, db_page, |e| e.id);
    let filters = query.filters();
    let rows = events
        .into_iter()
        .map(|event| EventRow {
            action_label: action_key(&event.action)
                .map_or_else(|| event.action.clone(), |k| page.t(&k)),
            actor: match event.actor_id {
                None => page.t("audit-actor-system"),
                Some(id) => loaded
                    .actors
                    .iter()
                    .find(|(known, _)| *known == id)
                    .map_or_else(|| format!("#{id}"), |(_, email)| email.clone()),
            },
            details: serde_json::from_str::<serde_json::Value>(&event.details)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or_else(|_| event.details.clone()),
            event,
        })
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
    let template = AuditTemplate {
        page,
        next_href: next.map(|c| format!("/audit?{filters}&after={c}")),
        csv_href: format!("/audit/csv?{filters}"),
        verify_action: format!("/audit/verify?{filters}"),
        query,
        errors,
        events: rows,
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

/// The filtered log as CSV, the same rows and format as the API's download.
pub async fn csv(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<AuditQuery>,
) -> WebResult {
    authz::require(&ctx.actor, Action::ReadAudit)?;
    let tz = ctx.page.tz;
    let q = query.into_inner();
    let bad = || AppError::BadRequest("invalid filter".into());
    let from = parse_time(tz, &q.from).transpose().map_err(|_| bad())?;
    let to = parse_time(tz, &q.to).transpose().map_err(|_| bad())?;
    let actor = ctx.actor.clone();
    let rows = state
        .db
        .run(move |conn| {
            let actor_id = match q.actor.trim() {
                "" => None,
                raw => match raw.parse::<i64>() {
                    Ok(id) => Some(id),
                    Err(_) => {
                        let email = EmailAddress::parse(raw).map_err(|_| bad())?;
                        let user = services::users::find_by_email(conn, &actor, email.as_str())?;
                        Some(user.ok_or_else(bad)?.id)
                    }
                },
            };
            let incident_id = match q.incident.trim() {
                "" => None,
                raw => Some(find_incident(conn, &actor, raw)?.ok_or_else(bad)?.id),
            };
            let filter = AuditFilter {
                from,
                to,
                actor_id,
                action: Some(q.action.trim().to_owned()).filter(|a| !a.is_empty()),
                incident_id,
            };
            audit_search::search_many(conn, &actor, &filter, None, audit_csv::CSV_MAX_ROWS)
        })
        .await?;
    let mut rows = rows;
    rows.truncate(audit_csv::CSV_MAX_ROWS as usize);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"qalxan-audit.csv\"",
        ))
        .body(audit_csv::to_csv(&rows)))
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
