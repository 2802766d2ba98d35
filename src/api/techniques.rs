//! ATT&CK technique tags on incidents and the learned suggestions (CERT staff; auditors read
//! tags). Reporters and liaisons get 404 for incidents they cannot see and 403 for the rest.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{
    api::{
        extract::JsonBody,
        reply::run,
        views::{
            CategorySuggestionView, SimilarIncidentView, TechniqueSuggestionView, TechniqueTagView,
        },
    },
    auth::Actor,
    error::{AppResult, Problem},
    services::techniques::{self as service, suggest, NewTag},
    state::AppState,
};

#[derive(Debug, Serialize, ToSchema)]
pub struct TechniqueTags {
    pub items: Vec<TechniqueTagView>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddTechnique {
    /// A technique of the ATT&CK Enterprise catalogue (`T1566`, `T1566.001`); unknown ids are 422.
    pub technique_id: String,
    /// At most 2 000 characters.
    pub note: Option<String>,
    /// `analyst` (default) or `suggestion`, when the tag accepts a suggestion.
    pub source: Option<String>,
}

/// The incident's technique tags (CERT staff and auditors).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/techniques", tag = "techniques", security(("bearer" = [])),
    responses((status = 200, body = TechniqueTags), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<TechniqueTags>> {
    let id = id.into_inner();
    let tags = run(&state, &actor, move |conn, actor| {
        service::list(conn, actor, id)
    })
    .await?;
    Ok(web::Json(TechniqueTags {
        items: tags.into_iter().map(TechniqueTagView::from).collect(),
    }))
}

/// Tag an incident with an ATT&CK technique (CERT staff; audited).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/techniques", tag = "techniques", security(("bearer" = [])),
    request_body = AddTechnique,
    responses((status = 201, body = TechniqueTagView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    JsonBody(body): JsonBody<AddTechnique>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let tag = run(&state, &actor, move |conn, actor| {
        service::add(
            conn,
            actor,
            id,
            NewTag {
                technique_id: body.technique_id,
                note: body.note,
                source: body.source,
            },
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(TechniqueTagView::from(tag)))
}

/// Remove a technique tag (CERT staff; audited).
#[utoipa::path(delete, path = "/api/v1/incidents/{id}/techniques/{technique_id}", tag = "techniques", security(("bearer" = [])),
    params(("id" = i64, Path), ("technique_id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, String)>,
) -> AppResult<HttpResponse> {
    let (id, technique_id) = path.into_inner();
    run(&state, &actor, move |conn, actor| {
        service::remove(conn, actor, id, &technique_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyseText {
    /// Free text in any language (the model learned English); at most 100 000 characters.
    pub text: String,
    /// How many techniques, 1–20 (default 5).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TechniqueSuggestions {
    /// The technique model's version: 0 is the shipped data, each `qalxan model train` adds one.
    pub model_version: i64,
    /// Best first.
    pub items: Vec<TechniqueSuggestionView>,
}

/// Suggest ATT&CK techniques for a text, each with the terms that led to it (CERT staff).
#[utoipa::path(post, path = "/api/v1/analysis/techniques", tag = "techniques", security(("bearer" = [])),
    request_body = AnalyseText,
    responses((status = 200, body = TechniqueSuggestions), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn analyse(
    state: web::Data<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<AnalyseText>,
) -> AppResult<web::Json<TechniqueSuggestions>> {
    let models = state.models.clone();
    let found = run(&state, &actor, move |conn, actor| {
        suggest::analyse(conn, actor, &models, &body.text, body.limit)
    })
    .await?;
    Ok(web::Json(TechniqueSuggestions {
        model_version: found.model_version,
        items: found.items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentSuggestions {
    pub model_version: i64,
    /// Techniques not yet tagged, best first, over the title, description and all comments.
    pub techniques: Vec<TechniqueSuggestionView>,
    /// Learned from the CERT's classified incidents; `null` when no type has 20 of them, or the
    /// best type has fewer.
    pub category: Option<CategorySuggestionView>,
    /// Incidents you may see: sharing an observable first, then by text.
    pub similar: Vec<SimilarIncidentView>,
}

/// Techniques, RSIT category and similar incidents for an incident (CERT staff).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/suggestions", tag = "techniques", security(("bearer" = [])),
    responses((status = 200, body = IncidentSuggestions), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn for_incident(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> AppResult<web::Json<IncidentSuggestions>> {
    let id = id.into_inner();
    let models = state.models.clone();
    let found = run(&state, &actor, move |conn, actor| {
        suggest::for_incident(conn, actor, &models, id)
    })
    .await?;
    Ok(web::Json(IncidentSuggestions {
        model_version: found.model_version,
        techniques: found.techniques.into_iter().map(Into::into).collect(),
        category: found.category.map(Into::into),
        similar: found.similar.into_iter().map(Into::into).collect(),
    }))
}
