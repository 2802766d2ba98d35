//! Evidence records and their custody events: inserts and reads only (the tables refuse
//! UPDATE and DELETE by trigger).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{
    authz::EvidenceScope,
    db::{
        schema::{custody_events, evidence},
        DbConn,
    },
};

use super::{incident, Page};

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = evidence)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Evidence {
    pub id: i64,
    pub incident_id: i64,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub description: String,
    pub collected_by: Option<i64>,
    pub collected_at: NaiveDateTime,
    pub uploader_organisation_id: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = evidence)]
pub struct NewEvidence<'a> {
    pub incident_id: i64,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub description: &'a str,
    pub collected_by: Option<i64>,
    pub collected_at: NaiveDateTime,
    pub uploader_organisation_id: i64,
}

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = custody_events)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct CustodyEvent {
    pub id: i64,
    pub evidence_id: i64,
    pub action: String,
    pub actor_id: Option<i64>,
    pub from_holder: Option<String>,
    pub to_holder: Option<String>,
    pub location: Option<String>,
    pub purpose: Option<String>,
    pub authority: Option<String>,
    pub note: Option<String>,
    pub hash_verified: Option<bool>,
    pub at: NaiveDateTime,
    pub time_zone: String,
}

#[derive(Debug, Default, Insertable)]
#[diesel(table_name = custody_events)]
pub struct NewCustodyEvent<'a> {
    pub evidence_id: i64,
    pub action: &'a str,
    pub actor_id: Option<i64>,
    pub from_holder: Option<&'a str>,
    pub to_holder: Option<&'a str>,
    pub location: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub authority: Option<&'a str>,
    pub note: Option<&'a str>,
    pub hash_verified: Option<bool>,
    pub at: NaiveDateTime,
    pub time_zone: &'a str,
}

pub fn insert(conn: &mut DbConn, new: &NewEvidence) -> QueryResult<Evidence> {
    diesel::insert_into(evidence::table)
        .values(new)
        .returning(evidence::all_columns)
        .get_result(conn)
}

pub fn insert_custody(conn: &mut DbConn, new: &NewCustodyEvent) -> QueryResult<CustodyEvent> {
    diesel::insert_into(custody_events::table)
        .values(new)
        .returning(custody_events::all_columns)
        .get_result(conn)
}

/// The evidence if it exists and the scope may see it (its incident visible, and for the
/// reporter side uploaded by their organisation); otherwise `NotFound`.
pub fn find_visible(conn: &mut DbConn, id: i64, scope: EvidenceScope) -> QueryResult<Evidence> {
    let mut query = evidence::table
        .filter(evidence::id.eq(id))
        .select(evidence::all_columns)
        .into_boxed();
    if let Some(org) = scope.uploaded_by_organisation {
        query = query.filter(evidence::uploader_organisation_id.eq(org));
    }
    let found: Evidence = query.first(conn)?;
    incident::find_visible(conn, found.incident_id, scope.incidents)?;
    Ok(found)
}

/// An incident's evidence the scope may see, newest first, keyset-paginated by id. The caller
/// has already checked that the scope sees the incident itself.
pub fn list_for_incident(
    conn: &mut DbConn,
    incident_id: i64,
    scope: EvidenceScope,
    page: Page,
) -> QueryResult<Vec<Evidence>> {
    let mut query = evidence::table
        .filter(evidence::incident_id.eq(incident_id))
        .select(evidence::all_columns)
        .into_boxed();
    if let Some(org) = scope.uploaded_by_organisation {
        query = query.filter(evidence::uploader_organisation_id.eq(org));
    }
    if let Some(after) = page.after {
        query = query.filter(evidence::id.lt(after));
    }
    query
        .order(evidence::id.desc())
        .limit(page.limit + 1)
        .load(conn)
}

/// Custody in the order it happened (ids grow with time), keyset-paginated.
pub fn custody_for(
    conn: &mut DbConn,
    evidence_id: i64,
    page: Page,
) -> QueryResult<Vec<CustodyEvent>> {
    let mut query = custody_events::table
        .filter(custody_events::evidence_id.eq(evidence_id))
        .select(custody_events::all_columns)
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(custody_events::id.gt(after));
    }
    query
        .order(custody_events::id.asc())
        .limit(page.limit + 1)
        .load(conn)
}

/// The newest event that named a holder (accesses and failed checks do not change hands).
pub fn current_holder(conn: &mut DbConn, evidence_id: i64) -> QueryResult<Option<String>> {
    custody_events::table
        .filter(custody_events::evidence_id.eq(evidence_id))
        .filter(custody_events::action.ne_all(vec!["accessed", "integrity_failure"]))
        .select(custody_events::to_holder)
        .order(custody_events::id.desc())
        .first::<Option<String>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Whether a `destroyed` event exists for the item.
pub fn is_destroyed(conn: &mut DbConn, evidence_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        custody_events::table
            .filter(custody_events::evidence_id.eq(evidence_id))
            .filter(custody_events::action.eq("destroyed")),
    ))
    .get_result(conn)
}
