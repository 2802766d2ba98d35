//! The forms of the case page that change the incident itself: details, workflow, assignment,
//! comments. Each posts to the service and goes back to the case page: 303 on success, the page
//! with the form's messages (422/409) on refusal (`refusal`).

use std::collections::HashMap;

use actix_web::web;
use serde::Deserialize;

use crate::{
    domain::search,
    error::AppResult,
    services::incidents::{
        self,
        collaboration::add_comment,
        workflow::{self, TransitionRequest},
        IncidentPatch,
    },
    services::rows::IncidentFilter,
    state::AppState,
    web::{
        context::{Submitted, WebResult},
        forms::non_empty,
        incidents::{
            local_to_rfc3339,
            refusal::{case_url, refused},
        },
        page::see_other,
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    pap: String,
    #[serde(default)]
    detected_at: String,
}

pub async fn edit(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<EditForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let detected_at = non_empty(&form.detected_at).map(|d| local_to_rfc3339(ctx.page.tz, &d));
    let patch = IncidentPatch {
        title: Some(form.title.clone()),
        description: Some(form.description.clone()),
        category: non_empty(&form.category),
        severity: non_empty(&form.severity),
        tlp: non_empty(&form.tlp),
        pap: non_empty(&form.pap),
        detected_at: Some(detected_at),
        significant: None,
    };
    let actor = ctx.actor.clone();
    let result = state
        .db
        .run(move |conn| incidents::update(conn, &actor, id, patch))
        .await;
    match result {
        Ok(_) => Ok(see_other(&case_url(id, "details"))),
        Err(error) => {
            let kept = HashMap::from([
                ("title".to_owned(), form.title),
                ("description".to_owned(), form.description),
                ("category".to_owned(), form.category),
                ("severity".to_owned(), form.severity),
                ("tlp".to_owned(), form.tlp),
                ("pap".to_owned(), form.pap),
                ("detected_at".to_owned(), form.detected_at),
            ]);
            let fields = [
                "title",
                "description",
                "category",
                "severity",
                "tlp",
                "pap",
                "detected_at",
            ];
            refused(&state, &ctx, id, "edit", &fields, error, kept).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    resolution: String,
    #[serde(default)]
    root_cause: String,
    /// A reference (`CERT-2026-000012`) or an id.
    #[serde(default)]
    duplicate_of: String,
}

/// The id of the incident a merge names, by reference or number; `Some(0)` when it names none
/// the actor can see, so the guard says so.
fn duplicate_id(
    conn: &mut crate::db::DbConn,
    actor: &crate::auth::Actor,
    raw: &str,
) -> AppResult<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = raw.parse::<i64>() {
        return Ok(Some(id));
    }
    let filter = IncidentFilter {
        search_pattern: Some(search::contains_pattern(raw)),
        ..Default::default()
    };
    let page = crate::services::Page {
        limit: 20,
        after: None,
    };
    let found = incidents::list(conn, actor, &filter, page)?;
    Ok(Some(
        found
            .into_iter()
            .find(|i| i.reference.eq_ignore_ascii_case(raw))
            .map_or(0, |i| i.id),
    ))
}

pub async fn transition(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<TransitionForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let actor = ctx.actor.clone();
    let (reason, resolution, root_cause, duplicate, to) = (
        non_empty(&form.reason),
        non_empty(&form.resolution),
        non_empty(&form.root_cause),
        form.duplicate_of.clone(),
        form.to.clone(),
    );
    let result = state
        .db
        .run(move |conn| {
            let duplicate_of = duplicate_id(conn, &actor, &duplicate)?;
            let request = TransitionRequest {
                to,
                reason,
                resolution,
                root_cause,
                duplicate_of,
            };
            workflow::transition(conn, &actor, id, request)
        })
        .await;
    match result {
        Ok(_) => Ok(see_other(&case_url(id, "workflow"))),
        Err(error) => {
            let section = format!("move-{}", form.to);
            let kept = HashMap::from([
                ("reason".to_owned(), form.reason),
                ("resolution".to_owned(), form.resolution),
                ("root_cause".to_owned(), form.root_cause),
                ("duplicate_of".to_owned(), form.duplicate_of),
            ]);
            let fields = ["reason", "resolution", "root_cause", "duplicate_of"];
            refused(&state, &ctx, id, &section, &fields, error, kept).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    assignee_id: String,
}

pub async fn assign(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<AssignForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    // Not a number: the service answers "does not name an existing user".
    let assignee = non_empty(&form.assignee_id).map(|raw| raw.parse().unwrap_or(0));
    let actor = ctx.actor.clone();
    let result = state
        .db
        .run(move |conn| workflow::assign(conn, &actor, id, assignee))
        .await;
    match result {
        Ok(_) => Ok(see_other(&case_url(id, "assignment"))),
        Err(error) => {
            let kept = HashMap::from([("assignee_id".to_owned(), form.assignee_id)]);
            refused(&state, &ctx, id, "assign", &["assignee_id"], error, kept).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    visibility: String,
}

pub async fn comment(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<CommentForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let actor = ctx.actor.clone();
    let (body, visibility) = (form.body.clone(), form.visibility.clone());
    let result = state
        .db
        .run(move |conn| add_comment(conn, &actor, id, &body, &visibility))
        .await;
    match result {
        Ok(c) => Ok(see_other(&case_url(id, &format!("comment-{}", c.id)))),
        Err(error) => {
            let kept = HashMap::from([
                ("body".to_owned(), form.body),
                ("visibility".to_owned(), form.visibility),
            ]);
            let fields = ["body", "visibility"];
            refused(&state, &ctx, id, "comment", &fields, error, kept).await
        }
    }
}
