//! Web sessions on the server: started after `services::auth::login` succeeded, checked on every
//! page, ended by signing out, by expiry, or by deactivating the user.

use serde_json::json;

use crate::{
    auth::session::{random_token, session_id, SessionPolicy},
    db::{
        models::{
            session::{self, SessionRow},
            user::{self, User},
        },
        write_tx, DbConn,
    },
    domain::time,
    error::AppResult,
    services::audit::{self, By},
};

/// A new session for `user`; returns the cookie token (shown once, never stored) and the row.
/// `previous`, the session id the browser held before signing in, is deleted: a session that
/// existed before sign-in is never reused (session fixation).
pub fn start(
    conn: &mut DbConn,
    policy: &SessionPolicy,
    user: &User,
    user_agent: Option<&str>,
    previous: Option<&str>,
) -> AppResult<(String, SessionRow)> {
    let token = random_token();
    let now = time::now();
    let row = SessionRow {
        id: session_id(&token),
        user_id: user.id,
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
        expires_at: policy.expires_at(now),
        user_agent: user_agent.map(|ua| ua.chars().take(300).collect()),
    };
    write_tx(conn, |conn| -> AppResult<()> {
        if let Some(old) = previous {
            session::delete(conn, old)?;
        }
        // Sweep here rather than in a timer: sign-ins are frequent enough to keep the table small.
        session::delete_stale(conn, now, now - policy.idle)?;
        session::insert(conn, &row)?;
        Ok(())
    })?;
    Ok((token, row))
}

/// The live session and its (active) user for a cookie token, or `None`. A dead session found
/// here is deleted, and so are all sessions of a deactivated user.
pub fn resolve(
    conn: &mut DbConn,
    policy: &SessionPolicy,
    token: &str,
) -> AppResult<Option<(SessionRow, User)>> {
    let id = session_id(token);
    let Some(mut row) = session::find(conn, &id)? else {
        return Ok(None);
    };
    let now = time::now();
    if !policy.is_live(&row, now) {
        session::delete(conn, &id)?;
        return Ok(None);
    }
    let found = user::find(conn, row.user_id)?;
    if !found.active {
        session::delete_for_user(conn, found.id)?;
        return Ok(None);
    }
    if policy.needs_touch(&row, now) {
        session::touch(conn, &id, now)?;
        row.last_seen_at = now;
    }
    Ok(Some((row, found)))
}

/// Signing out: the row goes, so the cookie is worthless even if it was copied.
pub fn end(conn: &mut DbConn, row: &SessionRow, ip: Option<String>) -> AppResult<()> {
    write_tx(conn, |conn| {
        session::delete(conn, &row.id)?;
        audit::record(
            conn,
            By {
                actor_id: Some(row.user_id),
                ip,
            },
            "auth.logout",
            "user",
            row.user_id,
            json!({}),
        )?;
        Ok(())
    })
}
