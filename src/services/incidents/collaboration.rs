//! Comments, tasks and shares on an incident.

use serde_json::json;

use crate::services::organisations;
use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            collaboration::{
                self as rows, Comment, NewComment, NewShare, NewTask, Share, Task, TaskChanges,
            },
            incident::{self, Incident},
            user,
        },
        write_tx, DbConn,
    },
    domain::{incident::Tlp, string_enum, time, Role},
    error::{AppError, AppResult, FieldErrors},
};

use super::{append_event, check_text, parse_time, text};

string_enum!(
    Visibility {
        Internal => "internal",
        Shared => "shared",
    }
);

string_enum!(
    TaskStatus {
        Open => "open",
        Done => "done",
        Cancelled => "cancelled",
    }
);

pub const MAX_COMMENT: usize = 50_000;

fn visible_incident(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Incident> {
    Ok(incident::find_visible(
        conn,
        id,
        authz::incident_scope(actor),
    )?)
}

pub fn add_comment(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    body: &str,
    visibility: &str,
) -> AppResult<Comment> {
    let mut errors = FieldErrors::new();
    let body = check_text(&mut errors, "body", body, MAX_COMMENT, true);
    let visibility = errors.check("visibility", Visibility::parse(visibility));
    errors.into_result()?;
    let (body, visibility) = (body.unwrap(), visibility.unwrap());
    authz::require(
        actor,
        match visibility {
            Visibility::Internal => Action::CommentInternal,
            Visibility::Shared => Action::CommentShared,
        },
    )?;
    write_tx(conn, |conn| {
        let incident = visible_incident(conn, actor, incident_id)?;
        let comment = rows::insert_comment(
            conn,
            &NewComment {
                incident_id: incident.id,
                author_id: Some(actor.user_id),
                body: &body,
                visibility: visibility.as_str(),
                created_at: time::now(),
            },
        )?;
        append_event(
            conn,
            actor,
            incident.id,
            "comment.added",
            json!({ "comment_id": comment.id, "visibility": comment.visibility, "body": comment.body }),
        )?;
        super::notices::comment_shared(conn, &incident, &comment, actor)?;
        Ok(comment)
    })
}

/// Internal notes are filtered out in the query for everyone outside the CERT and its auditors.
pub fn comments(conn: &mut DbConn, actor: &Actor, incident_id: i64) -> AppResult<Vec<Comment>> {
    let incident = visible_incident(conn, actor, incident_id)?;
    let shared_only = !authz::allows(actor.role, Action::ReadInternal);
    Ok(rows::comments_of(conn, incident.id, shared_only)?)
}

fn check_staff_assignee(conn: &mut DbConn, assignee_id: Option<i64>) -> AppResult<()> {
    if let Some(id) = assignee_id {
        let user = user::find(conn, id).map_err(AppError::field_if_missing(
            "assignee_id",
            "does not name an existing user",
        ))?;
        if !user.active || !Role::parse(&user.role).is_ok_and(Role::is_cert_staff) {
            return Err(AppError::field(
                "assignee_id",
                "must be an active member of the CERT staff",
            ));
        }
    }
    Ok(())
}

pub struct TaskInput {
    pub title: String,
    pub assignee_id: Option<i64>,
    pub due_at: Option<String>,
}

pub fn add_task(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    input: TaskInput,
) -> AppResult<Task> {
    authz::require(actor, Action::ManageTasks)?;
    let mut errors = FieldErrors::new();
    let title = check_text(&mut errors, "title", &input.title, 300, true);
    let due_at = input
        .due_at
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|d| parse_time(&mut errors, "due_at", d));
    errors.into_result()?;
    write_tx(conn, |conn| {
        let incident = visible_incident(conn, actor, incident_id)?;
        check_staff_assignee(conn, input.assignee_id)?;
        let now = time::now();
        let task = rows::insert_task(
            conn,
            &NewTask {
                incident_id: incident.id,
                title: title.as_deref().unwrap_or_default(),
                assignee_id: input.assignee_id,
                status: TaskStatus::Open.as_str(),
                due_at: due_at.flatten(),
                created_by: Some(actor.user_id),
                created_at: now,
                updated_at: now,
            },
        )?;
        append_event(
            conn,
            actor,
            incident.id,
            "task.created",
            json!({ "task_id": task.id, "title": task.title, "assignee_id": task.assignee_id, "due_at": task.due_at.map(time::rfc3339) }),
        )?;
        super::notices::task_assigned(conn, &incident, &task, actor)?;
        Ok(task)
    })
}

pub fn tasks(conn: &mut DbConn, actor: &Actor, incident_id: i64) -> AppResult<Vec<Task>> {
    authz::require(actor, Action::ReadInternal)?;
    let incident = visible_incident(conn, actor, incident_id)?;
    Ok(rows::tasks_of(conn, incident.id)?)
}

#[derive(Default)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub status: Option<String>,
    pub assignee_id: Option<Option<i64>>,
    pub due_at: Option<Option<String>>,
}

pub fn update_task(
    conn: &mut DbConn,
    actor: &Actor,
    task_id: i64,
    patch: TaskPatch,
) -> AppResult<Task> {
    authz::require(actor, Action::ManageTasks)?;
    let mut errors = FieldErrors::new();
    let title = errors.patched("title", patch.title.as_deref(), text(300, true));
    let status = errors.patched("status", patch.status.as_deref(), TaskStatus::parse);
    let due_at =
        patch
            .due_at
            .as_ref()
            .map(|d| match d.as_deref().filter(|s| !s.trim().is_empty()) {
                None => None,
                Some(raw) => parse_time(&mut errors, "due_at", raw),
            });
    errors.into_result()?;
    write_tx(conn, |conn| {
        let before = rows::find_task(conn, task_id)?;
        let incident = visible_incident(conn, actor, before.incident_id)?;
        if let Some(assignee) = patch.assignee_id {
            check_staff_assignee(conn, assignee)?;
        }
        let now = time::now();
        let completed_at = status.map(|s| (s != TaskStatus::Open).then_some(now));
        let after = rows::update_task(
            conn,
            task_id,
            &TaskChanges {
                title,
                assignee_id: patch.assignee_id,
                status: status.map(|s| s.as_str().to_owned()),
                due_at,
                completed_at,
                updated_at: Some(now),
            },
        )?;
        let details = crate::services::audit::changes(&[
            ("title", json!(before.title), json!(after.title)),
            ("status", json!(before.status), json!(after.status)),
            (
                "assignee_id",
                json!(before.assignee_id),
                json!(after.assignee_id),
            ),
            (
                "due_at",
                json!(before.due_at.map(time::rfc3339)),
                json!(after.due_at.map(time::rfc3339)),
            ),
        ]);
        append_event(
            conn,
            actor,
            after.incident_id,
            "task.updated",
            json!({ "task_id": task_id, "changes": details }),
        )?;
        if after.assignee_id.is_some() && after.assignee_id != before.assignee_id {
            super::notices::task_assigned(conn, &incident, &after, actor)?;
        }
        Ok(after)
    })
}

/// Shares the incident with another organisation up to a TLP ceiling; sharing again with the
/// same organisation changes the ceiling.
pub fn share(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    organisation_id: i64,
    max_tlp: &str,
) -> AppResult<Share> {
    authz::require(actor, Action::ShareIncident)?;
    let tlp = Tlp::parse_lenient(max_tlp).map_err(|m| AppError::field("max_tlp", m))?;
    if tlp == Tlp::Red {
        return Err(AppError::field(
            "max_tlp",
            "TLP:RED is never shared organisation-wide, only with named people",
        ));
    }
    write_tx(conn, |conn| {
        let incident = visible_incident(conn, actor, incident_id)?;
        let org = organisations::named_active(conn, organisation_id)?;
        if org.id == incident.organisation_id {
            return Err(AppError::field(
                "organisation_id",
                "is the reporting organisation, which already sees the incident",
            ));
        }
        let share = match rows::find_share(conn, incident.id, org.id)? {
            Some(existing) => {
                rows::update_share_ceiling(conn, existing.id, tlp.as_str(), tlp.rank())?
            }
            None => rows::insert_share(
                conn,
                &NewShare {
                    incident_id: incident.id,
                    organisation_id: org.id,
                    max_tlp: tlp.as_str(),
                    max_tlp_rank: tlp.rank(),
                    shared_by: Some(actor.user_id),
                    created_at: time::now(),
                },
            )?,
        };
        append_event(
            conn,
            actor,
            incident.id,
            "incident.shared",
            json!({ "organisation_id": org.id, "organisation": org.name, "max_tlp": share.max_tlp }),
        )?;
        super::notices::shared(
            conn,
            &incident,
            org.id,
            &org.name,
            &share.max_tlp,
            share.max_tlp_rank,
            actor,
        )?;
        Ok(share)
    })
}

pub fn shares(conn: &mut DbConn, actor: &Actor, incident_id: i64) -> AppResult<Vec<Share>> {
    authz::require(actor, Action::ReadInternal)?;
    let incident = visible_incident(conn, actor, incident_id)?;
    Ok(rows::shares_of(conn, incident.id)?)
}
