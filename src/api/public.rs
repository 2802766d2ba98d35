//! Reporting without an account: the public form and the tracking view.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    api::extract::JsonBody,
    auth::actor::client_ip,
    domain::time::to_utc,
    error::{AppResult, Problem},
    services::incidents::public::{self, PublicReport},
    state::AppState,
};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePublicReport {
    pub title: String,
    pub description: String,
    /// Where the CERT can reach you.
    pub contact_email: String,
    /// RSIT type machine name, if you know it.
    pub category: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicReceipt {
    pub reference: String,
    /// Keep it: it is shown once and is the only way to follow the report.
    pub tracking_code: String,
}

/// Report an incident without an account (rate-limited per client address).
#[utoipa::path(post, path = "/api/v1/public/reports", tag = "public", request_body = CreatePublicReport,
    responses((status = 201, body = PublicReceipt), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    JsonBody(body): JsonBody<CreatePublicReport>,
) -> AppResult<HttpResponse> {
    let ip = client_ip(&req);
    let settings = state.settings.clone();
    let limit = state.settings.public_report_limit as i32;
    let (incident, tracking_code) = state
        .db
        .run(move |conn| {
            public::submit(
                conn,
                &settings,
                ip.as_deref(),
                limit,
                PublicReport {
                    title: body.title,
                    description: body.description,
                    contact_email: body.contact_email,
                    category: body.category,
                },
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(PublicReceipt {
        reference: incident.reference,
        tracking_code,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicComment {
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStatus {
    pub reference: String,
    pub title: String,
    pub status: String,
    pub reported_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The CERT's shared comments; internal notes never appear here.
    pub comments: Vec<PublicComment>,
}

/// The status and shared comments of the one report a tracking code opens.
#[utoipa::path(get, path = "/api/v1/public/reports/{tracking_code}", tag = "public",
    responses((status = 200, body = PublicStatus), (status = 404, body = Problem)))]
pub async fn track(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> AppResult<web::Json<PublicStatus>> {
    let code = code.into_inner();
    let (incident, comments) = state.db.run(move |conn| public::track(conn, &code)).await?;
    Ok(web::Json(PublicStatus {
        reference: incident.reference,
        title: incident.title,
        status: incident.status,
        reported_at: to_utc(incident.reported_at),
        updated_at: to_utc(incident.updated_at),
        comments: comments
            .into_iter()
            .map(|c| PublicComment {
                body: c.body,
                created_at: to_utc(c.created_at),
            })
            .collect(),
    }))
}
