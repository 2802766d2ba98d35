//! Re-checks every hash chain in the database: the `audit verify` command and
//! `GET /api/v1/audit/verify` both call `verify_all`.
//!
//! Streams are walked one at a time through the (stream, seq) index, each in chunks, inside one
//! read-only snapshot, so millions of events never sit in memory and appends made meanwhile
//! cannot look like tampering.

use diesel::{connection::SimpleConnection, Connection};
use serde::Serialize;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::audit::{self as rows, AuditEvent},
        DbConn,
    },
    error::AppResult,
    services::{
        audit::recompute_hash,
        audit_chain::{BadEvent, Chain, Link},
    },
};

/// Events read per query.
pub const CHUNK: i64 = 1000;

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    /// True when every stream is intact.
    pub ok: bool,
    pub streams_checked: i64,
    pub events_checked: i64,
    /// How many streams are broken (each is reported once, at its first break).
    pub bad_streams: i64,
    /// The first break found, in (stream, seq) order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad: Option<BadEvent>,
}

impl VerifyReport {
    fn record(&mut self, bad: BadEvent) {
        self.bad_streams += 1;
        self.first_bad.get_or_insert(bad);
    }
}

pub fn link(event: &AuditEvent) -> Link<'_> {
    Link {
        stream: &event.stream,
        seq: event.seq,
        id: Some(event.id),
        prev_hash: &event.prev_hash,
        hash: &event.hash,
        computed: recompute_hash(event),
    }
}

/// For the API: auditors and admins only.
pub fn verify(conn: &mut DbConn, actor: &Actor) -> AppResult<VerifyReport> {
    authz::require(actor, Action::ReadAudit)?;
    verify_all(conn)
}

/// Every stream, every event, every head.
pub fn verify_all(conn: &mut DbConn) -> AppResult<VerifyReport> {
    verify_in_chunks(conn, CHUNK)
}

/// `verify_all` reading `chunk` events per query (small chunks let tests cross boundaries).
pub fn verify_in_chunks(conn: &mut DbConn, chunk: i64) -> AppResult<VerifyReport> {
    let report = read_snapshot(conn, |conn| {
        let mut report = VerifyReport::default();
        let mut after: Option<String> = None;
        while let Some(stream) = rows::next_stream(conn, after.as_deref())? {
            report.streams_checked += 1;
            if let Err(bad) = check_stream(conn, &stream, chunk, &mut report.events_checked)? {
                report.record(bad);
            }
            after = Some(stream);
        }
        let (orphans, first) = rows::heads_without_events(conn)?;
        report.streams_checked += orphans;
        if let Some((stream, seq)) = first {
            report.record(BadEvent {
                stream,
                seq: Some(seq),
                event_id: None,
                reason: format!(
                    "the head is at seq {seq} but the stream has no events: they were deleted"
                ),
            });
            report.bad_streams += orphans - 1;
        }
        Ok(report)
    })?;
    Ok(VerifyReport {
        ok: report.first_bad.is_none(),
        ..report
    })
}

/// One stream; the outer error is the database's, the inner one the chain's.
fn check_stream(
    conn: &mut DbConn,
    stream: &str,
    chunk_size: i64,
    events_checked: &mut i64,
) -> diesel::QueryResult<Result<(), BadEvent>> {
    let head = rows::head(conn, stream)?;
    let mut chain = Chain::new(stream);
    loop {
        let chunk = rows::stream_chunk(conn, stream, chain.last_seq(), None, chunk_size)?;
        for event in &chunk {
            *events_checked += 1;
            if let Err(bad) = chain.push(&link(event)) {
                return Ok(Err(bad));
            }
        }
        if (chunk.len() as i64) < chunk_size {
            break;
        }
    }
    Ok(chain.finish(head.as_ref().map(|(seq, hash)| (*seq, hash.as_str()))))
}

/// Runs `f` in one read-only snapshot: REPEATABLE READ on PostgreSQL; on SQLite (WAL) any
/// transaction reads one snapshot.
fn read_snapshot<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> diesel::QueryResult<T>,
) -> diesel::QueryResult<T> {
    conn.transaction(|conn| {
        if conn.is_postgres() {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        f(conn)
    })
}
