use chrono::NaiveDateTime;
use diesel::{prelude::*, sql_types};

use crate::db::{
    schema::{audit_events, audit_heads},
    DbConn,
};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AuditEvent {
    pub id: i64,
    pub stream: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_ip: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub incident_id: Option<i64>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub stream: &'a str,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_ip: Option<&'a str>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<i64>,
    pub incident_id: Option<i64>,
    pub details: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

#[derive(QueryableByName)]
pub struct Head {
    #[diesel(sql_type = sql_types::BigInt)]
    pub seq: i64,
    #[diesel(sql_type = sql_types::Text)]
    pub hash: String,
}

/// Locks the stream's head row (creating it at `genesis`) until the transaction ends: appends to
/// one stream serialise, appends to different streams do not.
pub fn lock_head(conn: &mut DbConn, stream: &str, genesis: &str) -> QueryResult<Head> {
    diesel::sql_query(
        "INSERT INTO audit_heads (stream, seq, hash) VALUES ($1, 0, $2) \
         ON CONFLICT (stream) DO UPDATE SET seq = audit_heads.seq \
         RETURNING seq, hash",
    )
    .bind::<sql_types::Text, _>(stream)
    .bind::<sql_types::Text, _>(genesis)
    .get_result(conn)
}

pub fn set_head(conn: &mut DbConn, stream: &str, seq: i64, hash: &str) -> QueryResult<()> {
    diesel::update(audit_heads::table.find(stream))
        .set((audit_heads::seq.eq(seq), audit_heads::hash.eq(hash)))
        .execute(conn)
        .map(drop)
}

pub fn insert(conn: &mut DbConn, new: &NewAuditEvent) -> QueryResult<AuditEvent> {
    diesel::insert_into(audit_events::table)
        .values(new)
        .returning(audit_events::all_columns)
        .get_result(conn)
}

pub fn for_incident(conn: &mut DbConn, incident_id: i64) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::stream.eq(format!("incident:{incident_id}")))
        .order(audit_events::seq.asc())
        .select(audit_events::all_columns)
        .load(conn)
}

pub fn latest_for_entity(
    conn: &mut DbConn,
    entity_type: &str,
    action: &str,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::entity_type.eq(entity_type))
        .filter(audit_events::action.eq(action))
        .order(audit_events::id.desc())
        .select(audit_events::all_columns)
        .limit(100)
        .load(conn)
}

/// The head row of one stream, if it exists.
pub fn head(conn: &mut DbConn, stream: &str) -> QueryResult<Option<(i64, String)>> {
    audit_heads::table
        .find(stream)
        .select((audit_heads::seq, audit_heads::hash))
        .first(conn)
        .optional()
}

/// The first stream name after `after` that has events: walks the (stream, seq) index one
/// stream at a time, so a verifier never holds the list of all streams.
pub fn next_stream(conn: &mut DbConn, after: Option<&str>) -> QueryResult<Option<String>> {
    let mut query = audit_events::table
        .select(diesel::dsl::min(audit_events::stream))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(audit_events::stream.gt(after.to_owned()));
    }
    query.first(conn)
}

/// Up to `limit` events of `stream` with `after_seq < seq <= up_to`, in chain order.
pub fn stream_chunk(
    conn: &mut DbConn,
    stream: &str,
    after_seq: i64,
    up_to: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .filter(audit_events::stream.eq(stream.to_owned()))
        .filter(audit_events::seq.gt(after_seq))
        .select(audit_events::all_columns)
        .into_boxed();
    if let Some(up_to) = up_to {
        query = query.filter(audit_events::seq.le(up_to));
    }
    query.order(audit_events::seq.asc()).limit(limit).load(conn)
}

/// Head rows that claim events (seq > 0) while their stream has none: every event of the
/// stream was deleted. Returns how many there are and the first one by name.
pub fn heads_without_events(conn: &mut DbConn) -> QueryResult<(i64, Option<(String, i64)>)> {
    let orphans = || {
        audit_heads::table
            .filter(audit_heads::seq.gt(0))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                audit_events::table.filter(audit_events::stream.eq(audit_heads::stream)),
            )))
    };
    let count = orphans().count().get_result(conn)?;
    let first = orphans()
        .order(audit_heads::stream.asc())
        .select((audit_heads::stream, audit_heads::seq))
        .first(conn)
        .optional()?;
    Ok((count, first))
}

/// What an auditor can search by; every field narrows the result.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    pub incident_id: Option<i64>,
}

/// Up to `limit` events matching `filter` with an id above `after_id`, oldest first.
pub fn search(
    conn: &mut DbConn,
    filter: &AuditFilter,
    after_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .select(audit_events::all_columns)
        .into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(audit_events::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::at.le(to));
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(actor));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(incident) = filter.incident_id {
        query = query.filter(audit_events::incident_id.eq(incident));
    }
    if let Some(after) = after_id {
        query = query.filter(audit_events::id.gt(after));
    }
    query.order(audit_events::id.asc()).limit(limit).load(conn)
}

/// The events about one record (`entity_type`, `entity_id`), oldest first.
pub fn for_entity(
    conn: &mut DbConn,
    entity_type: &str,
    entity_id: i64,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::entity_type.eq(entity_type))
        .filter(audit_events::entity_id.eq(entity_id))
        .order(audit_events::id.asc())
        .select(audit_events::all_columns)
        .load(conn)
}
