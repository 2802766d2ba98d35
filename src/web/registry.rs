//! `/assets`: the registry of critical information infrastructure. CERT staff see and register
//! everything (approved at once) and approve proposals; reporters see their organisation's
//! assets and propose new ones; auditors read; liaisons are refused. `services::assets` decides
//! all of that and writes the audit trail; these handlers only show its answers.

use std::collections::HashMap;

use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::Actor,
    authz::{self, Action},
    domain::{asset::AssetKind, reference_data, risk::VulnerabilityStatus},
    error::AppError,
    services::assets::{self as service, AssetIncident, AssetInput, AssetPatch},
    services::vulnerabilities::{self, AssetVulnerabilities},
    services::{
        rows::{Asset, AssetFilter},
        split_page,
    },
    state::AppState,
    web::{
        admin::{all_organisations, list_page, ListQuery},
        context::{SignedIn, Submitted, WebResult},
        forms::{non_empty, ticked, Choice, FormErrors},
        page::{render, see_other, Arg, Page},
    },
};

/// The list's filters, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct AssetQuery {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    approved: String,
    #[serde(flatten)]
    list: ListQuery,
}

/// The create and edit form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct AssetForm {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    hostname: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    criticality: String,
    #[serde(default)]
    approved: Option<String>,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    cpe: String,
}

impl AssetForm {
    fn of(asset: &Asset) -> Self {
        Self {
            organisation_id: asset.organisation_id.to_string(),
            name: asset.name.clone(),
            kind: asset.kind.clone(),
            hostname: asset.hostname.clone().unwrap_or_default(),
            ip: asset.ip.clone().unwrap_or_default(),
            domain: asset.domain.clone().unwrap_or_default(),
            sector: asset.sector.clone().unwrap_or_default(),
            criticality: asset.criticality.to_string(),
            approved: asset.approved.then(|| "on".into()),
            vendor: asset.vendor.clone().unwrap_or_default(),
            product: asset.product.clone().unwrap_or_default(),
            cpe: asset.cpe.clone().unwrap_or_default(),
        }
    }

    /// An unparsable number becomes 0, which the service refuses with its own message.
    fn criticality(&self) -> i32 {
        self.criticality.trim().parse().unwrap_or(0)
    }
}

struct Choices {
    organisations: Vec<Choice>,
    kinds: Vec<Choice>,
    sectors: Vec<Choice>,
    criticalities: Vec<Choice>,
}

fn choices(page: &Page, orgs: &HashMap<i64, String>, form: &AssetForm, any: bool) -> Choices {
    let first = |label: &str| (String::new(), page.t(label));
    let mut organisations: Vec<(String, String)> = orgs
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    organisations.sort_by(|a, b| a.1.cmp(&b.1));
    organisations.insert(0, first(if any { "assets-any" } else { "assets-choose" }));
    let kinds = std::iter::once(first(if any { "assets-any" } else { "assets-choose" })).chain(
        AssetKind::ALL.iter().map(|k| {
            let k = k.as_str();
            (k.to_owned(), page.t(&format!("assets-kind-{k}")))
        }),
    );
    let sectors = std::iter::once(first("assets-sector-default")).chain(
        reference_data::sectors()
            .iter()
            .map(|s| (s.sector.clone(), page.sector_label(&s.sector))),
    );
    let criticalities =
        (1..=4).map(|c| (c.to_string(), page.t(&format!("assets-criticality-{c}"))));
    Choices {
        organisations: Choice::list(organisations, &form.organisation_id),
        kinds: Choice::list(kinds, &form.kind),
        sectors: Choice::list(sectors, &form.sector),
        criticalities: Choice::list(criticalities, &form.criticality),
    }
}

#[derive(Template)]
#[template(path = "registry/list.html")]
struct ListTemplate {
    page: Page,
    assets: Vec<Asset>,
    organisation_names: HashMap<i64, String>,
    filters: Choices,
    approved: String,
    next_href: Option<String>,
    /// Staff register, reporters propose.
    staff: bool,
    may_add: bool,
}

impl ListTemplate {
    fn organisation(&self, id: impl Arg<i64>) -> String {
        self.organisation_names
            .get(&id.value())
            .cloned()
            .unwrap_or_default()
    }
}

/// The organisation names the actor may see.
async fn names(state: &AppState, actor: &Actor) -> Result<HashMap<i64, String>, AppError> {
    let actor = actor.clone();
    state
        .db
        .run(move |conn| {
            Ok(all_organisations(conn, &actor)?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect())
        })
        .await
}

pub async fn list(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<AssetQuery>,
) -> WebResult {
    authz::require(&ctx.actor, Action::ReadAssets)?;
    let page_req = list_page(&query.list)?;
    let filter = AssetFilter {
        only_organisation: None,
        organisation_id: query.organisation_id.trim().parse().ok(),
        kind: AssetKind::parse(query.kind.trim())
            .ok()
            .map(|k| k.as_str().to_owned()),
        approved: match query.approved.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
    };
    let actor = ctx.actor.clone();
    let rows = state
        .db
        .run(move |conn| service::list(conn, &actor, filter, page_req))
        .await?;
    let organisation_names = names(&state, &ctx.actor).await?;
    let (assets, next) = split_page(rows, page_req, |a| a.id);
    let page = ctx.page("assets-title").with_notice(query.list.notice());
    let typed = AssetForm {
        organisation_id: query.organisation_id.clone(),
        kind: query.kind.clone(),
        ..Default::default()
    };
    let filters = choices(&page, &organisation_names, &typed, true);
    let query_string = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("organisation_id", &query.organisation_id),
            ("kind", &query.kind),
            ("approved", &query.approved),
        ])
        .finish();
    let template = ListTemplate {
        page,
        assets,
        organisation_names,
        filters,
        approved: query.approved.clone(),
        next_href: next.map(|c| format!("/assets?{query_string}&after={c}")),
        staff: authz::allows(ctx.actor.role, Action::ManageAssets),
        may_add: authz::allows(ctx.actor.role, Action::ManageAssets)
            || authz::allows(ctx.actor.role, Action::ProposeAssets),
    };
    Ok(render(StatusCode::OK, &template.page, &template)?)
}

#[derive(Template)]
#[template(path = "registry/form.html")]
struct FormTemplate {
    page: Page,
    /// `Some` on the asset's own page.
    asset: Option<Asset>,
    history: Vec<AssetIncident>,
    organisation: String,
    form: AssetForm,
    errors: FormErrors,
    choices: Choices,
    staff: bool,
    /// The asset's vulnerabilities and KEV proposals, for those who may see risks.
    vulns: Option<AssetVulnerabilities>,
    may_link: bool,
}

impl FormTemplate {
    /// The statuses a linked vulnerability may take, the current one selected.
    fn statuses(&self, current: &str) -> Vec<Choice> {
        let items = VulnerabilityStatus::ALL.iter().map(|s| {
            let s = s.as_str();
            (s.to_owned(), self.page.t(&format!("vulns-status-{s}")))
        });
        Choice::list(items, current)
    }
}

async fn form_page(
    state: &AppState,
    ctx: &SignedIn,
    notice: Option<&str>,
    asset: Option<(Asset, Vec<AssetIncident>)>,
    form: AssetForm,
    errors: FormErrors,
    status: StatusCode,
) -> WebResult {
    let organisation_names = names(state, &ctx.actor).await?;
    let title = if asset.is_some() {
        "asset-title"
    } else {
        "asset-new-title"
    };
    let page = ctx.page(title).with_notice(notice);
    let choices = choices(&page, &organisation_names, &form, false);
    let (asset, history) = asset.map_or((None, Vec::new()), |(a, h)| (Some(a), h));
    let org_id = asset
        .as_ref()
        .map_or(ctx.actor.organisation_id, |a| a.organisation_id);
    let vulns = match asset.as_ref().map(|a| a.id) {
        Some(id) if authz::allows(ctx.actor.role, Action::ReadRisks) => {
            let actor = ctx.actor.clone();
            Some(
                state
                    .db
                    .run(move |conn| vulnerabilities::of_asset(conn, &actor, id))
                    .await?,
            )
        }
        _ => None,
    };
    let template = FormTemplate {
        page,
        organisation: organisation_names.get(&org_id).cloned().unwrap_or_default(),
        asset,
        history,
        form,
        errors,
        choices,
        staff: authz::allows(ctx.actor.role, Action::ManageAssets),
        vulns,
        may_link: authz::allows(ctx.actor.role, Action::ManageRisks),
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn new_form(state: web::Data<AppState>, ctx: SignedIn) -> WebResult {
    if !authz::allows(ctx.actor.role, Action::ManageAssets) {
        authz::require(&ctx.actor, Action::ProposeAssets)?;
    }
    let form = AssetForm {
        criticality: "2".into(),
        ..Default::default()
    };
    form_page(
        &state,
        &ctx,
        None,
        None,
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(state: web::Data<AppState>, posted: Submitted<AssetForm>) -> WebResult {
    let Submitted { who, form } = posted;
    let actor = who.actor.clone();
    let input = AssetInput {
        organisation_id: form.organisation_id.trim().parse().ok(),
        name: form.name.clone(),
        kind: form.kind.clone(),
        hostname: non_empty(&form.hostname),
        ip: non_empty(&form.ip),
        domain: non_empty(&form.domain),
        sector: non_empty(&form.sector),
        criticality: form.criticality(),
        vendor: non_empty(&form.vendor),
        product: non_empty(&form.product),
        cpe: non_empty(&form.cpe),
    };
    match state
        .db
        .run(move |conn| service::create(conn, &actor, input))
        .await
    {
        Ok(created) => Ok(see_other(&format!("/assets/{}?created=1", created.id))),
        Err(error) => {
            let errors = FormErrors::from_error(&who.page, error)?;
            let status = errors.status();
            form_page(&state, &who, None, None, form, errors, status).await
        }
    }
}

pub async fn show(
    state: web::Data<AppState>,
    ctx: SignedIn,
    id: web::Path<i64>,
    query: web::Query<ListQuery>,
) -> WebResult {
    let id = id.into_inner();
    let actor = ctx.actor.clone();
    let found = state
        .db
        .run(move |conn| service::get(conn, &actor, id))
        .await?;
    let form = AssetForm::of(&found.0);
    let notice = query.notice();
    form_page(
        &state,
        &ctx,
        notice,
        Some(found),
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Staff edit (and approve) an asset; the service refuses everyone else.
pub async fn update(
    state: web::Data<AppState>,
    posted: Submitted<AssetForm>,
    id: web::Path<i64>,
) -> WebResult {
    let Submitted { who, form } = posted;
    let id = id.into_inner();
    let actor = who.actor.clone();
    let patch = AssetPatch {
        name: Some(form.name.clone()),
        kind: Some(form.kind.clone()),
        hostname: Some(non_empty(&form.hostname)),
        ip: Some(non_empty(&form.ip)),
        domain: Some(non_empty(&form.domain)),
        sector: Some(non_empty(&form.sector)),
        criticality: Some(form.criticality()),
        approved: Some(ticked(&form.approved)),
        vendor: Some(non_empty(&form.vendor)),
        product: Some(non_empty(&form.product)),
        cpe: Some(non_empty(&form.cpe)),
    };
    match state
        .db
        .run(move |conn| service::update(conn, &actor, id, patch))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/assets/{id}?saved=1"))),
        Err(error) => {
            let errors = FormErrors::from_error(&who.page, error)?;
            let actor = who.actor.clone();
            let found = state
                .db
                .run(move |conn| service::get(conn, &actor, id))
                .await?;
            let status = errors.status();
            form_page(&state, &who, None, Some(found), form, errors, status).await
        }
    }
}
