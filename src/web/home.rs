//! `/`: the start page of a signed-in user. For now a welcome with what the role may reach;
//! the work queue (CERT staff), own incidents (reporters), shared incidents (liaisons) and the
//! audit view (auditors) come with the incident pages.

use actix_web::{http::StatusCode, web};
use askama::Template;

use crate::{
    services::organisations,
    state::AppState,
    web::{
        context::{SignedIn, WebResult},
        page::{render, NavLink, Page},
    },
};

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate {
    page: Page,
    organisation: String,
    role_text: String,
    links: Vec<NavLink>,
}

pub async fn home(state: web::Data<AppState>, ctx: SignedIn) -> WebResult {
    // An auditor's work is the audit log.
    if ctx.actor.role == crate::domain::Role::Auditor {
        return Ok(crate::web::page::see_other("/audit"));
    }
    // CERT staff get their work queue, the reporting side its incidents.
    if let Some(queue) = crate::web::incidents::queue::home(&state, &ctx).await? {
        return queue;
    }
    let actor = ctx.actor.clone();
    let organisation = state
        .db
        .run(move |conn| Ok(organisations::get(conn, &actor, actor.organisation_id)?.name))
        .await?;
    let page = ctx.page("home-title");
    let role_text = page.t(&format!("home-role-{}", ctx.actor.role.as_str()));
    let links = page.nav().into_iter().filter(|l| l.href != "/").collect();
    let template = HomeTemplate {
        page,
        organisation,
        role_text,
        links,
    };
    Ok(render(StatusCode::OK, &template.page, &template)?)
}
