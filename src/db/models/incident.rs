use chrono::NaiveDateTime;
use diesel::{prelude::*, sql_types};

use crate::{
    authz::IncidentScope,
    db::{
        schema::{incident_shares, incidents, organisations},
        DbConn,
    },
    domain::deadline::{no_deadline, DueTimes, SlaFacts},
};

use super::Page;

type Backend = <DbConn as diesel::Connection>::Backend;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = incidents)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Incident {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub description: String,
    pub search_key: String,
    pub category: String,
    pub severity: Option<String>,
    pub tlp: String,
    pub tlp_rank: i32,
    pub pap: String,
    pub status: String,
    pub organisation_id: i64,
    pub reporter_id: Option<i64>,
    pub reporter_contact: Option<String>,
    pub tracking_hash: Option<String>,
    pub assignee_id: Option<i64>,
    pub detected_at: Option<NaiveDateTime>,
    pub reported_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub contained_at: Option<NaiveDateTime>,
    pub eradicated_at: Option<NaiveDateTime>,
    pub recovered_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub ack_due_at: NaiveDateTime,
    pub resolution: Option<String>,
    pub root_cause: Option<String>,
    pub duplicate_of: Option<i64>,
    pub reopen_count: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub contain_due_at: Option<NaiveDateTime>,
    pub resolve_due_at: Option<NaiveDateTime>,
}

impl Incident {
    /// What the SLA clocks read from the row.
    pub fn sla_facts(&self) -> SlaFacts {
        SlaFacts {
            reported_at: self.reported_at,
            acknowledged_at: self.acknowledged_at,
            contained_at: self.contained_at,
            closed_at: self.closed_at,
            due: DueTimes {
                ack: self.ack_due_at,
                contain: self.contain_due_at,
                resolve: self.resolve_due_at,
            },
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = incidents)]
pub struct NewIncident<'a> {
    pub reference: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub search_key: &'a str,
    pub category: &'a str,
    pub severity: Option<&'a str>,
    pub tlp: &'a str,
    pub tlp_rank: i32,
    pub pap: &'a str,
    pub status: &'a str,
    pub organisation_id: i64,
    pub reporter_id: Option<i64>,
    pub reporter_contact: Option<&'a str>,
    pub tracking_hash: Option<&'a str>,
    pub detected_at: Option<NaiveDateTime>,
    pub reported_at: NaiveDateTime,
    pub ack_due_at: NaiveDateTime,
    pub contain_due_at: Option<NaiveDateTime>,
    pub resolve_due_at: Option<NaiveDateTime>,
    pub reopen_count: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Every column a change may touch; `None` leaves a column alone, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = incidents)]
pub struct IncidentChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub search_key: Option<String>,
    pub category: Option<String>,
    pub severity: Option<Option<String>>,
    pub tlp: Option<String>,
    pub tlp_rank: Option<i32>,
    pub pap: Option<String>,
    pub status: Option<String>,
    pub assignee_id: Option<Option<i64>>,
    pub detected_at: Option<Option<NaiveDateTime>>,
    pub acknowledged_at: Option<Option<NaiveDateTime>>,
    pub contained_at: Option<Option<NaiveDateTime>>,
    pub eradicated_at: Option<Option<NaiveDateTime>>,
    pub recovered_at: Option<Option<NaiveDateTime>>,
    pub closed_at: Option<Option<NaiveDateTime>>,
    pub resolution: Option<Option<String>>,
    pub root_cause: Option<Option<String>>,
    pub duplicate_of: Option<Option<i64>>,
    pub reopen_count: Option<i32>,
    pub ack_due_at: Option<NaiveDateTime>,
    pub contain_due_at: Option<Option<NaiveDateTime>>,
    pub resolve_due_at: Option<Option<NaiveDateTime>>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Default, Clone)]
pub struct IncidentFilter {
    pub statuses: Vec<String>,
    pub severity: Option<String>,
    pub category: Option<String>,
    pub organisation_id: Option<i64>,
    /// `Some(None)`: unassigned only.
    pub assignee_id: Option<Option<i64>>,
    pub tlp: Option<String>,
    /// A `LIKE` pattern over the folded search key.
    pub search_pattern: Option<String>,
    /// Only incidents whose next pending deadline is due at or before this instant.
    pub overdue_at: Option<NaiveDateTime>,
    /// Next pending deadline first (`sort=due`) instead of newest first.
    pub sort_due: bool,
    /// With `sort_due`: the page after this (due key, id), from the cursor.
    pub after_due: Option<(NaiveDateTime, i64)>,
    /// Only incidents whose severity is not assessed yet.
    pub no_severity: bool,
    /// Any of these categories (an RSIT class is the list of its types).
    pub categories: Vec<String>,
    /// The reporting organisation's sector; `Some(None)`: organisations without one.
    pub sector: Option<Option<String>>,
    /// Reported at or after this time.
    pub reported_from: Option<NaiveDateTime>,
    /// Reported before this time.
    pub reported_before: Option<NaiveDateTime>,
    /// Open and past a deadline of one kind (`ack`, `contain`, `resolve`) not met at this time.
    pub overdue_kind: Option<(OverdueKind, NaiveDateTime)>,
    /// An ATT&CK technique id: incidents tagged with it or one of its sub-techniques.
    pub technique: Option<String>,
}

/// The next pending SLA deadline as SQL, the rule of `SlaFacts::next_pending`: acknowledgement
/// while not acknowledged; nothing once closed; containment (or resolution when there is no
/// containment deadline) while not contained; then resolution.
pub const NEXT_DUE: &str = "(CASE WHEN acknowledged_at IS NULL THEN ack_due_at \
     WHEN closed_at IS NOT NULL THEN NULL \
     WHEN contained_at IS NULL THEN COALESCE(contain_due_at, resolve_due_at) \
     ELSE resolve_due_at END)";

/// The statuses of incidents still being worked.
pub const OPEN_STATUSES: [&str; 5] = ["new", "triage", "containment", "eradication", "recovery"];

/// The kinds of deadline the dashboard counts as overdue, each on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverdueKind {
    /// Not acknowledged by `ack_due_at`.
    Acknowledge,
    /// Not contained by `contain_due_at`.
    Contain,
    /// Not closed by `resolve_due_at`.
    Resolve,
}

/// The visibility rule of the policy, as SQL: every read and list of incidents goes through it.
pub fn visible_to(
    scope: IncidentScope,
) -> Box<dyn BoxableExpression<incidents::table, Backend, SqlType = sql_types::Bool>> {
    match scope {
        IncidentScope::All => Box::new(diesel::dsl::sql::<sql_types::Bool>("1 = 1")),
        IncidentScope::Organisation(org) => Box::new(incidents::organisation_id.eq(org)),
        IncidentScope::SharedWith(org) => Box::new(diesel::dsl::exists(
            incident_shares::table
                .filter(incident_shares::incident_id.eq(incidents::id))
                .filter(incident_shares::organisation_id.eq(org))
                .filter(incident_shares::max_tlp_rank.ge(incidents::tlp_rank)),
        )),
    }
}

pub fn insert(conn: &mut DbConn, new: &NewIncident) -> QueryResult<Incident> {
    diesel::insert_into(incidents::table)
        .values(new)
        .returning(incidents::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Incident> {
    incidents::table
        .find(id)
        .select(incidents::all_columns)
        .first(conn)
}

/// The incident if it exists *and* the scope may see it; otherwise `NotFound`, so existence
/// is not revealed.
pub fn find_visible(conn: &mut DbConn, id: i64, scope: IncidentScope) -> QueryResult<Incident> {
    incidents::table
        .filter(incidents::id.eq(id))
        .filter(visible_to(scope))
        .select(incidents::all_columns)
        .first(conn)
}

pub fn find_by_tracking_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<Incident>> {
    incidents::table
        .filter(incidents::tracking_hash.eq(hash))
        .select(incidents::all_columns)
        .first(conn)
        .optional()
}

pub fn update(conn: &mut DbConn, id: i64, changes: &IncidentChanges) -> QueryResult<Incident> {
    diesel::update(incidents::table.find(id))
        .set(changes)
        .returning(incidents::all_columns)
        .get_result(conn)
}

type Boxed<'a> = incidents::BoxedQuery<'a, Backend>;

/// The incidents a scope sees that match a filter, as one boxed query (for lists and counts).
fn matching(scope: IncidentScope, filter: &IncidentFilter) -> Boxed<'static> {
    let mut query = incidents::table.filter(visible_to(scope)).into_boxed();
    if !filter.statuses.is_empty() {
        query = query.filter(incidents::status.eq_any(filter.statuses.clone()));
    }
    if let Some(severity) = &filter.severity {
        query = query.filter(incidents::severity.eq(severity.clone()));
    }
    if filter.no_severity {
        query = query.filter(incidents::severity.is_null());
    }
    if let Some(category) = &filter.category {
        query = query.filter(incidents::category.eq(category.clone()));
    }
    if !filter.categories.is_empty() {
        query = query.filter(incidents::category.eq_any(filter.categories.clone()));
    }
    if let Some(org) = filter.organisation_id {
        query = query.filter(incidents::organisation_id.eq(org));
    }
    match &filter.sector {
        Some(Some(sector)) => {
            query = query.filter(
                incidents::organisation_id.eq_any(
                    organisations::table
                        .filter(organisations::sector.eq(sector.clone()))
                        .select(organisations::id),
                ),
            )
        }
        Some(None) => {
            query = query.filter(
                incidents::organisation_id.eq_any(
                    organisations::table
                        .filter(organisations::sector.is_null())
                        .select(organisations::id),
                ),
            )
        }
        None => {}
    }
    match filter.assignee_id {
        Some(Some(id)) => query = query.filter(incidents::assignee_id.eq(id)),
        Some(None) => query = query.filter(incidents::assignee_id.is_null()),
        None => {}
    }
    if let Some(tlp) = &filter.tlp {
        query = query.filter(incidents::tlp.eq(tlp.clone()));
    }
    if let Some(pattern) = &filter.search_pattern {
        query = query.filter(incidents::search_key.like(pattern.clone()).escape('\\'));
    }
    if let Some(now) = filter.overdue_at {
        let overdue = diesel::dsl::sql::<sql_types::Bool>(&format!("{NEXT_DUE} <= "))
            .bind::<sql_types::Timestamp, _>(now);
        query = query.filter(overdue);
    }
    if let Some(from) = filter.reported_from {
        query = query.filter(incidents::reported_at.ge(from));
    }
    if let Some(before) = filter.reported_before {
        query = query.filter(incidents::reported_at.lt(before));
    }
    if let Some((kind, at)) = filter.overdue_kind {
        query = query.filter(incidents::status.eq_any(OPEN_STATUSES));
        query = match kind {
            OverdueKind::Acknowledge => query
                .filter(incidents::acknowledged_at.is_null())
                .filter(incidents::ack_due_at.le(at)),
            OverdueKind::Contain => query
                .filter(incidents::contained_at.is_null())
                .filter(incidents::contain_due_at.le(at)),
            OverdueKind::Resolve => query.filter(incidents::resolve_due_at.le(at)),
        };
    }
    if let Some(technique) = &filter.technique {
        query = query.filter(super::technique::tagged_with(technique.clone()));
    }
    query
}

/// Newest first (or next deadline first), keyset-paginated, filtered in SQL by the caller's scope.
pub fn list(
    conn: &mut DbConn,
    scope: IncidentScope,
    filter: &IncidentFilter,
    page: Page,
) -> QueryResult<Vec<Incident>> {
    let mut query = matching(scope, filter).select(incidents::all_columns);
    if !filter.sort_due {
        if let Some(after) = page.after {
            query = query.filter(incidents::id.lt(after));
        }
        return query
            .order(incidents::id.desc())
            .limit(page.limit + 1)
            .load(conn);
    }
    if let Some((due, id)) = filter.after_due {
        let key = format!("COALESCE({NEXT_DUE}, ");
        let later = diesel::dsl::sql::<sql_types::Bool>(&format!("({key}"))
            .bind::<sql_types::Timestamp, _>(no_deadline())
            .sql(") > ")
            .bind::<sql_types::Timestamp, _>(due)
            .sql(&format!(" OR ({key}"))
            .bind::<sql_types::Timestamp, _>(no_deadline())
            .sql(") = ")
            .bind::<sql_types::Timestamp, _>(due)
            .sql(" AND id > ")
            .bind::<sql_types::BigInt, _>(id)
            .sql("))");
        query = query.filter(later);
    }
    let queue_key = diesel::dsl::sql::<sql_types::Timestamp>(&format!("COALESCE({NEXT_DUE}, "))
        .bind::<sql_types::Timestamp, _>(no_deadline())
        .sql(")");
    query
        .order((queue_key.asc(), incidents::id.asc()))
        .limit(page.limit + 1)
        .load(conn)
}

/// How many incidents `list` would page through with the same scope and filter.
pub fn count(conn: &mut DbConn, scope: IncidentScope, filter: &IncidentFilter) -> QueryResult<i64> {
    matching(scope, filter).count().get_result(conn)
}

#[derive(QueryableByName)]
struct Counter {
    #[diesel(sql_type = sql_types::BigInt)]
    last_value: i64,
}

/// The next number of a counter. The upsert takes the counter's row lock, so concurrent
/// creators get distinct numbers and wait only for each other.
pub fn next_counter(conn: &mut DbConn, scope: &str) -> QueryResult<i64> {
    let row: Counter = diesel::sql_query(
        "INSERT INTO reference_counters (scope, last_value) VALUES ($1, 1) \
         ON CONFLICT (scope) DO UPDATE SET last_value = reference_counters.last_value + 1 \
         RETURNING last_value",
    )
    .bind::<sql_types::Text, _>(scope)
    .get_result(conn)?;
    Ok(row.last_value)
}

/// Ids of incidents reported in `[from, to]`, oldest first, at most `limit`.
pub fn ids_reported_between(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    incidents::table
        .filter(incidents::reported_at.ge(from))
        .filter(incidents::reported_at.le(to))
        .order(incidents::id.asc())
        .select(incidents::id)
        .limit(limit)
        .load(conn)
}
