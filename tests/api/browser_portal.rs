//! Journeys through the public reporting pages and the auditors' pages in headless Chromium,
//! and screenshots of those pages and the asset registry in every language
//! (`target/screenshots/<page>-<lang>.png`). Helpers are shared with `browser.rs`.

use fantoccini::{Client, Locator};
use qalxan::{domain::Locale, web::i18n::translate};
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    browser::{
        click, fill, path_of, screenshot, sign_in, start_browser, text_of, text_when, ONE_BROWSER,
    },
    helpers::{json, TestApp, ADMIN_EMAIL},
};
use qalxan::domain::Role;

/// Fills and sends the public form on the current page; returns the tracking code.
async fn file_report(c: &Client, title: &str) -> String {
    fill(c, "#f-title", title).await;
    fill(
        c,
        "#f-description",
        "SMS-də kart məlumatlarımı istəyən keçid gəldi.",
    )
    .await;
    fill(c, "#f-contact_email", "vetendas@mail.test").await;
    click(c, "#f-category option[value='phishing']").await;
    click(c, "main form button[type=submit]").await;
    text_of(c, "#tracking-code").await.trim().to_owned()
}

#[actix_web::test]
async fn a_citizen_reports_in_azerbaijani_and_follows_the_report() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = start_browser().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let c = &browser.client;
    c.goto(&app.url("/report?lang=az")).await.unwrap();
    assert_eq!(
        text_of(c, "main h1").await,
        translate(Locale::Az, "report-heading", &[])
    );
    let code = file_report(c, "Saxta bank SMS-i").await;
    assert!(code.len() >= 32, "{code}");
    click(c, "#track-link").await;
    let new = translate(Locale::Az, "track-status-new", &[]);
    text_when(c, "#track-status", |t| t == new).await;
    assert_eq!(path_of(c).await, format!("/track/{code}"));
    text_of(c, "#track-no-comments").await;

    // The CERT answers and starts working on it.
    let coordinator = app.user(Role::Coordinator).await;
    let queue = json(
        app.get("/api/v1/incidents?status=new", &coordinator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let id = queue["items"][0]["id"].as_i64().unwrap();
    json(
        app.post(
            &format!("/api/v1/incidents/{id}/comments"),
            &coordinator.token,
            json!({ "body": "Müraciətinizə baxırıq.", "visibility": "shared" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.patch(
            &format!("/api/v1/incidents/{id}"),
            &coordinator.token,
            json!({ "severity": "low" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    json(
        app.transition(&coordinator, id, json!({ "to": "triage" }))
            .await,
        StatusCode::OK,
    )
    .await;

    c.refresh().await.unwrap();
    let triage = translate(Locale::Az, "track-status-triage", &[]);
    text_when(c, "#track-status", |t| t == triage).await;
    let comments = text_of(c, "#track-comments").await;
    assert!(comments.contains("Müraciətinizə baxırıq."), "{comments}");

    // The form on /track opens the same page without the code in the address.
    c.goto(&app.url("/track")).await.unwrap();
    fill(c, "#f-code", &code).await;
    click(c, "main form button[type=submit]").await;
    text_when(c, "#track-status", |t| t == triage).await;
    assert_eq!(path_of(c).await, "/track");
    browser.close().await;
}

#[actix_web::test]
async fn an_auditor_filters_verifies_and_exports_a_case() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = start_browser().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let reporter = app.user(Role::Reporter).await;
    let incident = app
        .incident(
            &reporter,
            json!({ "title": "Defaced website", "description": "Our front page shows a foreign flag" }),
        )
        .await;
    let reference = incident["reference"].as_str().unwrap().to_owned();
    let id = incident["id"].as_i64().unwrap();
    let auditor = app.user(Role::Auditor).await;
    let c = &browser.client;

    sign_in(c, &app, &auditor.email).await;
    assert_eq!(path_of(c).await, "/audit", "an auditor lands on the log");
    fill(c, "#f-incident", &reference).await;
    click(c, "form.filters button[type=submit]").await;
    // Only the incident's events once the filtered page is in (no sign-ins).
    text_when(c, "#audit-events", |t| {
        t.contains("Incident created") && !t.contains("Signed in")
    })
    .await;
    assert!(path_of(c).await.contains("incident="));

    click(c, "#verify-button").await;
    text_when(c, "#verify-result", |t| {
        t.contains("All chains are intact.")
    })
    .await;

    fill(c, "#f-case", &reference).await;
    click(
        c,
        "section[aria-labelledby='case-heading'] button[type=submit]",
    )
    .await;
    let link = c
        .wait()
        .for_element(Locator::Css("#case-export-html"))
        .await
        .unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    assert_eq!(href, format!("/incidents/{id}/export?format=html"));
    link.click().await.unwrap();
    let body = text_of(c, "body").await;
    assert!(
        body.contains(&reference),
        "the exported case history: {body}"
    );
    browser.close().await;
}

#[actix_web::test]
async fn portal_pages_are_photographed_in_every_language() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = start_browser().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let reporter = app.user(Role::Reporter).await;
    json(
        app.post(
            "/api/v1/assets",
            &admin.token,
            json!({ "organisation_id": reporter.organisation_id, "name": "Mərkəzi poçt serveri", "kind": "host", "ip": "192.0.2.25", "criticality": 3 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            "/api/v1/assets",
            &reporter.token,
            json!({ "name": "Vətəndaş portalı", "kind": "application", "domain": "portal.gov.test", "criticality": 2 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let c = &browser.client;
    for lang in ["az", "en", "ru"] {
        let locale = Locale::parse(lang).unwrap();
        c.goto(&app.url(&format!("/report?lang={lang}")))
            .await
            .unwrap();
        let heading = translate(locale, "report-heading", &[]);
        text_when(c, "main h1", |t| t == heading).await;
        screenshot(c, &format!("report-{lang}")).await;
        file_report(c, &format!("Report ({lang})")).await;
        screenshot(c, &format!("receipt-{lang}")).await;
        click(c, "#track-link").await;
        text_of(c, "#track-status").await;
        screenshot(c, &format!("track-{lang}")).await;
    }
    sign_in(c, &app, ADMIN_EMAIL).await;
    for lang in ["az", "en", "ru"] {
        let locale = Locale::parse(lang).unwrap();
        c.goto(&app.url("/audit")).await.unwrap();
        click(c, &format!(".lang-switch button[value='{lang}']")).await;
        let title = translate(locale, "audit-title", &[]);
        text_when(c, "main h1", |t| t == title).await;
        click(c, "#verify-button").await;
        text_of(c, "#verify-result").await;
        screenshot(c, &format!("audit-{lang}")).await;
        c.goto(&app.url("/assets")).await.unwrap();
        let title = translate(locale, "assets-title", &[]);
        text_when(c, "main h1", |t| t == title).await;
        screenshot(c, &format!("assets-{lang}")).await;
    }
    // On a phone: the tables become cards, the forms one column.
    c.set_window_size(390, 844).await.unwrap();
    text_of(c, "main h1").await;
    screenshot(c, "assets-ru-phone").await;
    c.goto(&app.url("/audit")).await.unwrap();
    text_of(c, "main h1").await;
    screenshot(c, "audit-ru-phone").await;
    browser.close().await;
}
