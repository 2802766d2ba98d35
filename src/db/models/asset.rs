use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    schema::{assets, incident_assets, incidents},
    DbConn,
};

use super::Page;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = assets)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Asset {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub kind: String,
    pub hostname: Option<String>,
    pub ip: Option<String>,
    pub ip_start: Option<String>,
    pub ip_end: Option<String>,
    pub domain: Option<String>,
    pub sector: Option<String>,
    pub criticality: i32,
    pub approved: bool,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub cpe: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = assets)]
pub struct NewAsset<'a> {
    pub organisation_id: i64,
    pub name: &'a str,
    pub kind: &'a str,
    pub hostname: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub ip_start: Option<&'a str>,
    pub ip_end: Option<&'a str>,
    pub domain: Option<&'a str>,
    pub sector: Option<&'a str>,
    pub criticality: i32,
    pub approved: bool,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub vendor: Option<&'a str>,
    pub product: Option<&'a str>,
    pub cpe: Option<&'a str>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = assets)]
pub struct AssetChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub hostname: Option<Option<String>>,
    pub ip: Option<Option<String>>,
    pub ip_start: Option<Option<String>>,
    pub ip_end: Option<Option<String>>,
    pub domain: Option<Option<String>>,
    pub sector: Option<Option<String>>,
    pub criticality: Option<i32>,
    pub approved: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
    pub vendor: Option<Option<String>>,
    pub product: Option<Option<String>>,
    pub cpe: Option<Option<String>>,
}

#[derive(Debug, Default)]
pub struct AssetFilter {
    /// The caller's own organisation when they may only see that.
    pub only_organisation: Option<i64>,
    pub organisation_id: Option<i64>,
    pub kind: Option<String>,
    pub approved: Option<bool>,
}

pub fn insert(conn: &mut DbConn, new: &NewAsset) -> QueryResult<Asset> {
    diesel::insert_into(assets::table)
        .values(new)
        .returning(assets::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Asset> {
    assets::table
        .find(id)
        .select(assets::all_columns)
        .first(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &AssetChanges) -> QueryResult<Asset> {
    diesel::update(assets::table.find(id))
        .set(changes)
        .returning(assets::all_columns)
        .get_result(conn)
}

pub fn list(conn: &mut DbConn, filter: &AssetFilter, page: Page) -> QueryResult<Vec<Asset>> {
    let mut query = assets::table.select(assets::all_columns).into_boxed();
    if let Some(org) = filter.only_organisation {
        query = query.filter(assets::organisation_id.eq(org));
    }
    if let Some(org) = filter.organisation_id {
        query = query.filter(assets::organisation_id.eq(org));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(assets::kind.eq(kind.clone()));
    }
    if let Some(approved) = filter.approved {
        query = query.filter(assets::approved.eq(approved));
    }
    if let Some(after) = page.after {
        query = query.filter(assets::id.gt(after));
    }
    query
        .order(assets::id.asc())
        .limit(page.limit + 1)
        .load(conn)
}

/// Approved assets whose address or network contains `key` (an `ip_key`).
pub fn containing(conn: &mut DbConn, key: &str) -> QueryResult<Vec<Asset>> {
    assets::table
        .filter(assets::approved.eq(true))
        .filter(assets::ip_start.le(key))
        .filter(assets::ip_end.ge(key))
        .order(assets::id.asc())
        .select(assets::all_columns)
        .load(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = incident_assets)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Link {
    pub id: i64,
    pub incident_id: i64,
    pub asset_id: i64,
    pub impact: Option<String>,
    pub linked_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = incident_assets)]
pub struct NewLink<'a> {
    pub incident_id: i64,
    pub asset_id: i64,
    pub impact: Option<&'a str>,
    pub linked_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn find_link(conn: &mut DbConn, incident_id: i64, asset_id: i64) -> QueryResult<Option<Link>> {
    incident_assets::table
        .filter(incident_assets::incident_id.eq(incident_id))
        .filter(incident_assets::asset_id.eq(asset_id))
        .select(incident_assets::all_columns)
        .first(conn)
        .optional()
}

pub fn insert_link(conn: &mut DbConn, new: &NewLink) -> QueryResult<Link> {
    diesel::insert_into(incident_assets::table)
        .values(new)
        .returning(incident_assets::all_columns)
        .get_result(conn)
}

/// The assets an incident affects, optionally only those of one organisation.
pub fn links_of_incident(
    conn: &mut DbConn,
    incident_id: i64,
    only_organisation: Option<i64>,
) -> QueryResult<Vec<(Link, Asset)>> {
    let mut query = incident_assets::table
        .inner_join(assets::table)
        .filter(incident_assets::incident_id.eq(incident_id))
        .select((incident_assets::all_columns, assets::all_columns))
        .into_boxed();
    if let Some(org) = only_organisation {
        query = query.filter(assets::organisation_id.eq(org));
    }
    query.order(incident_assets::id.asc()).load(conn)
}

/// The links of an asset to incidents among `visible_ids` (already filtered by the policy).
pub fn links_of_asset(conn: &mut DbConn, asset_id: i64) -> QueryResult<Vec<(Link, i64)>> {
    incident_assets::table
        .inner_join(incidents::table)
        .filter(incident_assets::asset_id.eq(asset_id))
        .order(incident_assets::id.desc())
        .select((incident_assets::all_columns, incidents::id))
        .load(conn)
}
