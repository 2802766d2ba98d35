//! ATT&CK technique tags, the technique model's versions and training snapshots, and the reads
//! the suggestions need (classified incidents, shared observables, text candidates).

use chrono::NaiveDateTime;
use diesel::{prelude::*, sql_types};

use crate::{
    authz::IncidentScope,
    db::{
        schema::{
            comments, incident_techniques, incidents, model_examples, model_versions, observables,
        },
        DbConn,
    },
};

use super::{incident::visible_to, observable::visible_to_scope};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = incident_techniques)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct TechniqueTag {
    pub id: i64,
    pub incident_id: i64,
    pub technique_id: String,
    pub note: Option<String>,
    pub source: String,
    pub added_by: Option<i64>,
    pub added_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = incident_techniques)]
pub struct NewTechniqueTag<'a> {
    pub incident_id: i64,
    pub technique_id: &'a str,
    pub note: Option<&'a str>,
    pub source: &'a str,
    pub added_by: Option<i64>,
    pub added_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewTechniqueTag) -> QueryResult<TechniqueTag> {
    diesel::insert_into(incident_techniques::table)
        .values(new)
        .returning(incident_techniques::all_columns)
        .get_result(conn)
}

pub fn find(
    conn: &mut DbConn,
    incident_id: i64,
    technique_id: &str,
) -> QueryResult<Option<TechniqueTag>> {
    incident_techniques::table
        .filter(incident_techniques::incident_id.eq(incident_id))
        .filter(incident_techniques::technique_id.eq(technique_id))
        .select(incident_techniques::all_columns)
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(incident_techniques::table.find(id)).execute(conn)
}

/// Tags of several incidents, in the order they were added.
pub fn for_incidents(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<TechniqueTag>> {
    incident_techniques::table
        .filter(incident_techniques::incident_id.eq_any(ids))
        .order(incident_techniques::id.asc())
        .select(incident_techniques::all_columns)
        .load(conn)
}

/// The list filter `technique=`: incidents tagged with it or with one of its sub-techniques.
pub fn tagged_with(
    technique_id: String,
) -> Box<
    dyn BoxableExpression<
        incidents::table,
        <DbConn as diesel::Connection>::Backend,
        SqlType = sql_types::Bool,
    >,
> {
    let sub = format!("{technique_id}.%");
    Box::new(
        incidents::id.eq_any(
            incident_techniques::table
                .filter(
                    incident_techniques::technique_id
                        .eq(technique_id)
                        .or(incident_techniques::technique_id.like(sub)),
                )
                .select(incident_techniques::incident_id),
        ),
    )
}

/// The CERT's confirmed tags: those on closed incidents, with each incident's text.
pub struct Confirmed {
    pub incident_id: i64,
    pub title: String,
    pub description: String,
    pub technique_id: String,
}

pub fn confirmed(conn: &mut DbConn) -> QueryResult<Vec<Confirmed>> {
    let rows: Vec<(i64, String, String, String)> = incident_techniques::table
        .inner_join(incidents::table)
        .filter(incidents::status.eq("closed"))
        .order((incidents::id.asc(), incident_techniques::technique_id.asc()))
        .select((
            incidents::id,
            incidents::title,
            incidents::description,
            incident_techniques::technique_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(incident_id, title, description, technique_id)| Confirmed {
                incident_id,
                title,
                description,
                technique_id,
            },
        )
        .collect())
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = model_versions)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ModelVersion {
    pub id: i64,
    pub examples: i32,
    pub fingerprint: String,
    pub trained_at: NaiveDateTime,
}

pub fn latest_version(conn: &mut DbConn) -> QueryResult<Option<ModelVersion>> {
    model_versions::table
        .order(model_versions::id.desc())
        .select(model_versions::all_columns)
        .first(conn)
        .optional()
}

pub fn insert_version(
    conn: &mut DbConn,
    examples: i32,
    fingerprint: &str,
    trained_at: NaiveDateTime,
) -> QueryResult<ModelVersion> {
    diesel::insert_into(model_versions::table)
        .values((
            model_versions::examples.eq(examples),
            model_versions::fingerprint.eq(fingerprint),
            model_versions::trained_at.eq(trained_at),
        ))
        .returning(model_versions::all_columns)
        .get_result(conn)
}

pub fn insert_examples(
    conn: &mut DbConn,
    version_id: i64,
    examples: &[(Option<i64>, String, String)],
) -> QueryResult<()> {
    for (incident_id, text, technique_id) in examples {
        diesel::insert_into(model_examples::table)
            .values((
                model_examples::version_id.eq(version_id),
                model_examples::incident_id.eq(*incident_id),
                model_examples::text.eq(text),
                model_examples::technique_id.eq(technique_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// `(text, technique_id)` of a version's snapshot, in the order they were stored.
pub fn examples(conn: &mut DbConn, version_id: i64) -> QueryResult<Vec<(String, String)>> {
    model_examples::table
        .filter(model_examples::version_id.eq(version_id))
        .order(model_examples::id.asc())
        .select((model_examples::text, model_examples::technique_id))
        .load(conn)
}

/// Comment bodies of an incident, oldest first (internal ones included: staff only).
pub fn comment_bodies(conn: &mut DbConn, incident_id: i64) -> QueryResult<Vec<String>> {
    comments::table
        .filter(comments::incident_id.eq(incident_id))
        .order(comments::id.asc())
        .select(comments::body)
        .load(conn)
}

/// Incidents the CERT has classified: past intake (not `new`, `rejected` or `merged`) with a specific
/// category, newest first, at most `limit`: `(id, title, description, category)`.
pub fn classified(
    conn: &mut DbConn,
    excluded: &[&str],
    limit: i64,
) -> QueryResult<Vec<(i64, String, String, String)>> {
    incidents::table
        .filter(incidents::status.ne_all(["new", "rejected", "merged"]))
        .filter(incidents::category.ne_all(excluded))
        .order(incidents::id.desc())
        .limit(limit)
        .select((
            incidents::id,
            incidents::title,
            incidents::description,
            incidents::category,
        ))
        .load(conn)
}

/// `(count, highest id)` of the classified incidents: when it changes, the category model is stale.
pub fn classified_stamp(conn: &mut DbConn, excluded: &[&str]) -> QueryResult<(i64, Option<i64>)> {
    incidents::table
        .filter(incidents::status.ne_all(["new", "rejected", "merged"]))
        .filter(incidents::category.ne_all(excluded))
        .select((diesel::dsl::count_star(), diesel::dsl::max(incidents::id)))
        .first(conn)
}

/// Other incidents the scope sees that share an observable value with this one:
/// `(incident_id, reference, title, value)`, at most `limit`.
pub fn sharing_observables(
    conn: &mut DbConn,
    incident_id: i64,
    scope: IncidentScope,
    limit: i64,
) -> QueryResult<Vec<(i64, String, String, String)>> {
    let values: Vec<String> = observables::table
        .filter(observables::incident_id.eq(incident_id))
        .select(observables::value)
        .load(conn)?;
    if values.is_empty() {
        return Ok(Vec::new());
    }
    // `visible_to_scope` is the observables of incidents the scope sees, within its TLP.
    let hits: Vec<(i64, String)> = observables::table
        .filter(observables::value.eq_any(values))
        .filter(observables::incident_id.ne(incident_id))
        .filter(visible_to_scope(scope))
        .order((observables::incident_id.desc(), observables::value.asc()))
        .limit(limit)
        .select((observables::incident_id, observables::value))
        .load(conn)?;
    let ids: Vec<i64> = hits.iter().map(|(id, _)| *id).collect();
    let heads: std::collections::HashMap<i64, (String, String)> = incidents::table
        .filter(incidents::id.eq_any(ids))
        .select((incidents::id, incidents::reference, incidents::title))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, r, t)| (id, (r, t)))
        .collect();
    Ok(hits
        .into_iter()
        .filter_map(|(id, value)| {
            heads
                .get(&id)
                .map(|(r, t)| (id, r.clone(), t.clone(), value))
        })
        .collect())
}

/// Text candidates: incidents the scope sees whose search key contains one of the patterns
/// (trigram index on PostgreSQL), newest first: `(id, reference, title, search_key)`.
pub fn text_candidates(
    conn: &mut DbConn,
    incident_id: i64,
    scope: IncidentScope,
    patterns: &[String],
    limit: i64,
) -> QueryResult<Vec<(i64, String, String, String)>> {
    let Some((first, rest)) = patterns.split_first() else {
        return Ok(Vec::new());
    };
    type Cond = Box<
        dyn BoxableExpression<
            incidents::table,
            <DbConn as diesel::Connection>::Backend,
            SqlType = sql_types::Bool,
        >,
    >;
    let mut any: Cond = Box::new(incidents::search_key.like(first.clone()).escape('\\'));
    for p in rest {
        any = Box::new(any.or(incidents::search_key.like(p.clone()).escape('\\')));
    }
    incidents::table
        .filter(visible_to(scope))
        .filter(incidents::id.ne(incident_id))
        .filter(any)
        .order(incidents::id.desc())
        .limit(limit)
        .select((
            incidents::id,
            incidents::reference,
            incidents::title,
            incidents::search_key,
        ))
        .load(conn)
}
