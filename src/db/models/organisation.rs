use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{
    authz::OrganisationScope,
    db::{schema::organisations, DbConn},
};

use super::Page;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = organisations)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub sector: Option<String>,
    pub contact_email: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `essential`, `important` or `none` (NIS2).
    pub nis2_entity: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub sector: Option<&'a str>,
    pub contact_email: Option<&'a str>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub nis2_entity: &'a str,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = organisations)]
pub struct OrganisationChanges {
    pub name: Option<String>,
    pub sector: Option<Option<String>>,
    pub contact_email: Option<Option<String>>,
    pub active: Option<bool>,
    pub nis2_entity: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, new: &NewOrganisation) -> QueryResult<Organisation> {
    diesel::insert_into(organisations::table)
        .values(new)
        .returning(organisations::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Organisation> {
    organisations::table
        .find(id)
        .select(organisations::all_columns)
        .first(conn)
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(name) = lower(")
                .bind::<diesel::sql_types::Text, _>(name)
                .sql(")"),
        )
        .select(organisations::all_columns)
        .first(conn)
        .optional()
}

pub fn find_first_of_kind(conn: &mut DbConn, kind: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::kind.eq(kind))
        .order(organisations::id.asc())
        .select(organisations::all_columns)
        .first(conn)
        .optional()
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    changes: &OrganisationChanges,
) -> QueryResult<Organisation> {
    diesel::update(organisations::table.find(id))
        .set(changes)
        .returning(organisations::all_columns)
        .get_result(conn)
}

pub fn list(
    conn: &mut DbConn,
    scope: OrganisationScope,
    kind: Option<&str>,
    page: Page,
) -> QueryResult<Vec<Organisation>> {
    let mut query = organisations::table
        .select(organisations::all_columns)
        .into_boxed();
    if let OrganisationScope::Only(id) = scope {
        query = query.filter(organisations::id.eq(id));
    }
    if let Some(kind) = kind {
        query = query.filter(organisations::kind.eq(kind.to_owned()));
    }
    if let Some(after) = page.after {
        query = query.filter(organisations::id.gt(after));
    }
    query
        .order(organisations::id.asc())
        .limit(page.limit + 1)
        .load(conn)
}
