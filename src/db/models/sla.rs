//! SLA policies (one row per severity) and the alerts the deadline clock has sent.

use chrono::NaiveDateTime;
use diesel::{
    prelude::*,
    result::{DatabaseErrorKind, Error},
};

use crate::{
    db::{
        schema::{deadline_alerts, incidents, sla_policies},
        DbConn,
    },
    domain::deadline::Targets,
};

use super::incident::Incident;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sla_policies)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct SlaPolicy {
    pub severity: String,
    pub ack_minutes: i32,
    pub contain_minutes: i32,
    pub resolve_minutes: i32,
    pub updated_by: Option<i64>,
    pub updated_at: NaiveDateTime,
}

impl SlaPolicy {
    pub fn targets(&self) -> Targets {
        Targets {
            ack_minutes: self.ack_minutes,
            contain_minutes: self.contain_minutes,
            resolve_minutes: self.resolve_minutes,
        }
    }
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<SlaPolicy>> {
    sla_policies::table
        .select(sla_policies::all_columns)
        .load(conn)
}

pub fn find(conn: &mut DbConn, severity: &str) -> QueryResult<SlaPolicy> {
    sla_policies::table
        .find(severity)
        .select(sla_policies::all_columns)
        .first(conn)
}

pub fn update(
    conn: &mut DbConn,
    severity: &str,
    targets: Targets,
    by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<SlaPolicy> {
    diesel::update(sla_policies::table.find(severity))
        .set((
            sla_policies::ack_minutes.eq(targets.ack_minutes),
            sla_policies::contain_minutes.eq(targets.contain_minutes),
            sla_policies::resolve_minutes.eq(targets.resolve_minutes),
            sla_policies::updated_by.eq(by),
            sla_policies::updated_at.eq(now),
        ))
        .returning(sla_policies::all_columns)
        .get_result(conn)
}

/// Open incidents whose clocks a policy governs: those of `severity`, and for `medium` also
/// those without a severity (acknowledged on medium's clock).
pub fn open_incidents_governed_by(
    conn: &mut DbConn,
    severity: &str,
    open_statuses: &[&str],
) -> QueryResult<Vec<Incident>> {
    let mut query = incidents::table
        .filter(incidents::status.eq_any(open_statuses.to_vec()))
        .select(incidents::all_columns)
        .into_boxed();
    query = if severity == "medium" {
        query.filter(
            incidents::severity
                .eq(severity.to_owned())
                .or(incidents::severity.is_null()),
        )
    } else {
        query.filter(incidents::severity.eq(severity.to_owned()))
    };
    query.order(incidents::id.asc()).load(conn)
}

/// Records that `alert` was sent for the deadline `key`. `Ok(false)` when it already was (the
/// unique key): on PostgreSQL the transaction is then aborted and must be rolled back.
pub fn record_alert(
    conn: &mut DbConn,
    key: &str,
    alert: &str,
    incident_id: Option<i64>,
    due_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(deadline_alerts::table)
        .values((
            deadline_alerts::deadline_key.eq(key),
            deadline_alerts::alert.eq(alert),
            deadline_alerts::incident_id.eq(incident_id),
            deadline_alerts::due_at.eq(due_at),
            deadline_alerts::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Which of `keys` already have an alert, as `(key, alert)` pairs.
pub fn alerts_for(conn: &mut DbConn, keys: &[String]) -> QueryResult<Vec<(String, String)>> {
    let mut found = Vec::new();
    for chunk in keys.chunks(500) {
        found.extend(
            deadline_alerts::table
                .filter(deadline_alerts::deadline_key.eq_any(chunk.to_vec()))
                .select((deadline_alerts::deadline_key, deadline_alerts::alert))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(found)
}

/// Open incidents: each still has an SLA deadline to meet, so these are the clock's candidates.
pub fn open_incidents(conn: &mut DbConn, open_statuses: &[&str]) -> QueryResult<Vec<Incident>> {
    incidents::table
        .filter(incidents::status.eq_any(open_statuses.to_vec()))
        .select(incidents::all_columns)
        .order(incidents::id.asc())
        .load(conn)
}

/// Open incidents past due on each clock, in the order acknowledge, contain, resolve.
pub fn breached_counts(
    conn: &mut DbConn,
    open_statuses: &[&str],
    now: NaiveDateTime,
) -> QueryResult<[i64; 3]> {
    let open = || incidents::table.filter(incidents::status.eq_any(open_statuses.to_vec()));
    let ack = open()
        .filter(incidents::acknowledged_at.is_null())
        .filter(incidents::ack_due_at.le(now))
        .count()
        .get_result(conn)?;
    let contain = open()
        .filter(incidents::contained_at.is_null())
        .filter(incidents::closed_at.is_null())
        .filter(incidents::contain_due_at.le(now))
        .count()
        .get_result(conn)?;
    let resolve = open()
        .filter(incidents::closed_at.is_null())
        .filter(incidents::resolve_due_at.le(now))
        .count()
        .get_result(conn)?;
    Ok([ack, contain, resolve])
}
