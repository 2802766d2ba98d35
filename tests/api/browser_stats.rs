//! The dashboard, the indicators and the national statistics in headless Chromium, in every
//! language (`target/screenshots/{dashboard,stats,national}-<lang>.png`): SVG charts with
//! labelled axes, and numbers that open a list of exactly that many incidents.

use fantoccini::{Client, Locator};
use qalxan::{domain::Locale, web::i18n::translate};
use serde_json::json;

use crate::{
    browser::{
        click, path_of, screenshot, sign_in, start_browser, text_of, text_when, ONE_BROWSER,
    },
    stats::{moves, world},
};

/// A picture of one element (a chart), beside the page screenshots.
async fn element_shot(c: &Client, css: &str, name: &str) {
    let png = c
        .find(Locator::Css(css))
        .await
        .unwrap()
        .screenshot()
        .await
        .unwrap();
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn rows(c: &Client) -> usize {
    c.find_all(Locator::Css("table.incidents tbody tr"))
        .await
        .unwrap()
        .len()
}

/// The chart's SVG is there, with both axes labelled in the page's language.
async fn chart_labelled(c: &Client, id: &str, locale: Locale, x: &str, y: &str) {
    let x_label = text_of(c, &format!("svg#{id} .axis-label-x")).await;
    let y_label = text_of(c, &format!("svg#{id} .axis-label-y")).await;
    assert_eq!(x_label, translate(locale, x, &[]), "{id}");
    assert_eq!(y_label, translate(locale, y, &[]), "{id}");
    let ticks = c
        .find_all(Locator::Css(&format!("svg#{id} .tick-y")))
        .await
        .unwrap();
    assert!(ticks.len() >= 2, "{id}: a scale on the y axis");
}

#[actix_web::test]
async fn dashboard_and_statistics_in_three_languages_with_numbers_that_lead_to_lists() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = start_browser().await else {
        return;
    };
    let w = world().await;
    let app = &w.app;
    for (n, severity) in ["high", "critical", "low"].iter().enumerate() {
        let created = app
            .incident(
                &w.reporter_a,
                json!({ "title": format!("Today {n}"), "description": "d",
                        "category": "phishing", "severity": severity }),
            )
            .await;
        if n > 0 {
            let id = created["id"].as_i64().unwrap();
            moves(app, &w.coordinator, id, &[json!({ "to": "triage" })]).await;
        }
    }
    let c = &browser.client;
    sign_in(c, app, &w.coordinator.email).await;
    // The home page links the dashboard.
    click(c, ".main-nav a[href='/dashboard']").await;
    assert_eq!(path_of(c).await, "/dashboard");
    for (lang, locale) in [("az", Locale::Az), ("en", Locale::En), ("ru", Locale::Ru)] {
        click(c, &format!(".lang-switch button[value='{lang}']")).await;
        let title = translate(locale, "dash-title", &[]);
        text_when(c, "main h1", |t| t == title).await;
        for days in ["30", "90"] {
            chart_labelled(
                c,
                &format!("chart-daily-{days}"),
                locale,
                "dash-axis-day",
                "dash-axis-incidents",
            )
            .await;
        }
        chart_labelled(
            c,
            "chart-categories",
            locale,
            "stats-axis-category",
            "dash-axis-incidents",
        )
        .await;
        text_of(c, "#dash-open-table").await;
        screenshot(c, &format!("dashboard-{lang}")).await;
        element_shot(c, "svg#chart-daily-30", &format!("dashboard-daily-{lang}")).await;

        c.goto(&app.url("/stats?from=2025-03-01&to=2025-04-30"))
            .await
            .unwrap();
        assert_eq!(
            text_of(c, "main h1").await,
            translate(locale, "stats-title", &[])
        );
        chart_labelled(
            c,
            "chart-trend",
            locale,
            "stats-axis-month",
            "stats-axis-hours",
        )
        .await;
        chart_labelled(
            c,
            "chart-class",
            locale,
            "stats-axis-class",
            "dash-axis-incidents",
        )
        .await;
        chart_labelled(
            c,
            "chart-sector",
            locale,
            "stats-axis-sector",
            "dash-axis-incidents",
        )
        .await;
        text_of(c, "#chart-trend-table").await;
        screenshot(c, &format!("stats-{lang}")).await;
        element_shot(c, "svg#chart-trend", &format!("stats-trend-{lang}")).await;
        element_shot(c, "svg#chart-sector", &format!("stats-sector-{lang}")).await;

        c.goto(&app.url("/stats/national?year=2025")).await.unwrap();
        assert_eq!(text_of(c, "#national-total").await, "4");
        text_of(c, ".national-report .tlp-clear").await;
        screenshot(c, &format!("national-{lang}")).await;
        c.goto(&app.url("/dashboard")).await.unwrap();
    }

    // A number on the dashboard opens a list of exactly that many incidents.
    let unassigned: usize = text_of(c, "#dash-unassigned").await.parse().unwrap();
    assert_eq!(unassigned, 4);
    click(c, "#dash-unassigned").await;
    text_when(c, "main h1", |t| {
        t == translate(Locale::Ru, "inc-list-title", &[])
    })
    .await;
    assert_eq!(rows(c).await, unassigned);

    // And a count of the indicators (March 2025 by month: three reported).
    c.goto(&app.url("/stats?from=2025-03-01&to=2025-04-30&group_by=month"))
        .await
        .unwrap();
    let first = c
        .find(Locator::Css("#stats-kpi-table .stats-reported-link"))
        .await
        .unwrap();
    let reported: usize = first.text().await.unwrap().parse().unwrap();
    assert_eq!(reported, 3);
    first.click().await.unwrap();
    text_of(c, "#extra-filters").await;
    assert_eq!(rows(c).await, reported);
    browser.close().await;
}
