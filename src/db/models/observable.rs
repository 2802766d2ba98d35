use chrono::NaiveDateTime;
use diesel::{prelude::*, sql_types};

use crate::{
    authz::IncidentScope,
    db::{
        schema::{incident_shares, incidents, observables},
        DbConn,
    },
};

type Backend = <DbConn as diesel::Connection>::Backend;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = observables)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Observable {
    pub id: i64,
    pub incident_id: i64,
    pub kind: String,
    pub value: String,
    pub tlp: String,
    pub tlp_rank: i32,
    pub note: Option<String>,
    pub ip_key: Option<String>,
    pub created_by: Option<i64>,
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = observables)]
pub struct NewObservable<'a> {
    pub incident_id: i64,
    pub kind: &'a str,
    pub value: &'a str,
    pub tlp: &'a str,
    pub tlp_rank: i32,
    pub note: Option<&'a str>,
    pub ip_key: Option<&'a str>,
    pub created_by: Option<i64>,
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// TLP:RED observables stay with named people even on the reporter's own incident.
const RED: i32 = 4;

/// Which observables a scope may see: those of visible incidents, and — outside the CERT — only
/// up to the TLP the caller is entitled to (below RED for the reporter side, the share's ceiling
/// for agencies).
pub fn visible_to_scope(
    scope: IncidentScope,
) -> Box<dyn BoxableExpression<observables::table, Backend, SqlType = sql_types::Bool>> {
    match scope {
        IncidentScope::All => Box::new(diesel::dsl::sql::<sql_types::Bool>("1 = 1")),
        IncidentScope::Organisation(org) => Box::new(
            observables::incident_id
                .eq_any(
                    incidents::table
                        .filter(incidents::organisation_id.eq(org))
                        .select(incidents::id),
                )
                .and(observables::tlp_rank.lt(RED)),
        ),
        // Both the incident and the observable must be within the share's ceiling.
        IncidentScope::SharedWith(org) => Box::new(
            observables::incident_id
                .eq_any(
                    incidents::table
                        .inner_join(incident_shares::table)
                        .filter(incident_shares::organisation_id.eq(org))
                        .filter(incident_shares::max_tlp_rank.ge(incidents::tlp_rank))
                        .select(incidents::id),
                )
                .and(diesel::dsl::exists(
                    incident_shares::table
                        .filter(incident_shares::incident_id.eq(observables::incident_id))
                        .filter(incident_shares::organisation_id.eq(org))
                        .filter(incident_shares::max_tlp_rank.ge(observables::tlp_rank)),
                )),
        ),
    }
}

pub fn insert(conn: &mut DbConn, new: &NewObservable) -> QueryResult<Observable> {
    diesel::insert_into(observables::table)
        .values(new)
        .returning(observables::all_columns)
        .get_result(conn)
}

pub fn find_in_incident(
    conn: &mut DbConn,
    incident_id: i64,
    kind: &str,
    value: &str,
) -> QueryResult<Option<Observable>> {
    observables::table
        .filter(observables::incident_id.eq(incident_id))
        .filter(observables::kind.eq(kind))
        .filter(observables::value.eq(value))
        .select(observables::all_columns)
        .first(conn)
        .optional()
}

pub fn of_incident(
    conn: &mut DbConn,
    incident_id: i64,
    scope: IncidentScope,
) -> QueryResult<Vec<Observable>> {
    observables::table
        .filter(observables::incident_id.eq(incident_id))
        .filter(visible_to_scope(scope))
        .order(observables::id.asc())
        .select(observables::all_columns)
        .load(conn)
}

/// Observables with one of `values` in incidents the scope may see, with their incident's
/// reference, newest incident first; `before_incident` continues a page (keyset on the incident).
pub fn with_values(
    conn: &mut DbConn,
    values: &[String],
    kind: Option<&str>,
    scope: IncidentScope,
    before_incident: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(Observable, String)>> {
    let mut query = observables::table
        .filter(observables::value.eq_any(values.to_vec()))
        .filter(visible_to_scope(scope))
        .select(observables::all_columns)
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(observables::kind.eq(kind.to_owned()));
    }
    if let Some(before) = before_incident {
        query = query.filter(observables::incident_id.lt(before));
    }
    let found: Vec<Observable> = query
        .order(observables::incident_id.desc())
        .limit(limit)
        .load(conn)?;
    let ids: Vec<i64> = found.iter().map(|o| o.incident_id).collect();
    let references: std::collections::HashMap<i64, String> = incidents::table
        .filter(incidents::id.eq_any(ids))
        .select((incidents::id, incidents::reference))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(found
        .into_iter()
        .filter_map(|o| references.get(&o.incident_id).cloned().map(|r| (o, r)))
        .collect())
}
