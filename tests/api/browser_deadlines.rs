//! Deadlines in a real browser: an administrator changes a severity's SLA targets on
//! `/admin/sla` (the inputs sit in table cells, tied to each row's form), and the coordinator's
//! queue and case page show an overdue acknowledgement in words and colour. Screenshots go to
//! `target/screenshots/`.

use fantoccini::Locator;
use qalxan::domain::Role;
use serde_json::json;

use crate::{
    browser::{click, fill, screenshot, sign_in, start_browser, text_of, ONE_BROWSER},
    deadlines::no_clock,
    helpers::{json, TestApp},
};

#[actix_web::test]
async fn an_admin_edits_sla_targets_and_the_queue_shows_the_overdue_deadline() {
    let _one = ONE_BROWSER.lock().await;
    let Some(browser) = start_browser().await else {
        return;
    };
    let app = TestApp::spawn_with(no_clock).await;
    let admin = app.admin().await;
    let coordinator = app.user(Role::Coordinator).await;
    let c = &browser.client;

    sign_in(c, &app, &admin.email).await;
    click(c, "a[href='/admin/sla']").await;
    fill(c, "#f-critical-ack_minutes", "45").await;
    click(c, "#sla-form-critical button[type=submit]").await;
    text_of(c, ".notice").await;
    let value = c
        .find(Locator::Css("#f-critical-ack_minutes"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some("45"));
    screenshot(c, "sla-admin").await;
    let policies = json(
        app.get("/api/v1/sla-policies", &admin.token).await,
        reqwest::StatusCode::OK,
    )
    .await;
    assert_eq!(policies["items"][0]["ack_minutes"], 45);

    let body = json!({ "title": "Outage", "description": "d", "severity": "critical" });
    let incident = app.incident(&coordinator, body).await;
    let id = incident["id"].as_i64().unwrap();
    app.shift_incident(id, 1).await;
    click(c, ".sign-out button").await;
    sign_in(c, &app, &coordinator.email).await;
    let flag = text_of(c, "#queue-unassigned tr.row-sla-overdue .sla").await;
    assert_eq!(flag, "acknowledgement overdue");
    screenshot(c, "sla-queue").await;
    c.goto(&app.url(&format!("/incidents/{id}"))).await.unwrap();
    let next = text_of(c, "#deadlines .deadline-next .deadline-name").await;
    assert_eq!(next, "acknowledgement");
    screenshot(c, "sla-case").await;
    browser.close().await;
}
