//! /metrics is open by default (scraped from a private network) and, with
//! QALXAN_METRICS_TOKEN set, answers only to that bearer token.

use reqwest::StatusCode;

use crate::helpers::{assert_problem, TestApp};

const TOKEN: &str = "scrape-me-9f3c1a7e5b2d4c6a8e0f";

async fn scrape(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url("/metrics"));
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    req.send().await.unwrap()
}

#[actix_web::test]
async fn metrics_are_open_when_no_token_is_configured() {
    let app = TestApp::spawn().await;
    assert!(app.settings.metrics_token.is_none());
    let res = scrape(&app, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("qalxan_db_pool_max_connections"));
}

#[actix_web::test]
async fn a_configured_token_is_required_and_enough() {
    let app = TestApp::spawn_with(|env| {
        env.insert("QALXAN_METRICS_TOKEN".into(), TOKEN.into());
    })
    .await;

    let res = scrape(&app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("qalxan_db_pool_max_connections"));

    let admin = app.admin().await;
    let wrong_token = format!("Bearer {TOKEN}x");
    let admin_token = format!("Bearer {}", admin.token);
    let basic = format!("Basic {TOKEN}");
    for (what, header) in [
        ("no header", None),
        ("another token", Some(wrong_token.as_str())),
        ("a user's API token", Some(admin_token.as_str())),
        ("the token without the Bearer scheme", Some(TOKEN)),
        ("the token under another scheme", Some(basic.as_str())),
    ] {
        let res = scrape(&app, header).await;
        let body = assert_problem(res, StatusCode::UNAUTHORIZED).await;
        assert!(body["detail"].is_string(), "{what}: {body}");
    }
}

#[actix_web::test]
async fn a_short_metrics_token_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let (mut env, _pg) = crate::helpers::test_env(dir.path());
    env.insert("QALXAN_METRICS_TOKEN".into(), "short".into());
    let error = qalxan::config::Settings::load(None, &env).unwrap_err();
    assert!(
        format!("{error:#}").contains("QALXAN_METRICS_TOKEN"),
        "{error:#}"
    );
}
