//! `/dashboard`: the situation now, every number a link to its incidents.

use actix_web::{http::StatusCode, web};
use askama::Template;

use super::{label_pair, Fmt};
use crate::{
    authz::{self, Action},
    domain::time,
    present::{
        charts::{Chart, Series},
        dashboard::{day_query, severity_keys, Count, DashboardView},
    },
    services::stats,
    state::AppState,
    web::{
        context::{SignedIn, WebResult},
        page::{render, Page},
    },
};

/// A table row: its heading and, per column, a count with the list query of its incidents.
type Row = (String, Vec<(i64, String)>);
/// A chart with its table beneath: column headings and rows.
type ChartWithTable = (Chart, Vec<String>, Vec<Row>);

#[derive(Template)]
#[template(path = "stats/dashboard.html")]
struct DashboardTemplate {
    page: Page,
    f: Fmt,
    d: DashboardView,
    tiles: Vec<Count>,
    /// Open incidents: one row per status, a cell per severity (`SEVERITY_KEYS` order).
    open_rows: Vec<Row>,
    charts: Vec<ChartWithTable>,
    bars: Vec<(Chart, Vec<Count>)>,
    may_stats: bool,
}

/// The daily chart over the last `days`, and its table (a row per day, a cell per severity).
fn daily_chart(page: &Page, f: &Fmt, d: &DashboardView, days: usize) -> ChartWithTable {
    let recent = &d.daily[d.daily.len().saturating_sub(days)..];
    let days_text: Vec<String> = recent
        .iter()
        .map(|d| d.day.format("%d.%m").to_string())
        .collect();
    let severities = severity_keys();
    let values = |s: &str| -> Vec<i64> {
        recent
            .iter()
            .map(|d| match s {
                "critical" => d.critical,
                "high" => d.high,
                "medium" => d.medium,
                "low" => d.low,
                _ => d.none,
            })
            .collect()
    };
    let series: Vec<Series> = severities
        .iter()
        .map(|s| Series {
            class: format!("sev-{s}"),
            label: f.severity(s),
            values: values(s).into_iter().map(|v| v as f64).collect(),
        })
        .collect();
    let title = page.t_arg("dash-daily-title", "days", &days.to_string());
    let chart = Chart::bars(
        &format!("chart-daily-{days}"),
        title,
        label_pair(page, "dash-axis-day", "dash-axis-incidents"),
        &days_text,
        &series,
    );
    let rows = recent
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let cells = severities
                .iter()
                .map(|s| (values(s)[i], day_query(day.day, s)))
                .collect();
            (day.day.format("%d.%m.%Y").to_string(), cells)
        })
        .collect();
    (
        chart,
        severities.iter().map(|s| f.severity(s)).collect(),
        rows,
    )
}

fn count_chart(page: &Page, (id, title, axis): (&str, &str, &str), counts: &[Count]) -> Chart {
    let labels: Vec<String> = counts.iter().map(|c| c.label.clone()).collect();
    Chart::bars(
        id,
        page.t(title),
        label_pair(page, axis, "dash-axis-incidents"),
        &labels,
        &[Series {
            class: "series-0".into(),
            label: page.t("dash-axis-incidents"),
            values: counts.iter().map(|c| c.count as f64).collect(),
        }],
    )
}

pub async fn dashboard(state: web::Data<AppState>, ctx: SignedIn) -> WebResult {
    let locale = ctx.page.locale;
    let view = state
        .db
        .run({
            let actor = ctx.actor.clone();
            move |conn| {
                let d = stats::dashboard(conn, &actor, time::now())?;
                Ok(DashboardView::new(&d, locale))
            }
        })
        .await?;
    let page = ctx.page("dash-title");
    let f = Fmt { locale };
    let open_rows = crate::services::rows::OPEN_STATUSES
        .iter()
        .map(|status| {
            let cells = severity_keys()
                .iter()
                .map(|sev| {
                    view.open
                        .iter()
                        .find(|c| c.status == *status && c.severity == *sev)
                        .map_or((0, String::new()), |c| (c.count, c.query.clone()))
                })
                .collect();
            (status.to_string(), cells)
        })
        .collect();
    let charts = vec![
        daily_chart(&page, &f, &view, 30),
        daily_chart(&page, &f, &view, 90),
    ];
    let bars = vec![
        (
            count_chart(
                &page,
                (
                    "chart-categories",
                    "dash-top-categories",
                    "stats-axis-category",
                ),
                &view.top_categories,
            ),
            view.top_categories.clone(),
        ),
        (
            count_chart(
                &page,
                ("chart-sectors", "dash-top-sectors", "stats-axis-sector"),
                &view.top_sectors,
            ),
            view.top_sectors.clone(),
        ),
    ];
    let tiles = vec![
        view.open_total.clone(),
        view.unassigned.clone(),
        view.intake_24h.clone(),
        view.intake_7d.clone(),
    ];
    let template = DashboardTemplate {
        tiles,
        may_stats: authz::allows(ctx.actor.role, Action::ReadIndicators),
        page,
        f,
        d: view,
        open_rows,
        charts,
        bars,
    };
    Ok(render(StatusCode::OK, &template.page, &template)?)
}
