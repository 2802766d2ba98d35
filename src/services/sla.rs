//! SLA policies: the targets per severity, the due times they give an incident (when it is
//! filed, when its severity changes), and changing a policy, which moves the pending deadlines
//! of the open incidents it governs in the same transaction, each audited.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            incident::{self, Incident, IncidentChanges},
            sla::{self as sla_db, SlaPolicy},
        },
        write_tx, DbConn,
    },
    domain::{
        deadline::{due_times, sla_severity, DueTimes, Targets},
        incident::Severity,
        time,
        workflow::Status,
    },
    error::{AppError, AppResult, FieldErrors},
    services::audit::{self, By, Entry},
};

/// New targets for one severity, as the API's JSON body and the admin form give them.
#[derive(Debug, Default, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UpdateSlaPolicy)]
pub struct SlaPolicyInput {
    /// Minutes from the report until the CERT must have taken the incident up (≥ 1).
    pub ack_minutes: i64,
    /// Minutes from the report until the incident must be contained (≥ `ack_minutes`).
    pub contain_minutes: i64,
    /// Minutes from the report until the incident must be closed (≥ `contain_minutes`).
    pub resolve_minutes: i64,
}

/// The statuses in which an incident's clocks still run.
pub fn open_statuses() -> Vec<&'static str> {
    Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

/// The policies in severity order, most severe first (CERT staff and auditors).
pub fn list(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<SlaPolicy>> {
    authz::require(actor, Action::ReadSlaPolicies)?;
    let mut all = sla_db::all(conn)?;
    all.sort_by_key(|p| std::cmp::Reverse(Severity::parse(&p.severity).ok()));
    Ok(all)
}

/// The targets that apply to an incident of `severity` (medium's while it has none).
pub fn targets_for(conn: &mut DbConn, severity: Option<Severity>) -> AppResult<Targets> {
    let governing = sla_severity(severity);
    Ok(sla_db::find(conn, governing.as_str())
        .map(|p| p.targets())
        .unwrap_or_else(|_| Targets::default_for(governing)))
}

/// Due times for an incident reported at `reported_at` with `severity`.
pub fn due_for(
    conn: &mut DbConn,
    reported_at: NaiveDateTime,
    severity: Option<Severity>,
) -> AppResult<DueTimes> {
    let targets = targets_for(conn, severity)?;
    Ok(due_times(reported_at, severity, targets))
}

/// Sets on `changes` the due times of `before`'s pending deadlines as `severity` and `targets`
/// give them; met deadlines keep theirs. Returns whether any changed.
pub fn recompute_into(
    changes: &mut IncidentChanges,
    before: &Incident,
    severity: Option<Severity>,
    targets: Targets,
) -> bool {
    let facts = before.sla_facts();
    let new = facts.recomputed(due_times(before.reported_at, severity, targets));
    if new == facts.due {
        return false;
    }
    changes.ack_due_at = Some(new.ack);
    changes.contain_due_at = Some(new.contain);
    changes.resolve_due_at = Some(new.resolve);
    true
}

/// The due-time columns of two versions of an incident, for an audit event's details.
pub fn due_changes(
    before: &Incident,
    after: &Incident,
) -> [(&'static str, serde_json::Value, serde_json::Value); 3] {
    let t = |v: Option<NaiveDateTime>| json!(v.map(time::rfc3339));
    [
        (
            "ack_due_at",
            t(Some(before.ack_due_at)),
            t(Some(after.ack_due_at)),
        ),
        (
            "contain_due_at",
            t(before.contain_due_at),
            t(after.contain_due_at),
        ),
        (
            "resolve_due_at",
            t(before.resolve_due_at),
            t(after.resolve_due_at),
        ),
    ]
}

/// Changes one severity's targets (admin): 404 for an unknown severity, 422 for bad values.
/// The open incidents it governs get their pending deadlines moved, each with an
/// `incident.deadlines_recomputed` event; the policy change is `sla_policy.updated`.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    severity: &str,
    input: SlaPolicyInput,
) -> AppResult<SlaPolicy> {
    authz::require(actor, Action::ManageSlaPolicies)?;
    let severity = Severity::parse(severity).map_err(|_| AppError::NotFound)?;
    let minutes = |v: i64| i32::try_from(v).unwrap_or(0);
    let targets = Targets {
        ack_minutes: minutes(input.ack_minutes),
        contain_minutes: minutes(input.contain_minutes),
        resolve_minutes: minutes(input.resolve_minutes),
    };
    let mut errors = FieldErrors::new();
    for (field, message) in targets.check() {
        errors.add(field, message);
    }
    errors.into_result()?;
    write_tx(conn, |conn| {
        let before = sla_db::find(conn, severity.as_str())?;
        let now = time::now();
        let after = sla_db::update(conn, severity.as_str(), targets, Some(actor.user_id), now)?;
        let mut moved = 0;
        for incident in
            sla_db::open_incidents_governed_by(conn, severity.as_str(), &open_statuses())?
        {
            let own = incident
                .severity
                .as_deref()
                .and_then(|s| Severity::parse(s).ok());
            let mut changes = IncidentChanges::default();
            if !recompute_into(&mut changes, &incident, own, targets) {
                continue;
            }
            let updated = incident::update(conn, incident.id, &changes)?;
            let mut details = audit::changes(&due_changes(&incident, &updated));
            details["reason"] = json!("sla_policy.updated");
            details["severity"] = json!(severity.as_str());
            super::incidents::append_event(
                conn,
                actor,
                incident.id,
                "incident.deadlines_recomputed",
                details,
            )?;
            moved += 1;
        }
        let old = before.targets();
        audit::append(
            conn,
            Entry {
                by: By::from(actor),
                action: "sla_policy.updated",
                entity_type: "sla_policy",
                entity_id: None,
                incident_id: None,
                details: json!({
                    "severity": severity.as_str(),
                    "before": old,
                    "after": targets,
                    "open_incidents_recomputed": moved,
                }),
            },
        )?;
        Ok(after)
    })
}
