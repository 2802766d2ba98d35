//! The case-history export for signed-in auditors and admins: the same answer as the API's,
//! printable HTML unless another format is asked for.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::{error::AppResult, present::export::respond, state::AppState, web::SignedIn};

#[derive(Debug, Deserialize)]
pub struct ExportParams {
    pub format: Option<String>,
}

/// `GET /incidents/{id}/export?format=html|json|csv` for signed-in auditors and admins.
pub async fn export(
    state: web::Data<AppState>,
    ctx: SignedIn,
    id: web::Path<i64>,
    query: web::Query<ExportParams>,
) -> AppResult<HttpResponse> {
    respond(
        &state,
        ctx.actor,
        id.into_inner(),
        query.format.as_deref().or(Some("html")),
    )
    .await
}
