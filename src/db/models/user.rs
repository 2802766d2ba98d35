use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{schema::users, DbConn};

use super::Page;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub organisation_id: i64,
    pub role: String,
    pub locale: String,
    pub time_zone: String,
    pub active: bool,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub organisation_id: i64,
    pub role: &'a str,
    pub locale: &'a str,
    pub time_zone: &'a str,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub role: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub active: Option<bool>,
    pub last_login_at: Option<Option<NaiveDateTime>>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Default)]
pub struct UserFilter {
    pub organisation_id: Option<i64>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

pub fn insert(conn: &mut DbConn, new: &NewUser) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(users::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<User> {
    users::table.find(id).select(users::all_columns).first(conn)
}

/// `email` must already be normalised (lower-case).
pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(users::all_columns)
        .first(conn)
        .optional()
}

/// `(id, email)` of each of `ids` that exists, in one query.
pub fn emails_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    users::table
        .filter(users::id.eq_any(ids.to_vec()))
        .select((users::id, users::email))
        .load(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &UserChanges) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(users::all_columns)
        .get_result(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn count_active_admins(conn: &mut DbConn) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}

pub fn list(conn: &mut DbConn, filter: &UserFilter, page: Page) -> QueryResult<Vec<User>> {
    let mut query = users::table.select(users::all_columns).into_boxed();
    if let Some(org) = filter.organisation_id {
        query = query.filter(users::organisation_id.eq(org));
    }
    if let Some(role) = &filter.role {
        query = query.filter(users::role.eq(role.clone()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(after) = page.after {
        query = query.filter(users::id.gt(after));
    }
    query
        .order(users::id.asc())
        .limit(page.limit + 1)
        .load(conn)
}
