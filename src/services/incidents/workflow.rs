//! Moving an incident through the workflow, and assigning it.

use serde_json::json;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            incident::{self, Incident, IncidentChanges},
            user,
        },
        write_tx, DbConn,
    },
    domain::{
        incident::UNDETERMINED,
        time,
        workflow::{self, GuardInput, Refusal, Status},
        Role,
    },
    error::{AppError, AppResult, FieldErrors},
};

use super::{append_event, check_text};

/// A move as the API's JSON body and the case page's form give it.
#[derive(Debug, Default, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Transition)]
pub struct TransitionRequest {
    /// The status to move to.
    pub to: String,
    /// Required to reopen (closed or rejected → triage).
    pub reason: Option<String>,
    /// Required to close.
    pub resolution: Option<String>,
    /// Required to close.
    pub root_cause: Option<String>,
    /// Required to merge: the incident this one duplicates.
    pub duplicate_of: Option<i64>,
}

fn stored_status(incident: &Incident) -> AppResult<Status> {
    Status::parse(&incident.status)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored status: {e}")))
}

pub fn transition(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    request: TransitionRequest,
) -> AppResult<Incident> {
    let mut errors = FieldErrors::new();
    let to = errors.check("to", Status::parse(&request.to));
    let reason = request
        .reason
        .as_deref()
        .and_then(|r| check_text(&mut errors, "reason", r, 2_000, false));
    let resolution = request
        .resolution
        .as_deref()
        .and_then(|r| check_text(&mut errors, "resolution", r, 10_000, false));
    let root_cause = request
        .root_cause
        .as_deref()
        .and_then(|r| check_text(&mut errors, "root_cause", r, 10_000, false));
    errors.into_result()?;
    let to = to.expect("checked");

    write_tx(conn, |conn| {
        let scope = authz::incident_scope(actor);
        let before = incident::find_visible(conn, id, scope)?;
        let from = stored_status(&before)?;
        let duplicate = match request.duplicate_of.filter(|_| to == Status::Merged) {
            Some(dup) if dup != id => incident::find_visible(conn, dup, scope).ok(),
            _ => None,
        };
        let resolution = resolution.clone().or_else(|| before.resolution.clone());
        let root_cause = root_cause.clone().or_else(|| before.root_cause.clone());
        let guard = GuardInput {
            incident_id: id,
            category: &before.category,
            severity: before.severity.as_deref(),
            assignee_id: before.assignee_id,
            resolution: resolution.as_deref(),
            root_cause: root_cause.as_deref(),
            duplicate_of: request.duplicate_of,
            duplicate_status: duplicate.as_ref().map(stored_status).transpose()?,
            reason: reason.as_deref(),
        };
        permit(actor, from, to, &guard)?;
        let changes = changes_for(from, to, &before, &guard, duplicate.as_ref());
        let after = incident::update(conn, id, &changes)?;
        let mut details = json!({
            "from": from.as_str(), "to": to.as_str(), "reason": reason,
            "resolution": (to == Status::Closed).then_some(&resolution),
            "root_cause": (to == Status::Closed).then_some(&root_cause),
            "duplicate_of": (to == Status::Merged).then_some(request.duplicate_of),
        });
        // The classification a merge took from its target, so the trail shows where it came from.
        if let Some(category) = &changes.category {
            details["category"] = json!(category);
        }
        if let Some(severity) = &changes.severity {
            details["severity"] = json!(severity);
        }
        append_event(conn, actor, id, "incident.transitioned", details)?;
        if let Some(target) = duplicate.filter(|_| to == Status::Merged) {
            append_event(
                conn,
                actor,
                target.id,
                "incident.duplicate_merged",
                json!({ "duplicate_id": id, "duplicate_reference": after.reference }),
            )?;
        }
        super::notices::transitioned(conn, &before, &after, actor)?;
        Ok(after)
    })
}

/// 403 for a role that may move nothing, even for a move that does not exist; then 409 for a
/// move that does not exist, before whether this role may make it; then the guards (422).
fn permit(actor: &Actor, from: Status, to: Status, guard: &GuardInput) -> AppResult<()> {
    authz::require(actor, Action::MoveIncidents)?;
    let illegal = || AppError::Conflict(format!("an incident in {from} cannot move to {to}"));
    if !workflow::is_edge(from, to) {
        return Err(illegal());
    }
    authz::require_move(actor, from, to)?;
    match workflow::check(from, to, guard) {
        Ok(()) => Ok(()),
        Err(Refusal::Illegal) => Err(illegal()),
        Err(Refusal::Missing(fields)) => {
            let mut errors = FieldErrors::new();
            for (field, message) in fields {
                errors.add(field, message);
            }
            Err(AppError::Validation(errors))
        }
    }
}

/// The columns a permitted move sets: the status, the stamp of the phase it enters, and what
/// closing or merging records.
fn changes_for(
    from: Status,
    to: Status,
    before: &Incident,
    guard: &GuardInput,
    duplicate: Option<&Incident>,
) -> IncidentChanges {
    let now = time::now();
    let stamp = |current: Option<chrono::NaiveDateTime>| Some(current.or(Some(now)));
    let mut changes = IncidentChanges {
        status: Some(to.as_str().to_owned()),
        updated_at: Some(now),
        ..Default::default()
    };
    match to {
        Status::Triage if workflow::is_reopen(from, to) => {
            changes.closed_at = Some(None);
            changes.reopen_count = Some(before.reopen_count + 1);
        }
        Status::Triage => changes.acknowledged_at = stamp(before.acknowledged_at),
        Status::Containment => changes.contained_at = stamp(before.contained_at),
        Status::Eradication => changes.eradicated_at = stamp(before.eradicated_at),
        Status::Recovery => changes.recovered_at = stamp(before.recovered_at),
        Status::Closed => {
            changes.closed_at = Some(Some(now));
            changes.resolution = Some(guard.resolution.map(str::to_owned));
            changes.root_cause = Some(guard.root_cause.map(str::to_owned));
        }
        Status::Rejected => changes.closed_at = Some(Some(now)),
        Status::Merged => {
            changes.closed_at = Some(Some(now));
            changes.duplicate_of = Some(guard.duplicate_of);
            if let Some(target) = duplicate {
                take_classification(&mut changes, before, target);
            }
        }
        Status::New => {}
    }
    // Rejecting or merging straight from new still counts as the CERT having taken it up.
    if from == Status::New && changes.acknowledged_at.is_none() && before.acknowledged_at.is_none()
    {
        changes.acknowledged_at = Some(Some(now));
    }
    changes
}

/// A duplicate merged before anyone classified it is classified as the incident it joins, so
/// statistics count it under the same type; what was already set stays.
fn take_classification(changes: &mut IncidentChanges, before: &Incident, target: &Incident) {
    if before.category == UNDETERMINED {
        changes.category = Some(target.category.clone());
    }
    if before.severity.is_none() {
        changes.severity = Some(target.severity.clone());
    }
}

/// Gives the incident to a CERT staff member, or takes it back (`None`).
pub fn assign(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    assignee_id: Option<i64>,
) -> AppResult<Incident> {
    authz::require(actor, Action::AssignIncident)?;
    write_tx(conn, |conn| {
        let before = incident::find_visible(conn, id, authz::incident_scope(actor))?;
        if !stored_status(&before)?.is_open() {
            return Err(AppError::Conflict(format!(
                "a {} incident cannot be assigned; reopen it first",
                before.status
            )));
        }
        let mut assignee_name = String::new();
        if let Some(assignee) = assignee_id {
            let user = user::find(conn, assignee).map_err(AppError::field_if_missing(
                "assignee_id",
                "does not name an existing user",
            ))?;
            let staff = Role::parse(&user.role).is_ok_and(Role::is_cert_staff);
            if !user.active || !staff {
                return Err(AppError::field(
                    "assignee_id",
                    "must be an active member of the CERT staff",
                ));
            }
            assignee_name = user.display_name;
        }
        if before.assignee_id == assignee_id {
            return Ok(before);
        }
        let after = incident::update(
            conn,
            id,
            &IncidentChanges {
                assignee_id: Some(assignee_id),
                updated_at: Some(time::now()),
                ..Default::default()
            },
        )?;
        append_event(
            conn,
            actor,
            id,
            "incident.assigned",
            json!({ "before": before.assignee_id, "after": assignee_id }),
        )?;
        super::notices::assigned(conn, &after, actor, &assignee_name)?;
        Ok(after)
    })
}
