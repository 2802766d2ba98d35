//! NIS2 Art. 23 reporting: marking an incident significant opens its stages; the entity (or the
//! CERT on its behalf) submits each stage once, corrections supersede; the CERT asks for
//! intermediate reports and answers early warnings. The due times are `domain::nis2`'s.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::result::{DatabaseErrorKind, Error as DbError};
use serde_json::{json, Map, Value};

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            incident::{self, Incident},
            incident_report::{self as report_db, IncidentReport, NewIncidentReport, Submission},
            organisation,
        },
        write_tx, DbConn,
    },
    domain::{
        nis2::{self, Nis2Entity, Stage},
        time,
    },
    error::{AppError, AppResult, FieldErrors},
    services::incidents::{append_event, check_text, parse_time},
};

/// A submission as the API's JSON body and the stage forms give it.
#[derive(Debug, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SubmitReport)]
pub struct ReportInput {
    /// `early_warning`, `notification`, `intermediate` or `final`.
    pub stage: String,
    /// The stage's form (see the NIS2 section of the README for each stage's fields).
    #[schema(value_type = Object)]
    pub fields: Value,
    /// A correction names the submitted version it corrects.
    pub supersedes: Option<i64>,
}

/// The CERT asks the entity for a report (only `intermediate` is asked for).
#[derive(Debug, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RequestReport)]
pub struct ReportRequest {
    /// `intermediate`.
    pub stage: String,
    /// RFC 3339, in the future.
    pub due_at: String,
}

pub const MAX_FEEDBACK: usize = 20_000;

fn unique_to_conflict(error: DbError, message: &str) -> AppError {
    match error {
        DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            AppError::Conflict(message.to_owned())
        }
        other => other.into(),
    }
}

fn visible(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Incident> {
    Ok(incident::find_visible(
        conn,
        id,
        authz::incident_scope(actor),
    )?)
}

/// Whether the incident is marked significant.
pub fn is_significant(conn: &mut DbConn, id: i64) -> AppResult<bool> {
    Ok(!report_db::significant_among(conn, &[id])?.is_empty())
}

/// Which of `ids` are significant (for views of several incidents).
pub fn significant_among(conn: &mut DbConn, ids: &[i64]) -> AppResult<HashSet<i64>> {
    Ok(report_db::significant_among(conn, ids)?
        .into_iter()
        .collect())
}

fn significant(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Incident> {
    let found = visible(conn, actor, id)?;
    if !is_significant(conn, found.id)? {
        return Err(AppError::Conflict(
            "the incident is not marked significant: it has no NIS2 reporting stages".into(),
        ));
    }
    Ok(found)
}

fn open_stage(
    conn: &mut DbConn,
    incident_id: i64,
    stage: Stage,
    due_at: NaiveDateTime,
    requested_by: Option<i64>,
) -> AppResult<IncidentReport> {
    report_db::insert(
        conn,
        &NewIncidentReport {
            incident_id,
            stage: stage.as_str(),
            due_at,
            submitted_at: None,
            submitted_by: None,
            fields: "{}",
            supersedes: None,
            requested_by,
            ack_due_at: None,
            created_at: time::now(),
        },
    )
    .map_err(|e| unique_to_conflict(e, "this stage is already open"))
}

/// Marks `incident` significant and opens its early warning and notification, inside the
/// caller's transaction. Already significant: nothing changes. `false` never withdraws it.
pub fn set_significant(
    conn: &mut DbConn,
    actor: &Actor,
    incident: Incident,
    flag: bool,
) -> AppResult<Incident> {
    if !flag {
        return if is_significant(conn, incident.id)? {
            Err(AppError::field(
                "significant",
                "cannot be withdrawn once the reporting stages have started",
            ))
        } else {
            Ok(incident)
        };
    }
    let org = organisation::find(conn, incident.organisation_id)?;
    if !Nis2Entity::parse(&org.nis2_entity).is_ok_and(Nis2Entity::reports) {
        return Err(AppError::field(
            "significant",
            "only incidents of NIS2 essential or important entities can be significant",
        ));
    }
    if !report_db::mark_significant(conn, incident.id, time::now(), actor.user_id)? {
        return Ok(incident);
    }
    let marked = incident;
    let aware = nis2::aware_at(marked.detected_at, marked.reported_at);
    let early = open_stage(
        conn,
        marked.id,
        Stage::EarlyWarning,
        nis2::early_warning_due(aware),
        None,
    )?;
    let notification = open_stage(
        conn,
        marked.id,
        Stage::Notification,
        nis2::notification_due(aware),
        None,
    )?;
    append_event(
        conn,
        actor,
        marked.id,
        "incident.marked_significant",
        json!({
            "nis2_entity": org.nis2_entity,
            "early_warning_due_at": time::rfc3339(early.due_at),
            "notification_due_at": time::rfc3339(notification.due_at),
        }),
    )?;
    Ok(marked)
}

/// Awareness was corrected: the stages not yet submitted move with it.
pub fn reschedule(conn: &mut DbConn, incident: &Incident) -> AppResult<()> {
    if is_significant(conn, incident.id)? {
        let aware = nis2::aware_at(incident.detected_at, incident.reported_at);
        for (stage, due) in [
            (Stage::EarlyWarning, nis2::early_warning_due(aware)),
            (Stage::Notification, nis2::notification_due(aware)),
        ] {
            report_db::reschedule_pending(conn, incident.id, stage.as_str(), due)?;
        }
    }
    Ok(())
}

/// Marks an incident significant on its own (the reporter side may do this, not edit).
pub fn mark(conn: &mut DbConn, actor: &Actor, id: i64, flag: bool) -> AppResult<Incident> {
    authz::require(actor, Action::SubmitReports)?;
    write_tx(conn, |conn| {
        let found = visible(conn, actor, id)?;
        set_significant(conn, actor, found, flag)
    })
}

/// The incident's reporting rows, oldest first.
pub fn list(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Vec<IncidentReport>> {
    authz::require(actor, Action::ReadReports)?;
    let found = visible(conn, actor, id)?;
    Ok(report_db::for_incident(conn, found.id)?)
}

fn check_submission(input: &ReportInput) -> AppResult<(Stage, Map<String, Value>)> {
    let mut errors = FieldErrors::new();
    let stage = errors.check("stage", Stage::parse(&input.stage));
    let given = match &input.fields {
        Value::Object(map) => Some(map),
        _ => {
            errors.add("fields", "must be an object");
            None
        }
    };
    if let (Some(stage), Some(given)) = (stage, given) {
        if let Err(problems) = nis2::check_fields(stage, given) {
            for (field, message) in problems {
                errors.add(&field, message);
            }
        }
    }
    errors.into_result()?;
    let fields = nis2::check_fields(stage.unwrap(), given.unwrap()).unwrap_or_default();
    Ok((stage.unwrap(), fields))
}

/// The pending row a first submission of `stage` fills, or why there is none.
fn pending_row(rows: &[IncidentReport], stage: Stage) -> AppResult<&IncidentReport> {
    let of_stage = || rows.iter().filter(|r| r.stage == stage.as_str());
    if let Some(row) = of_stage().find(|r| r.submitted_at.is_none()) {
        return Ok(row);
    }
    let message = match (stage, of_stage().next()) {
        (Stage::Final, None) => "the final report opens when the notification is submitted",
        (Stage::Intermediate, _) => "no intermediate report was requested",
        _ => "this stage was already submitted; a correction names the version it supersedes",
    };
    Err(AppError::Conflict(message.into()))
}

/// The version a correction supersedes: a submitted row of the same stage and incident that
/// nothing corrects yet.
fn corrected_row(rows: &[IncidentReport], stage: Stage, id: i64) -> AppResult<&IncidentReport> {
    let target = rows
        .iter()
        .find(|r| r.id == id && r.stage == stage.as_str() && r.submitted_at.is_some())
        .ok_or_else(|| {
            AppError::field(
                "supersedes",
                format!("does not name a submitted {stage} report of this incident"),
            )
        })?;
    if let Some(newer) = rows.iter().find(|r| r.supersedes == Some(id)) {
        return Err(AppError::Conflict(format!(
            "report {id} was already corrected by report {}; correct the latest version",
            newer.id
        )));
    }
    Ok(target)
}

/// Submits a stage, or a correction of it (`supersedes`).
pub fn submit(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    input: ReportInput,
) -> AppResult<IncidentReport> {
    authz::require(actor, Action::SubmitReports)?;
    let (stage, fields) = check_submission(&input)?;
    let text = Value::Object(fields).to_string();
    write_tx(conn, |conn| {
        let found = significant(conn, actor, incident_id)?;
        let rows = report_db::for_incident(conn, found.id)?;
        let now = time::now();
        let ack_due_at = (stage == Stage::EarlyWarning).then(|| nis2::acknowledge_due(now));
        let saved = match input.supersedes {
            Some(id) => {
                let target = corrected_row(&rows, stage, id)?;
                report_db::insert(
                    conn,
                    &NewIncidentReport {
                        incident_id: found.id,
                        stage: stage.as_str(),
                        due_at: target.due_at,
                        submitted_at: Some(now),
                        submitted_by: Some(actor.user_id),
                        fields: &text,
                        supersedes: Some(id),
                        requested_by: target.requested_by,
                        ack_due_at,
                        created_at: now,
                    },
                )
                .map_err(|e| unique_to_conflict(e, "this version was corrected meanwhile"))?
            }
            None => {
                let pending = pending_row(&rows, stage)?;
                let submission = Submission {
                    submitted_at: now,
                    submitted_by: actor.user_id,
                    fields: &text,
                    ack_due_at,
                };
                let saved = report_db::submit(conn, pending.id, &submission)?
                    .ok_or_else(|| AppError::Conflict("submitted meanwhile".into()))?;
                if stage == Stage::Notification {
                    open_stage(conn, found.id, Stage::Final, nis2::final_due(now), None)?;
                }
                saved
            }
        };
        append_event(
            conn,
            actor,
            found.id,
            "incident.report_submitted",
            json!({
                "report_id": saved.id, "stage": saved.stage, "supersedes": saved.supersedes,
                "due_at": time::rfc3339(saved.due_at), "on_time": now <= saved.due_at,
                "fields": serde_json::from_str::<Value>(&saved.fields).unwrap_or_default(),
            }),
        )?;
        Ok(saved)
    })
}

/// The CERT asks for an intermediate report by `due_at`.
pub fn request(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    input: ReportRequest,
) -> AppResult<IncidentReport> {
    authz::require(actor, Action::RequestReports)?;
    let mut errors = FieldErrors::new();
    if input.stage.trim() != Stage::Intermediate.as_str() {
        errors.add("stage", "only an intermediate report can be requested");
    }
    let due_at = parse_time(&mut errors, "due_at", &input.due_at);
    if due_at.is_some_and(|d| d <= time::now()) {
        errors.add("due_at", "must be in the future");
    }
    errors.into_result()?;
    let due_at = due_at.unwrap();
    write_tx(conn, |conn| {
        let found = significant(conn, actor, incident_id)?;
        let row = open_stage(
            conn,
            found.id,
            Stage::Intermediate,
            due_at,
            Some(actor.user_id),
        )?;
        append_event(
            conn,
            actor,
            found.id,
            "incident.report_requested",
            json!({ "report_id": row.id, "stage": row.stage, "due_at": time::rfc3339(due_at) }),
        )?;
        Ok(row)
    })
}

/// The CERT's answer to a submitted early warning.
pub fn acknowledge(
    conn: &mut DbConn,
    actor: &Actor,
    report_id: i64,
    feedback: &str,
) -> AppResult<IncidentReport> {
    authz::require(actor, Action::AcknowledgeReports)?;
    let mut errors = FieldErrors::new();
    let feedback = check_text(&mut errors, "feedback", feedback, MAX_FEEDBACK, true);
    errors.into_result()?;
    let feedback = feedback.unwrap();
    write_tx(conn, |conn| {
        let row = report_db::find(conn, report_id)?;
        let found = visible(conn, actor, row.incident_id)?;
        if row.stage != Stage::EarlyWarning.as_str() || row.submitted_at.is_none() {
            return Err(AppError::Conflict(
                "only a submitted early warning is acknowledged".into(),
            ));
        }
        let now = time::now();
        let answered = report_db::acknowledge(conn, row.id, actor.user_id, now, &feedback)?
            .ok_or_else(|| {
                AppError::Conflict("this early warning was already acknowledged".into())
            })?;
        append_event(
            conn,
            actor,
            found.id,
            "incident.report_acknowledged",
            json!({
                "report_id": row.id, "feedback": feedback,
                "on_time": row.ack_due_at.is_none_or(|due| now <= due),
            }),
        )?;
        Ok(answered)
    })
}
