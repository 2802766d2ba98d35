//! `/stats/national`: the printable TLP:CLEAR statistics of a year or a quarter.

use actix_web::web;
use askama::Template;
use serde::Deserialize;

use crate::{
    domain::time,
    error::FieldErrors,
    present::stats::{NationalQuery, NationalReport, PublishedCell},
    services::stats,
    state::AppState,
    web::{
        context::{SignedIn, WebResult},
        forms::{Choice, FormErrors},
        page::{render, Page},
    },
};

#[derive(Template)]
#[template(path = "stats/national.html")]
struct NationalTemplate {
    page: Page,
    report: NationalReport,
    tables: Vec<(&'static str, &'static str, Vec<PublishedCell>)>,
    year: String,
    quarter_choices: Vec<Choice>,
    errors: FormErrors,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NationalForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub quarter: String,
}

pub async fn national(
    state: web::Data<AppState>,
    ctx: SignedIn,
    form: web::Query<NationalForm>,
) -> WebResult {
    let form = form.into_inner();
    let page = ctx.page("national-title");
    let now = time::now();
    let some = crate::web::forms::given;
    let mut field_errors = FieldErrors::new();
    let (year, quarter) = NationalQuery {
        year: some(&form.year),
        quarter: some(&form.quarter),
    }
    .parse(&mut field_errors, now.date());
    let (errors, status) = FormErrors::checked(&page, field_errors)?;
    let min_cell = state.settings.stats_min_cell;
    let actor = ctx.actor.clone();
    let locale = page.locale;
    let report = state
        .db
        .run(move |conn| {
            let n = stats::national(conn, &actor, year, quarter, min_cell, now)?;
            Ok(NationalReport::new(&n, locale))
        })
        .await?;
    let mut quarters = vec![(String::new(), page.t("national-whole-year"))];
    quarters.extend((1..=4).map(|q| {
        (
            q.to_string(),
            page.t_arg("national-quarter", "n", &q.to_string()),
        )
    }));
    let tables = vec![
        ("class", "national-by-class", report.by_class.clone()),
        ("sector", "national-by-sector", report.by_sector.clone()),
        (
            "severity",
            "national-by-severity",
            report.by_severity.clone(),
        ),
        ("month", "national-by-month", report.by_month.clone()),
    ];
    let template = NationalTemplate {
        tables,
        quarter_choices: Choice::list(
            quarters,
            &quarter.map(|q| q.to_string()).unwrap_or_default(),
        ),
        year: year.to_string(),
        report,
        errors,
        page,
    };
    Ok(render(status, &template.page, &template)?)
}
