//! Case-history exports of one incident: a signed bundle that verifies offline, CSV, and a
//! printable report in the reader's language — for auditors and admins only.

use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    audit_export::verify_bundle,
    evidence::uploaded,
    helpers::{assert_problem, json, TestApp, TestUser},
    web::WebClient,
};

/// An incident with something in every section of the case file.
async fn full_case(app: &TestApp, responder: &TestUser, reporter: &TestUser) -> (i64, String) {
    let filed = app.incident(reporter, json!({ "title": "Ransomware <script>alert(1)</script>", "description": "Files encrypted" })).await;
    let id = filed["id"].as_i64().unwrap();
    let comments = format!("/api/v1/incidents/{id}/comments");
    json(
        app.post(
            &comments,
            &responder.token,
            json!({ "body": "Shared: isolate the host", "visibility": "shared" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            &comments,
            &responder.token,
            json!({ "body": "Internal: looks like LockBit", "visibility": "internal" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            &format!("/api/v1/incidents/{id}/tasks"),
            &responder.token,
            json!({ "title": "Collect memory image" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            &format!("/api/v1/incidents/{id}/observables"),
            &responder.token,
            json!({ "kind": "domain", "value": "c2.example.net" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let evidence = uploaded(app, responder, id, "ransom-note.txt", b"pay us").await;
    json(
        app.post(
            &format!("/api/v1/evidence/{}/custody", evidence["id"]),
            &responder.token,
            json!({ "action": "transferred", "holder": "Forensics lab", "location": "Baku" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    (id, filed["reference"].as_str().unwrap().to_owned())
}

#[actix_web::test]
async fn an_auditor_exports_a_bundle_that_verifies_offline_after_the_database_is_gone() {
    let outside = tempfile::tempdir().unwrap();
    let bundle = {
        let app = TestApp::spawn().await;
        let responder = app.user(Role::Responder).await;
        let reporter = app.user(Role::Reporter).await;
        let auditor = app.user(Role::Auditor).await;
        let (id, reference) = full_case(&app, &responder, &reporter).await;
        let res = app
            .get(
                &format!("/api/v1/incidents/{id}/export?format=json"),
                &auditor.token,
            )
            .await;
        assert!(res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&reference));
        let bundle = json(res, StatusCode::OK).await;
        let case = &bundle["case"];
        assert_eq!(case["incident"]["reference"], reference);
        assert_eq!(
            case["comments"].as_array().unwrap().len(),
            2,
            "auditors see internal notes too"
        );
        assert_eq!(case["tasks"][0]["title"], "Collect memory image");
        assert_eq!(case["observables"][0]["value"], "c2.example.net");
        let evidence = &case["evidence"][0];
        assert_eq!(evidence["sha256"], sha256_hex(b"pay us"));
        let custody: Vec<&str> = evidence["custody"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["action"].as_str().unwrap())
            .collect();
        assert_eq!(custody, ["collected", "transferred"]);
        let events = bundle["events"].as_array().unwrap();
        assert_eq!(bundle["head"]["seq"].as_i64().unwrap(), events.len() as i64);
        assert_eq!(events[0]["action"], "incident.created");

        // The export itself is recorded, after the head it exported.
        let history = json(
            app.get(&format!("/api/v1/incidents/{id}/history"), &auditor.token)
                .await,
            StatusCode::OK,
        )
        .await;
        let last = history.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], "audit.exported");
        assert_eq!(last["details"]["head"], bundle["head"]);
        bundle
    };
    // The app and its database are gone; the bundle alone still proves the history.
    let (ok, out) = verify_bundle(
        outside.path(),
        &bundle,
        Some(bundle["signature"]["public_key"].as_str().unwrap()),
    )
    .await;
    assert!(ok, "{out}");
    let mut forged = bundle.clone();
    forged["events"][1]["details"] = json!({ "title": { "before": "x", "after": "y" } });
    let (ok, out) = verify_bundle(outside.path(), &forged, None).await;
    assert!(!ok, "a changed event must fail: {out}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[actix_web::test]
async fn csv_and_the_printable_report_follow_the_reader() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let reporter = app.user(Role::Reporter).await;
    let auditor = app.user(Role::Auditor).await;
    let (id, reference) = full_case(&app, &responder, &reporter).await;

    let csv = app
        .get(
            &format!("/api/v1/incidents/{id}/export?format=csv"),
            &auditor.token,
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let history = json(
        app.get(&format!("/api/v1/incidents/{id}/history"), &auditor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    // Header, then one row per event before this export (the export's own event follows it).
    assert_eq!(text.lines().count(), history.as_array().unwrap().len());
    assert!(text.lines().nth(1).unwrap().contains("incident.created"));

    json(
        app.patch("/api/v1/me", &auditor.token, json!({ "locale": "ru" }))
            .await,
        StatusCode::OK,
    )
    .await;
    let res = app
        .get(
            &format!("/api/v1/incidents/{id}/export?format=html"),
            &auditor.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script"));
    let html = res.text().await.unwrap();
    assert!(
        html.contains("История дела") && html.contains("Внутренняя заметка"),
        "in the reader's language"
    );
    assert!(html.contains(&reference));
    assert!(
        html.contains("Ransomware &#60;script&#62;alert(1)&#60;/script&#62;")
            && !html.contains("<script>alert"),
        "escaped"
    );
    let tlp = html.find("TLP:AMBER</span>").expect("TLP label shown");
    assert!(
        tlp < html.find("<h1>").unwrap(),
        "the label comes before the content"
    );
    assert!(
        html.contains(&history[0]["hash"].as_str().unwrap().to_owned()),
        "hashes in the appendix"
    );
    assert!(html.contains("Forensics lab"));

    // The same exports from the web UI, with the auditor's session.
    let web = WebClient::signed_in(&app, &auditor.email).await;
    let page = web
        .get(&format!("/incidents/{id}/export?format=html"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&reference));
    assert_eq!(
        web.get(&format!("/incidents/{id}/export?format=json"))
            .await
            .status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn only_auditors_and_admins_export() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let reporter = app.user(Role::Reporter).await;
    let (id, _) = full_case(&app, &responder, &reporter).await;
    let coordinator = app.user(Role::Coordinator).await;
    let liaison = app.user(Role::Liaison).await;
    for who in [&responder, &reporter, &coordinator, &liaison] {
        for format in ["json", "csv", "html"] {
            let res = app
                .get(
                    &format!("/api/v1/incidents/{id}/export?format={format}"),
                    &who.token,
                )
                .await;
            assert_problem(res, StatusCode::FORBIDDEN).await;
        }
    }
    let admin = app.admin().await;
    json(
        app.get(&format!("/api/v1/incidents/{id}/export"), &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.get("/api/v1/incidents/999999/export", &admin.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let body = assert_problem(
        app.get(
            &format!("/api/v1/incidents/{id}/export?format=pdf"),
            &admin.token,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["format"].is_array());
    let web = WebClient::signed_in(&app, &responder.email).await;
    assert_eq!(
        web.get(&format!("/incidents/{id}/export?format=html"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn a_date_range_exports_every_case_in_one_signed_collection() {
    let outside = tempfile::tempdir().unwrap();
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let reporter = app.user(Role::Reporter).await;
    let auditor = app.user(Role::Auditor).await;
    let (first, _) = full_case(&app, &responder, &reporter).await;
    let second = app
        .incident(&responder, json!({ "title": "Scan", "description": "d" }))
        .await["id"]
        .as_i64()
        .unwrap();
    let range = "from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z";

    let collection = json(
        app.get(&format!("/api/v1/audit/cases?{range}"), &auditor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let ids: Vec<i64> = collection["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["case"]["incident"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [first, second]);
    let (ok, out) = verify_bundle(outside.path(), &collection, None).await;
    assert!(ok && out.contains("2 case bundles valid"), "{out}");
    let mut trimmed = collection.clone();
    trimmed["bundles"].as_array_mut().unwrap().pop();
    let (ok, out) = verify_bundle(outside.path(), &trimmed, None).await;
    assert!(!ok, "a dropped case must be detected: {out}");

    let csv = app
        .get(
            &format!("/api/v1/audit/cases?{range}&format=csv"),
            &auditor.token,
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().contains("Scan"));
    let empty = json(
        app.get(
            "/api/v1/audit/cases?from=2999-01-01T00:00:00Z&to=2999-01-02T00:00:00Z",
            &auditor.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(empty["bundles"].as_array().unwrap().is_empty());

    assert_problem(
        app.get(&format!("/api/v1/audit/cases?{range}"), &responder.token)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let bad = assert_problem(
        app.get(
            "/api/v1/audit/cases?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z&format=xml",
            &auditor.token,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad["errors"]["format"].is_array());
    let reversed = assert_problem(
        app.get(
            "/api/v1/audit/cases?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            &auditor.token,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(reversed["errors"]["to"].is_array());
    assert_problem(
        app.get(
            "/api/v1/audit/cases?from=yesterday&to=today",
            &auditor.token,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}
