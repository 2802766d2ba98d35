use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    schema::{
        incident_assets, risk_assets, risk_incidents, risk_vulnerabilities, risks, vulnerabilities,
    },
    DbConn,
};

use super::{vulnerability::Vulnerability, Page};

type Backend = <DbConn as diesel::Connection>::Backend;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = risks)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Risk {
    pub id: i64,
    pub organisation_id: i64,
    pub title: String,
    pub description: String,
    pub threat: String,
    pub likelihood: i32,
    pub impact: i32,
    pub score: i32,
    pub level: String,
    pub owner_id: Option<i64>,
    pub treatment: String,
    pub treatment_plan: Option<String>,
    pub treatment_due: Option<String>,
    pub review_at: Option<String>,
    pub residual_likelihood: Option<i32>,
    pub residual_impact: Option<i32>,
    pub review_due: bool,
    pub review_incident_id: Option<i64>,
    pub last_reviewed_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = risks)]
pub struct NewRisk<'a> {
    pub organisation_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub threat: &'a str,
    pub likelihood: i32,
    pub impact: i32,
    pub score: i32,
    pub level: &'a str,
    pub owner_id: Option<i64>,
    pub treatment: &'a str,
    pub treatment_plan: Option<&'a str>,
    pub treatment_due: Option<&'a str>,
    pub review_at: Option<&'a str>,
    pub residual_likelihood: Option<i32>,
    pub residual_impact: Option<i32>,
    pub review_due: bool,
    pub last_reviewed_at: NaiveDateTime,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = risks)]
pub struct RiskChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub threat: Option<String>,
    pub likelihood: Option<i32>,
    pub impact: Option<i32>,
    pub score: Option<i32>,
    pub level: Option<String>,
    pub owner_id: Option<Option<i64>>,
    pub treatment: Option<String>,
    pub treatment_plan: Option<Option<String>>,
    pub treatment_due: Option<Option<String>>,
    pub review_at: Option<Option<String>>,
    pub residual_likelihood: Option<Option<i32>>,
    pub residual_impact: Option<Option<i32>>,
    pub review_due: Option<bool>,
    pub review_incident_id: Option<Option<i64>>,
    pub last_reviewed_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, Default)]
pub struct RiskFilter {
    /// The caller's own organisation when they may only see that (`authz::risk_scope`).
    pub only_organisation: Option<i64>,
    pub organisation_id: Option<i64>,
    pub level: Option<String>,
    pub threat: Option<String>,
    pub asset_id: Option<i64>,
    pub review_due: Option<bool>,
    pub owner_id: Option<i64>,
    /// One heat-map cell.
    pub likelihood: Option<i32>,
    pub impact: Option<i32>,
}

/// The register's orders (the API pages by id; pages and the CSV may sort).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RiskOrder {
    #[default]
    Newest,
    Score,
    Title,
    Updated,
}

fn filtered<'a>(filter: &RiskFilter) -> risks::BoxedQuery<'a, Backend> {
    let mut query = risks::table.into_boxed();
    if let Some(org) = filter.only_organisation {
        query = query.filter(risks::organisation_id.eq(org));
    }
    if let Some(org) = filter.organisation_id {
        query = query.filter(risks::organisation_id.eq(org));
    }
    if let Some(level) = &filter.level {
        query = query.filter(risks::level.eq(level.clone()));
    }
    if let Some(threat) = &filter.threat {
        query = query.filter(risks::threat.eq(threat.clone()));
    }
    if let Some(asset) = filter.asset_id {
        query = query.filter(
            risks::id.eq_any(
                risk_assets::table
                    .filter(risk_assets::asset_id.eq(asset))
                    .select(risk_assets::risk_id),
            ),
        );
    }
    if let Some(due) = filter.review_due {
        query = query.filter(risks::review_due.eq(due));
    }
    if let Some(owner) = filter.owner_id {
        query = query.filter(risks::owner_id.eq(owner));
    }
    if let Some(l) = filter.likelihood {
        query = query.filter(risks::likelihood.eq(l));
    }
    if let Some(i) = filter.impact {
        query = query.filter(risks::impact.eq(i));
    }
    query
}

pub fn list(conn: &mut DbConn, filter: &RiskFilter, page: Page) -> QueryResult<Vec<Risk>> {
    let mut query = filtered(filter).select(risks::all_columns);
    if let Some(after) = page.after {
        query = query.filter(risks::id.gt(after));
    }
    query
        .order(risks::id.asc())
        .limit(page.limit + 1)
        .load(conn)
}

/// The register as pages and the CSV show it, at most `limit` rows.
pub fn sorted(
    conn: &mut DbConn,
    filter: &RiskFilter,
    order: RiskOrder,
    limit: i64,
) -> QueryResult<Vec<Risk>> {
    let query = filtered(filter).select(risks::all_columns).limit(limit);
    match order {
        RiskOrder::Newest => query.order(risks::id.desc()).load(conn),
        RiskOrder::Score => query
            .order((risks::score.desc(), risks::id.desc()))
            .load(conn),
        RiskOrder::Title => query
            .order((risks::title.asc(), risks::id.asc()))
            .load(conn),
        RiskOrder::Updated => query
            .order((risks::updated_at.desc(), risks::id.desc()))
            .load(conn),
    }
}

/// `(likelihood, impact)` of every risk the filter keeps: the heat map's input.
pub fn ratings(conn: &mut DbConn, filter: &RiskFilter) -> QueryResult<Vec<(i32, i32)>> {
    filtered(filter)
        .select((risks::likelihood, risks::impact))
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Risk> {
    risks::table.find(id).select(risks::all_columns).first(conn)
}

pub fn insert(conn: &mut DbConn, new: &NewRisk) -> QueryResult<Risk> {
    diesel::insert_into(risks::table)
        .values(new)
        .returning(risks::all_columns)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &RiskChanges) -> QueryResult<Risk> {
    diesel::update(risks::table.find(id))
        .set(changes)
        .returning(risks::all_columns)
        .get_result(conn)
}

pub fn add_asset(conn: &mut DbConn, risk_id: i64, asset_id: i64) -> QueryResult<usize> {
    diesel::insert_into(risk_assets::table)
        .values((
            risk_assets::risk_id.eq(risk_id),
            risk_assets::asset_id.eq(asset_id),
        ))
        .execute(conn)
}

pub fn remove_assets(conn: &mut DbConn, risk_id: i64) -> QueryResult<usize> {
    diesel::delete(risk_assets::table.filter(risk_assets::risk_id.eq(risk_id))).execute(conn)
}

pub fn asset_ids(conn: &mut DbConn, risk_id: i64) -> QueryResult<Vec<i64>> {
    risk_assets::table
        .filter(risk_assets::risk_id.eq(risk_id))
        .order(risk_assets::asset_id.asc())
        .select(risk_assets::asset_id)
        .load(conn)
}

/// The risks that name an asset, for flagging them when an incident hits it.
pub fn on_asset(conn: &mut DbConn, asset_id: i64) -> QueryResult<Vec<Risk>> {
    risks::table
        .filter(
            risks::id.eq_any(
                risk_assets::table
                    .filter(risk_assets::asset_id.eq(asset_id))
                    .select(risk_assets::risk_id),
            ),
        )
        .order(risks::id.asc())
        .select(risks::all_columns)
        .load(conn)
}

/// Incidents linked to any of the risk's assets since `since` (newest first), with the asset.
pub fn incidents_on_assets_since(
    conn: &mut DbConn,
    risk_id: i64,
    since: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64, NaiveDateTime)>> {
    incident_assets::table
        .filter(
            incident_assets::asset_id.eq_any(
                risk_assets::table
                    .filter(risk_assets::risk_id.eq(risk_id))
                    .select(risk_assets::asset_id),
            ),
        )
        .filter(incident_assets::created_at.ge(since))
        .order(incident_assets::id.desc())
        .select((
            incident_assets::incident_id,
            incident_assets::asset_id,
            incident_assets::created_at,
        ))
        .load(conn)
}

pub fn has_incident(conn: &mut DbConn, risk_id: i64, incident_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        risk_incidents::table
            .filter(risk_incidents::risk_id.eq(risk_id))
            .filter(risk_incidents::incident_id.eq(incident_id)),
    ))
    .get_result(conn)
}

pub fn add_incident(
    conn: &mut DbConn,
    risk_id: i64,
    incident_id: i64,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(risk_incidents::table)
        .values((
            risk_incidents::risk_id.eq(risk_id),
            risk_incidents::incident_id.eq(incident_id),
            risk_incidents::linked_by.eq(by),
            risk_incidents::created_at.eq(at),
        ))
        .execute(conn)
}

pub fn incident_ids(conn: &mut DbConn, risk_id: i64) -> QueryResult<Vec<i64>> {
    risk_incidents::table
        .filter(risk_incidents::risk_id.eq(risk_id))
        .order(risk_incidents::created_at.desc())
        .select(risk_incidents::incident_id)
        .load(conn)
}

pub fn has_vulnerability(
    conn: &mut DbConn,
    risk_id: i64,
    vulnerability_id: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        risk_vulnerabilities::table
            .filter(risk_vulnerabilities::risk_id.eq(risk_id))
            .filter(risk_vulnerabilities::vulnerability_id.eq(vulnerability_id)),
    ))
    .get_result(conn)
}

pub fn add_vulnerability(
    conn: &mut DbConn,
    risk_id: i64,
    vulnerability_id: i64,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(risk_vulnerabilities::table)
        .values((
            risk_vulnerabilities::risk_id.eq(risk_id),
            risk_vulnerabilities::vulnerability_id.eq(vulnerability_id),
            risk_vulnerabilities::linked_by.eq(by),
            risk_vulnerabilities::created_at.eq(at),
        ))
        .execute(conn)
}

pub fn vulnerabilities_of(conn: &mut DbConn, risk_id: i64) -> QueryResult<Vec<Vulnerability>> {
    risk_vulnerabilities::table
        .inner_join(vulnerabilities::table)
        .filter(risk_vulnerabilities::risk_id.eq(risk_id))
        .order(vulnerabilities::cve.asc())
        .select(vulnerabilities::all_columns)
        .load(conn)
}
