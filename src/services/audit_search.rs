//! Searching the audit log (auditors, admins): one page for the JSON list, or many chunks for a
//! CSV download.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            audit::{self as rows, AuditEvent, AuditFilter},
            incident::IncidentFilter,
            user, Page,
        },
        DbConn,
    },
    domain::search,
    error::{AppError, AppResult},
    services::{incidents, users},
};

/// Who a filter names: a user id, or an email address already checked as one.
#[derive(Clone, Debug)]
pub enum Who {
    Id(i64),
    Email(String),
}

/// The audit log's filter as people type it: a person by id or email, an incident by id or
/// reference.
#[derive(Clone, Debug, Default)]
pub struct TypedFilter {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub who: Option<Who>,
    pub action: Option<String>,
    pub incident: Option<String>,
}

/// The filter with its names looked up. A name that matches nothing is reported rather than
/// dropped, so a search never silently widens to everyone's events.
#[derive(Debug)]
pub struct Resolved {
    pub filter: AuditFilter,
    pub unknown_actor: bool,
    pub unknown_incident: bool,
}

impl Resolved {
    pub fn complete(&self) -> bool {
        !self.unknown_actor && !self.unknown_incident
    }
}

/// Looks up the names in a typed filter, as far as `actor` may see them.
pub fn resolve(conn: &mut DbConn, actor: &Actor, typed: TypedFilter) -> AppResult<Resolved> {
    authz::require(actor, Action::ReadAudit)?;
    let (actor_id, unknown_actor) = match typed.who {
        None => (None, false),
        Some(Who::Id(id)) => (Some(id), false),
        Some(Who::Email(email)) => match users::find_by_email(conn, actor, &email)? {
            Some(found) => (Some(found.id), false),
            None => (None, true),
        },
    };
    let (incident_id, unknown_incident) = match typed.incident.as_deref() {
        None => (None, false),
        Some(raw) => match find_incident(conn, actor, raw)? {
            Some((id, _)) => (Some(id), false),
            None => (None, true),
        },
    };
    Ok(Resolved {
        filter: AuditFilter {
            from: typed.from,
            to: typed.to,
            actor_id,
            action: typed.action,
            incident_id,
        },
        unknown_actor,
        unknown_incident,
    })
}

/// An incident id, or the incident whose reference this is (as far as `actor` may see), as
/// `(id, reference)`.
pub fn find_incident(
    conn: &mut DbConn,
    actor: &Actor,
    raw: &str,
) -> AppResult<Option<(i64, String)>> {
    let raw = raw.trim();
    if let Ok(id) = raw.parse::<i64>() {
        return match incidents::get(conn, actor, id) {
            Ok(i) => Ok(Some((i.id, i.reference))),
            Err(AppError::NotFound) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let filter = IncidentFilter {
        search_pattern: Some(search::contains_pattern(raw)),
        ..Default::default()
    };
    let page = Page {
        limit: Page::MAX_LIMIT,
        after: None,
    };
    Ok(incidents::list(conn, actor, &filter, page)?
        .into_iter()
        .find(|i| i.reference.eq_ignore_ascii_case(raw))
        .map(|i| (i.id, i.reference)))
}

/// The email address of each person who acted in `events`, read in one query.
pub fn actor_emails(
    conn: &mut DbConn,
    actor: &Actor,
    events: &[AuditEvent],
) -> AppResult<HashMap<i64, String>> {
    authz::require(actor, Action::ReadAudit)?;
    let mut ids: Vec<i64> = events.iter().filter_map(|e| e.actor_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(user::emails_of(conn, &ids)?.into_iter().collect())
}

/// Up to `limit` matching events after the event id `after`, oldest first.
pub fn search(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &AuditFilter,
    after: Option<i64>,
    limit: i64,
) -> AppResult<Vec<AuditEvent>> {
    authz::require(actor, Action::ReadAudit)?;
    Ok(rows::search(conn, filter, after, limit)?)
}

/// Up to `max + 1` matching events, read 1000 at a time (the extra one tells the caller that
/// more remain).
pub fn search_many(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &AuditFilter,
    mut after: Option<i64>,
    max: i64,
) -> AppResult<Vec<AuditEvent>> {
    authz::require(actor, Action::ReadAudit)?;
    let mut out: Vec<AuditEvent> = Vec::new();
    while (out.len() as i64) <= max {
        let want = (max + 1 - out.len() as i64).min(1000);
        let chunk = rows::search(conn, filter, after, want)?;
        let done = (chunk.len() as i64) < want;
        after = chunk.last().map(|e| e.id).or(after);
        out.extend(chunk);
        if done {
            break;
        }
    }
    Ok(out)
}
