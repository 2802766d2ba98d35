//! The NIS2 section of the case page over plain HTTP: the reporter marks the incident
//! significant and sees the stages due in their own zone and language, submits a stage (a
//! refusal comes back at the field), the CERT answers the early warning; the admin's
//! organisation form sets the NIS2 status.

use chrono::{DateTime, Duration, Utc};
use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    helpers::{json, TestApp},
    nis2::{nis2_reporter, reports},
    web::WebClient,
};

#[actix_web::test]
async fn a_reporter_reports_the_stages_and_the_cert_answers_from_the_case_page() {
    let app = TestApp::spawn().await;
    let reporter = nis2_reporter(&app).await;
    let coordinator = app.user(Role::Coordinator).await;
    let me = app
        .patch("/api/v1/me", &reporter.token, json!({ "locale": "az" }))
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    let detected = Utc::now() - Duration::hours(30);
    let filed = app
        .incident(
            &reporter,
            json!({ "title": "Billing down", "description": "Ransomware", "detected_at": detected.to_rfc3339() }),
        )
        .await;
    let id = filed["id"].as_i64().unwrap();
    let case = format!("/incidents/{id}");

    let web = WebClient::signed_in(&app, &reporter.email).await;
    let page = web.get(&case).await;
    assert!(page.body.contains("id=\"nis2-mark-form\""), "{}", page.body);
    let marked = web
        .submit(&case, &format!("/incidents/{id}/significant"), &[])
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);

    // The stages as a timeline, in Azerbaijani, with the due time in the reader's zone.
    let page = web.get(&case).await;
    assert!(page.body.contains("id=\"nis2-timeline\""));
    assert!(page.body.contains("İlkin xəbərdarlıq"), "{}", page.body);
    assert!(page.body.contains("Müddəti keçib"));
    assert!(page.body.contains("Növbəti müddət:"));
    let list = reports(&app, &reporter, id).await;
    let due = DateTime::parse_from_rfc3339(list["items"][0]["due_at"].as_str().unwrap()).unwrap();
    let local = due
        .with_timezone(&chrono_tz::Asia::Baku)
        .format("%d.%m.%Y %H:%M")
        .to_string();
    assert!(page.body.contains(&local), "{local}");
    assert!(page.body.contains("(Asia/Baku)"));

    // A bad address comes back at its field, with what was typed kept.
    let mut form = vec![
        ("stage", "early_warning"),
        ("suspected_malicious", "yes"),
        ("cross_border_impact", "no"),
        ("summary", "Billing servers encrypted <b>now</b>"),
        ("contact_name", "Duty officer"),
        ("contact_phone", "+994 12 555 01 01"),
        ("contact_email", "nobody"),
    ];
    let refused = web
        .submit(&case, &format!("/incidents/{id}/reports"), &form)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("has-error"));
    assert!(refused
        .body
        .contains("Billing servers encrypted &#60;b&#62;now&#60;/b&#62;"));
    form[6] = ("contact_email", "soc@operator.az");
    let sent = web
        .submit(&case, &format!("/incidents/{id}/reports"), &form)
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let again = web
        .submit(&case, &format!("/incidents/{id}/reports"), &form)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("artıq göndərilib"));

    // The CERT sees the submission and answers it.
    let staff = WebClient::signed_in(&app, &coordinator.email).await;
    let page = staff.get(&case).await;
    assert!(page.body.contains("soc@operator.az"));
    let list = reports(&app, &reporter, id).await;
    let early = list["items"][0]["id"].as_i64().unwrap();
    assert!(page.body.contains(&format!("id=\"nis2-ack-{early}\"")));
    let answer = format!("/incidents/{id}/reports/{early}/acknowledge");
    let answered = staff
        .submit(&case, &answer, &[("feedback", "Isolate the billing VLAN.")])
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER);
    let page = web.get(&case).await;
    assert!(page.body.contains("Isolate the billing VLAN."));
    // The coordinator can ask for an intermediate report, the reporter cannot.
    assert!(staff.get(&case).await.body.contains("nis2-request-form"));
    assert!(!page.body.contains("nis2-request-form"));
    let asked = staff
        .submit(
            &case,
            &format!("/incidents/{id}/reports/request"),
            &[("due_at", "2020-01-01T10:00")],
        )
        .await;
    assert_eq!(asked.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn the_organisation_form_sets_the_nis2_status() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let web = WebClient::signed_in(&app, &admin.email).await;
    let form = web.get("/admin/organisations/new").await;
    assert!(form.body.contains("name=\"nis2_entity\""));
    let created = web
        .submit(
            "/admin/organisations/new",
            "/admin/organisations",
            &[
                ("name", "Water utility"),
                ("kind", "cii_operator"),
                ("nis2_entity", "important"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let list = json(
        app.get("/api/v1/organisations?kind=cii_operator", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let org = &list["items"][0];
    assert_eq!(org["nis2_entity"], "important");
    let path = format!("/admin/organisations/{}", org["id"]);
    for (value, status) in [
        ("bogus", StatusCode::UNPROCESSABLE_ENTITY),
        ("essential", StatusCode::SEE_OTHER),
    ] {
        let form = [
            ("name", "Water utility"),
            ("active", "on"),
            ("nis2_entity", value),
        ];
        assert_eq!(
            web.submit(&path, &path, &form).await.status,
            status,
            "{value}"
        );
    }
    let org = json(
        app.get(
            &format!("/api/v1/organisations/{}", org["id"]),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(org["nis2_entity"], "essential");
}
