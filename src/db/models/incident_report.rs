//! NIS2 reporting stages of significant incidents: one row per stage to report, filled once by
//! its submission; corrections are new rows that `supersede` the version they correct.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    schema::{incident_reports, significant_incidents},
    DbConn,
};

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = incident_reports)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct IncidentReport {
    pub id: i64,
    pub incident_id: i64,
    pub stage: String,
    pub due_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<i64>,
    /// The submitted form as a JSON object (`{}` while pending).
    pub fields: String,
    pub supersedes: Option<i64>,
    pub requested_by: Option<i64>,
    pub ack_due_at: Option<NaiveDateTime>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub acknowledged_by: Option<i64>,
    pub feedback: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = incident_reports)]
pub struct NewIncidentReport<'a> {
    pub incident_id: i64,
    pub stage: &'a str,
    pub due_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<i64>,
    pub fields: &'a str,
    pub supersedes: Option<i64>,
    pub requested_by: Option<i64>,
    pub ack_due_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A submission into a pending row.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = incident_reports)]
pub struct Submission<'a> {
    pub submitted_at: NaiveDateTime,
    pub submitted_by: i64,
    pub fields: &'a str,
    pub ack_due_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, new: &NewIncidentReport) -> QueryResult<IncidentReport> {
    diesel::insert_into(incident_reports::table)
        .values(new)
        .returning(incident_reports::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<IncidentReport> {
    incident_reports::table
        .find(id)
        .select(incident_reports::all_columns)
        .first(conn)
}

/// Every row of an incident, oldest first.
pub fn for_incident(conn: &mut DbConn, incident_id: i64) -> QueryResult<Vec<IncidentReport>> {
    incident_reports::table
        .filter(incident_reports::incident_id.eq(incident_id))
        .order(incident_reports::id.asc())
        .select(incident_reports::all_columns)
        .load(conn)
}

/// Fills a pending row; `None` when someone else submitted it first.
pub fn submit(
    conn: &mut DbConn,
    id: i64,
    submission: &Submission,
) -> QueryResult<Option<IncidentReport>> {
    diesel::update(
        incident_reports::table
            .filter(incident_reports::id.eq(id))
            .filter(incident_reports::submitted_at.is_null()),
    )
    .set(submission)
    .returning(incident_reports::all_columns)
    .get_result(conn)
    .optional()
}

/// Records the CERT's answer; `None` when the row was already answered.
pub fn acknowledge(
    conn: &mut DbConn,
    id: i64,
    by: i64,
    at: NaiveDateTime,
    feedback: &str,
) -> QueryResult<Option<IncidentReport>> {
    diesel::update(
        incident_reports::table
            .filter(incident_reports::id.eq(id))
            .filter(incident_reports::acknowledged_at.is_null()),
    )
    .set((
        incident_reports::acknowledged_at.eq(at),
        incident_reports::acknowledged_by.eq(by),
        incident_reports::feedback.eq(feedback),
    ))
    .returning(incident_reports::all_columns)
    .get_result(conn)
    .optional()
}

/// Moves the due time of the incident's still pending `stage` rows (awareness was corrected).
pub fn reschedule_pending(
    conn: &mut DbConn,
    incident_id: i64,
    stage: &str,
    due_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        incident_reports::table
            .filter(incident_reports::incident_id.eq(incident_id))
            .filter(incident_reports::stage.eq(stage))
            .filter(incident_reports::submitted_at.is_null()),
    )
    .set(incident_reports::due_at.eq(due_at))
    .execute(conn)
}

/// Marks an incident significant; `false` when it already was.
pub fn mark_significant(
    conn: &mut DbConn,
    incident_id: i64,
    at: NaiveDateTime,
    by: i64,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(significant_incidents::table)
        .values((
            significant_incidents::incident_id.eq(incident_id),
            significant_incidents::marked_at.eq(at),
            significant_incidents::marked_by.eq(by),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Which of `ids` are significant incidents.
pub fn significant_among(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<i64>> {
    significant_incidents::table
        .filter(significant_incidents::incident_id.eq_any(ids.to_vec()))
        .select(significant_incidents::incident_id)
        .load(conn)
}

/// Rows that may owe the clock an alert: stages not yet submitted, and early warnings not yet
/// answered.
pub fn watched(conn: &mut DbConn) -> QueryResult<Vec<IncidentReport>> {
    incident_reports::table
        .filter(
            incident_reports::submitted_at
                .is_null()
                .or(incident_reports::ack_due_at
                    .is_not_null()
                    .and(incident_reports::acknowledged_at.is_null())),
        )
        .order(incident_reports::id.asc())
        .select(incident_reports::all_columns)
        .load(conn)
}

/// Which of `ids` a correction supersedes.
pub fn superseded_among(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<i64>> {
    incident_reports::table
        .filter(incident_reports::supersedes.eq_any(ids.to_vec()))
        .select(incident_reports::supersedes.assume_not_null())
        .load(conn)
}
