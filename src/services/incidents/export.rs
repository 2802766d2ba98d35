//! The case file of one incident for auditors: everything recorded about it, plus its audit
//! stream, as one signed bundle that a third party can verify offline (docs/AUDIT.md).

use serde_json::{json, Value};

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            asset::{self, Asset, Link},
            audit::AuditEvent,
            collaboration::{self as rows, Comment, Share, Task},
            incident::{self, Incident},
            observable::{self, Observable},
        },
        write_tx, DbConn,
    },
    error::AppResult,
    services::{
        audit::{self, stream_for, By, Entry},
        audit_export::{build_bundle, AuditSigner},
    },
};

/// Everything recorded about an incident, read in one transaction.
pub struct CaseFile {
    pub incident: Incident,
    pub comments: Vec<Comment>,
    pub tasks: Vec<Task>,
    pub shares: Vec<Share>,
    pub observables: Vec<Observable>,
    pub assets: Vec<(Link, Asset)>,
    pub events: Vec<AuditEvent>,
}

fn read_case(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<CaseFile> {
    authz::require(actor, Action::ReadAudit)?;
    let scope = authz::incident_scope(actor);
    let incident = incident::find_visible(conn, id, scope)?;
    Ok(CaseFile {
        comments: rows::comments_of(conn, id, false)?,
        tasks: rows::tasks_of(conn, id)?,
        shares: rows::shares_of(conn, id)?,
        observables: observable::of_incident(conn, id, scope)?,
        assets: asset::links_of_incident(conn, id, None)?,
        events: crate::db::models::audit::for_incident(conn, id)?,
        incident,
    })
}

/// The case file for HTML and CSV renderings; the reading is itself audited.
pub fn case_file(conn: &mut DbConn, actor: &Actor, id: i64, format: &str) -> AppResult<CaseFile> {
    write_tx(conn, |conn| {
        let case = read_case(conn, actor, id)?;
        record_export(conn, actor, &case.incident, format, None)?;
        Ok(case)
    })
}

/// The signed JSON bundle. `to_json` turns the case file into the bundle's `case` member (the
/// API's shapes live in the API layer).
pub fn bundle(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    signer: &AuditSigner,
    to_json: impl FnOnce(&CaseFile) -> Value,
) -> AppResult<Value> {
    write_tx(conn, |conn| {
        let case = read_case(conn, actor, id)?;
        let bundle = build_bundle(conn, to_json(&case), &stream_for(Some(id)), signer)?;
        record_export(conn, actor, &case.incident, "json", Some(&bundle["head"]))?;
        Ok(bundle)
    })
}

/// Each export is an audit event in the incident's stream, after the head it exported.
fn record_export(
    conn: &mut DbConn,
    actor: &Actor,
    incident: &Incident,
    format: &str,
    head: Option<&Value>,
) -> AppResult<()> {
    audit::append(
        conn,
        Entry {
            by: By::from(actor),
            action: "audit.exported",
            entity_type: "incident",
            entity_id: Some(incident.id),
            incident_id: Some(incident.id),
            details: json!({ "reference": incident.reference, "format": format, "head": head }),
        },
    )?;
    Ok(())
}
