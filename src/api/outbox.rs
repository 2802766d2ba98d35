//! The mail queue for administrators: `GET /api/v1/admin/outbox`, `POST …/{id}/retry`.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    api::extract::{ListOf, PageQuery},
    api::reply::{paged, run},
    auth::Actor,
    domain::time::to_utc,
    error::{AppResult, FieldErrors, Problem},
    services::outbox,
    services::rows::{OutboxRow, OUTBOX_STATUSES as STATUSES},
    state::AppState,
};

/// A queued message without its template variables: administrators need to see where mail is
/// stuck, not incident content.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxView {
    pub id: i64,
    pub kind: String,
    pub recipient_email: String,
    pub recipient_user_id: Option<i64>,
    pub locale: String,
    pub incident_id: Option<i64>,
    pub thread_key: Option<String>,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub message_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<OutboxRow> for OutboxView {
    fn from(r: OutboxRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            recipient_email: r.recipient_email,
            recipient_user_id: r.recipient_user_id,
            locale: r.locale,
            incident_id: r.incident_id,
            thread_key: r.thread_key,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: to_utc(r.next_attempt_at),
            last_error: r.last_error,
            sent_at: r.sent_at.map(to_utc),
            message_id: r.message_id,
            created_at: to_utc(r.created_at),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: Option<String>,
}

/// The mail queue, newest first (admin).
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "admin", security(("bearer" = [])), params(PageQuery, OutboxQuery),
    responses((status = 200, body = ListOf<OutboxView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    page: web::Query<PageQuery>,
    query: web::Query<OutboxQuery>,
) -> AppResult<web::Json<ListOf<OutboxView>>> {
    let mut errors = FieldErrors::new();
    let page = page.page(&mut errors);
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) if STATUSES.contains(&s) => Some(s.to_owned()),
        Some(_) => {
            errors.add("status", format!("must be one of: {}", STATUSES.join(", ")));
            None
        }
    };
    errors.into_result()?;
    let rows = run(&state, &actor, move |conn, actor| {
        outbox::list(conn, actor, status.as_deref(), page)
    })
    .await?;
    Ok(paged(rows, page, |r| r.id, Into::into))
}

/// Send a failed message again: back to `pending` with a fresh attempt budget (admin).
#[utoipa::path(post, path = "/api/v1/admin/outbox/{id}/retry", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = OutboxView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The message has not failed", body = Problem)))]
pub async fn retry(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<OutboxView>> {
    let id = id.into_inner();
    let row = run(&state, &actor, move |conn, actor| {
        outbox::retry(conn, actor, id)
    })
    .await?;
    Ok(web::Json(row.into()))
}
