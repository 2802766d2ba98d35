//! In a real browser: an operator registers a risk on its asset, and the CERT sees it on the
//! national heat map and follows the cell to it.

use fantoccini::Locator;
use qalxan::domain::Role;
use serde_json::json;

use crate::{
    browser::{
        click, path_of, screenshot, sign_in, start_browser, text_of, text_when, ONE_BROWSER,
    },
    helpers::{TestApp, ADMIN_EMAIL},
};

async fn select(c: &fantoccini::Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

#[actix_web::test]
async fn an_operator_registers_a_risk_and_the_cert_sees_it_on_the_national_heat_map() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = start_browser().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let water = app.organisation("cii_operator").await;
    let operator = app.user_in(Role::Reporter, water).await;
    let historian = app.asset(water, "Historian", 4, json!({})).await;
    let c = &browser.client;

    // The operator, from the menu to the form.
    sign_in(c, &app, &operator.email).await;
    click(c, ".main-nav a[href='/risks']").await;
    click(c, "#risk-new").await;
    crate::browser::fill(c, "#f-title", "Ransomware on the historian").await;
    crate::browser::fill(
        c,
        "#f-description",
        "Encryption would stop water-quality reporting.",
    )
    .await;
    select(c, "#f-threat", "ransomware").await;
    click(c, &format!("#f-asset_{historian}")).await;
    select(c, "#f-likelihood", "5").await;
    select(c, "#f-impact", "4").await;
    select(c, "#f-treatment", "mitigate").await;
    screenshot(c, "risk-new-en").await;
    click(c, "#risk-form button[type=submit]").await;
    text_of(c, ".notice").await;
    assert!(
        path_of(c).await.ends_with("?created=1"),
        "{}",
        path_of(c).await
    );
    assert_eq!(
        text_of(c, "#risk-title").await,
        "Ransomware on the historian"
    );
    assert!(text_of(c, "#risk-level").await.contains("20"));
    assert_eq!(text_of(c, "#risk-assets").await, "Historian");
    let risk_path = path_of(c).await.split('?').next().unwrap().to_owned();
    click(c, ".sign-out button").await;
    text_of(c, ".notice").await;

    // The CERT: the national heat map counts it; its cell leads to it.
    sign_in(c, &app, ADMIN_EMAIL).await;
    click(c, ".main-nav a[href='/risks']").await;
    assert_eq!(
        text_of(c, "#heatmap-heading").await,
        "Milli istilik xəritəsi"
    );
    let cell = c
        .find(Locator::Css(
            "a.heat-cell[data-likelihood='5'][data-impact='4']",
        ))
        .await
        .unwrap();
    assert_eq!(cell.attr("data-count").await.unwrap().as_deref(), Some("1"));
    screenshot(c, "risks-az").await;
    click(c, "a.heat-cell[data-likelihood='5'][data-impact='4'] text").await;
    text_of(c, "#cell-filter").await;
    assert!(
        path_of(c).await.contains("likelihood=5&impact=4"),
        "{}",
        path_of(c).await
    );
    let table = text_of(c, "#risks").await;
    assert!(table.contains("Ransomware on the historian"), "{table}");
    click(c, &format!("#risks a[href='{risk_path}']")).await;
    assert_eq!(
        text_of(c, "#risk-title").await,
        "Ransomware on the historian"
    );

    // The register in the other languages.
    for (lang, heading) in [
        ("en", "National heat map"),
        ("ru", "Национальная тепловая карта"),
    ] {
        c.goto(&app.url("/risks")).await.unwrap();
        click(c, &format!(".lang-switch button[value='{lang}']")).await;
        text_when(c, "#heatmap-heading", |t| t == heading).await;
        screenshot(c, &format!("risks-{lang}")).await;
    }
    browser.close().await;
}
