//! Kinds of mail users have switched off, and the recipients domain code looks up.

use diesel::prelude::*;

use crate::db::{
    schema::{notification_optouts, users},
    DbConn,
};

use super::user::User;

pub fn opted_out(conn: &mut DbConn, user_id: i64, kind: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        notification_optouts::table
            .filter(notification_optouts::user_id.eq(user_id))
            .filter(notification_optouts::kind.eq(kind)),
    ))
    .get_result(conn)
}

pub fn optouts(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<String>> {
    notification_optouts::table
        .filter(notification_optouts::user_id.eq(user_id))
        .select(notification_optouts::kind)
        .order(notification_optouts::kind.asc())
        .load(conn)
}

/// Switches `kind` on (deletes the opt-out) or off (inserts it); select-then-write because
/// upserts do not go through the two-backend connection. Returns whether anything changed.
pub fn set(
    conn: &mut DbConn,
    user_id: i64,
    kind: &str,
    enabled: bool,
    now: chrono::NaiveDateTime,
) -> QueryResult<bool> {
    let present = opted_out(conn, user_id, kind)?;
    match (enabled, present) {
        (true, true) => diesel::delete(
            notification_optouts::table
                .filter(notification_optouts::user_id.eq(user_id))
                .filter(notification_optouts::kind.eq(kind)),
        )
        .execute(conn)
        .map(|_| true),
        (false, false) => diesel::insert_into(notification_optouts::table)
            .values((
                notification_optouts::user_id.eq(user_id),
                notification_optouts::kind.eq(kind),
                notification_optouts::created_at.eq(now),
            ))
            .execute(conn)
            .map(|_| true),
        _ => Ok(false),
    }
}

/// Active users with `role`, optionally only in one organisation, in id order.
pub fn active_users_with_role(
    conn: &mut DbConn,
    role: &str,
    organisation_id: Option<i64>,
) -> QueryResult<Vec<User>> {
    let mut query = users::table
        .filter(users::role.eq(role.to_owned()))
        .filter(users::active.eq(true))
        .select(users::all_columns)
        .into_boxed();
    if let Some(org) = organisation_id {
        query = query.filter(users::organisation_id.eq(org));
    }
    query.order(users::id.asc()).load(conn)
}

/// Active users of one organisation, whatever their role.
pub fn active_users_of(conn: &mut DbConn, organisation_id: i64) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::active.eq(true))
        .select(users::all_columns)
        .order(users::id.asc())
        .load(conn)
}
