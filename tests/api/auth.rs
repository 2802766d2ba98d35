//! Signing in, tokens, throttling, and changes that must apply on the next request.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, json, TestApp, ADMIN_EMAIL, PASSWORD};

#[actix_web::test]
async fn the_bootstrap_admin_signs_in_with_any_email_case() {
    let app = TestApp::spawn().await;
    let body = json(app.login("Admin@CERT.test", PASSWORD).await, StatusCode::OK).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["email"], ADMIN_EMAIL);
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    let token = body["access_token"].as_str().unwrap();
    let me = json(app.get("/api/v1/me", token).await, StatusCode::OK).await;
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert!(
        me.get("password_hash").is_none(),
        "the hash never leaves the server"
    );
}

#[actix_web::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let wrong = app.login(ADMIN_EMAIL, "not the password at all").await;
    let unknown = app
        .login("nobody@cert.test", "not the password at all")
        .await;
    let a = assert_problem(wrong, StatusCode::UNAUTHORIZED).await;
    let b = assert_problem(unknown, StatusCode::UNAUTHORIZED).await;
    assert_eq!(a, b);
}

#[actix_web::test]
async fn thirty_wrong_passwords_are_throttled_with_retry_after() {
    let app = TestApp::spawn().await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let res = app.login(ADMIN_EMAIL, "wrong password guess").await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry >= 1);
        }
        statuses.push(res.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // While paused, even the right password is refused, so the pause cannot be used as an oracle.
    assert_problem(
        app.login(ADMIN_EMAIL, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    // An unknown address is throttled the same way, so throttling does not reveal accounts.
    let mut unknown = Vec::new();
    for _ in 0..6 {
        unknown.push(
            app.login("ghost@cert.test", "wrong password guess")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(unknown, [401, 401, 401, 401, 401, 429]);
    // Failures are audited.
    let failed: i64 = app
        .db
        .run(|c| {
            use diesel::prelude::*;
            use qalxan::db::schema::audit_events::dsl::*;
            Ok(audit_events
                .filter(action.eq("auth.login_failed"))
                .count()
                .get_result(c)?)
        })
        .await
        .unwrap();
    assert_eq!(failed, 5 + 5);
}

#[actix_web::test]
async fn many_failures_from_one_address_are_throttled_across_accounts() {
    let app = TestApp::spawn_with(|env| {
        env.insert("QALXAN_LOGIN_IP_LIMIT".into(), "8".into());
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..9 {
        statuses.push(
            app.login(&format!("user{i}@cert.test"), "wrong password guess")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..8], &[401; 8]);
    assert_eq!(statuses[8], 429);
}

fn forge(token: &str, header: &str, payload: Option<Value>) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[0] = URL_SAFE_NO_PAD.encode(header);
    if let Some(p) = payload {
        parts[1] = URL_SAFE_NO_PAD.encode(p.to_string());
    }
    parts.join(".")
}

#[actix_web::test]
async fn forged_expired_and_malformed_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let payload: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(admin.token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();

    let alg_none = {
        let t = forge(&admin.token, r#"{"alg":"none","typ":"JWT"}"#, None);
        format!(
            "{}.{}.",
            t.split('.').next().unwrap(),
            t.split('.').nth(1).unwrap()
        )
    };
    let mut elevated = payload.clone();
    elevated["sub"] = json!("2");
    let tampered = forge(
        &admin.token,
        r#"{"typ":"JWT","alg":"HS256"}"#,
        Some(elevated),
    );
    let expired = app
        .state_tokens()
        .issue_with_times(
            admin.id,
            chrono::Utc::now().timestamp() - 7200,
            chrono::Utc::now().timestamp() - 3600,
        )
        .unwrap();

    for (name, token) in [
        ("alg none", alg_none),
        ("tampered", tampered),
        ("expired", expired),
        ("garbage", "abc".into()),
    ] {
        let res = app.get("/api/v1/me", &token).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{name}");
        assert_problem(res, StatusCode::UNAUTHORIZED).await;
    }
    let no_token = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_problem(no_token, StatusCode::UNAUTHORIZED).await;
}

#[actix_web::test]
async fn deactivation_and_role_changes_apply_on_the_next_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let coordinator = app.user(Role::Coordinator).await;
    let second_admin = app.user(Role::Admin).await;

    json(
        app.get("/api/v1/users", &coordinator.token).await,
        StatusCode::OK,
    )
    .await;
    json(
        app.patch(
            &format!("/api/v1/users/{}", coordinator.id),
            &admin.token,
            json!({ "active": false }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.get("/api/v1/users", &coordinator.token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        app.login(&coordinator.email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    let org = json!({ "name": "Ministry of Digital Development", "kind": "government" });
    json(
        app.post("/api/v1/organisations", &second_admin.token, org.clone())
            .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.patch(
            &format!("/api/v1/users/{}", second_admin.id),
            &admin.token,
            json!({ "role": "responder" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let other = json!({ "name": "Central Bank", "kind": "private", "sector": "banking" });
    assert_problem(
        app.post("/api/v1/organisations", &second_admin.token, other)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[actix_web::test]
async fn users_change_their_own_language_and_password() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let wrong =
        json!({ "new_password": "another long password", "current_password": "guess guess guess" });
    let body = assert_problem(
        app.patch("/api/v1/me", &responder.token, wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["current_password"].is_array());
    let change = json!({ "locale": "ru", "new_password": "another long password", "current_password": PASSWORD });
    let me = json(
        app.patch("/api/v1/me", &responder.token, change).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["locale"], "ru");
    assert_problem(
        app.login(&responder.email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    json(
        app.login(&responder.email, "another long password").await,
        StatusCode::OK,
    )
    .await;
}
