//! Searching the audit log (auditors, admins): one page for the JSON list, or many chunks for a
//! CSV download.

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::audit::{self as rows, AuditEvent, AuditFilter},
        DbConn,
    },
    error::AppResult,
};

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
