//! Who is told what about an incident. Each function queues mail in the outbox inside the
//! caller's transaction; nobody is mailed about their own action, and internal comments are
//! never mailed at all.

use serde_json::{json, Value};

use crate::{
    auth::Actor,
    config::MailSettings,
    db::{
        models::{
            collaboration::{Comment, Task},
            incident::Incident,
        },
        DbConn,
    },
    domain::{deadline::Alert, time, workflow::Status, Locale, Role},
    error::AppResult,
    services::notify::{self, MailKind, Recipient},
};

/// The variables every incident mail gets; `tlp` decides how much of it a template may show.
fn context(incident: &Incident, actor_name: Option<&str>) -> Value {
    json!({
        "reference": incident.reference,
        "tlp": incident.tlp,
        "title": incident.title,
        "severity": incident.severity,
        "category": incident.category,
        "status": incident.status,
        "actor_name": actor_name,
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(map), Value::Object(more)) = (base.as_object_mut(), extra) {
        map.extend(more);
    }
    base
}

fn not_me(actor: Option<&Actor>) -> impl Fn(&Recipient) -> bool + '_ {
    move |r| actor.is_none_or(|a| !r.email.eq_ignore_ascii_case(&a.email))
}

/// The reporter side: the reporting user, a public reporter's contact address, or — for an
/// incident the CERT filed on an organisation's behalf — that organisation's reporters.
/// Public reporters get no case link (they cannot sign in), only the thread.
fn reporter_side(
    conn: &mut DbConn,
    incident: &Incident,
) -> AppResult<(Vec<Recipient>, Option<i64>)> {
    if let Some(contact) = &incident.reporter_contact {
        return Ok((vec![Recipient::address(contact.clone(), Locale::Az)], None));
    }
    let people = match incident.reporter_id {
        Some(id) => notify::user_recipient(conn, id)?.into_iter().collect(),
        None => notify::with_role(conn, Role::Reporter, Some(incident.organisation_id))?,
    };
    Ok((people, Some(incident.id)))
}

fn send(
    conn: &mut DbConn,
    kind: MailKind,
    to: Vec<Recipient>,
    link_to: Option<i64>,
    incident: &Incident,
    actor: Option<&Actor>,
    context: &Value,
) -> AppResult<()> {
    let to: Vec<Recipient> = to.into_iter().filter(not_me(actor)).collect();
    notify::enqueue_all(conn, kind, to, link_to, Some(&incident.reference), context)?;
    Ok(())
}

pub fn created(
    conn: &mut DbConn,
    mail: &MailSettings,
    incident: &Incident,
    actor: Option<&Actor>,
    organisation_name: &str,
) -> AppResult<()> {
    let reporter_name = actor
        .map(|a| a.display_name.as_str())
        .or(incident.reporter_contact.as_deref());
    let ctx = with(
        context(incident, actor.map(|a| a.display_name.as_str())),
        json!({ "reporter_name": reporter_name, "organisation_name": organisation_name, "description": incident.description }),
    );
    let mut cert = notify::active_coordinators(conn)?;
    cert.extend(notify::duty_mailbox(mail));
    send(
        conn,
        MailKind::IncidentCreated,
        cert,
        Some(incident.id),
        incident,
        actor,
        &ctx,
    )?;
    // The receipt goes to whoever reported, even when they filed it themselves.
    if incident.reporter_id.is_some() || incident.reporter_contact.is_some() {
        let (reporters, link) = reporter_side(conn, incident)?;
        send(
            conn,
            MailKind::ReportReceived,
            reporters,
            link,
            incident,
            None,
            &ctx,
        )?;
    }
    Ok(())
}

pub fn transitioned(
    conn: &mut DbConn,
    before: &Incident,
    after: &Incident,
    actor: &Actor,
) -> AppResult<()> {
    let (reporters, link) = reporter_side(conn, after)?;
    let taken_up = before.status == Status::New.as_str() && after.status == Status::Triage.as_str();
    let (kind, ctx) = if taken_up {
        (
            MailKind::IncidentAcknowledged,
            context(after, Some(&actor.display_name)),
        )
    } else {
        (
            MailKind::StatusChanged,
            with(
                context(after, Some(&actor.display_name)),
                json!({ "previous_status": before.status }),
            ),
        )
    };
    send(conn, kind, reporters, link, after, Some(actor), &ctx)
}

pub fn assigned(
    conn: &mut DbConn,
    incident: &Incident,
    actor: &Actor,
    assignee_name: &str,
) -> AppResult<()> {
    to_assignee(
        conn,
        incident,
        actor,
        incident.assignee_id,
        MailKind::IncidentAssigned,
        json!({ "assignee_name": assignee_name }),
    )
}

/// Tells one assignee (nobody while `assignee` is unset) of something the actor gave them,
/// with `extra` added to the incident's mail context.
fn to_assignee(
    conn: &mut DbConn,
    incident: &Incident,
    actor: &Actor,
    assignee: Option<i64>,
    kind: MailKind,
    extra: Value,
) -> AppResult<()> {
    let Some(assignee) = assignee else {
        return Ok(());
    };
    let to: Vec<Recipient> = notify::user_recipient(conn, assignee)?
        .into_iter()
        .collect();
    let ctx = with(context(incident, Some(&actor.display_name)), extra);
    send(
        conn,
        kind,
        to,
        Some(incident.id),
        incident,
        Some(actor),
        &ctx,
    )
}

/// A shared comment: the reporter side hears of the CERT's, and the CERT (the assignee, or the
/// coordinators while nobody is assigned) hears of the reporter side's.
pub fn comment_shared(
    conn: &mut DbConn,
    incident: &Incident,
    comment: &Comment,
    actor: &Actor,
) -> AppResult<()> {
    if comment.visibility != "shared" {
        return Ok(());
    }
    let ctx = with(
        context(incident, Some(&actor.display_name)),
        json!({ "comment": comment.body }),
    );
    let (mut to, link) = reporter_side(conn, incident)?;
    if !actor.role.is_cert_staff() {
        let cert = match incident.assignee_id {
            Some(id) => notify::user_recipient(conn, id)?.into_iter().collect(),
            None => notify::active_coordinators(conn)?,
        };
        send(
            conn,
            MailKind::CommentShared,
            cert,
            Some(incident.id),
            incident,
            Some(actor),
            &ctx,
        )?;
        to.clear();
    }
    send(
        conn,
        MailKind::CommentShared,
        to,
        link,
        incident,
        Some(actor),
        &ctx,
    )
}

pub fn shared(
    conn: &mut DbConn,
    incident: &Incident,
    organisation_id: i64,
    organisation_name: &str,
    max_tlp: &str,
    max_rank: i32,
    actor: &Actor,
) -> AppResult<()> {
    // Liaisons are told only about what they can open.
    if incident.tlp_rank > max_rank {
        return Ok(());
    }
    let to = notify::with_role(conn, Role::Liaison, Some(organisation_id))?;
    let ctx = with(
        context(incident, Some(&actor.display_name)),
        json!({ "organisation_name": organisation_name, "shared_tlp": max_tlp }),
    );
    send(
        conn,
        MailKind::IncidentShared,
        to,
        Some(incident.id),
        incident,
        Some(actor),
        &ctx,
    )
}

pub fn task_assigned(
    conn: &mut DbConn,
    incident: &Incident,
    task: &Task,
    actor: &Actor,
) -> AppResult<()> {
    to_assignee(
        conn,
        incident,
        actor,
        task.assignee_id,
        MailKind::TaskAssigned,
        json!({ "task_title": task.title, "due_at": task.due_at.map(time::rfc3339) }),
    )
}

/// The SLA clock's alert about one of the incident's deadlines. A warning goes to the assignee
/// (the coordinators while nobody is assigned); a breach to the same people and every
/// coordinator.
pub fn sla_alert(
    conn: &mut DbConn,
    incident: &Incident,
    kind: &str,
    due_at: chrono::NaiveDateTime,
    alert: Alert,
) -> AppResult<()> {
    let assignee = match incident.assignee_id {
        Some(id) => notify::user_recipient(conn, id)?,
        None => None,
    };
    let to: Vec<Recipient> = match (&assignee, alert) {
        (Some(person), Alert::Warning) => vec![person.clone()],
        (None, Alert::Warning) => notify::active_coordinators(conn)?,
        (_, Alert::Breach) => {
            let mut people: Vec<Recipient> = assignee.into_iter().collect();
            people.extend(notify::active_coordinators(conn)?);
            people
        }
    };
    deadline_mail(conn, incident, kind, due_at, alert, to)
}

/// A NIS2 reporting deadline's alert (a stage, or the CERT's answer to an early warning): a
/// warning to the reporting organisation's reporters and the duty mailbox; a breach to the same
/// plus every coordinator.
pub fn nis2_alert(
    conn: &mut DbConn,
    mail: &MailSettings,
    incident: &Incident,
    kind: &str,
    due_at: chrono::NaiveDateTime,
    alert: Alert,
) -> AppResult<()> {
    let mut to = notify::with_role(conn, Role::Reporter, Some(incident.organisation_id))?;
    to.extend(notify::duty_mailbox(mail));
    if alert == Alert::Breach {
        to.extend(notify::active_coordinators(conn)?);
    }
    deadline_mail(conn, incident, kind, due_at, alert, to)
}

/// The clock's mail about deadline `kind` of `incident`.
fn deadline_mail(
    conn: &mut DbConn,
    incident: &Incident,
    kind: &str,
    due_at: chrono::NaiveDateTime,
    alert: Alert,
    to: Vec<Recipient>,
) -> AppResult<()> {
    // `enqueue_all` sends once per address.
    let mail_kind = match alert {
        Alert::Warning => MailKind::DeadlineWarning,
        Alert::Breach => MailKind::DeadlineBreached,
    };
    let ctx = with(
        context(incident, None),
        json!({
            "deadline": kind,
            "due_at": time::rfc3339(due_at),
        }),
    );
    send(conn, mail_kind, to, Some(incident.id), incident, None, &ctx)
}
