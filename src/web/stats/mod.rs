//! `/dashboard` (the situation now), `/stats` (indicators with charts, the filters as a form,
//! CSV at `/stats.csv`) and `/stats/national` (the printable TLP:CLEAR statistics). The services
//! check the policy; the charts are SVG drawn on the server (`present::charts`), each with a
//! text table beneath.

use actix_web::{http::header, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    authz::{self, Action},
    domain::{
        kpi::{GroupBy, Summary},
        time, Locale,
    },
    error::FieldErrors,
    present::{
        charts::{Chart, Series},
        stats::{duration_text, group_query, KpiQuery, KpiReport},
    },
    services::stats,
    state::AppState,
    web::{
        context::{SignedIn, WebResult},
        forms::{Choice, FormErrors},
        i18n::translate,
        page::{render, Page},
    },
};

mod dashboard;
mod national;

pub use dashboard::dashboard;
pub use national::national;

/// Durations and labels in the page's language, for the templates.
pub struct Fmt {
    pub locale: Locale,
}

impl Fmt {
    pub fn median(&self, s: &Option<Summary>) -> String {
        s.map_or_else(|| "—".into(), |s| duration_text(self.locale, s.median))
    }

    pub fn p90(&self, s: &Option<Summary>) -> String {
        s.map_or_else(|| "—".into(), |s| duration_text(self.locale, s.p90))
    }

    pub fn mean(&self, s: &Option<Summary>) -> String {
        s.map_or_else(|| "—".into(), |s| duration_text(self.locale, s.mean))
    }

    /// A share as a whole percentage (`83%`; `83 %` in Russian), or a dash when none.
    pub fn ratio(&self, r: &Option<f64>) -> String {
        match (r, self.locale) {
            (None, _) => "—".into(),
            (Some(r), Locale::Ru) => format!("{:.0} %", r * 100.0),
            (Some(r), _) => format!("{:.0}%", r * 100.0),
        }
    }

    pub fn status(&self, status: &str) -> String {
        translate(self.locale, &format!("inc-status-{status}"), &[])
    }

    pub fn severity(&self, severity: &str) -> String {
        match severity {
            "none" => translate(self.locale, "inc-severity-unset", &[]),
            s => translate(self.locale, &format!("inc-severity-{s}"), &[]),
        }
    }
}

pub(super) fn label_pair(page: &Page, x: &str, y: &str) -> (String, String) {
    (page.t(x), page.t(y))
}

/// The indicators' form, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct StatsForm {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub group_by: String,
}

impl StatsForm {
    fn query(&self) -> KpiQuery {
        let some = crate::web::forms::given;
        KpiQuery {
            from: some(&self.from),
            to: some(&self.to),
            group_by: some(&self.group_by),
            format: None,
        }
    }

    /// The grouping and window asked for, with what was wrong with them.
    fn parse(&self, today: chrono::NaiveDate) -> (GroupBy, stats::Window, FieldErrors) {
        let query = self.query();
        let mut errors = FieldErrors::new();
        let by = query.group_by(&mut errors);
        let window = query.window(&mut errors, today);
        (by, window, errors)
    }

    fn csv_href(&self) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("from", &self.from),
                ("to", &self.to),
                ("group_by", &self.group_by),
            ])
            .finish();
        format!("/stats.csv?{query}")
    }
}

#[derive(Template)]
#[template(path = "stats/kpis.html")]
struct KpisTemplate {
    page: Page,
    f: Fmt,
    form: StatsForm,
    errors: FormErrors,
    group_choices: Vec<Choice>,
    report: Option<KpiReport>,
    /// The list query of each row's reported incidents, in `report.items` order.
    links: Vec<String>,
    charts: Vec<(Chart, KpiReport)>,
    csv_href: String,
    may_national: bool,
}

/// The trend of the three times per month, and the volume per class and per sector.
fn kpi_charts(page: &Page, cohort: &stats::Cohort) -> Vec<(Chart, KpiReport)> {
    let locale = page.locale;
    let months = KpiReport::new(cohort, GroupBy::Month, locale);
    let keys: Vec<String> = months.items.iter().map(|i| i.key.clone()).collect();
    let hours = |pick: fn(&crate::present::stats::KpiItem) -> &Option<Summary>| -> Vec<f64> {
        months
            .items
            .iter()
            .map(|i| pick(i).map_or(f64::NAN, |s| s.median / 3600.0))
            .collect()
    };
    let trend = Chart::lines(
        "chart-trend",
        page.t("stats-trend-title"),
        label_pair(page, "stats-axis-month", "stats-axis-hours"),
        &keys,
        &[
            Series {
                class: "series-0".into(),
                label: page.t("stats-mtta"),
                values: hours(|i| &i.mtta_seconds),
            },
            Series {
                class: "series-1".into(),
                label: page.t("stats-mttc"),
                values: hours(|i| &i.mttc_seconds),
            },
            Series {
                class: "series-2".into(),
                label: page.t("stats-mttr"),
                values: hours(|i| &i.mttr_seconds),
            },
        ],
    );
    let volume = |by: GroupBy, id: &str, title: &str, axis: &str| {
        let report = KpiReport::new(cohort, by, locale);
        let labels: Vec<String> = report.items.iter().map(|i| i.label.clone()).collect();
        let chart = Chart::bars(
            id,
            page.t(title),
            label_pair(page, axis, "dash-axis-incidents"),
            &labels,
            &[Series {
                class: "series-0".into(),
                label: page.t("stats-reported"),
                values: report.items.iter().map(|i| i.reported as f64).collect(),
            }],
        );
        (chart, report)
    };
    vec![
        (trend, months),
        volume(
            GroupBy::Class,
            "chart-class",
            "stats-volume-class",
            "stats-axis-class",
        ),
        volume(
            GroupBy::Sector,
            "chart-sector",
            "stats-volume-sector",
            "stats-axis-sector",
        ),
    ]
}

fn group_choices(page: &Page, selected: &str) -> Vec<Choice> {
    let selected = if selected.is_empty() {
        "month"
    } else {
        selected
    };
    Choice::list(
        GroupBy::ALL.iter().map(|g| {
            (
                g.as_str().to_owned(),
                page.t(&format!("stats-group-{}", g.as_str())),
            )
        }),
        selected,
    )
}

pub async fn kpis(
    state: web::Data<AppState>,
    ctx: SignedIn,
    form: web::Query<StatsForm>,
) -> WebResult {
    let form = form.into_inner();
    let page = ctx.page("stats-title");
    let now = time::now();
    let (by, window, errors) = form.parse(now.date());
    let (errors, status) = FormErrors::checked(&page, errors)?;
    let cohort = if errors.is_empty() {
        let actor = ctx.actor.clone();
        Some(
            state
                .db
                .run(move |conn| stats::cohort(conn, &actor, window, now))
                .await?,
        )
    } else {
        // Still refuse a liaison with the policy's answer, not with the form.
        authz::require(&ctx.actor, Action::ReadIndicators)?;
        None
    };
    let report = cohort.as_ref().map(|c| KpiReport::new(c, by, page.locale));
    let links = report
        .iter()
        .flat_map(|r| r.items.iter().map(|i| group_query(by, &window, &i.key)))
        .collect();
    let charts = cohort
        .as_ref()
        .map(|c| kpi_charts(&page, c))
        .unwrap_or_default();
    let template = KpisTemplate {
        f: Fmt {
            locale: page.locale,
        },
        group_choices: group_choices(&page, &form.group_by),
        csv_href: form.csv_href(),
        may_national: authz::allows(ctx.actor.role, Action::ReadNationalStats),
        form,
        errors,
        report,
        links,
        charts,
        page,
    };
    Ok(render(status, &template.page, &template)?)
}

/// `/stats.csv`: the indicators of the form as CSV, the same bytes as the API's `format=csv`.
pub async fn kpis_csv(
    state: web::Data<AppState>,
    ctx: SignedIn,
    form: web::Query<StatsForm>,
) -> WebResult {
    let now = time::now();
    let (by, window, errors) = form.parse(now.date());
    errors.into_result()?;
    let actor = ctx.actor.clone();
    let locale = ctx.page.locale;
    let report = state
        .db
        .run(move |conn| {
            Ok(KpiReport::new(
                &stats::cohort(conn, &actor, window, now)?,
                by,
                locale,
            ))
        })
        .await?;
    let name = format!("kpis-{}-{}-{}.csv", by.as_str(), window.from, window.to);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(report.to_csv()))
}
