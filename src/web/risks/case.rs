//! `/risks/{id}`: the risk, why it is due for review, the incidents on its assets since the last
//! review, its links and history; editors change it, mark it reviewed and link incidents and
//! vulnerabilities here.

use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::{
    authz::{self, Action},
    present::views::risk::RiskEventView,
    services::{risks as service, risks::RiskDetail, risks::RiskPatch},
    state::AppState,
    web::{
        admin::ListQuery,
        context::{SignedIn, Submitted, WebResult},
        forms::FormErrors,
        page::{render, see_other, Page},
    },
};

use super::{
    form::{choices, options, RiskChoices, RiskForm},
    threat_name,
};

#[derive(Template)]
#[template(path = "risks/show.html")]
struct ShowTemplate {
    page: Page,
    d: RiskDetail,
    history: Vec<RiskEventView>,
    organisation: String,
    threat: String,
    may_edit: bool,
    staff: bool,
    form: RiskForm,
    errors: FormErrors,
    /// Which form the errors belong to: `edit`, `incident` or `cve`.
    failed: String,
    choices: RiskChoices,
    incident_id: String,
    cve: String,
}

/// Everything a failed post puts back on the page.
#[derive(Default)]
struct Refusal {
    form: Option<RiskForm>,
    errors: FormErrors,
    failed: &'static str,
    incident_id: String,
    cve: String,
}

async fn page(
    state: &AppState,
    ctx: &SignedIn,
    id: i64,
    notice: Option<&str>,
    refusal: Refusal,
    status: StatusCode,
) -> WebResult {
    let actor = ctx.actor.clone();
    let (d, history) = state
        .db
        .run(move |conn| {
            Ok((
                service::get(conn, &actor, id)?,
                service::history(conn, &actor, id)?,
            ))
        })
        .await?;
    let may_edit = authz::allows(ctx.actor.role, Action::ManageRisks);
    let staff = authz::risk_scope(&ctx.actor).only().is_none();
    let (names, assets) = options(state, ctx, Some(d.risk.organisation_id)).await?;
    let page = ctx.page("risk-title").with_notice(notice);
    let asset_ids: Vec<i64> = d.assets.iter().map(|a| a.id).collect();
    let form = refusal
        .form
        .unwrap_or_else(|| RiskForm::of(&d.risk, &asset_ids));
    let template = ShowTemplate {
        choices: choices(&page, &form, &names, assets, staff),
        organisation: names
            .get(&d.risk.organisation_id)
            .cloned()
            .unwrap_or_default(),
        threat: threat_name(&page, &d.risk.threat),
        history: history.into_iter().map(Into::into).collect(),
        page,
        d,
        may_edit,
        staff,
        form,
        errors: refusal.errors,
        failed: refusal.failed.to_owned(),
        incident_id: refusal.incident_id,
        cve: refusal.cve,
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: SignedIn,
    id: web::Path<i64>,
    query: web::Query<ListQuery>,
) -> WebResult {
    let notice = query.notice();
    page(
        &state,
        &ctx,
        id.into_inner(),
        notice,
        Refusal::default(),
        StatusCode::OK,
    )
    .await
}

/// Runs a change; success goes back to the risk page, a refusal shows it with the messages.
async fn change(
    state: &AppState,
    who: &SignedIn,
    id: i64,
    mut refusal: Refusal,
    work: impl FnOnce(&mut crate::db::DbConn, &crate::auth::Actor) -> crate::error::AppResult<()>
        + Send
        + 'static,
) -> WebResult {
    let actor = who.actor.clone();
    match state.db.run(move |conn| work(conn, &actor)).await {
        Ok(()) => Ok(see_other(&format!("/risks/{id}?saved=1"))),
        Err(error) => {
            refusal.errors = FormErrors::from_error(&who.page, error)?;
            let status = refusal.errors.status();
            page(state, who, id, None, refusal, status).await
        }
    }
}

pub async fn update(
    state: web::Data<AppState>,
    posted: Submitted<RiskForm>,
    id: web::Path<i64>,
) -> WebResult {
    let Submitted { who, form } = posted;
    let id = id.into_inner();
    let patch = form.patch();
    let refusal = Refusal {
        form: Some(form),
        failed: "edit",
        ..Default::default()
    };
    change(&state, &who, id, refusal, move |conn, actor| {
        service::update(conn, actor, id, patch).map(|_| ())
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

pub async fn review(
    state: web::Data<AppState>,
    posted: Submitted<NoFields>,
    id: web::Path<i64>,
) -> WebResult {
    let id = id.into_inner();
    let patch = RiskPatch {
        reviewed: Some(true),
        ..Default::default()
    };
    change(
        &state,
        &posted.who,
        id,
        Refusal::default(),
        move |conn, actor| service::update(conn, actor, id, patch).map(|_| ()),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct IncidentLinkForm {
    #[serde(default)]
    incident_id: String,
}

pub async fn link_incident(
    state: web::Data<AppState>,
    posted: Submitted<IncidentLinkForm>,
    id: web::Path<i64>,
) -> WebResult {
    let Submitted { who, form } = posted;
    let id = id.into_inner();
    let incident = form.incident_id.trim().parse::<i64>().unwrap_or(0);
    let refusal = Refusal {
        failed: "incident",
        incident_id: form.incident_id,
        ..Default::default()
    };
    change(&state, &who, id, refusal, move |conn, actor| {
        service::link_incident(conn, actor, id, incident).map(|_| ())
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct CveForm {
    #[serde(default)]
    cve: String,
}

pub async fn link_vulnerability(
    state: web::Data<AppState>,
    posted: Submitted<CveForm>,
    id: web::Path<i64>,
) -> WebResult {
    let Submitted { who, form } = posted;
    let id = id.into_inner();
    let cve = form.cve.clone();
    let refusal = Refusal {
        failed: "cve",
        cve: form.cve,
        ..Default::default()
    };
    change(&state, &who, id, refusal, move |conn, actor| {
        service::link_vulnerability(conn, actor, id, &cve).map(|_| ())
    })
    .await
}
