//! Reporting without an account: the receipt, the tracking view, and the rate limit.

use qalxan::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_problem, json, TestApp};

async fn report(app: &TestApp, title: &str) -> reqwest::Response {
    app.request(
        Method::POST,
        "/api/v1/public/reports",
        None,
        Some(json!({ "title": title, "description": "I received a fake bank SMS", "contact_email": "Citizen@Mail.test" })),
    )
    .await
}

#[actix_web::test]
async fn a_citizen_reports_and_follows_with_the_tracking_code_only() {
    let app = TestApp::spawn().await;
    let receipt = json(report(&app, "Fake bank SMS").await, StatusCode::CREATED).await;
    let code = receipt["tracking_code"].as_str().unwrap();
    assert!(code.len() >= 32, "at least 192 bits, base64: {code}");
    let reference = receipt["reference"].as_str().unwrap();

    // It lands in the CERT's queue as new, in the public organisation, with the contact kept.
    let coordinator = app.user(Role::Coordinator).await;
    let queue = json(
        app.get("/api/v1/incidents?status=new", &coordinator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let item = &queue["items"][0];
    assert_eq!(item["reference"], reference);
    assert_eq!(item["reporter_contact"], "citizen@mail.test");
    let id = item["id"].as_i64().unwrap();
    let stored: String = app
        .db
        .run(move |c| {
            Ok(qalxan::db::models::incident::find(c, id)?
                .tracking_hash
                .unwrap())
        })
        .await
        .unwrap();
    assert_ne!(stored, code, "only the hash is stored");
    assert_eq!(stored.len(), 64);

    let comments = format!("/api/v1/incidents/{id}/comments");
    json(
        app.post(
            &comments,
            &coordinator.token,
            json!({ "body": "We are looking into it", "visibility": "shared" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            &comments,
            &coordinator.token,
            json!({ "body": "Sender is a known smishing gang", "visibility": "internal" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.patch(
            &format!("/api/v1/incidents/{id}"),
            &coordinator.token,
            json!({ "category": "phishing", "severity": "low" }),
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

    let status = json(
        app.request(
            Method::GET,
            &format!("/api/v1/public/reports/{code}"),
            None,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(status["reference"], reference);
    assert_eq!(status["status"], "triage");
    let bodies: Vec<&str> = status["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["We are looking into it"]);
    assert!(status.get("reporter_contact").is_none() && status.get("description").is_none());

    for wrong in [
        "x".repeat(32),
        code[..code.len() - 1].to_owned(),
        "short".into(),
    ] {
        assert_problem(
            app.request(
                Method::GET,
                &format!("/api/v1/public/reports/{wrong}"),
                None,
                None,
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    // A public report is audited in its own stream, without an actor.
    let history = json(
        app.get(
            &format!("/api/v1/incidents/{id}/history"),
            &coordinator.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(history[0]["details"]["source"], "public");
    assert!(history[0]["actor_id"].is_null());
}

#[actix_web::test]
async fn public_reports_are_validated_and_rate_limited_per_address() {
    let app = TestApp::spawn_with(|env| {
        env.insert("QALXAN_PUBLIC_REPORT_LIMIT".into(), "3".into());
    })
    .await;
    let invalid = app
        .request(Method::POST, "/api/v1/public/reports", None, Some(json!({ "title": "", "description": "d", "contact_email": "nope", "category": "x" })))
        .await;
    let body = assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY).await;
    for field in ["title", "contact_email", "category"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    for i in 0..3 {
        json(
            report(&app, &format!("Report {i}")).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let limited = report(&app, "One too many").await;
    assert!(limited.headers().contains_key("retry-after"));
    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS).await;
}
