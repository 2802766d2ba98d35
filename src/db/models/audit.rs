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
