//! SLA policies: `GET /api/v1/sla-policies` (CERT staff, auditors), `PUT …/{severity}` (admin).

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    api::{
        extract::{JsonBody, ListOf},
        reply::run,
    },
    auth::Actor,
    domain::time::to_utc,
    error::{AppResult, Problem},
    services::{rows::SlaPolicy, sla},
    state::AppState,
};

/// The request body is the service input itself.
pub use crate::services::sla::SlaPolicyInput as UpdateSlaPolicy;

/// One severity's targets, in minutes from the report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPolicyView {
    /// `critical`, `high`, `medium` or `low`.
    pub severity: String,
    pub ack_minutes: i32,
    pub contain_minutes: i32,
    pub resolve_minutes: i32,
    /// Who changed it last (`null`: the defaults).
    pub updated_by: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

impl From<SlaPolicy> for SlaPolicyView {
    fn from(p: SlaPolicy) -> Self {
        Self {
            severity: p.severity,
            ack_minutes: p.ack_minutes,
            contain_minutes: p.contain_minutes,
            resolve_minutes: p.resolve_minutes,
            updated_by: p.updated_by,
            updated_at: to_utc(p.updated_at),
        }
    }
}

/// The SLA targets per severity, most severe first (CERT staff and auditors).
#[utoipa::path(get, path = "/api/v1/sla-policies", tag = "deadlines", security(("bearer" = [])),
    responses((status = 200, body = ListOf<SlaPolicyView>), (status = 403, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
) -> AppResult<web::Json<ListOf<SlaPolicyView>>> {
    let rows = run(&state, &actor, sla::list).await?;
    Ok(web::Json(ListOf {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor: None,
    }))
}

/// Change one severity's targets (admin). The open incidents of that severity get their pending
/// deadlines moved in the same transaction; each change is audited.
#[utoipa::path(put, path = "/api/v1/sla-policies/{severity}", tag = "deadlines", security(("bearer" = [])),
    params(("severity" = String, Path, description = "`critical`, `high`, `medium` or `low`")),
    request_body = UpdateSlaPolicy,
    responses((status = 200, body = SlaPolicyView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    severity: web::Path<String>,
    JsonBody(body): JsonBody<UpdateSlaPolicy>,
) -> AppResult<web::Json<SlaPolicyView>> {
    let severity = severity.into_inner();
    let updated = run(&state, &actor, move |conn, actor| {
        sla::update(conn, actor, &severity, body)
    })
    .await?;
    Ok(web::Json(updated.into()))
}
