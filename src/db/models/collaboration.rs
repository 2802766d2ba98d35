//! Comments, tasks and shares: the rows that hang off an incident.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    schema::{comments, incident_shares, tasks},
    DbConn,
};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = comments)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Comment {
    pub id: i64,
    pub incident_id: i64,
    pub author_id: Option<i64>,
    pub body: String,
    pub visibility: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
pub struct NewComment<'a> {
    pub incident_id: i64,
    pub author_id: Option<i64>,
    pub body: &'a str,
    pub visibility: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert_comment(conn: &mut DbConn, new: &NewComment) -> QueryResult<Comment> {
    diesel::insert_into(comments::table)
        .values(new)
        .returning(comments::all_columns)
        .get_result(conn)
}

/// Oldest first; `shared_only` is how outsiders are kept from internal notes, in the query.
pub fn comments_of(
    conn: &mut DbConn,
    incident_id: i64,
    shared_only: bool,
) -> QueryResult<Vec<Comment>> {
    let mut query = comments::table
        .filter(comments::incident_id.eq(incident_id))
        .select(comments::all_columns)
        .into_boxed();
    if shared_only {
        query = query.filter(comments::visibility.eq("shared"));
    }
    query.order(comments::id.asc()).load(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = tasks)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Task {
    pub id: i64,
    pub incident_id: i64,
    pub title: String,
    pub assignee_id: Option<i64>,
    pub status: String,
    pub due_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tasks)]
pub struct NewTask<'a> {
    pub incident_id: i64,
    pub title: &'a str,
    pub assignee_id: Option<i64>,
    pub status: &'a str,
    pub due_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = tasks)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub assignee_id: Option<Option<i64>>,
    pub status: Option<String>,
    pub due_at: Option<Option<NaiveDateTime>>,
    pub completed_at: Option<Option<NaiveDateTime>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_task(conn: &mut DbConn, new: &NewTask) -> QueryResult<Task> {
    diesel::insert_into(tasks::table)
        .values(new)
        .returning(tasks::all_columns)
        .get_result(conn)
}

pub fn find_task(conn: &mut DbConn, id: i64) -> QueryResult<Task> {
    tasks::table.find(id).select(tasks::all_columns).first(conn)
}

pub fn update_task(conn: &mut DbConn, id: i64, changes: &TaskChanges) -> QueryResult<Task> {
    diesel::update(tasks::table.find(id))
        .set(changes)
        .returning(tasks::all_columns)
        .get_result(conn)
}

pub fn tasks_of(conn: &mut DbConn, incident_id: i64) -> QueryResult<Vec<Task>> {
    tasks::table
        .filter(tasks::incident_id.eq(incident_id))
        .order(tasks::id.asc())
        .select(tasks::all_columns)
        .load(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = incident_shares)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Share {
    pub id: i64,
    pub incident_id: i64,
    pub organisation_id: i64,
    pub max_tlp: String,
    pub max_tlp_rank: i32,
    pub shared_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = incident_shares)]
pub struct NewShare<'a> {
    pub incident_id: i64,
    pub organisation_id: i64,
    pub max_tlp: &'a str,
    pub max_tlp_rank: i32,
    pub shared_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn find_share(
    conn: &mut DbConn,
    incident_id: i64,
    organisation_id: i64,
) -> QueryResult<Option<Share>> {
    incident_shares::table
        .filter(incident_shares::incident_id.eq(incident_id))
        .filter(incident_shares::organisation_id.eq(organisation_id))
        .select(incident_shares::all_columns)
        .first(conn)
        .optional()
}

pub fn insert_share(conn: &mut DbConn, new: &NewShare) -> QueryResult<Share> {
    diesel::insert_into(incident_shares::table)
        .values(new)
        .returning(incident_shares::all_columns)
        .get_result(conn)
}

pub fn update_share_ceiling(
    conn: &mut DbConn,
    id: i64,
    max_tlp: &str,
    rank: i32,
) -> QueryResult<Share> {
    diesel::update(incident_shares::table.find(id))
        .set((
            incident_shares::max_tlp.eq(max_tlp),
            incident_shares::max_tlp_rank.eq(rank),
        ))
        .returning(incident_shares::all_columns)
        .get_result(conn)
}

pub fn shares_of(conn: &mut DbConn, incident_id: i64) -> QueryResult<Vec<Share>> {
    incident_shares::table
        .filter(incident_shares::incident_id.eq(incident_id))
        .order(incident_shares::id.asc())
        .select(incident_shares::all_columns)
        .load(conn)
}
