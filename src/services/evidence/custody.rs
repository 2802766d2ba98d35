//! Custody events recorded by people, and the one function that writes any custody event
//! together with its audit event.

use serde_json::json;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            evidence::{self as db, CustodyEvent, Evidence, NewCustodyEvent},
            user,
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

/// A custody event as the API's JSON body and the case page's form give it.
#[derive(Debug, Default, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RecordCustody)]
pub struct CustodyInput {
    /// `transferred`, `sealed`, `returned` or `destroyed`.
    pub action: String,
    /// Who has the item afterwards (required for `transferred` and `returned`).
    pub holder: Option<String>,
    pub location: Option<String>,
    pub purpose: Option<String>,
    /// Who authorised it (required for `destroyed`).
    pub authority: Option<String>,
    pub note: Option<String>,
    /// IANA zone the event happened in; defaults to your profile's zone.
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
pub(super) fn append_custody(
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
