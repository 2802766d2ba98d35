//! Telling people by mail — the only way domain code sends mail.
//!
//! Domain code never talks to SMTP. It calls [`enqueue`] (one recipient) or [`enqueue_all`]
//! (several, de-duplicated) **inside its own `write_tx`**, next to its change and its audit
//! event: the mail exists exactly when the change does. The outbox worker (`mail::worker`)
//! renders and sends later, retrying while the SMTP server is down.
//!
//! ```ignore
//! // In services::incidents::create, inside the write_tx, after inserting `incident`:
//! use crate::services::notify::{self, MailKind};
//! let context = serde_json::json!({
//!     "reference": incident.reference,   // "CERT-2026-00042": subject prefix, threading
//!     "tlp": incident.tlp,               // always give it: TLP:RED / TLP:AMBER+STRICT mail
//!                                        // carries no title, description or comment text
//!     "title": incident.title,
//!     "severity": incident.severity,
//!     "category": incident.category,
//!     "reporter_name": actor.display_name,
//!     "organisation_name": org.name,
//! });
//! let mut to = notify::active_coordinators(conn)?;
//! to.extend(notify::duty_mailbox(&settings.mail));
//! notify::enqueue_all(conn, MailKind::IncidentCreated, to, Some(incident.id),
//!                     Some(&incident.reference), &context)?;
//! // and the reporter's receipt:
//! notify::enqueue(conn, notify::Notification {
//!     kind: MailKind::ReportReceived,
//!     to: notify::Recipient::user(&reporter),        // or Recipient::address(email, locale)
//!     incident_id: Some(incident.id),
//!     thread_key: Some(incident.reference.clone()),
//!     context,
//! })?;
//! ```
//!
//! Context keys the templates read (all optional except `reference` and `tlp` for incident
//! mail; a missing `tlp` is treated as restricted):
//! - every kind: `reference`, `tlp`, `title`, `actor_name` (who did it)
//! - `incident_created`: `severity`, `category`, `reporter_name`, `organisation_name`, `description`
//! - `report_received`, `incident_acknowledged`: nothing more
//! - `incident_assigned`: `assignee_name`
//! - `comment_shared`: `comment` (only ever a *shared* comment: internal comments are never mailed)
//! - `status_changed`: `status`, `previous_status`
//! - `incident_shared`: `organisation_name` (the agency it is shared with), `shared_tlp`
//! - `task_assigned`: `task_title`, `due_at`
//!
//! Users may switch off the kinds for which [`MailKind::is_essential`] is false
//! (`PATCH /api/v1/me` with `{"notifications": {"comment_shared": false}}`); `enqueue` then
//! quietly skips them. Mail to addresses without an account (duty mailbox, public reporters)
//! is always sent.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};

use crate::{
    config::MailSettings,
    db::{
        models::{
            notification,
            outbox::{self, NewOutbox},
            user::{self, User},
        },
        DbConn,
    },
    domain::{time, Locale, Role},
    error::{AppResult, FieldErrors},
};

pub use crate::domain::notification::MailKind;

/// Who gets a message and in which language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub email: String,
    /// Set for accounts: their preferences apply. `None` for bare addresses.
    pub user_id: Option<i64>,
    pub locale: Locale,
}

impl Recipient {
    pub fn user(user: &User) -> Self {
        Self {
            email: user.email.clone(),
            user_id: Some(user.id),
            locale: Locale::parse(&user.locale).unwrap_or_default(),
        }
    }

    /// An address without an account: the duty mailbox, a public reporter's contact address.
    pub fn address(email: impl Into<String>, locale: Locale) -> Self {
        Self {
            email: email.into(),
            user_id: None,
            locale,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Notification {
    pub kind: MailKind,
    pub to: Recipient,
    pub incident_id: Option<i64>,
    /// Mail with the same key threads together in mail clients; use the incident reference.
    pub thread_key: Option<String>,
    /// The template variables, a JSON object (see the module documentation).
    pub context: Value,
}

/// Queues one message. No I/O beyond the insert; call it inside the change's transaction.
/// Returns the outbox id, or `None` when the recipient switched this kind off.
pub fn enqueue(conn: &mut DbConn, n: Notification) -> AppResult<Option<i64>> {
    if let Some(user_id) = n.to.user_id {
        if !n.kind.is_essential() && notification::opted_out(conn, user_id, n.kind.as_str())? {
            return Ok(None);
        }
    }
    let context = match n.context {
        Value::Object(_) => n.context,
        Value::Null => json!({}),
        other => json!({ "value": other }),
    };
    let context = context.to_string();
    let now = time::now();
    let row = outbox::insert(
        conn,
        &NewOutbox {
            kind: n.kind.as_str(),
            recipient_email: n.to.email.trim(),
            recipient_user_id: n.to.user_id,
            locale: n.to.locale.as_str(),
            incident_id: n.incident_id,
            thread_key: n.thread_key.as_deref(),
            context: &context,
            status: outbox::PENDING,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        },
    )?;
    Ok(Some(row.id))
}

/// Queues the same message for several recipients, once per address (case-insensitive), in
/// each recipient's language. Returns how many were queued.
pub fn enqueue_all(
    conn: &mut DbConn,
    kind: MailKind,
    recipients: impl IntoIterator<Item = Recipient>,
    incident_id: Option<i64>,
    thread_key: Option<&str>,
    context: &Value,
) -> AppResult<usize> {
    let mut seen = HashSet::new();
    let mut queued = 0;
    for to in recipients {
        if !seen.insert(to.email.trim().to_lowercase()) {
            continue;
        }
        let n = Notification {
            kind,
            to,
            incident_id,
            thread_key: thread_key.map(str::to_owned),
            context: context.clone(),
        };
        if enqueue(conn, n)?.is_some() {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Every active coordinator.
pub fn active_coordinators(conn: &mut DbConn) -> AppResult<Vec<Recipient>> {
    with_role(conn, Role::Coordinator, None)
}

/// Active users with `role`, optionally only in one organisation (e.g. an agency's liaisons:
/// `with_role(conn, Role::Liaison, Some(org_id))`).
pub fn with_role(
    conn: &mut DbConn,
    role: Role,
    organisation_id: Option<i64>,
) -> AppResult<Vec<Recipient>> {
    Ok(
        notification::active_users_with_role(conn, role.as_str(), organisation_id)?
            .iter()
            .map(Recipient::user)
            .collect(),
    )
}

/// Every active user of an organisation (e.g. the reporter side of an incident).
pub fn organisation_members(conn: &mut DbConn, organisation_id: i64) -> AppResult<Vec<Recipient>> {
    Ok(notification::active_users_of(conn, organisation_id)?
        .iter()
        .map(Recipient::user)
        .collect())
}

/// One user, if they exist and are active (deactivated accounts get no mail).
pub fn user_recipient(conn: &mut DbConn, user_id: i64) -> AppResult<Option<Recipient>> {
    use diesel::OptionalExtension;
    Ok(user::find(conn, user_id)
        .optional()?
        .filter(|u| u.active)
        .map(|u| Recipient::user(&u)))
}

/// The configured duty mailbox (`QALXAN_DUTY_MAILBOX`), written to in Azerbaijani.
pub fn duty_mailbox(settings: &MailSettings) -> Option<Recipient> {
    settings
        .duty_mailbox
        .as_ref()
        .map(|email| Recipient::address(email.clone(), Locale::Az))
}

/// Every switchable kind with whether it is on for this user.
pub fn preferences(conn: &mut DbConn, user_id: i64) -> AppResult<BTreeMap<String, bool>> {
    let off = notification::optouts(conn, user_id)?;
    Ok(MailKind::switchable()
        .map(|k| (k.as_str().to_owned(), !off.iter().any(|o| o == k.as_str())))
        .collect())
}

/// Checks a requested change before any transaction: only known, switchable kinds.
pub fn check_preferences(requested: &BTreeMap<String, bool>) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    for (kind, enabled) in requested {
        let field = format!("notifications.{kind}");
        match MailKind::parse(kind) {
            Err(message) => errors.add(&field, message),
            Ok(k) if k.is_essential() && !enabled => {
                errors.add(&field, "is essential and cannot be switched off")
            }
            Ok(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Applies checked preferences; returns the kinds that changed with their new value, for the
/// audit event. Call inside the caller's transaction.
pub fn set_preferences(
    conn: &mut DbConn,
    user_id: i64,
    requested: &BTreeMap<String, bool>,
) -> AppResult<BTreeMap<String, bool>> {
    let now = time::now();
    let mut changed = BTreeMap::new();
    for (kind, enabled) in requested {
        if notification::set(conn, user_id, kind, *enabled, now)? {
            changed.insert(kind.clone(), *enabled);
        }
    }
    Ok(changed)
}
