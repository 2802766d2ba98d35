//! What administrators do with the mail queue: look at it, and send failed mail again.

use serde_json::json;

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            outbox::{self, OutboxRow},
            Page,
        },
        write_tx, DbConn,
    },
    domain::time,
    error::{AppError, AppResult},
    services::audit::{self, By},
};

/// Queue health for `/metrics`: unauthenticated like the rest of the metrics, and counts only.
pub fn stats(conn: &mut DbConn) -> AppResult<outbox::Stats> {
    Ok(outbox::stats(conn)?)
}

pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    status: Option<&str>,
    page: Page,
) -> AppResult<Vec<OutboxRow>> {
    authz::require(actor, Action::ManageOutbox)?;
    Ok(outbox::list(conn, status, page)?)
}

/// A `failed` message back to the queue with a fresh attempt budget.
pub fn retry(conn: &mut DbConn, actor: &Actor, id: i64) -> AppResult<OutboxRow> {
    authz::require(actor, Action::ManageOutbox)?;
    write_tx(conn, |conn| {
        let before = outbox::find(conn, id)?;
        let Some(after) = outbox::requeue_failed(conn, id, time::now())? else {
            return Err(AppError::Conflict(format!(
                "only failed mail can be retried; this message is {}",
                before.status
            )));
        };
        audit::record(
            conn,
            By::from(actor),
            "outbox.retried",
            "outbox",
            id,
            json!({
                "kind": before.kind,
                "recipient_email": before.recipient_email,
                "attempts": before.attempts,
                "last_error": before.last_error,
            }),
        )?;
        Ok(after)
    })
}
