//! What the indicators and the dashboard read: the stamps of every incident reported in a
//! window (only the columns the figures need; `incidents_reported_idx` covers them), grouped
//! counts of open incidents, and the organisations' sectors.

use chrono::NaiveDateTime;
use diesel::{dsl::count_star, prelude::*};

use crate::{
    authz::IncidentScope,
    db::{
        schema::{incident_reports, incidents, organisations},
        DbConn,
    },
};

use super::incident::{visible_to, OPEN_STATUSES};

/// One incident as the indicators see it.
#[derive(Clone, Debug, Queryable)]
pub struct CohortRow {
    pub id: i64,
    pub category: String,
    pub severity: Option<String>,
    pub organisation_id: i64,
    pub reported_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub contained_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub status: String,
    pub ack_due_at: NaiveDateTime,
    pub contain_due_at: Option<NaiveDateTime>,
    pub resolve_due_at: Option<NaiveDateTime>,
}

/// Every incident the scope sees reported in `[from, before)`, in no particular order.
pub fn cohort(
    conn: &mut DbConn,
    scope: IncidentScope,
    from: NaiveDateTime,
    before: NaiveDateTime,
) -> QueryResult<Vec<CohortRow>> {
    incidents::table
        .filter(visible_to(scope))
        .filter(incidents::reported_at.ge(from))
        .filter(incidents::reported_at.lt(before))
        .select((
            incidents::id,
            incidents::category,
            incidents::severity,
            incidents::organisation_id,
            incidents::reported_at,
            incidents::acknowledged_at,
            incidents::contained_at,
            incidents::closed_at,
            incidents::status,
            incidents::ack_due_at,
            incidents::contain_due_at,
            incidents::resolve_due_at,
        ))
        .load(conn)
}

/// The NIS2 reporting stages of the incidents reported in `[from, before)`: `(incident_id,
/// due_at, submitted_at)` of each stage's first version (a correction is judged by the stage's
/// first submission, so corrections are left out). Not filtered by scope: the caller keeps the
/// stages of the incidents of its cohort, which is.
pub fn report_stages(
    conn: &mut DbConn,
    from: NaiveDateTime,
    before: NaiveDateTime,
) -> QueryResult<Vec<(i64, NaiveDateTime, Option<NaiveDateTime>)>> {
    incident_reports::table
        .inner_join(incidents::table)
        .filter(incident_reports::supersedes.is_null())
        .filter(incidents::reported_at.ge(from))
        .filter(incidents::reported_at.lt(before))
        .select((
            incident_reports::incident_id,
            incident_reports::due_at,
            incident_reports::submitted_at,
        ))
        .load(conn)
}

/// Open incidents the scope sees, counted per (status, severity).
pub fn open_by_status_severity(
    conn: &mut DbConn,
    scope: IncidentScope,
) -> QueryResult<Vec<(String, Option<String>, i64)>> {
    incidents::table
        .filter(visible_to(scope))
        .filter(incidents::status.eq_any(OPEN_STATUSES))
        .group_by((incidents::status, incidents::severity))
        .select((incidents::status, incidents::severity, count_star()))
        .load(conn)
}

/// Incidents reported since `from`, counted per category and per organisation.
pub fn recent_by_category(
    conn: &mut DbConn,
    scope: IncidentScope,
    from: NaiveDateTime,
) -> QueryResult<Vec<(String, i64)>> {
    incidents::table
        .filter(visible_to(scope))
        .filter(incidents::reported_at.ge(from))
        .group_by(incidents::category)
        .select((incidents::category, count_star()))
        .load(conn)
}

pub fn recent_by_organisation(
    conn: &mut DbConn,
    scope: IncidentScope,
    from: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64)>> {
    incidents::table
        .filter(visible_to(scope))
        .filter(incidents::reported_at.ge(from))
        .group_by(incidents::organisation_id)
        .select((incidents::organisation_id, count_star()))
        .load(conn)
}

/// Report time and severity of every incident reported since `from` (the daily chart).
pub fn recent_reports(
    conn: &mut DbConn,
    scope: IncidentScope,
    from: NaiveDateTime,
) -> QueryResult<Vec<(NaiveDateTime, Option<String>)>> {
    incidents::table
        .filter(visible_to(scope))
        .filter(incidents::reported_at.ge(from))
        .select((incidents::reported_at, incidents::severity))
        .load(conn)
}

/// Every organisation's id, name and sector (a few hundred rows at most).
pub fn organisation_sectors(conn: &mut DbConn) -> QueryResult<Vec<(i64, String, Option<String>)>> {
    organisations::table
        .select((
            organisations::id,
            organisations::name,
            organisations::sector,
        ))
        .load(conn)
}
