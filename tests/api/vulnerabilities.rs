//! Vulnerabilities: KEV and EPSS files (idempotent, all-or-nothing), CVSS scores, links to
//! assets, KEV proposals and the exposure list, each kept to the caller's organisation.

use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, json, TestApp};

pub const KEV: &str = include_str!("data/kev.json");
pub const EPSS: &str = include_str!("data/epss.csv");

const IMPORT: &str = "/api/v1/vulnerabilities/import";

async fn cve(app: &TestApp, token: &str, cve: &str) -> reqwest::Response {
    app.get(&format!("/api/v1/vulnerabilities/{cve}"), token)
        .await
}

/// Loads both sample files as the administrator.
pub async fn load_samples(app: &TestApp, token: &str) {
    json(
        app.post_raw(IMPORT, token, "application/json", KEV).await,
        StatusCode::OK,
    )
    .await;
    json(
        app.post_raw(IMPORT, token, "text/csv", EPSS).await,
        StatusCode::OK,
    )
    .await;
}

#[actix_web::test]
async fn kev_and_epss_files_import_idempotently_and_all_or_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    let first = json(
        app.post_raw(IMPORT, &admin.token, "application/json", KEV)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        first,
        json!({ "format": "kev", "entries": 2, "created": 2, "updated": 0 })
    );
    let again = json(
        app.post_raw(IMPORT, &admin.token, "application/json; charset=utf-8", KEV)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["created"], 0);
    assert_eq!(again["updated"], 2);
    let epss = json(
        app.post_raw(IMPORT, &admin.token, "text/csv", EPSS).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        epss,
        json!({ "format": "epss", "entries": 3, "created": 1, "updated": 2 })
    );
    let all = json(
        app.get("/api/v1/vulnerabilities", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        3,
        "never duplicated"
    );

    let log4j = json(
        cve(&app, &admin.token, "cve-2021-44228").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(log4j["cve"], "CVE-2021-44228");
    assert_eq!(log4j["kev"], true);
    assert_eq!(log4j["ransomware_use"], true);
    assert_eq!(log4j["kev_due"], "2021-12-24");
    assert_eq!(log4j["vendor"], "Apache");
    assert_eq!(log4j["cwes"], json!(["CWE-20", "CWE-400", "CWE-502"]));
    assert_eq!(log4j["epss"].as_f64(), Some(0.94358));
    assert_eq!(log4j["epss_percentile"].as_f64(), Some(0.99961));
    assert_eq!(log4j["epss_date"], "2026-11-30");
    let old = json(
        cve(&app, &admin.token, "CVE-1999-0001").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(old["kev"], false);

    // Filters.
    let kev_only = json(
        app.get("/api/v1/vulnerabilities?kev=true", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(kev_only["items"].as_array().unwrap().len(), 2);
    let likely = json(
        app.get(
            "/api/v1/vulnerabilities?min_epss=0.5&q=citrix",
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(likely["items"][0]["cve"], "CVE-2023-4966");
    assert_eq!(likely["items"].as_array().unwrap().len(), 1);
    assert_problem(
        app.get("/api/v1/vulnerabilities?min_epss=2", &admin.token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // A bad entry refuses the whole file, naming it; the good entry before it is not kept.
    let bad_kev = KEV
        .replace("CVE-2021-44228", "CVE-2026-0001")
        .replace("\"dueDate\": \"2023-11-08\"", "\"dueDate\": \"next week\"");
    let problem = assert_problem(
        app.post_raw(IMPORT, &admin.token, "application/json", bad_kev)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        problem["errors"]["vulnerabilities[1].dueDate"].is_array(),
        "{problem}"
    );
    assert_problem(
        cve(&app, &admin.token, "CVE-2026-0001").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let bad_epss = EPSS
        .replace("CVE-2021-44228,0.94358", "CVE-2021-44228,0.12345")
        .replace("0.01141", "seven");
    let problem = assert_problem(
        app.post_raw(IMPORT, &admin.token, "text/csv", bad_epss)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem["errors"]["line 5"].is_array(), "{problem}");
    let unchanged = json(
        cve(&app, &admin.token, "CVE-2021-44228").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(unchanged["epss"].as_f64(), Some(0.94358));
    assert_problem(
        app.post_raw(IMPORT, &admin.token, "text/csv", "cve;epss\n")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_problem(
        app.post_raw(IMPORT, &admin.token, "application/xml", "<kev/>")
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;

    // The same file as the `file` part of a form.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::text(EPSS.replace("0.01141", "0.02000"))
            .file_name("epss_scores-2026-11-30.csv"),
    );
    let res = app
        .client
        .post(app.url(IMPORT))
        .bearer_auth(&admin.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let summary = json(res, StatusCode::OK).await;
    assert_eq!(summary["format"], "epss");
    let old = json(
        cve(&app, &admin.token, "CVE-1999-0001").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(old["epss"].as_f64(), Some(0.02));

    // Each import is one audit event.
    let imports = app
        .db
        .run(|c| {
            Ok(qalxan::db::models::audit::latest_for_entity(
                c,
                "vulnerability",
                "vulnerabilities.imported",
            )?)
        })
        .await
        .unwrap();
    assert_eq!(imports.len(), 4);

    // CERT staff only; liaisons see nothing.
    let reporter = app.user(Role::Reporter).await;
    let liaison = app.user(Role::Liaison).await;
    let auditor = app.user(Role::Auditor).await;
    for who in [&reporter, &auditor] {
        assert_problem(
            app.post_raw(IMPORT, &who.token, "application/json", KEV)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        json(
            cve(&app, &who.token, "CVE-2021-44228").await,
            StatusCode::OK,
        )
        .await;
    }
    assert_problem(
        app.get("/api/v1/vulnerabilities", &liaison.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        cve(&app, &liaison.token, "CVE-2021-44228").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        cve(&app, &admin.token, "not-a-cve").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[actix_web::test]
async fn cvss_vectors_are_scored_by_the_crate_and_bad_ones_refused() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let post = |body: Value| app.post("/api/v1/vulnerabilities", &responder.token, body);

    let shellshock = json(
        post(json!({ "cve": "CVE-2014-6271", "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "summary": "GNU Bash" })).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(shellshock["cvss_score"].as_f64(), Some(9.8));
    assert_eq!(shellshock["kev"], false);
    assert_eq!(shellshock["summary"], "GNU Bash");
    let poodle = json(
        post(json!({ "cve": "CVE-2014-3566", "cvss_vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N" })).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(poodle["cvss_score"].as_f64(), Some(3.1));
    // A known CVE is updated, with a CVSS 4.0 vector this time.
    let v4 = json(
        post(json!({ "cve": "CVE-2014-3566", "cvss_vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N" })).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v4["cvss_score"].as_f64(), Some(9.3));

    let bad = assert_problem(
        post(json!({ "cve": "CVE-2014-0160", "cvss_vector": "CVSS:3.1/AV:N/AC:Z" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad["errors"]["cvss_vector"].is_array(), "{bad}");
    let bad = assert_problem(
        post(json!({ "cve": "heartbleed" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad["errors"]["cve"].is_array(), "{bad}");
    assert_problem(
        app.get("/api/v1/vulnerabilities/CVE-2014-0160", &responder.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let reporter = app.user(Role::Reporter).await;
    assert_problem(
        app.post(
            "/api/v1/vulnerabilities",
            &reporter.token,
            json!({ "cve": "CVE-2014-0160" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[actix_web::test]
async fn asset_links_kev_proposals_and_exposure_stay_within_the_organisation() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    load_samples(&app, &admin.token).await;
    let water = app.organisation("cii_operator").await;
    let power = app.organisation("cii_operator").await;
    let operator = app.user_in(Role::Reporter, water).await;
    let other = app.user_in(Role::Reporter, power).await;
    let auditor = app.user(Role::Auditor).await;
    let liaison = app.user(Role::Liaison).await;
    let scada = app
        .asset(water, "SCADA historian", 4, json!({ "vendor": "apache", "product": "LOG4J2", "cpe": "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*" }))
        .await;
    let billing = app.asset(power, "Billing", 2, json!({})).await;
    let path = format!("/api/v1/assets/{scada}/vulnerabilities");

    // The KEV entry for its vendor and product is proposed, to its own organisation only.
    let mine = json(app.get(&path, &operator.token).await, StatusCode::OK).await;
    assert_eq!(mine["proposed"][0]["cve"], "CVE-2021-44228");
    assert_eq!(mine["items"], json!([]));
    assert_problem(app.get(&path, &other.token).await, StatusCode::NOT_FOUND).await;
    assert_problem(app.get(&path, &liaison.token).await, StatusCode::FORBIDDEN).await;

    // The operator links it; a second post changes the status.
    let link = json(
        app.post(
            &path,
            &operator.token,
            json!({ "cve": "CVE-2021-44228", "status": "open", "note": "patch window on Sunday" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(link["vulnerability"]["kev"], true);
    let mine = json(app.get(&path, &operator.token).await, StatusCode::OK).await;
    assert_eq!(
        mine["proposed"],
        json!([]),
        "no longer proposed once linked"
    );
    let bad = assert_problem(
        app.post(
            &path,
            &operator.token,
            json!({ "cve": "CVE-2021-44228", "status": "ignored" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad["errors"]["status"].is_array());
    let unknown = assert_problem(
        app.post(
            &path,
            &operator.token,
            json!({ "cve": "CVE-2030-0001", "status": "open" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(unknown["errors"]["cve"].is_array());
    assert_problem(
        app.post(
            &path,
            &other.token,
            json!({ "cve": "CVE-2021-44228", "status": "open" }),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.post(
            &path,
            &auditor.token,
            json!({ "cve": "CVE-2021-44228", "status": "open" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    json(
        app.post(
            &format!("/api/v1/assets/{billing}/vulnerabilities"),
            &admin.token,
            json!({ "cve": "CVE-1999-0001", "status": "open" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Exposure: the KEV entry on a vital asset comes first, with its reason.
    let national = json(
        app.get("/api/v1/exposure", &auditor.token).await,
        StatusCode::OK,
    )
    .await;
    let items = national["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["asset"]["id"], scada);
    assert_eq!(items[0]["weight"].as_f64(), Some(4.0));
    assert_eq!(
        items[0]["reasons"][0]["reason"],
        "known exploited (KEV), used by ransomware"
    );
    assert_eq!(items[1]["asset"]["id"], billing);
    assert!((items[1]["weight"].as_f64().unwrap() - 0.02282).abs() < 1e-9);
    let paged = json(
        app.get("/api/v1/exposure?limit=1", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(paged["items"].as_array().unwrap().len(), 1);
    let cursor = paged["next_cursor"].as_str().unwrap().to_owned();
    let second = json(
        app.get(
            &format!("/api/v1/exposure?limit=1&cursor={cursor}"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"][0]["asset"]["id"], billing);
    assert!(second["next_cursor"].is_null());
    let own = json(
        app.get("/api/v1/exposure", &operator.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    assert_eq!(own["items"][0]["asset"]["id"], scada);
    assert_problem(
        app.get("/api/v1/exposure", &liaison.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Mitigated: off the exposure list; the change is audited on the asset.
    let changed = json(
        app.post(
            &path,
            &operator.token,
            json!({ "cve": "CVE-2021-44228", "status": "mitigated" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["status"], "mitigated");
    let own = json(
        app.get("/api/v1/exposure", &operator.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["items"], json!([]));
    let events = app
        .db
        .run(|c| {
            Ok(qalxan::db::models::audit::latest_for_entity(
                c,
                "asset",
                "asset.vulnerability_updated",
            )?)
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].entity_id, Some(scada));
}
