use chrono::NaiveDateTime;
use diesel::{prelude::*, sql_types};

use crate::{
    auth::throttle::Counters,
    db::{schema::login_throttle, DbConn},
};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = sql_types::Integer)]
    failures: i32,
    #[diesel(sql_type = sql_types::Timestamp)]
    window_started_at: NaiveDateTime,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamp>)]
    locked_until: Option<NaiveDateTime>,
}

/// Reads a key's counters, locking its row until the transaction ends. The no-op upsert is the
/// portable way to get a row lock on PostgreSQL (SQLite's writer lock already serialises).
pub fn lock(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> QueryResult<Option<Counters>> {
    let row: Row = diesel::sql_query(
        "INSERT INTO login_throttle (key, failures, window_started_at, locked_until) VALUES ($1, 0, $2, NULL) \
         ON CONFLICT (key) DO UPDATE SET key = excluded.key \
         RETURNING failures, window_started_at, locked_until",
    )
    .bind::<sql_types::Text, _>(key)
    .bind::<sql_types::Timestamp, _>(now)
    .get_result(conn)?;
    Ok(
        (row.failures > 0 || row.locked_until.is_some()).then_some(Counters {
            failures: row.failures,
            window_started_at: row.window_started_at,
            locked_until: row.locked_until,
        }),
    )
}

pub fn store(conn: &mut DbConn, key: &str, counters: &Counters) -> QueryResult<()> {
    diesel::update(login_throttle::table.find(key))
        .set((
            login_throttle::failures.eq(counters.failures),
            login_throttle::window_started_at.eq(counters.window_started_at),
            login_throttle::locked_until.eq(counters.locked_until),
        ))
        .execute(conn)
        .map(drop)
}

pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(key))
        .execute(conn)
        .map(drop)
}
