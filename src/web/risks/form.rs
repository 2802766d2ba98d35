//! Registering a risk, and the fields the risk page's edit form shares with it.

use std::collections::HashMap;

use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::{
    authz::{self, Action},
    domain::risk::Treatment,
    error::AppError,
    services::{
        assets,
        risks::{self as service, RiskInput, RiskPatch},
        rows::{Asset, AssetFilter, Risk},
        Page as DbPage,
    },
    state::AppState,
    web::{
        admin::organisation_names,
        context::{SignedIn, Submitted, WebResult},
        forms::{non_empty, Choice, FormErrors},
        page::{render, see_other, Page},
    },
};

use super::threat_choices;

/// The form as typed; ticked assets arrive as `asset_<id>=on`.
#[derive(Debug, Default, Deserialize)]
pub struct RiskForm {
    #[serde(default)]
    pub organisation_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub threat: String,
    #[serde(default)]
    pub likelihood: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub treatment: String,
    #[serde(default)]
    pub treatment_plan: String,
    #[serde(default)]
    pub treatment_due: String,
    #[serde(default)]
    pub review_at: String,
    #[serde(default)]
    pub residual_likelihood: String,
    #[serde(default)]
    pub residual_impact: String,
    #[serde(flatten)]
    pub rest: HashMap<String, String>,
}

/// An unparsable number becomes 0, which the service refuses with its own message.
fn number(raw: &str) -> i32 {
    raw.trim().parse().unwrap_or(0)
}

fn optional_number(raw: &str) -> Option<i32> {
    non_empty(raw).map(|v| number(&v))
}

impl RiskForm {
    pub fn of(risk: &Risk, asset_ids: &[i64]) -> Self {
        let opt = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
        Self {
            organisation_id: risk.organisation_id.to_string(),
            title: risk.title.clone(),
            description: risk.description.clone(),
            threat: risk.threat.clone(),
            likelihood: risk.likelihood.to_string(),
            impact: risk.impact.to_string(),
            owner_id: risk.owner_id.map(|o| o.to_string()).unwrap_or_default(),
            treatment: risk.treatment.clone(),
            treatment_plan: risk.treatment_plan.clone().unwrap_or_default(),
            treatment_due: risk.treatment_due.clone().unwrap_or_default(),
            review_at: risk.review_at.clone().unwrap_or_default(),
            residual_likelihood: opt(risk.residual_likelihood),
            residual_impact: opt(risk.residual_impact),
            rest: asset_ids
                .iter()
                .map(|id| (format!("asset_{id}"), "on".to_owned()))
                .collect(),
        }
    }

    pub fn asset_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .rest
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .filter_map(|(k, _)| k.strip_prefix("asset_")?.parse().ok())
            .collect();
        ids.sort_unstable();
        ids
    }

    pub fn has_asset(&self, id: &i64) -> bool {
        self.rest
            .get(&format!("asset_{id}"))
            .is_some_and(|v| !v.is_empty())
    }

    fn input(&self) -> RiskInput {
        RiskInput {
            organisation_id: self.organisation_id.trim().parse().ok(),
            title: self.title.clone(),
            description: self.description.clone(),
            threat: self.threat.clone(),
            asset_ids: self.asset_ids(),
            likelihood: number(&self.likelihood),
            impact: number(&self.impact),
            owner_id: self.owner_id.trim().parse().ok(),
            treatment: self.treatment.clone(),
            treatment_plan: non_empty(&self.treatment_plan),
            treatment_due: non_empty(&self.treatment_due),
            review_at: non_empty(&self.review_at),
            residual_likelihood: optional_number(&self.residual_likelihood),
            residual_impact: optional_number(&self.residual_impact),
        }
    }

    /// Every field, as the edit form sends them all.
    pub fn patch(&self) -> RiskPatch {
        RiskPatch {
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
            threat: Some(self.threat.clone()),
            asset_ids: Some(self.asset_ids()),
            likelihood: Some(number(&self.likelihood)),
            impact: Some(number(&self.impact)),
            owner_id: Some(self.owner_id.trim().parse().ok()),
            treatment: Some(self.treatment.clone()),
            treatment_plan: Some(non_empty(&self.treatment_plan)),
            treatment_due: Some(non_empty(&self.treatment_due)),
            review_at: Some(non_empty(&self.review_at)),
            residual_likelihood: Some(optional_number(&self.residual_likelihood)),
            residual_impact: Some(optional_number(&self.residual_impact)),
            reviewed: None,
        }
    }
}

/// The choices of the risk form.
pub struct RiskChoices {
    pub organisations: Vec<Choice>,
    pub threats: Vec<Choice>,
    pub likelihoods: Vec<Choice>,
    pub impacts: Vec<Choice>,
    pub residual_likelihoods: Vec<Choice>,
    pub residual_impacts: Vec<Choice>,
    pub treatments: Vec<Choice>,
    pub owners: Vec<Choice>,
    /// Assets to tick, with their organisation's name.
    pub assets: Vec<(Asset, String)>,
}

pub fn choices(
    page: &Page,
    form: &RiskForm,
    names: &HashMap<i64, String>,
    assets: Vec<Asset>,
    staff: bool,
) -> RiskChoices {
    let first = |key: &str| (String::new(), page.t(key));
    let ratings = |kind: &str, blank: Option<&str>| {
        blank
            .map(first)
            .into_iter()
            .chain((1..=5).map(|n| (n.to_string(), page.t(&format!("risks-{kind}-{n}")))))
            .collect::<Vec<_>>()
    };
    let mut organisations: Vec<(String, String)> = names
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    organisations.sort_by(|a, b| a.1.cmp(&b.1));
    organisations.insert(0, first("assets-choose"));
    let treatments = Treatment::ALL.iter().map(|t| {
        (
            t.as_str().to_owned(),
            page.t(&format!("risks-treatment-{t}")),
        )
    });
    let me = page.user.as_ref().map_or(0, |u| u.id);
    let mut owners = vec![first("risks-owner-none")];
    if !staff || form.owner_id == me.to_string() {
        owners.push((me.to_string(), page.t("risks-owner-me")));
    }
    // Someone else already owns it: kept as a choice, so saving the form does not clear it.
    let current = form.owner_id.trim();
    if !current.is_empty() && current != me.to_string() {
        owners.push((current.to_owned(), format!("#{current}")));
    }
    RiskChoices {
        organisations: Choice::list(organisations, &form.organisation_id),
        threats: threat_choices(page, &form.threat, "assets-choose"),
        likelihoods: Choice::list(ratings("likelihood", None), &form.likelihood),
        impacts: Choice::list(ratings("impact", None), &form.impact),
        residual_likelihoods: Choice::list(
            ratings("likelihood", Some("risks-residual-none")),
            &form.residual_likelihood,
        ),
        residual_impacts: Choice::list(
            ratings("impact", Some("risks-residual-none")),
            &form.residual_impact,
        ),
        treatments: Choice::list(treatments, &form.treatment),
        owners: Choice::list(owners, &form.owner_id),
        assets: assets
            .into_iter()
            .map(|a| {
                let org = names.get(&a.organisation_id).cloned().unwrap_or_default();
                (a, org)
            })
            .collect(),
    }
}

/// The organisation names and the assets the actor may tick.
pub async fn options(
    state: &AppState,
    ctx: &SignedIn,
    only: Option<i64>,
) -> Result<(HashMap<i64, String>, Vec<Asset>), AppError> {
    let actor = ctx.actor.clone();
    state
        .db
        .run(move |conn| {
            let filter = AssetFilter {
                organisation_id: only,
                ..Default::default()
            };
            let page = DbPage {
                limit: DbPage::MAX_LIMIT,
                after: None,
            };
            let mut found = assets::list(conn, &actor, filter, page)?;
            found.truncate(DbPage::MAX_LIMIT as usize);
            Ok((organisation_names(conn, &actor)?, found))
        })
        .await
}

#[derive(Template)]
#[template(path = "risks/new.html")]
struct NewTemplate {
    page: Page,
    form: RiskForm,
    errors: FormErrors,
    choices: RiskChoices,
    staff: bool,
}

async fn new_page(
    state: &AppState,
    ctx: &SignedIn,
    form: RiskForm,
    errors: FormErrors,
    status: StatusCode,
) -> WebResult {
    authz::require(&ctx.actor, Action::ManageRisks)?;
    let staff = authz::risk_scope(&ctx.actor).only().is_none();
    let (names, assets) = options(state, ctx, None).await?;
    let page = ctx.page("risk-new-title");
    let template = NewTemplate {
        choices: choices(&page, &form, &names, assets, staff),
        page,
        form,
        errors,
        staff,
    };
    Ok(render(status, &template.page, &template)?)
}

pub async fn new_form(state: web::Data<AppState>, ctx: SignedIn) -> WebResult {
    let form = RiskForm {
        likelihood: "3".into(),
        impact: "3".into(),
        treatment: "mitigate".into(),
        ..Default::default()
    };
    new_page(&state, &ctx, form, FormErrors::default(), StatusCode::OK).await
}

pub async fn create(state: web::Data<AppState>, posted: Submitted<RiskForm>) -> WebResult {
    let Submitted { who, form } = posted;
    let actor = who.actor.clone();
    let input = form.input();
    match state
        .db
        .run(move |conn| service::create(conn, &actor, input))
        .await
    {
        Ok(created) => Ok(see_other(&format!("/risks/{}?created=1", created.id))),
        Err(error) => {
            let errors = FormErrors::from_error(&who.page, error)?;
            let status = errors.status();
            new_page(&state, &who, form, errors, status).await
        }
    }
}
