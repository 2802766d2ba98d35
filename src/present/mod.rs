//! What the two edges (`api` and `web`) share in reading requests and shaping answers: the
//! JSON views (also the shapes inside signed bundles), incident filters, CSV, the printable case
//! report, evidence streaming and translations. It sits beside the edges and below them: it
//! calls services and never `api` or `web`, so neither edge needs to import the other.

pub mod charts;
pub mod csv;
pub mod dashboard;
pub mod evidence;
pub mod export;
pub mod feed;
pub mod filters;
pub mod i18n;
pub mod report;
pub mod risk_export;
pub mod risk_filters;
pub mod stats;
pub mod views;

#[cfg(test)]
mod tests;

use crate::{auth::Actor, db::DbConn, error::AppResult, state::AppState};

/// Runs one use case for `actor` on the blocking pool, where diesel may block; the caller keeps
/// its own `actor` for shaping the answer.
pub async fn run<T: Send + 'static>(
    state: &AppState,
    actor: &Actor,
    work: impl FnOnce(&mut DbConn, &Actor) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let actor = actor.clone();
    state.db.run(move |conn| work(conn, &actor)).await
}
