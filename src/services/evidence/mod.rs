//! Evidence: records of uploaded files and their chain of custody. The bytes live in the
//! content-addressed `store`; the records are immutable and every custody event is also an
//! audit event in the incident's stream, written in the same transaction.

mod custody;
pub mod store;

pub use custody::{record_custody, CustodyInput};

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
    domain::{evidence::CustodyAction, time},
    error::{AppError, AppResult},
};

use custody::append_custody;
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
