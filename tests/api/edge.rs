//! The HTTP edge: operations endpoints, OpenAPI, and problem+json for every client mistake.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_problem, json, TestApp};

#[actix_web::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::spawn().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(json(health, StatusCode::OK).await["status"], "ok");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(json(ready, StatusCode::OK).await["status"], "ready");
    let res = app
        .client
        .get(app.url("/api/v1/users/12"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().contains_key("x-request-id"));
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains(
            r#"qalxan_http_requests_total{method="GET",route="/api/v1/users/{id}",status="401"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("qalxan_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("qalxan_db_pool_max_connections 4"));
}

#[actix_web::test]
async fn openapi_document_and_browsable_docs_are_served_locally() {
    let app = TestApp::spawn().await;
    let doc = json(
        app.client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/users",
        "/api/v1/organisations/{id}",
        "/readyz",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    let page = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("cdn") && !html.contains("unpkg"),
        "docs must not load from a CDN"
    );
}

#[actix_web::test]
async fn client_mistakes_are_problem_json_never_5xx() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    assert_problem(
        app.get("/api/v1/no/such/route", &admin.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get("/api/v1/users/not-a-number", &admin.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get("/api/v1/users/999999", &admin.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.request(Method::DELETE, "/api/v1/me", Some(&admin.token), None)
            .await,
        StatusCode::METHOD_NOT_ALLOWED,
    )
    .await;

    let broken = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_problem(broken, StatusCode::BAD_REQUEST).await;

    let not_json = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&admin.token)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;

    let huge = json!({ "name": "x".repeat(2 * 1024 * 1024), "kind": "government" });
    assert_problem(
        app.post("/api/v1/organisations", &admin.token, huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;

    let wrong_type = json!({ "email": "a@b.test", "display_name": "A", "password": "x", "organisation_id": "one", "role": "admin" });
    let body = assert_problem(
        app.post("/api/v1/users", &admin.token, wrong_type).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["organisation_id"].is_array(), "{body}");

    let invalid = json!({ "email": "nope", "display_name": "", "password": "short", "organisation_id": 1, "role": "boss", "locale": "fr" });
    let body = assert_problem(
        app.post("/api/v1/users", &admin.token, invalid).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in ["email", "display_name", "password", "role", "locale"] {
        assert!(body["errors"][field][0].is_string(), "{field}: {body}");
    }

    let unknown_field = json!({ "name": "X", "kind": "government", "colour": "blue" });
    let body = assert_problem(
        app.post("/api/v1/organisations", &admin.token, unknown_field)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"].to_string().contains("colour"), "{body}");

    let bad_limit = app
        .get("/api/v1/users?limit=5000&cursor=zzz", &admin.token)
        .await;
    let body = assert_problem(bad_limit, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        body["errors"]["limit"].is_array() && body["errors"]["cursor"].is_array(),
        "{body}"
    );
}

#[actix_web::test]
async fn responses_carry_security_headers() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
}

#[actix_web::test]
async fn https_deployments_ask_browsers_to_stay_on_https() {
    let plain = TestApp::spawn().await;
    let res = plain
        .client
        .get(plain.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert!(!res.headers().contains_key("strict-transport-security"));
    let https = TestApp::spawn_with(|env| {
        env.insert("QALXAN_BASE_URL".into(), "https://qalxan.cert.test".into());
    })
    .await;
    let res = https
        .client
        .get(https.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}
