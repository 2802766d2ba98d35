//! `/profile`: people change their own name, language, progress mail and password.

use qalxan::domain::Role;
use reqwest::StatusCode;

use crate::{
    helpers::{json, TestApp, PASSWORD},
    web::WebClient,
};

#[actix_web::test]
async fn a_reporter_switches_off_progress_mail_and_changes_language() {
    let app = TestApp::spawn().await;
    let reporter = app.user(Role::Reporter).await;
    let web = WebClient::signed_in(&app, &reporter.email).await;

    let page = web.get("/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("name=\"mail_comment_shared\"")
            && page.body.contains("href=\"/profile\"")
    );
    assert!(
        !page.body.contains("mail_report_received"),
        "essential mail cannot be switched off"
    );

    let refused = web
        .post("/profile", &[("display_name", "X"), ("locale", "ru")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "no CSRF token");

    let csrf = page.csrf();
    let saved = web
        .post(
            "/profile",
            &[
                ("csrf_token", &csrf),
                ("display_name", "Aysel Məmmədova"),
                ("locale", "ru"),
                ("mail_status_changed", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let me = json(app.get("/api/v1/me", &reporter.token).await, StatusCode::OK).await;
    assert_eq!(me["locale"], "ru");
    assert_eq!(me["display_name"], "Aysel Məmmədova");
    assert_eq!(me["notifications"]["comment_shared"], false);
    assert_eq!(me["notifications"]["status_changed"], true);
    let again = web.get("/profile?saved=1").await;
    assert!(
        again.body.contains("Профиль сохранён"),
        "the page now speaks Russian"
    );

    let wrong = web
        .post(
            "/profile",
            &[
                ("csrf_token", &csrf),
                ("display_name", "A"),
                ("locale", "en"),
                ("current_password", "not it at all"),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    json(app.login(&reporter.email, PASSWORD).await, StatusCode::OK).await;
}
