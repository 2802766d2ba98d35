//! `/admin/organisations`: constituents, agencies and the CERT itself — list, create, edit —
//! through `services::organisations`.

use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::{
    authz::{self, Action},
    domain::{nis2::Nis2Entity, reference_data, OrganisationKind},
    error::AppError,
    services::organisations::{self, OrganisationInput, OrganisationPatch},
    services::{rows::Organisation, split_page},
    state::AppState,
    web::{
        admin::{list_page, ListQuery},
        context::{SignedIn, Submitted, WebResult},
        forms::{non_empty, ticked, Choice, FormErrors},
        page::{render, see_other, Page},
    },
};

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct ListTemplate {
    page: Page,
    organisations: Vec<Organisation>,
    next_cursor: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<ListQuery>,
) -> WebResult {
    authz::require(&ctx.actor, Action::ManageOrganisations)?;
    let page_req = list_page(&query)?;
    let actor = ctx.actor.clone();
    let rows = state
        .db
        .run(move |conn| organisations::list(conn, &actor, None, page_req))
        .await?;
    let (organisations, next_cursor) = split_page(rows, page_req, |o| o.id);
    let template = ListTemplate {
        page: ctx.page("organisations-title").with_notice(query.notice()),
        organisations,
        next_cursor,
    };
    Ok(render(StatusCode::OK, &template.page, &template)?)
}

#[derive(Debug, Default, Deserialize)]
pub struct OrganisationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    nis2_entity: String,
}

#[derive(Template)]
#[template(path = "admin/organisation_form.html")]
struct FormTemplate {
    page: Page,
    editing: Option<Organisation>,
    form: OrganisationForm,
    errors: FormErrors,
    kinds: Vec<Choice>,
    sectors: Vec<Choice>,
    nis2_entities: Vec<Choice>,
}

fn form_page(
    ctx: &SignedIn,
    editing: Option<Organisation>,
    form: OrganisationForm,
    errors: FormErrors,
    status: StatusCode,
) -> WebResult {
    let title = if editing.is_some() {
        "organisation-edit-title"
    } else {
        "organisation-new-title"
    };
    let page = ctx.page(title);
    let kinds = Choice::list(
        OrganisationKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), page.kind_label(k.as_str()))),
        &form.kind,
    );
    let mut sectors = vec![Choice {
        value: String::new(),
        label: page.t("sector-none"),
        selected: form.sector.is_empty(),
    }];
    sectors.extend(Choice::list(
        reference_data::sectors()
            .iter()
            .map(|s| (s.sector.clone(), page.sector_label(&s.sector))),
        &form.sector,
    ));
    let nis2_entities = Choice::list(
        Nis2Entity::ALL
            .iter()
            .map(|n| (n.as_str().to_owned(), page.t(&format!("nis2-entity-{n}")))),
        &form.nis2_entity,
    );
    let template = FormTemplate {
        page,
        editing,
        form,
        errors,
        kinds,
        sectors,
        nis2_entities,
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn new_form(ctx: SignedIn) -> WebResult {
    authz::require(&ctx.actor, Action::ManageOrganisations)?;
    let form = OrganisationForm {
        kind: OrganisationKind::Government.as_str().into(),
        ..Default::default()
    };
    form_page(&ctx, None, form, FormErrors::default(), StatusCode::OK)
}

pub async fn create(state: web::Data<AppState>, posted: Submitted<OrganisationForm>) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    authz::require(&ctx.actor, Action::ManageOrganisations)?;
    let actor = ctx.actor.clone();
    let input = OrganisationInput {
        name: form.name.clone(),
        kind: form.kind.clone(),
        sector: non_empty(&form.sector),
        contact_email: non_empty(&form.contact_email),
        nis2_entity: non_empty(&form.nis2_entity),
    };
    match state
        .db
        .run(move |conn| organisations::create(conn, &actor, input))
        .await
    {
        Ok(_) => Ok(see_other("/admin/organisations?created=1")),
        Err(error) => {
            let errors = FormErrors::from_error(&ctx.page, error)?;
            let status = errors.status();
            form_page(&ctx, None, form, errors, status)
        }
    }
}

pub async fn edit_form(state: web::Data<AppState>, ctx: SignedIn, id: web::Path<i64>) -> WebResult {
    authz::require(&ctx.actor, Action::ManageOrganisations)?;
    let (actor, id) = (ctx.actor.clone(), id.into_inner());
    let org = state
        .db
        .run(move |conn| organisations::get(conn, &actor, id))
        .await?;
    let form = OrganisationForm {
        name: org.name.clone(),
        kind: org.kind.clone(),
        sector: org.sector.clone().unwrap_or_default(),
        contact_email: org.contact_email.clone().unwrap_or_default(),
        active: org.active.then(|| "on".to_owned()),
        nis2_entity: org.nis2_entity.clone(),
    };
    form_page(&ctx, Some(org), form, FormErrors::default(), StatusCode::OK)
}

pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Submitted<OrganisationForm>,
) -> WebResult {
    let Submitted { who: ctx, form } = posted;
    authz::require(&ctx.actor, Action::ManageOrganisations)?;
    let (actor, id) = (ctx.actor.clone(), id.into_inner());
    let patch = OrganisationPatch {
        name: Some(form.name.clone()),
        sector: Some(non_empty(&form.sector)),
        contact_email: Some(non_empty(&form.contact_email)),
        active: Some(ticked(&form.active)),
        nis2_entity: non_empty(&form.nis2_entity),
    };
    let result = state
        .db
        .run(move |conn| organisations::update(conn, &actor, id, patch))
        .await;
    match result {
        Ok(_) => Ok(see_other("/admin/organisations?saved=1")),
        Err(AppError::NotFound) => Err(AppError::NotFound.into()),
        Err(error) => {
            let errors = FormErrors::from_error(&ctx.page, error)?;
            let actor = ctx.actor.clone();
            let org = state
                .db
                .run(move |conn| organisations::get(conn, &actor, id))
                .await?;
            let form = OrganisationForm {
                kind: org.kind.clone(),
                ..form
            };
            let status = errors.status();
            form_page(&ctx, Some(org), form, errors, status)
        }
    }
}
