//! The case page's ATT&CK section: tag a technique (typed, or one click on a suggestion, which
//! records `source: suggestion`) and remove a tag.

use std::collections::HashMap;

use actix_web::web;
use serde::Deserialize;

use crate::{
    services::techniques::{self, NewTag},
    state::AppState,
    web::{
        context::{Submitted, WebResult},
        forms::non_empty,
        incidents::refusal::{case_url, refused},
        page::see_other,
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct TagForm {
    #[serde(default)]
    technique_id: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    source: String,
}

pub async fn add(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<TagForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    let id = id.into_inner();
    let actor = ctx.actor.clone();
    let input = NewTag {
        technique_id: form.technique_id.clone(),
        note: non_empty(&form.note),
        source: non_empty(&form.source),
    };
    let result = state
        .db
        .run(move |conn| techniques::add(conn, &actor, id, input))
        .await;
    match result {
        Ok(_) => Ok(see_other(&case_url(id, "techniques"))),
        Err(error) => {
            let kept = HashMap::from([
                ("technique_id".to_owned(), form.technique_id),
                ("note".to_owned(), form.note),
            ]);
            let fields = ["technique_id", "note", "source"];
            refused(&state, &ctx, id, "technique", &fields, error, kept).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RemoveForm {}

pub async fn remove(
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    posted: Submitted<RemoveForm>,
) -> WebResult {
    let (id, technique_id) = path.into_inner();
    let actor = posted.who.actor.clone();
    state
        .db
        .run(move |conn| techniques::remove(conn, &actor, id, &technique_id))
        .await?;
    Ok(see_other(&case_url(id, "techniques")))
}
