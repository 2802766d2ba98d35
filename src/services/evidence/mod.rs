//! Evidence: records of uploaded files and their chain of custody. The bytes live in the
//! content-addressed `store`; the records are immutable and every custody event is also an
//! audit event in the incident's stream, written in the same transaction.

pub mod store;

use serde_json::json;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            evidence::{self as db, CustodyEvent, Evidence, NewCustodyEvent, NewEvidence},
            incident, user, Page,
        },
        write_tx, DbConn,
    },
    domain::{
        evidence::{check_time_zone, CustodyAction, MAX_HOLDER, MAX_NOTE},
        time,
    },
    error::{AppError, AppResult, FieldErrors},
    services::{
        audit::{self, By, Entry},
        incidents::check_text,
    },
};

use store::StoredBlob;

/// Checked before the body is read, so a caller who may not upload never costs disk space.
pub fn authorise_upload(conn: &mut DbConn, actor: &Actor, incident_id: i64) -> AppResult<()> {
    authz::require(actor, Action::UploadEvidence)?;
    incident::find_visible(conn, incident_id, authz::incident_scope(actor))?;
    Ok(())
}

/// What the upload said about the file, already sanitised.
#[derive(Clone, Debug)]
pub struct UploadMeta {
    pub file_name: String,
    pub media_type: String,
    pub description: String,
}

/// Records an upload whose bytes are already in the store: the evidence row, its `collected`
/// custody event and the audit event.
pub fn record_upload(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    meta: &UploadMeta,
    blob: &StoredBlob,
) -> AppResult<Evidence> {
    authz::require(actor, Action::UploadEvidence)?;
    let size = i64::try_from(blob.size)
        .map_err(|_| AppError::PayloadTooLarge("the file is too large".into()))?;
    write_tx(conn, |conn| {
        incident::find_visible(conn, incident_id, authz::incident_scope(actor))?;
        let time_zone = user::find(conn, actor.user_id)?.time_zone;
        let now = time::now();
        let created = db::insert(
            conn,
            &NewEvidence {
                incident_id,
                file_name: &meta.file_name,
                media_type: &meta.media_type,
                size,
                sha256: &blob.sha256,
                description: &meta.description,
                collected_by: Some(actor.user_id),
                collected_at: now,
                uploader_organisation_id: actor.organisation_id,
            },
        )?;
        append_custody(
            conn,
            actor,
            &created,
            NewCustodyEvent {
                evidence_id: created.id,
                action: CustodyAction::Collected.as_str(),
                actor_id: Some(actor.user_id),
                to_holder: Some(&actor.display_name),
                at: now,
                time_zone: &time_zone,
                ..Default::default()
            },
        )?;
        Ok(created)
    })
}

pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    page: Page,
) -> AppResult<Vec<Evidence>> {
    authz::require(actor, Action::ReadEvidence)?;
    incident::find_visible(conn, incident_id, authz::incident_scope(actor))?;
    Ok(db::list_for_incident(
        conn,
        incident_id,
        authz::evidence_scope(actor),
        page,
    )?)
}

pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Evidence> {
    authz::require(actor, Action::ReadEvidence)?;
    Ok(db::find_visible(conn, id, authz::evidence_scope(actor))?)
}

pub fn custody(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    page: Page,
) -> AppResult<Vec<CustodyEvent>> {
    let found = get(conn, actor, id)?;
    Ok(db::custody_for(conn, found.id, page)?)
}

fn refuse_if_destroyed(conn: &mut DbConn, id: i64) -> AppResult<()> {
    if db::is_destroyed(conn, id)? {
        return Err(AppError::Gone(
            "this evidence was destroyed; its content is no longer served".into(),
        ));
    }
    Ok(())
}

/// The record to serve, if the caller may read it and it was not destroyed.
pub fn prepare_download(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Evidence> {
    let found = get(conn, actor, id)?;
    refuse_if_destroyed(conn, found.id)?;
    Ok(found)
}

/// Records a download attempt after the stored file was re-hashed: `accessed` when the hash
/// matched, `integrity_failure` when it did not (the caller then refuses to serve it).
pub fn record_access(
    conn: &mut DbConn,
    actor: &Actor,
    item: &Evidence,
    hash_verified: bool,
) -> AppResult<CustodyEvent> {
    authz::require(actor, Action::ReadEvidence)?;
    write_tx(conn, |conn| {
        refuse_if_destroyed(conn, item.id)?;
        let time_zone = user::find(conn, actor.user_id)?.time_zone;
        let action = if hash_verified {
            CustodyAction::Accessed
        } else {
            CustodyAction::IntegrityFailure
        };
        append_custody(
            conn,
            actor,
            item,
            NewCustodyEvent {
                evidence_id: item.id,
                action: action.as_str(),
                actor_id: Some(actor.user_id),
                hash_verified: Some(hash_verified),
                at: time::now(),
                time_zone: &time_zone,
                ..Default::default()
            },
        )
    })
}

#[derive(Debug, Default)]
pub struct CustodyInput {
    pub action: String,
    pub holder: Option<String>,
    pub location: Option<String>,
    pub purpose: Option<String>,
    pub authority: Option<String>,
    pub note: Option<String>,
    pub time_zone: Option<String>,
}

fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    raw: &Option<String>,
    max: usize,
) -> Option<String> {
    raw.as_deref()
        .and_then(|v| check_text(errors, field, v, max, false))
        .filter(|v| !v.is_empty())
}

/// A custody event recorded by a person: transferred, sealed, returned or destroyed.
pub fn record_custody(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    input: CustodyInput,
) -> AppResult<CustodyEvent> {
    authz::require(actor, Action::RecordCustody)?;
    let mut errors = FieldErrors::new();
    let action = errors.check("action", CustodyAction::parse_manual(&input.action));
    let holder = optional_text(&mut errors, "holder", &input.holder, MAX_HOLDER);
    let location = optional_text(&mut errors, "location", &input.location, MAX_HOLDER);
    let purpose = optional_text(&mut errors, "purpose", &input.purpose, MAX_HOLDER);
    let authority = optional_text(&mut errors, "authority", &input.authority, MAX_HOLDER);
    let note = optional_text(&mut errors, "note", &input.note, MAX_NOTE);
    let time_zone = input
        .time_zone
        .as_deref()
        .and_then(|tz| errors.check("time_zone", check_time_zone(tz)));
    if let Some(action) = action {
        if action.needs_holder() && holder.is_none() {
            errors.add("holder", format!("is required to record `{action}`"));
        }
        if action == CustodyAction::Destroyed && authority.is_none() {
            errors.add(
                "authority",
                "is required to record `destroyed`: who ordered it",
            );
        }
    }
    errors.into_result()?;
    let action = action.expect("checked above");

    write_tx(conn, |conn| {
        let item = db::find_visible(conn, id, authz::evidence_scope(actor))?;
        if db::is_destroyed(conn, item.id)? {
            return Err(AppError::Conflict(
                "this evidence was destroyed; its chain of custody is closed".into(),
            ));
        }
        let time_zone = match &time_zone {
            Some(tz) => tz.clone(),
            None => user::find(conn, actor.user_id)?.time_zone,
        };
        let from_holder = db::current_holder(conn, item.id)?;
        // Sealing keeps the item where it is unless someone else now holds it; destruction
        // leaves nobody holding it.
        let to_holder = match action {
            CustodyAction::Destroyed => None,
            CustodyAction::Sealed => holder.clone().or_else(|| from_holder.clone()),
            _ => holder.clone(),
        };
        append_custody(
            conn,
            actor,
            &item,
            NewCustodyEvent {
                evidence_id: item.id,
                action: action.as_str(),
                actor_id: Some(actor.user_id),
                from_holder: from_holder.as_deref(),
                to_holder: to_holder.as_deref(),
                location: location.as_deref(),
                purpose: purpose.as_deref(),
                authority: authority.as_deref(),
                note: note.as_deref(),
                hash_verified: None,
                at: time::now(),
                time_zone: &time_zone,
            },
        )
    })
}

/// Inserts a custody event and its audit event (`evidence.<action>`) in the incident's stream.
/// Call inside a write transaction.
fn append_custody(
    conn: &mut DbConn,
    actor: &Actor,
    item: &Evidence,
    new: NewCustodyEvent,
) -> AppResult<CustodyEvent> {
    let event = db::insert_custody(conn, &new)?;
    let mut details = json!({
        "custody_event_id": event.id,
        "evidence_id": item.id,
        "file_name": item.file_name,
        "sha256": item.sha256,
        "action": event.action,
        "from_holder": event.from_holder,
        "to_holder": event.to_holder,
        "location": event.location,
        "purpose": event.purpose,
        "authority": event.authority,
        "note": event.note,
        "hash_verified": event.hash_verified,
        "time_zone": event.time_zone,
    });
    if event.action == CustodyAction::Collected.as_str() {
        details["size"] = json!(item.size);
        details["media_type"] = json!(item.media_type);
        details["description"] = json!(item.description);
    }
    audit::append(
        conn,
        Entry {
            by: By::from(actor),
            action: &format!("evidence.{}", event.action),
            entity_type: "evidence",
            entity_id: Some(item.id),
            incident_id: Some(item.incident_id),
            details,
        },
    )?;
    Ok(event)
}
