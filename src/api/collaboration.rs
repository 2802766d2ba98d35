use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    api::reply::run,
    api::{
        extract::{double_option, JsonBody},
        views::{CommentView, ShareView, TaskView},
    },
    auth::Actor,
    error::{AppResult, Problem},
    services::incidents::collaboration::{self as service, TaskInput, TaskPatch},
    state::AppState,
};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComment {
    pub body: String,
    /// `internal` (CERT only) or `shared` (the reporter side and agencies see it).
    pub visibility: String,
}

/// Comment on an incident. Reporters and liaisons may only write shared comments.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/comments", tag = "collaboration", security(("bearer" = [])), request_body = CreateComment,
    responses((status = 201, body = CommentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_comment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<CreateComment>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let comment = run(&state, &actor, move |conn, actor| {
        service::add_comment(conn, actor, id, &body.body, &body.visibility)
    })
    .await?;
    Ok(HttpResponse::Created().json(CommentView::from(comment)))
}

/// The incident's comments, oldest first; internal ones only for the CERT and auditors.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/comments", tag = "collaboration", security(("bearer" = [])),
    responses((status = 200, body = Vec<CommentView>), (status = 404, body = Problem)))]
pub async fn comments(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<CommentView>>> {
    let id = id.into_inner();
    let rows = run(&state, &actor, move |conn, actor| {
        service::comments(conn, actor, id)
    })
    .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    pub title: String,
    pub assignee_id: Option<i64>,
    /// RFC 3339.
    pub due_at: Option<String>,
}

/// Add a task to an incident (CERT staff).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/tasks", tag = "collaboration", security(("bearer" = [])), request_body = CreateTask,
    responses((status = 201, body = TaskView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_task(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<CreateTask>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let task = run(&state, &actor, move |conn, actor| {
        service::add_task(
            conn,
            actor,
            id,
            TaskInput {
                title: body.title,
                assignee_id: body.assignee_id,
                due_at: body.due_at,
            },
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(TaskView::from(task)))
}

/// The incident's tasks (CERT staff and auditors).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/tasks", tag = "collaboration", security(("bearer" = [])),
    responses((status = 200, body = Vec<TaskView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tasks(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<TaskView>>> {
    let id = id.into_inner();
    let rows = run(&state, &actor, move |conn, actor| {
        service::tasks(conn, actor, id)
    })
    .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    pub title: Option<String>,
    /// `open`, `done` or `cancelled`.
    pub status: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub due_at: Option<Option<String>>,
}

/// Change a task (CERT staff).
#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "collaboration", security(("bearer" = [])), request_body = UpdateTask,
    responses((status = 200, body = TaskView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_task(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<UpdateTask>,
) -> AppResult<web::Json<TaskView>> {
    let id = id.into_inner();
    let task = run(&state, &actor, move |conn, actor| {
        service::update_task(
            conn,
            actor,
            id,
            TaskPatch {
                title: body.title,
                status: body.status,
                assignee_id: body.assignee_id,
                due_at: body.due_at,
            },
        )
    })
    .await?;
    Ok(web::Json(task.into()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShare {
    pub organisation_id: i64,
    /// The most restrictive TLP the organisation may see (`TLP:RED` is refused).
    pub max_tlp: String,
}

/// Share an incident with an agency or partner (coordinators and admins).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/shares", tag = "collaboration", security(("bearer" = [])), request_body = CreateShare,
    responses((status = 201, body = ShareView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn share(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<CreateShare>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let share = run(&state, &actor, move |conn, actor| {
        service::share(conn, actor, id, body.organisation_id, &body.max_tlp)
    })
    .await?;
    Ok(HttpResponse::Created().json(ShareView::from(share)))
}

/// Who the incident is shared with (CERT staff and auditors).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/shares", tag = "collaboration", security(("bearer" = [])),
    responses((status = 200, body = Vec<ShareView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn shares(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<ShareView>>> {
    let id = id.into_inner();
    let rows = run(&state, &actor, move |conn, actor| {
        service::shares(conn, actor, id)
    })
    .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}
