//! Evidence from the case page: the upload form (multipart, its CSRF token checked before a byte
//! of the file is stored), the download link and the custody form. Upload and download run the
//! same code as the API (`present::evidence::{receive, serve}`), so streaming, hashing, limits and the
//! `accessed` custody record are the same.

use std::collections::HashMap;

use actix_web::{web, HttpRequest};
use serde::Deserialize;

use crate::{
    auth::session::constant_time_eq,
    error::AppError,
    present::evidence::{receive, serve},
    services::evidence::{self, CustodyInput},
    state::AppState,
    web::{
        context::{SignedIn, Submitted, WebError, WebResult},
        forms::non_empty,
        incidents::refusal::{case_url, refused},
        page::see_other,
    },
};

pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: SignedIn,
    id: web::Path<i64>,
    payload: web::Payload,
) -> WebResult {
    let id = id.into_inner();
    let expected = ctx.session.csrf_token.clone();
    let csrf_ok = move |sent: &str| !expected.is_empty() && constant_time_eq(sent, &expected);
    let result = receive(&req, &state, ctx.actor.clone(), id, payload, Some(&csrf_ok)).await;
    match result {
        Ok(created) => Ok(see_other(&case_url(
            id,
            &format!("evidence-{}", created.id),
        ))),
        // Upload rights were checked before the body was read: this refusal is the token's.
        Err(AppError::Forbidden) => Err(WebError::Csrf),
        Err(error @ AppError::Validation(_)) => {
            let fields = ["file", "description"];
            refused(&state, &ctx, id, "evidence", &fields, error, HashMap::new()).await
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn download(
    state: web::Data<AppState>,
    ctx: SignedIn,
    path: web::Path<(i64, i64)>,
) -> WebResult {
    let (incident_id, evidence_id) = path.into_inner();
    let actor = ctx.actor.clone();
    let item = state
        .db
        .run(move |conn| evidence::get(conn, &actor, evidence_id))
        .await?;
    if item.incident_id != incident_id {
        return Err(AppError::NotFound.into());
    }
    Ok(serve(&state, ctx.actor.clone(), evidence_id).await?)
}

#[derive(Debug, Default, Deserialize)]
pub struct CustodyForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    holder: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    authority: String,
    #[serde(default)]
    note: String,
}

pub async fn custody(
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    posted: Submitted<CustodyForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let (id, evidence_id) = path.into_inner();
    let actor = ctx.actor.clone();
    let input = CustodyInput {
        action: form.action.clone(),
        holder: non_empty(&form.holder),
        location: non_empty(&form.location),
        purpose: non_empty(&form.purpose),
        authority: non_empty(&form.authority),
        note: non_empty(&form.note),
        time_zone: Some(ctx.user.time_zone.clone()).filter(|z| !z.is_empty()),
    };
    let result = state
        .db
        .run(move |conn| {
            if evidence::get(conn, &actor, evidence_id)?.incident_id != id {
                return Err(AppError::NotFound);
            }
            evidence::record_custody(conn, &actor, evidence_id, input)
        })
        .await;
    match result {
        Ok(_) => Ok(see_other(&case_url(id, &format!("evidence-{evidence_id}")))),
        Err(error) => {
            let section = format!("custody-{evidence_id}");
            let kept = HashMap::from([
                ("action".to_owned(), form.action),
                ("holder".to_owned(), form.holder),
                ("location".to_owned(), form.location),
                ("purpose".to_owned(), form.purpose),
                ("authority".to_owned(), form.authority),
                ("note".to_owned(), form.note),
            ]);
            let fields = [
                "action",
                "holder",
                "location",
                "purpose",
                "authority",
                "note",
            ];
            refused(&state, &ctx, id, &section, &fields, error, kept).await
        }
    }
}
