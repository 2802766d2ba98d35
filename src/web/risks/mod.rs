//! `/risks`: the register with filters, sorting, the 5×5 heat map (per organisation when one is
//! picked, else national for the CERT and auditors, the own organisation's for reporters) and
//! the CSV; `/risks/{id}` (`case.rs`), the new-risk form (`form.rs`), and `/vulnerabilities`,
//! `/exposure` and asset vulnerability links (`vulns.rs`). `services::risks` and
//! `services::vulnerabilities` decide who sees and changes what.

pub mod case;
pub mod form;
pub mod heatmap;
pub mod vulns;

use std::collections::HashMap;

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    authz::{self, Action, OrganisationScope},
    domain::{risk::RiskLevel, threat},
    error::FieldErrors,
    present::{
        risk_export::register_csv,
        risk_filters::{parse_order, RiskQuery},
    },
    services::{
        risks as service,
        rows::{Risk, RiskFilter},
        Page as DbPage,
    },
    state::AppState,
    web::{
        admin::organisation_names,
        context::{SignedIn, WebResult},
        forms::Choice,
        i18n::translate,
        page::{render, Arg, Page},
    },
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/risks").get(register).post(form::create))
        .route("/risks.csv", web::get().to(csv))
        .route("/risks/new", web::get().to(form::new_form))
        .service(
            web::resource("/risks/{id}")
                .get(case::show)
                .post(case::update),
        )
        .route("/risks/{id}/review", web::post().to(case::review))
        .route("/risks/{id}/incidents", web::post().to(case::link_incident))
        .route(
            "/risks/{id}/vulnerabilities",
            web::post().to(case::link_vulnerability),
        )
        .service(
            web::resource("/vulnerabilities")
                .get(vulns::list)
                .post(vulns::record),
        )
        .route("/vulnerabilities/import", web::post().to(vulns::import))
        .route("/exposure", web::get().to(vulns::exposure))
        .route(
            "/assets/{id}/vulnerabilities",
            web::post().to(vulns::link_asset),
        );
}

#[derive(Debug, Default, Deserialize)]
pub struct RegisterQuery {
    #[serde(flatten)]
    filters: RiskQuery,
    #[serde(default)]
    sort: String,
    created: Option<String>,
}

/// Select options the register's filters and forms share.
pub fn threat_choices(page: &Page, selected: &str, first: &str) -> Vec<Choice> {
    let items = std::iter::once((String::new(), page.t(first))).chain(
        threat::threats()
            .iter()
            .map(|t| (t.code.clone(), t.name(page.locale).to_owned())),
    );
    Choice::list(items, selected)
}

pub fn threat_name(page: &Page, code: &str) -> String {
    threat::find(code).map_or_else(|| code.to_owned(), |t| t.name(page.locale).to_owned())
}

#[derive(Template)]
#[template(path = "risks/list.html")]
struct RegisterTemplate {
    page: Page,
    risks: Vec<Risk>,
    queue: Vec<Risk>,
    names: HashMap<i64, String>,
    heat: heatmap::HeatMapView,
    heat_title: String,
    organisations: Vec<Choice>,
    levels: Vec<Choice>,
    threats: Vec<Choice>,
    sorts: Vec<Choice>,
    review_due: String,
    cell: Option<(i32, i32)>,
    cell_text: Option<String>,
    all_cells_href: String,
    csv_href: String,
    may_add: bool,
}

impl RegisterTemplate {
    fn organisation(&self, id: impl Arg<i64>) -> String {
        self.names.get(&id.value()).cloned().unwrap_or_default()
    }

    fn threat(&self, code: &str) -> String {
        threat_name(&self.page, code)
    }

    /// The heat-map cell the register is filtered to.
    fn picked(&self, likelihood: &i32, impact: &i32) -> bool {
        self.cell == Some((*likelihood, *impact))
    }
}

fn filter_of(query: &RiskQuery) -> RiskFilter {
    // The page shows what it can: a filter that does not parse is left out.
    query.filter(&mut FieldErrors::new())
}

pub async fn register(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<RegisterQuery>,
) -> WebResult {
    authz::require(&ctx.actor, Action::ReadRisks)?;
    let filter = filter_of(&query.filters);
    let order = parse_order(&query.sort);
    let actor = ctx.actor.clone();
    let me = ctx.actor.user_id;
    let f = filter.clone();
    let (risks, map, queue, names) = state
        .db
        .run(move |conn| {
            let (risks, map) = service::register(conn, &actor, f, order)?;
            let mine = RiskFilter {
                owner_id: Some(me),
                review_due: Some(true),
                ..Default::default()
            };
            let page = DbPage {
                limit: DbPage::MAX_LIMIT,
                after: None,
            };
            let mut queue = service::list(conn, &actor, mine, page)?;
            queue.truncate(DbPage::MAX_LIMIT as usize);
            Ok((risks, map, queue, organisation_names(conn, &actor)?))
        })
        .await?;
    let page = ctx
        .page("risks-title")
        .with_notice(query.created.as_ref().map(|_| "notice-created"));
    let cell = filter.likelihood.zip(filter.impact);
    let without_cell = RiskQuery {
        likelihood: None,
        impact: None,
        ..query.filters.clone()
    };
    let base = without_cell.to_query();
    let heat_title = match filter.organisation_id.and_then(|o| names.get(&o)) {
        Some(name) => page.t_arg("risks-heatmap-of", "name", name),
        None if authz::risk_scope(&ctx.actor) == OrganisationScope::All => {
            page.t("risks-heatmap-national")
        }
        None => page.t("risks-heatmap-own"),
    };
    let mut orgs: Vec<(String, String)> = names
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    orgs.sort_by(|a, b| a.1.cmp(&b.1));
    orgs.insert(0, (String::new(), page.t("risks-any")));
    let levels = std::iter::once((String::new(), page.t("risks-any"))).chain(
        RiskLevel::ALL
            .iter()
            .map(|l| (l.as_str().to_owned(), page.t(&format!("risks-level-{l}")))),
    );
    let sorts = ["newest", "score", "title", "updated"]
        .map(|s| (s.to_owned(), page.t(&format!("risks-sort-{s}"))));
    let full_query = query.filters.to_query();
    let locale = page.locale;
    let label = |l: i32, i: i32, n: i64| {
        let (l, i, n) = (l.to_string(), i.to_string(), n.to_string());
        translate(
            locale,
            "risks-heatmap-cell",
            &[("likelihood", &l), ("impact", &i), ("count", &n)],
        )
    };
    let cell_text = cell.map(|(l, i)| {
        let (l, i) = (l.to_string(), i.to_string());
        translate(
            locale,
            "risks-cell-filter",
            &[("likelihood", &l), ("impact", &i)],
        )
    });
    let template = RegisterTemplate {
        heat: heatmap::view(&map, &base, label),
        cell_text,
        heat_title,
        organisations: Choice::list(orgs, query.filters.organisation_id.as_deref().unwrap_or("")),
        levels: Choice::list(levels, query.filters.level.as_deref().unwrap_or("")),
        threats: threat_choices(
            &page,
            query.filters.threat.as_deref().unwrap_or(""),
            "risks-any",
        ),
        sorts: Choice::list(
            sorts,
            if query.sort.is_empty() {
                "newest"
            } else {
                &query.sort
            },
        ),
        review_due: query.filters.review_due.clone().unwrap_or_default(),
        cell,
        all_cells_href: format!("/risks?{base}"),
        csv_href: format!("/risks.csv?{full_query}&sort={}", query.sort),
        may_add: authz::allows(ctx.actor.role, Action::ManageRisks),
        page,
        risks,
        queue,
        names,
    };
    Ok(render(StatusCode::OK, &template.page, &template)?)
}

/// The register as filtered and sorted on the page, as CSV.
pub async fn csv(
    state: web::Data<AppState>,
    ctx: SignedIn,
    query: web::Query<RegisterQuery>,
) -> WebResult {
    let filter = filter_of(&query.filters);
    let order = parse_order(&query.sort);
    let actor = ctx.actor.clone();
    let (risks, names) = state
        .db
        .run(move |conn| {
            let (risks, _) = service::register(conn, &actor, filter, order)?;
            Ok((risks, organisation_names(conn, &actor)?))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "content-disposition",
            "attachment; filename=\"risk-register.csv\"",
        ))
        .insert_header(("cache-control", "no-store"))
        .body(register_csv(&risks, &names)))
}
