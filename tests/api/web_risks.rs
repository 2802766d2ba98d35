//! The risk pages: the register with its heat map and CSV, the risk page, vulnerabilities (file
//! loading through the form) and exposure, each for the roles that may use them.

use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    helpers::{json, TestApp, ADMIN_EMAIL},
    vulnerabilities::{EPSS, KEV},
    web::WebClient,
};

#[actix_web::test]
async fn operators_register_risks_and_the_cert_sees_them_on_the_national_map() {
    let app = TestApp::spawn().await;
    let water = app.organisation("cii_operator").await;
    let power = app.organisation("cii_operator").await;
    let operator = app.user_in(Role::Reporter, water).await;
    let other = app.user_in(Role::Reporter, power).await;
    let liaison = app.user(Role::Liaison).await;
    let historian = app.asset(water, "Historian", 4, json!({})).await;
    let web = WebClient::signed_in(&app, &operator.email).await;

    // The form, with the asset ticked and an invalid date first.
    let asset_field = format!("asset_{historian}");
    let mut fields = vec![
        ("title", "Ransomware on the historian"),
        ("description", "It would stop reporting."),
        ("threat", "ransomware"),
        ("likelihood", "5"),
        ("impact", "4"),
        ("treatment", "mitigate"),
        ("treatment_due", "soon"),
        (asset_field.as_str(), "on"),
    ];
    let refused = web.submit("/risks/new", "/risks", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("f-treatment_due-error"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Ransomware on the historian"),
        "input kept"
    );
    fields[6] = ("treatment_due", "2027-03-31");
    let created = web.submit("/risks/new", "/risks", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let risk_path = created.location().split('?').next().unwrap().to_owned();
    let page = web.get(created.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Ransomware on the historian"));
    assert!(page.body.contains("/assets/") && page.body.contains("Historian"));

    // The register: the heat map counts it in its cell, whose link filters the list.
    let register = web.get("/risks").await;
    assert!(register.body.contains("Heat map of your organisation"));
    assert!(
        register
            .body
            .contains("data-likelihood=\"5\" data-impact=\"4\" data-count=\"1\""),
        "{}",
        register.body
    );
    let cell = web.get("/risks?likelihood=5&impact=4").await;
    assert!(cell.body.contains("Ransomware on the historian"));
    assert!(web
        .get("/risks?likelihood=1&impact=1")
        .await
        .body
        .contains("id=\"cell-filter\""));
    assert!(!web
        .get("/risks?likelihood=1&impact=1")
        .await
        .body
        .contains("Ransomware on the historian"));
    let csv = web.get("/risks.csv?level=critical").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(
        csv.body
            .contains(",Ransomware on the historian,ransomware,5,4,20,critical,"),
        "{}",
        csv.body
    );

    // The CERT's national map in Azerbaijani (the administrator's language).
    let cert = WebClient::signed_in(&app, ADMIN_EMAIL).await;
    let national = cert.get("/risks").await;
    assert!(
        national.body.contains("Milli istilik xəritəsi"),
        "{}",
        national.body
    );
    assert!(national
        .body
        .contains("data-likelihood=\"5\" data-impact=\"4\" data-count=\"1\""));
    assert!(
        national.body.contains("href=\"/risks\""),
        "linked from the navigation"
    );
    let per_org = cert.get(&format!("/risks?organisation_id={power}")).await;
    assert!(per_org
        .body
        .contains("data-likelihood=\"5\" data-impact=\"4\" data-count=\"0\""));

    // Others: another operator gets 404, a liaison 403, both as pages.
    let stranger = WebClient::signed_in(&app, &other.email).await;
    assert_eq!(stranger.get(&risk_path).await.status, StatusCode::NOT_FOUND);
    assert!(stranger
        .get("/risks")
        .await
        .body
        .contains("data-likelihood=\"5\" data-impact=\"4\" data-count=\"0\""));
    let agency = WebClient::signed_in(&app, &liaison.email).await;
    for path in [
        "/risks",
        "/vulnerabilities",
        "/exposure",
        risk_path.as_str(),
    ] {
        let res = agency.get(path).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
        assert!(res.body.contains("error-heading"));
    }
    assert!(!agency.get("/").await.body.contains("href=\"/risks\""));

    // A review flag from an incident shows on the page and goes with "mark as reviewed".
    let responder = app.user(Role::Responder).await;
    let incident = app
        .incident(
            &responder,
            json!({ "title": "HMI encrypted", "description": "d", "organisation_id": water }),
        )
        .await;
    json(
        app.post(
            &format!("/api/v1/incidents/{}/assets", incident["id"]),
            &responder.token,
            json!({ "asset_id": historian }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let flagged = web.get(&risk_path).await;
    assert!(flagged.body.contains("id=\"review-reason\""));
    assert!(flagged
        .body
        .contains(incident["reference"].as_str().unwrap()));
    assert!(
        !web.get("/risks").await.body.contains("id=\"review-queue\""),
        "no owner yet"
    );
    let reviewed = web
        .submit(&risk_path, &format!("{risk_path}/review"), &[])
        .await;
    assert_eq!(reviewed.status, StatusCode::SEE_OTHER);
    assert!(!web
        .get(&risk_path)
        .await
        .body
        .contains("id=\"review-reason\""));

    // Editing through the page's form rescored it.
    let edited = web
        .submit(
            &risk_path,
            &risk_path,
            &[
                ("title", "Ransomware on the historian"),
                ("description", "It would stop reporting."),
                ("threat", "ransomware"),
                ("likelihood", "2"),
                ("impact", "2"),
                ("treatment", "accept"),
                ("owner_id", &operator.id.to_string()),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let api = json(
        app.get(&format!("/api/v1{risk_path}"), &operator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (api["score"].as_i64(), api["level"].as_str()),
        (Some(4), Some("low"))
    );
    assert_eq!(api["assets"], json!([]), "unticked");
    assert_eq!(api["owner_id"], operator.id);

    // Owned and flagged again: it is in the owner's queue.
    let risk_id = api["id"].as_i64().unwrap();
    json(
        app.patch(
            &format!("/api/v1/risks/{risk_id}"),
            &operator.token,
            json!({ "asset_ids": [historian] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let second = app
        .incident(
            &responder,
            json!({ "title": "Second wave", "description": "d", "organisation_id": water }),
        )
        .await;
    json(
        app.post(
            &format!("/api/v1/incidents/{}/assets", second["id"]),
            &responder.token,
            json!({ "asset_id": historian }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let queue = web.get("/risks").await;
    assert!(queue.body.contains("id=\"review-queue\""), "{}", queue.body);
}

#[actix_web::test]
async fn staff_load_files_through_the_form_and_operators_confirm_kev_proposals() {
    let app = TestApp::spawn().await;
    let water = app.organisation("cii_operator").await;
    let operator = app.user_in(Role::Reporter, water).await;
    let scada = app
        .asset(
            water,
            "SCADA",
            4,
            json!({ "vendor": "Apache", "product": "Log4j2" }),
        )
        .await;
    let cert = WebClient::signed_in(&app, ADMIN_EMAIL).await;

    let upload = |file: &'static str, name: &'static str, token: Option<String>| {
        let mut form = reqwest::multipart::Form::new();
        if let Some(token) = token {
            form = form.text("csrf_token", token);
        }
        let form = form.part("file", reqwest::multipart::Part::text(file).file_name(name));
        cert.client
            .post(app.url("/vulnerabilities/import"))
            .multipart(form)
            .send()
    };
    let refused = upload(KEV, "kev.json", None).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let token = cert.get("/vulnerabilities").await.csrf();
    let loaded = upload(
        KEV,
        "known_exploited_vulnerabilities.json",
        Some(token.clone()),
    )
    .await
    .unwrap();
    assert_eq!(loaded.status(), StatusCode::SEE_OTHER);
    let location = loaded.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/vulnerabilities?entries=2&created=2&updated=0");
    let list = cert.get(&location).await;
    assert!(list.body.contains("CVE-2021-44228") && list.body.contains("class=\"notice\""));
    let bad = upload(
        "cve,epss,percentile\nCVE-2021-44228,2.5,0.1\n",
        "epss.csv",
        Some(token.clone()),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.unwrap();
    assert!(
        body.contains("id=\"file-errors\"") && body.contains("line 2"),
        "{body}"
    );
    assert_eq!(
        upload(EPSS, "epss.csv", Some(token))
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );

    // The operator's asset page proposes the KEV entry; confirming it links it as open.
    let web = WebClient::signed_in(&app, &operator.email).await;
    let asset_page = web.get(&format!("/assets/{scada}")).await;
    assert!(
        asset_page.body.contains("id=\"kev-proposals\""),
        "{}",
        asset_page.body
    );
    assert!(asset_page.body.contains("CVE-2021-44228"));
    let confirmed = web
        .submit(
            &format!("/assets/{scada}"),
            &format!("/assets/{scada}/vulnerabilities"),
            &[("cve", "CVE-2021-44228"), ("status", "open")],
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    let asset_page = web.get(&format!("/assets/{scada}")).await;
    assert!(asset_page.body.contains("id=\"asset-vulnerabilities\""));
    assert!(!asset_page.body.contains("id=\"kev-proposals\""));

    // Exposure lists it with its reason; the vulnerabilities page filters.
    let exposure = web.get("/exposure").await;
    assert_eq!(exposure.status, StatusCode::OK);
    assert!(
        exposure.body.contains("SCADA")
            && exposure
                .body
                .contains("known exploited (KEV), used by ransomware"),
        "{}",
        exposure.body
    );
    let filtered = web.get("/vulnerabilities?kev=true&q=citrix").await;
    assert!(filtered.body.contains("CVE-2023-4966") && !filtered.body.contains("CVE-2021-44228"));
    assert!(
        !filtered.body.contains("id=\"import-form\""),
        "operators do not load files"
    );

    // Recording a CVE with a bad vector comes back with the message.
    let refused = cert
        .submit(
            "/vulnerabilities",
            "/vulnerabilities",
            &[("cve", "CVE-2014-6271"), ("cvss_vector", "CVSS:3.1/AV:Q")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("f-cvss_vector-error"));
    let recorded = cert
        .submit(
            "/vulnerabilities",
            "/vulnerabilities",
            &[
                ("cve", "CVE-2014-6271"),
                (
                    "cvss_vector",
                    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                ),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER);
    assert!(cert.get(recorded.location()).await.body.contains("9.8"));
}
