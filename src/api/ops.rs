use std::time::Duration;

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{error::AppError, state::AppState};

/// 200 while the process runs.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process is alive")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready"), (status = 503, description = "The database does not answer")))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let pool = state.db.pool().clone();
    let checked = web::block(move || -> Result<(), String> {
        let mut conn = pool
            .get_timeout(Duration::from_secs(2))
            .map_err(|e| e.to_string())?;
        conn.batch_execute("SELECT 1").map_err(|e| e.to_string())
    })
    .await?;
    match checked {
        Ok(()) => Ok(HttpResponse::Ok().json(json!({ "status": "ready" }))),
        Err(reason) => Err(AppError::Unavailable(reason)),
    }
}

/// Prometheus text format. With `QALXAN_METRICS_TOKEN` set, only for `Authorization: Bearer <it>`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    // Anonymous unless the operator configured a token, hence both requirements.
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus metrics", content_type = "text/plain"),
        (status = 401, description = "QALXAN_METRICS_TOKEN is set and the request does not carry it"),
    ))]
pub async fn metrics(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    if let Some(expected) = &state.settings.metrics_token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Digests compared, not the tokens: equal length and no early exit on the secret's bytes.
        if Sha256::digest(given.as_bytes()) != Sha256::digest(expected.expose().as_bytes()) {
            return Err(AppError::Unauthorized);
        }
    }
    // Queue numbers come from the database; without it the rest of the metrics still render.
    match state.db.run(crate::services::outbox::stats).await {
        Ok(stats) => state.metrics.set_outbox(&stats, crate::domain::time::now()),
        Err(error) => tracing::warn!(%error, "cannot read outbox statistics for /metrics"),
    }
    let now = crate::domain::time::now();
    match state
        .db
        .run(move |conn| crate::services::clock::breached(conn, now))
        .await
    {
        Ok(counts) => state.metrics.set_breached(&counts),
        Err(error) => tracing::warn!(%error, "cannot count breached deadlines for /metrics"),
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(state.db.pool())))
}
