//! The case file of one incident for auditors: everything recorded about it, plus its audit
//! stream, as one signed bundle that a third party can verify offline (docs/AUDIT.md).

use chrono::NaiveDateTime;
use serde_json::{json, Value};

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            asset::{self, Asset, Link},
            audit::AuditEvent,
            collaboration::{self as rows, Comment, Share, Task},
            evidence::{self as evidence_rows, CustodyEvent, Evidence},
            incident::{self, Incident},
            observable::{self, Observable},
            organisation, user, Page,
        },
        write_tx, DbConn,
    },
    domain::time,
    error::{AppError, AppResult},
    services::{
        audit::{self, stream_for, By, Entry},
        audit_bundle::COLLECTION_FORMAT,
        audit_export::{build_bundle, sign_bundle, AuditSigner},
    },
};

/// Everything recorded about an incident, read in one transaction.
pub struct CaseFile {
    pub incident: Incident,
    pub comments: Vec<Comment>,
    pub tasks: Vec<Task>,
    pub shares: Vec<Share>,
    pub observables: Vec<Observable>,
    /// ATT&CK technique tags (empty for callers who may not see them).
    pub techniques: Vec<crate::services::techniques::Tag>,
    pub assets: Vec<(Link, Asset)>,
    pub evidence: Vec<(Evidence, Vec<CustodyEvent>)>,
    pub events: Vec<AuditEvent>,
    pub organisation_name: String,
    /// Display names of everyone the case file mentions, by user id.
    pub people: std::collections::BTreeMap<i64, String>,
}

/// Everything, in one go: a case file is read whole, never paged.
const ALL: Page = Page {
    limit: 1_000_000,
    after: None,
};

fn read_case(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<CaseFile> {
    authz::require(actor, Action::ReadAudit)?;
    let scope = authz::incident_scope(actor);
    let incident = incident::find_visible(conn, id, scope)?;
    let mut evidence = Vec::new();
    for item in evidence_rows::list_for_incident(conn, id, authz::evidence_scope(actor), ALL)? {
        let custody = evidence_rows::custody_for(conn, item.id, ALL)?;
        evidence.push((item, custody));
    }
    let mut case = CaseFile {
        comments: rows::comments_of(conn, id, false)?,
        tasks: rows::tasks_of(conn, id)?,
        shares: rows::shares_of(conn, id)?,
        observables: observable::of_incident(conn, id, scope)?,
        techniques: crate::services::techniques::for_incidents(conn, actor, &[id])?,
        assets: asset::links_of_incident(conn, id, None)?,
        events: crate::db::models::audit::for_incident(conn, id)?,
        organisation_name: organisation::find(conn, incident.organisation_id)?.name,
        people: Default::default(),
        evidence,
        incident,
    };
    let mentioned: Vec<i64> = case
        .events
        .iter()
        .filter_map(|e| e.actor_id)
        .chain(case.comments.iter().filter_map(|c| c.author_id))
        .chain(case.tasks.iter().filter_map(|t| t.assignee_id))
        .chain(case.incident.assignee_id)
        .chain(case.incident.reporter_id)
        .chain(
            case.evidence
                .iter()
                .flat_map(|(e, c)| {
                    std::iter::once(e.collected_by).chain(c.iter().map(|c| c.actor_id))
                })
                .flatten(),
        )
        .collect();
    for id in mentioned {
        if let std::collections::btree_map::Entry::Vacant(slot) = case.people.entry(id) {
            if let Ok(u) = user::find(conn, id) {
                slot.insert(format!("{} <{}>", u.display_name, u.email));
            }
        }
    }
    Ok(case)
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

/// Most cases one range export may hold; a wider range is refused with a hint to narrow it.
pub const MAX_RANGE_CASES: i64 = 500;

fn range_ids(
    conn: &mut DbConn,
    actor: &Actor,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> AppResult<Vec<i64>> {
    authz::require(actor, Action::ReadAudit)?;
    if from > to {
        return Err(AppError::field("to", "must not be before `from`"));
    }
    let ids = incident::ids_reported_between(conn, from, to, MAX_RANGE_CASES + 1)?;
    if ids.len() as i64 > MAX_RANGE_CASES {
        return Err(AppError::field(
            "to",
            format!("the range holds more than {MAX_RANGE_CASES} incidents; narrow it"),
        ));
    }
    Ok(ids)
}

/// The incidents reported in `[from, to]`: one signed bundle each, in a signed collection.
pub fn range_bundles(
    conn: &mut DbConn,
    actor: &Actor,
    signer: &AuditSigner,
    from: NaiveDateTime,
    to: NaiveDateTime,
    to_json: impl Fn(&CaseFile) -> Value,
) -> AppResult<Value> {
    write_tx(conn, |conn| {
        let mut bundles = Vec::new();
        for id in range_ids(conn, actor, from, to)? {
            let case = read_case(conn, actor, id)?;
            let bundle = build_bundle(conn, to_json(&case), &stream_for(Some(id)), signer)?;
            record_export(conn, actor, &case.incident, "json", Some(&bundle["head"]))?;
            bundles.push(bundle);
        }
        Ok(sign_bundle(
            json!({
                "format": COLLECTION_FORMAT,
                "generated_at": time::rfc3339(time::now()),
                "from": time::rfc3339(from),
                "to": time::rfc3339(to),
                "bundles": bundles,
            }),
            signer,
        ))
    })
}

/// The audit events of every incident reported in `[from, to]`, for CSV.
pub fn range_events(
    conn: &mut DbConn,
    actor: &Actor,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> AppResult<Vec<AuditEvent>> {
    write_tx(conn, |conn| {
        let mut events = Vec::new();
        for id in range_ids(conn, actor, from, to)? {
            let case = read_case(conn, actor, id)?;
            record_export(conn, actor, &case.incident, "csv", None)?;
            events.extend(case.events);
        }
        Ok(events)
    })
}
