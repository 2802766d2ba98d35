//! ATT&CK technique tags on incidents (CERT staff; auditors read) and the learned suggestions:
//! techniques for a text or an incident, its RSIT category, and similar incidents.
//! `models` holds the trained models; `similar` finds related incidents in SQL then by text.

pub mod models;
pub mod similar;
pub mod suggest;

use serde_json::json;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            incident::{self, Incident},
            technique::{self as rows, NewTechniqueTag, TechniqueTag},
        },
        write_tx, DbConn,
    },
    domain::{
        attack::{self, Technique},
        time,
    },
    error::{AppError, AppResult, FieldErrors},
    services::incidents::{append_event, check_text},
};

pub use models::Models;

/// How a tag came to be: typed by an analyst, or one click on a suggestion.
pub const SOURCES: [&str; 2] = ["analyst", "suggestion"];

/// A tag with its catalogue entry.
#[derive(Clone, Debug)]
pub struct Tag {
    pub row: TechniqueTag,
    pub technique: &'static Technique,
}

fn with_catalogue(row: TechniqueTag) -> Tag {
    // The id was checked against the catalogue when the tag was added, and the catalogue only
    // grows between versions (revoked techniques are kept).
    let technique = attack::technique(&row.technique_id).unwrap_or_else(|| {
        static UNKNOWN: std::sync::LazyLock<Technique> = std::sync::LazyLock::new(|| Technique {
            id: String::new(),
            name: "?".into(),
            tactics: Vec::new(),
            revoked: true,
        });
        &UNKNOWN
    });
    Tag { row, technique }
}

/// The incident, if the caller sees it (404 otherwise) and may do `action` (403 otherwise).
pub(crate) fn incident_for(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    action: Action,
) -> AppResult<Incident> {
    let found = incident::find_visible(conn, incident_id, authz::incident_scope(actor))?;
    authz::require(actor, action)?;
    Ok(found)
}

pub fn list(conn: &mut DbConn, actor: &Actor, incident_id: i64) -> AppResult<Vec<Tag>> {
    incident_for(conn, actor, incident_id, Action::ReadTechniques)?;
    Ok(rows::for_incidents(conn, &[incident_id])?
        .into_iter()
        .map(with_catalogue)
        .collect())
}

/// Tags of several incidents (exports); empty for callers who may not see tags.
pub fn for_incidents(conn: &mut DbConn, actor: &Actor, ids: &[i64]) -> AppResult<Vec<Tag>> {
    if !authz::allows(actor.role, Action::ReadTechniques) {
        return Ok(Vec::new());
    }
    Ok(rows::for_incidents(conn, ids)?
        .into_iter()
        .map(with_catalogue)
        .collect())
}

pub struct NewTag {
    pub technique_id: String,
    pub note: Option<String>,
    /// `analyst` (default) or `suggestion`.
    pub source: Option<String>,
}

pub fn add(conn: &mut DbConn, actor: &Actor, incident_id: i64, input: NewTag) -> AppResult<Tag> {
    let mut errors = FieldErrors::new();
    let technique = errors.check(
        "technique_id",
        attack::parse_technique_id(&input.technique_id),
    );
    let note = input
        .note
        .as_deref()
        .and_then(|n| check_text(&mut errors, "note", n, 2_000, false))
        .filter(|n| !n.is_empty());
    let source = input.source.as_deref().map(str::trim).unwrap_or("analyst");
    if !SOURCES.contains(&source) {
        errors.add("source", "must be analyst or suggestion");
    }
    write_tx(conn, |conn| {
        incident_for(conn, actor, incident_id, Action::TagTechniques)?;
        errors.clone().into_result()?;
        let technique = technique.expect("checked");
        if rows::find(conn, incident_id, &technique.id)?.is_some() {
            return Err(AppError::Conflict(format!(
                "{} is already tagged on this incident",
                technique.id
            )));
        }
        let row = rows::insert(
            conn,
            &NewTechniqueTag {
                incident_id,
                technique_id: &technique.id,
                note: note.as_deref(),
                source,
                added_by: Some(actor.user_id),
                added_at: time::now(),
            },
        )?;
        append_event(
            conn,
            actor,
            incident_id,
            "technique.tagged",
            json!({ "technique_id": row.technique_id, "name": technique.name, "source": row.source, "note": row.note }),
        )?;
        Ok(with_catalogue(row))
    })
}

pub fn remove(
    conn: &mut DbConn,
    actor: &Actor,
    incident_id: i64,
    technique_id: &str,
) -> AppResult<()> {
    write_tx(conn, |conn| {
        incident_for(conn, actor, incident_id, Action::TagTechniques)?;
        let id = technique_id.trim().to_ascii_uppercase();
        let row = rows::find(conn, incident_id, &id)?.ok_or(AppError::NotFound)?;
        rows::delete(conn, row.id)?;
        append_event(
            conn,
            actor,
            incident_id,
            "technique.untagged",
            json!({ "technique_id": row.technique_id, "source": row.source }),
        )?;
        Ok(())
    })
}
