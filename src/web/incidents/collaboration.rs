//! The case page's working forms: tasks, shares, linked assets and observables.

use std::collections::HashMap;

use actix_web::web;
use serde::Deserialize;

use crate::{
    services::{
        self,
        incidents::collaboration::{self as collab, TaskInput, TaskPatch},
        observables::NewIndicator,
    },
    state::AppState,
    web::{
        context::{Submitted, WebResult},
        forms::{non_empty, FormErrors},
        i18n::translate,
        incidents::{
            case::{self, Failed},
            local_to_rfc3339,
            refusal::{case_url, refused},
        },
        page::see_other,
    },
};

/// A number from a select or text field; not a number becomes 0, which names nothing, so the
/// service gives its usual "does not name an existing …".
fn id_or_zero(raw: &str) -> Option<i64> {
    non_empty(raw).map(|r| r.parse().unwrap_or(0))
}

#[derive(Debug, Default, Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    assignee_id: String,
    #[serde(default)]
    due_at: String,
}

pub async fn add_task(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<TaskForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let input = TaskInput {
        title: form.title.clone(),
        assignee_id: id_or_zero(&form.assignee_id),
        due_at: non_empty(&form.due_at).map(|d| local_to_rfc3339(ctx.page.tz, &d)),
    };
    let actor = ctx.actor.clone();
    let result = state
        .db
        .run(move |conn| collab::add_task(conn, &actor, id, input))
        .await;
    match result {
        Ok(_) => Ok(see_other(&case_url(id, "tasks"))),
        Err(error) => {
            let kept = HashMap::from([
                ("title".to_owned(), form.title),
                ("assignee_id".to_owned(), form.assignee_id),
                ("due_at".to_owned(), form.due_at),
            ]);
            let fields = ["title", "assignee_id", "due_at"];
            refused(&state, &ctx, id, "task", &fields, error, kept).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TaskStatusForm {
    #[serde(default)]
    status: String,
}

pub async fn update_task(
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    posted: Submitted<TaskStatusForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let (id, task_id) = path.into_inner();
    let actor = ctx.actor.clone();
    let status = form.status.clone();
    let result = state
        .db
        .run(move |conn| {
            // The task must belong to this page's incident.
            if !collab::tasks(conn, &actor, id)?
                .iter()
                .any(|t| t.id == task_id)
            {
                return Err(crate::error::AppError::NotFound);
            }
            let patch = TaskPatch {
                status: Some(status),
                ..Default::default()
            };
            collab::update_task(conn, &actor, task_id, patch)
        })
        .await;
    match result {
        Ok(_) => Ok(see_other(&case_url(id, "tasks"))),
        Err(error) => refused(&state, &ctx, id, "task", &[], error, HashMap::new()).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    max_tlp: String,
}

pub async fn share(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<ShareForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let actor = ctx.actor.clone();
    let (org, tlp) = (id_or_zero(&form.organisation_id), form.max_tlp.clone());
    let result = state
        .db
        .run(move |conn| collab::share(conn, &actor, id, org.unwrap_or(0), &tlp))
        .await;
    match result {
        Ok(_) => Ok(see_other(&case_url(id, "shares"))),
        Err(error) => {
            let kept = HashMap::from([
                ("organisation_id".to_owned(), form.organisation_id),
                ("max_tlp".to_owned(), form.max_tlp),
            ]);
            let fields = ["organisation_id", "max_tlp"];
            refused(&state, &ctx, id, "share", &fields, error, kept).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AssetForm {
    #[serde(default)]
    asset_id: String,
    #[serde(default)]
    impact: String,
}

pub async fn link_asset(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<AssetForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let actor = ctx.actor.clone();
    let (asset, impact) = (id_or_zero(&form.asset_id), non_empty(&form.impact));
    let result = state
        .db
        .run(move |conn| services::assets::link(conn, &actor, id, asset.unwrap_or(0), impact))
        .await;
    match result {
        Ok(_) => Ok(see_other(&case_url(id, "assets"))),
        Err(error) => {
            let kept = HashMap::from([
                ("asset_id".to_owned(), form.asset_id),
                ("impact".to_owned(), form.impact),
            ]);
            refused(
                &state,
                &ctx,
                id,
                "asset",
                &["asset_id", "impact"],
                error,
                kept,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ObservableForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    note: String,
}

pub async fn add_observable(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<ObservableForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let actor = ctx.actor.clone();
    let input = NewIndicator {
        kind: form.kind.clone(),
        value: form.value.clone(),
        tlp: non_empty(&form.tlp),
        note: non_empty(&form.note),
    };
    let result = state
        .db
        .run(move |conn| services::observables::add(conn, &actor, id, input))
        .await;
    match result {
        Ok(_) => Ok(see_other(&case_url(id, "observables"))),
        Err(error) => {
            let kept = HashMap::from([
                ("kind".to_owned(), form.kind),
                ("value".to_owned(), form.value),
                ("tlp".to_owned(), form.tlp),
                ("note".to_owned(), form.note),
            ]);
            let fields = ["kind", "value", "tlp", "note"];
            refused(&state, &ctx, id, "observable", &fields, error, kept).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    text: String,
}

/// Good lines are kept; the bad ones come back listed by line number, with the text to fix.
pub async fn import_observables(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<ImportForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let actor = ctx.actor.clone();
    let text = form.text.clone();
    let result = state
        .db
        .run(move |conn| services::observables::import(conn, &actor, id, &text, None))
        .await;
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            let kept = HashMap::from([("text".to_owned(), form.text)]);
            return refused(&state, &ctx, id, "import", &["text"], error, kept).await;
        }
    };
    if report.errors.is_empty() {
        return Ok(see_other(&case_url(id, "observables")));
    }
    let locale = ctx.page.locale;
    let mut errors = FormErrors::default();
    let added = report.created.len().to_string();
    errors.general.push(translate(
        locale,
        "inc-import-partial",
        &[("added", added.as_str())],
    ));
    // Only the refused lines go back into the box, so sending it again does not duplicate.
    let mut again = Vec::new();
    for (line, value, message) in &report.errors {
        let line = line.to_string();
        errors.general.push(translate(
            locale,
            "inc-import-line",
            &[
                ("line", line.as_str()),
                ("value", value),
                ("message", message),
            ],
        ));
        again.push(value.clone());
    }
    let failed = Failed {
        section: "import".into(),
        errors,
        kept: HashMap::from([("text".to_owned(), again.join("\n"))]),
    };
    case::page(&state, &ctx, id, failed, None).await
}
