//! `/incidents/new`: filing an incident. Reporters file for their own organisation; CERT staff
//! choose the organisation. `detected_at` is typed in the user's own time zone.

use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::{
    authz::{self, Action, OrganisationScope},
    domain::incident::Tlp,
    services::incidents::{self, IncidentInput},
    state::AppState,
    web::{
        admin::all_organisations,
        context::{SignedIn, Submitted, WebResult},
        forms::{non_empty, Choice, FormErrors},
        incidents::{
            labels::{CategoryGroup, Labels},
            local_to_rfc3339,
        },
        page::{render, see_other, Page},
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct FilingForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub tlp: String,
    #[serde(default)]
    pub detected_at: String,
    #[serde(default)]
    pub organisation_id: String,
    /// A ticked "significant (NIS2)" box.
    #[serde(default)]
    pub significant: String,
}

#[derive(Template)]
#[template(path = "incidents/new.html")]
struct NewTemplate {
    page: Page,
    form: FilingForm,
    errors: FormErrors,
    categories: Vec<CategoryGroup>,
    severities: Vec<Choice>,
    tlps: Vec<Choice>,
    /// Empty for reporters, who always file for their own organisation.
    organisations: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    ctx: &SignedIn,
    form: FilingForm,
    errors: FormErrors,
    status: StatusCode,
) -> WebResult {
    authz::require(&ctx.actor, Action::CreateIncident)?;
    let page = ctx.page("inc-new-title");
    let l = Labels::new(&page);
    let organisations = if authz::filing_scope(&ctx.actor) == OrganisationScope::All {
        let actor = ctx.actor.clone();
        let all = state
            .db
            .run(move |conn| all_organisations(conn, &actor))
            .await?;
        let mut names: Vec<(String, String)> = all
            .into_iter()
            .filter(|o| o.active)
            .map(|o| (o.id.to_string(), o.name))
            .collect();
        names.sort_by_key(|(_, name)| name.to_lowercase());
        Choice::list(names, &form.organisation_id)
    } else {
        Vec::new()
    };
    let mut severities = l.severities(&form.severity);
    severities.insert(
        0,
        Choice {
            value: String::new(),
            label: page.t("inc-severity-unknown"),
            selected: form.severity.is_empty(),
        },
    );
    let template = NewTemplate {
        categories: l.categories(&form.category),
        severities,
        tlps: l.tlps(&form.tlp),
        organisations,
        form,
        errors,
        page,
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn new_form(state: web::Data<AppState>, ctx: SignedIn) -> WebResult {
    let form = FilingForm {
        tlp: Tlp::Amber.as_str().to_owned(),
        organisation_id: ctx.actor.organisation_id.to_string(),
        ..Default::default()
    };
    form_page(&state, &ctx, form, FormErrors::default(), StatusCode::OK).await
}

pub async fn create(state: web::Data<AppState>, posted: Submitted<FilingForm>) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    authz::require(&ctx.actor, Action::CreateIncident)?;
    let input = IncidentInput {
        title: form.title.clone(),
        description: form.description.clone(),
        category: non_empty(&form.category),
        severity: non_empty(&form.severity),
        tlp: non_empty(&form.tlp),
        pap: None,
        detected_at: non_empty(&form.detected_at).map(|d| local_to_rfc3339(ctx.page.tz, &d)),
        // Not a number: the service answers "does not name an existing organisation".
        organisation_id: match authz::filing_scope(&ctx.actor) == OrganisationScope::All {
            true => Some(form.organisation_id.trim().parse().unwrap_or(0)),
            false => None,
        },
        significant: (!form.significant.is_empty()).then_some(true),
    };
    let (actor, settings) = (ctx.actor.clone(), state.settings.clone());
    match state
        .db
        .run(move |conn| incidents::create(conn, &actor, &settings, input))
        .await
    {
        Ok(created) => Ok(see_other(&format!("/incidents/{}?created=1", created.id))),
        Err(error) => {
            let errors = FormErrors::from_error(&ctx.page, error)?;
            let status = errors.status();
            form_page(&state, &ctx, form, errors, status).await
        }
    }
}
