//! The outbox: mail waiting to be sent, being sent, sent or given up on.
//!
//! Claiming is the one place the backends differ: PostgreSQL uses `FOR UPDATE SKIP LOCKED` so
//! workers on several nodes take disjoint batches without waiting on each other; SQLite has a
//! single writer, so the same statement inside a `BEGIN IMMEDIATE` transaction is already
//! exclusive.

use chrono::NaiveDateTime;
use diesel::{dsl, prelude::*, sql_types};

use crate::db::{schema::outbox, write_tx, DbConn};

use super::Page;

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
pub const STATUSES: &[&str] = &[PENDING, SENDING, SENT, FAILED];

#[derive(Clone, Debug, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = outbox)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub recipient_email: String,
    pub recipient_user_id: Option<i64>,
    pub locale: String,
    pub incident_id: Option<i64>,
    pub thread_key: Option<String>,
    pub context: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub claimed_by: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub message_id: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewOutbox<'a> {
    pub kind: &'a str,
    pub recipient_email: &'a str,
    pub recipient_user_id: Option<i64>,
    pub locale: &'a str,
    pub incident_id: Option<i64>,
    pub thread_key: Option<&'a str>,
    pub context: &'a str,
    pub status: &'a str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewOutbox) -> QueryResult<OutboxRow> {
    diesel::insert_into(outbox::table)
        .values(new)
        .returning(outbox::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<OutboxRow> {
    outbox::table
        .find(id)
        .select(outbox::all_columns)
        .first(conn)
}

/// What a claim needs to know.
pub struct Claim<'a> {
    pub worker: &'a str,
    pub now: NaiveDateTime,
    pub lease_until: NaiveDateTime,
    pub limit: i64,
    /// Message-IDs are `<outbox-{id}.{token}@{host}>`, assigned on the first claim and kept
    /// across retries so that a message that is sent twice after a crash is recognisably one.
    pub token: &'a str,
    pub host: &'a str,
}

/// Takes up to `limit` due rows — pending and due, or abandoned by a worker whose lease
/// expired — marks them `sending` under this worker's lease, counts the attempt, and returns
/// them. Each row is returned to exactly one caller.
pub fn claim(conn: &mut DbConn, claim: &Claim) -> QueryResult<Vec<OutboxRow>> {
    let lock = if conn.is_postgres() {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE outbox SET status = 'sending', claimed_by = $1, locked_until = $2, \
           attempts = attempts + 1, \
           message_id = COALESCE(message_id, '<outbox-' || id || '.' || $3 || '@' || $4 || '>') \
         WHERE id IN (SELECT id FROM outbox \
           WHERE (status = 'pending' AND next_attempt_at <= $5) \
              OR (status = 'sending' AND locked_until < $6) \
           ORDER BY id LIMIT $7 {lock}) \
         RETURNING *"
    );
    write_tx(conn, |conn| {
        let mut rows: Vec<OutboxRow> = diesel::sql_query(&sql)
            .bind::<sql_types::Text, _>(claim.worker)
            .bind::<sql_types::Timestamp, _>(claim.lease_until)
            .bind::<sql_types::Text, _>(claim.token)
            .bind::<sql_types::Text, _>(claim.host)
            .bind::<sql_types::Timestamp, _>(claim.now)
            .bind::<sql_types::Timestamp, _>(claim.now)
            .bind::<sql_types::BigInt, _>(claim.limit)
            .load(conn)?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    })
}

type HeldBy<'a> = dsl::Filter<
    dsl::Filter<dsl::Find<outbox::table, i64>, dsl::Eq<outbox::status, &'static str>>,
    dsl::Eq<outbox::claimed_by, &'a str>,
>;

/// Row `id` only while `worker` still holds its claim: every way of finishing a claimed row
/// goes through this, so a worker whose lease expired and was taken over changes nothing.
fn held_by(id: i64, worker: &str) -> HeldBy<'_> {
    outbox::table
        .find(id)
        .filter(outbox::status.eq(SENDING))
        .filter(outbox::claimed_by.eq(worker))
}

/// Records delivery. Only the worker holding the claim may finish a row: if its lease expired
/// and another worker took the row over, this changes nothing and returns false.
pub fn mark_sent(
    conn: &mut DbConn,
    id: i64,
    worker: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(held_by(id, worker))
        .set((
            outbox::status.eq(SENT),
            outbox::sent_at.eq(Some(now)),
            outbox::last_error.eq(None::<String>),
            outbox::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Records a failed attempt: back to `pending` at `retry_at`, or `failed` when `retry_at` is
/// `None` (attempts exhausted, or an error that retrying cannot fix).
pub fn mark_attempt_failed(
    conn: &mut DbConn,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let target = held_by(id, worker);
    let error = Some(error.to_owned());
    let changed = match retry_at {
        Some(at) => diesel::update(target)
            .set((
                outbox::status.eq(PENDING),
                outbox::next_attempt_at.eq(at),
                outbox::last_error.eq(error),
                outbox::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                outbox::status.eq(FAILED),
                outbox::last_error.eq(error),
                outbox::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// A failed row back to `pending`, due now, with a fresh attempt budget. The last error stays
/// until the next attempt replaces it. Returns `None` when the row is not `failed`.
pub fn requeue_failed(
    conn: &mut DbConn,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<OutboxRow>> {
    diesel::update(outbox::table.find(id).filter(outbox::status.eq(FAILED)))
        .set((
            outbox::status.eq(PENDING),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::claimed_by.eq(None::<String>),
        ))
        .returning(outbox::all_columns)
        .get_result(conn)
        .optional()
}

/// Newest first, optionally by status.
pub fn list(conn: &mut DbConn, status: Option<&str>, page: Page) -> QueryResult<Vec<OutboxRow>> {
    let mut query = outbox::table.select(outbox::all_columns).into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.to_owned()));
    }
    if let Some(after) = page.after {
        query = query.filter(outbox::id.lt(after));
    }
    query
        .order(outbox::id.desc())
        .limit(page.limit + 1)
        .load(conn)
}

/// Queue health for metrics and alerts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Not yet sent and not given up on (`pending` or `sending`).
    pub unsent: i64,
    pub failed: i64,
    pub oldest_unsent_at: Option<NaiveDateTime>,
}

pub fn stats(conn: &mut DbConn) -> QueryResult<Stats> {
    let unsent_filter = outbox::status.eq_any([PENDING, SENDING]);
    let unsent = outbox::table
        .filter(unsent_filter)
        .count()
        .get_result(conn)?;
    let failed = outbox::table
        .filter(outbox::status.eq(FAILED))
        .count()
        .get_result(conn)?;
    let oldest_unsent_at = outbox::table
        .filter(outbox::status.eq_any([PENDING, SENDING]))
        .select(diesel::dsl::min(outbox::created_at))
        .first(conn)?;
    Ok(Stats {
        unsent,
        failed,
        oldest_unsent_at,
    })
}

/// Gives a claimed row back untouched (not attempted): pending, due now, attempt uncounted.
pub fn release(conn: &mut DbConn, id: i64, worker: &str) -> QueryResult<bool> {
    diesel::update(held_by(id, worker))
        .set((
            outbox::status.eq(PENDING),
            outbox::attempts.eq(outbox::attempts - 1),
            outbox::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|n| n == 1)
}
