//! NIS2 reporting stages (Art. 23): marking an incident significant, each stage's due time and
//! state, submissions once, corrections, intermediate requests, the CERT's acknowledgement, and
//! who may do what — over HTTP, on whichever database the suite runs against.

use chrono::{DateTime, Duration, Months, Utc};
use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, history_actions, json, TestApp, TestUser};

/// A reporter of an essential entity.
pub async fn nis2_reporter(app: &TestApp) -> TestUser {
    let org = app
        .organisation_with("cii_operator", Some("essential"))
        .await;
    app.user_in(Role::Reporter, org).await
}

pub fn ago(hours: i64) -> String {
    (Utc::now() - Duration::hours(hours)).to_rfc3339()
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time"))
        .unwrap()
        .with_timezone(&Utc)
}

/// Files an incident detected `hours` ago and marks it significant as `who`.
pub async fn significant_incident(app: &TestApp, who: &TestUser, hours: i64) -> i64 {
    let filed = app
        .incident(
            who,
            json!({ "title": "Ransomware on billing", "description": "Encrypted servers.", "detected_at": ago(hours) }),
        )
        .await;
    assert_eq!(filed["significant"], false);
    let id = filed["id"].as_i64().unwrap();
    let marked = app
        .patch(
            &format!("/api/v1/incidents/{id}"),
            &who.token,
            json!({ "significant": true }),
        )
        .await;
    assert_eq!(json(marked, StatusCode::OK).await["significant"], true);
    id
}

pub async fn reports(app: &TestApp, who: &TestUser, id: i64) -> Value {
    json(
        app.get(&format!("/api/v1/incidents/{id}/reports"), &who.token)
            .await,
        StatusCode::OK,
    )
    .await
}

fn stage<'a>(list: &'a Value, name: &str) -> Vec<&'a Value> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["stage"] == name)
        .collect()
}

pub fn early_warning() -> Value {
    json!({
        "suspected_malicious": "yes", "cross_border_impact": "unknown",
        "summary": "Billing servers encrypted", "contact_name": "Duty officer",
        "contact_phone": "+994 12 555 01 01", "contact_email": "soc@operator.az",
    })
}

fn notification() -> Value {
    let mut fields = early_warning();
    let extra = json!({ "severity_assessment": "high", "impact": "Billing down", "affected_services": "billing",
                        "users_affected": 1200 });
    fields
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    fields
}

pub async fn submit(app: &TestApp, who: &TestUser, id: i64, body: Value) -> reqwest::Response {
    app.post(&format!("/api/v1/incidents/{id}/reports"), &who.token, body)
        .await
}

#[actix_web::test]
async fn stages_fall_due_and_are_judged_when_submitted() {
    let app = TestApp::spawn().await;
    let reporter = nis2_reporter(&app).await;
    let filed_at = Utc::now();
    let id = significant_incident(&app, &reporter, 30).await;
    let detected = filed_at - Duration::hours(30);

    let list = reports(&app, &reporter, id).await;
    let early = stage(&list, "early_warning")[0];
    let note = stage(&list, "notification")[0];
    assert!(stage(&list, "final").is_empty(), "{list}");
    // The early warning was due 24 h after awareness: overdue at once; the notification at 72 h.
    assert_eq!(early["state"], "overdue");
    assert!(
        (time(&early["due_at"]) - (detected + Duration::hours(24)))
            .num_seconds()
            .abs()
            < 5
    );
    assert_eq!(note["state"], "pending");
    assert!(
        (time(&note["due_at"]) - (detected + Duration::hours(72)))
            .num_seconds()
            .abs()
            < 5
    );
    assert_eq!(list["next_due"]["kind"], "early_warning");

    // Submitted late, and once only.
    let body = json!({ "stage": "early_warning", "fields": early_warning() });
    let sent = json(
        submit(&app, &reporter, id, body.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(sent["state"], "late");
    assert_eq!(sent["submitted_by"], reporter.id);
    assert_eq!(sent["fields"]["contact_email"], "soc@operator.az");
    let ack_due = time(&sent["acknowledge_due_at"]);
    assert_eq!(ack_due, time(&sent["submitted_at"]) + Duration::hours(24));
    assert_eq!(sent["acknowledge_state"], "pending");
    assert_problem(
        submit(&app, &reporter, id, body).await,
        StatusCode::CONFLICT,
    )
    .await;

    // A correction keeps the first and is judged by it.
    let mut fixed = early_warning();
    fixed["summary"] = json!("Billing and CRM servers encrypted");
    let correction = json!({ "stage": "early_warning", "fields": fixed, "supersedes": sent["id"] });
    let corrected = json(
        submit(&app, &reporter, id, correction.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(corrected["supersedes"], sent["id"]);
    assert_eq!(corrected["state"], "late");
    assert_eq!(corrected["due_at"], sent["due_at"]);
    assert_problem(
        submit(&app, &reporter, id, correction).await,
        StatusCode::CONFLICT,
    )
    .await;
    let list = reports(&app, &reporter, id).await;
    let versions = stage(&list, "early_warning");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["superseded_by"], corrected["id"]);
    assert_eq!(
        versions[0]["fields"]["summary"],
        "Billing servers encrypted"
    );

    // The final report opens with the notification: one calendar month after its submission.
    let fields = json!({ "description": "Ransomware", "root_cause": "Phished VPN password",
        "mitigations_applied": "MFA", "mitigations_ongoing": "Training", "cross_border_impact_details": "None" });
    let early_final = json!({ "stage": "final", "fields": fields.clone() });
    assert_problem(
        submit(&app, &reporter, id, early_final).await,
        StatusCode::CONFLICT,
    )
    .await;
    let body = json!({ "stage": "notification", "fields": notification() });
    let sent = json(submit(&app, &reporter, id, body).await, StatusCode::CREATED).await;
    assert_eq!(sent["state"], "on_time");
    assert_eq!(sent["fields"]["users_affected"], 1200);
    assert!(sent.get("acknowledge_due_at").is_none(), "{sent}");
    let list = reports(&app, &reporter, id).await;
    let final_stage = stage(&list, "final")[0];
    let expected = time(&sent["submitted_at"])
        .checked_add_months(Months::new(1))
        .unwrap();
    assert_eq!(time(&final_stage["due_at"]), expected);
    assert_eq!(final_stage["state"], "pending");
    let done = json!({ "stage": "final", "fields": fields });
    let done = json(submit(&app, &reporter, id, done).await, StatusCode::CREATED).await;
    assert_eq!(done["state"], "on_time");
}

#[actix_web::test]
async fn bad_forms_are_refused_field_by_field() {
    let app = TestApp::spawn().await;
    let reporter = nis2_reporter(&app).await;
    let id = significant_incident(&app, &reporter, 2).await;
    let mut fields = notification();
    fields["users_affected"] = json!(-1);
    fields["contact_email"] = json!("not-an-address");
    fields["suspected_malicious"] = json!("perhaps");
    fields["colour"] = json!("red");
    fields.as_object_mut().unwrap().remove("impact");
    let body = json!({ "stage": "notification", "fields": fields });
    let problem = assert_problem(
        submit(&app, &reporter, id, body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in [
        "fields.users_affected",
        "fields.contact_email",
        "fields.suspected_malicious",
        "fields.colour",
        "fields.impact",
    ] {
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }
    let body = json!({ "stage": "progress", "fields": [] });
    let problem = assert_problem(
        submit(&app, &reporter, id, body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem["errors"]["stage"].is_array() && problem["errors"]["fields"].is_array());
    // Nothing was stored.
    let list = reports(&app, &reporter, id).await;
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["submitted_at"].is_null()));
}

#[actix_web::test]
async fn the_cert_asks_for_intermediate_reports_and_answers_early_warnings() {
    let app = TestApp::spawn().await;
    let reporter = nis2_reporter(&app).await;
    let coordinator = app.user(Role::Coordinator).await;
    let responder = app.user(Role::Responder).await;
    let id = significant_incident(&app, &reporter, 3).await;
    let update = json!({ "stage": "intermediate", "fields": { "status_update": "Contained" } });
    assert_problem(
        submit(&app, &reporter, id, update.clone()).await,
        StatusCode::CONFLICT,
    )
    .await;

    let path = format!("/api/v1/incidents/{id}/reports/request");
    let past = json!({ "stage": "intermediate", "due_at": ago(1) });
    let problem = assert_problem(
        app.post(&path, &responder.token, past).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem["errors"]["due_at"].is_array());
    let wrong = json!({ "stage": "final", "due_at": ago(-48) });
    assert_problem(
        app.post(&path, &responder.token, wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let ask = json!({ "stage": "intermediate", "due_at": ago(-48) });
    assert_problem(
        app.post(&path, &reporter.token, ask.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let asked = json(
        app.post(&path, &responder.token, ask).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (asked["state"].as_str(), asked["requested_by"].as_i64()),
        (Some("pending"), Some(responder.id))
    );
    let sent = json(
        submit(&app, &reporter, id, update).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (sent["id"].clone(), sent["state"].as_str()),
        (asked["id"].clone(), Some("on_time"))
    );

    // The CERT staff submit on the entity's behalf; coordinators answer the early warning.
    let body = json!({ "stage": "early_warning", "fields": early_warning() });
    let warning = json(
        submit(&app, &responder, id, body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(warning["submitted_by"], responder.id);
    let ack = format!("/api/v1/incident-reports/{}/acknowledge", warning["id"]);
    let feedback = json!({ "feedback": "Received; isolate the billing VLAN." });
    assert_problem(
        app.post(&ack, &responder.token, feedback.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(&ack, &reporter.token, feedback.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let empty = json!({ "feedback": "  " });
    assert_problem(
        app.post(&ack, &coordinator.token, empty).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let answered = json(
        app.post(&ack, &coordinator.token, feedback.clone()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answered["acknowledge_state"], "on_time");
    assert_eq!(answered["acknowledged_by"], coordinator.id);
    assert_eq!(answered["feedback"], "Received; isolate the billing VLAN.");
    assert_problem(
        app.post(&ack, &coordinator.token, feedback.clone()).await,
        StatusCode::CONFLICT,
    )
    .await;
    // Only early warnings are answered; the reporter sees the answer.
    let other = format!("/api/v1/incident-reports/{}/acknowledge", sent["id"]);
    assert_problem(
        app.post(&other, &coordinator.token, feedback).await,
        StatusCode::CONFLICT,
    )
    .await;
    let list = reports(&app, &reporter, id).await;
    assert_eq!(
        stage(&list, "early_warning")[0]["feedback"],
        "Received; isolate the billing VLAN."
    );

    // Every step is in the incident's history.
    let actions = history_actions(&app, &coordinator, id).await;
    for action in [
        "incident.marked_significant",
        "incident.report_requested",
        "incident.report_submitted",
        "incident.report_acknowledged",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[actix_web::test]
async fn who_may_mark_read_and_submit() {
    let app = TestApp::spawn().await;
    let reporter = nis2_reporter(&app).await;
    let outsider = nis2_reporter(&app).await;
    let auditor = app.user(Role::Auditor).await;
    let liaison = app.user(Role::Liaison).await;
    let coordinator = app.user(Role::Coordinator).await;
    let plain = app.user(Role::Reporter).await;

    // Only incidents of NIS2 entities can be significant.
    let filed = app
        .incident(&plain, json!({ "title": "t", "description": "d" }))
        .await;
    let path = format!("/api/v1/incidents/{}", filed["id"]);
    let problem = assert_problem(
        app.patch(&path, &plain.token, json!({ "significant": true }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem["errors"]["significant"].is_array());
    let early = json!({ "stage": "early_warning", "fields": early_warning() });
    let id = filed["id"].as_i64().unwrap();
    assert_problem(
        submit(&app, &plain, id, early.clone()).await,
        StatusCode::CONFLICT,
    )
    .await;

    // Filing as significant works for a NIS2 entity; the mark stays.
    let filed = app
        .incident(
            &reporter,
            json!({ "title": "t", "description": "d", "significant": true }),
        )
        .await;
    assert_eq!(filed["significant"], true);
    let id = filed["id"].as_i64().unwrap();
    let path = format!("/api/v1/incidents/{id}");
    let problem = assert_problem(
        app.patch(&path, &coordinator.token, json!({ "significant": false }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem["errors"]["significant"].is_array());
    // Reporters may mark, not edit.
    let edit = json!({ "title": "x", "significant": true });
    assert_problem(
        app.patch(&path, &reporter.token, edit).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let mark = json!({ "significant": true });
    assert_problem(
        app.patch(&path, &auditor.token, mark.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.patch(&path, &outsider.token, mark).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Another organisation's reporter: 404 everywhere; a liaison: 403; an auditor reads only.
    let list_path = format!("/api/v1/incidents/{id}/reports");
    assert_problem(
        app.get(&list_path, &outsider.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        submit(&app, &outsider, id, early.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let share = json!({ "organisation_id": liaison.organisation_id, "max_tlp": "TLP:AMBER" });
    let shared = app
        .post(
            &format!("/api/v1/incidents/{id}/shares"),
            &coordinator.token,
            share,
        )
        .await;
    assert!(shared.status().is_success());
    assert_problem(
        app.get(&list_path, &liaison.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        submit(&app, &liaison, id, early.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let list = reports(&app, &auditor, id).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_problem(
        submit(&app, &auditor, id, early.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let request = json!({ "stage": "intermediate", "due_at": ago(-24) });
    let request_path = format!("/api/v1/incidents/{id}/reports/request");
    assert_problem(
        app.post(&request_path, &auditor.token, request.clone())
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(&request_path, &liaison.token, request).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let sent = json(
        submit(&app, &reporter, id, early).await,
        StatusCode::CREATED,
    )
    .await;
    let ack = format!("/api/v1/incident-reports/{}/acknowledge", sent["id"]);
    let feedback = json!({ "feedback": "ok" });
    assert_problem(
        app.post(&ack, &auditor.token, feedback.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(&ack, &liaison.token, feedback.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let missing = "/api/v1/incident-reports/999999/acknowledge";
    assert_problem(
        app.post(missing, &coordinator.token, feedback).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[actix_web::test]
async fn a_corrected_awareness_moves_the_pending_stages() {
    let app = TestApp::spawn().await;
    let reporter = nis2_reporter(&app).await;
    let responder = app.user(Role::Responder).await;
    let id = significant_incident(&app, &reporter, 2).await;
    let detected = Utc::now() - Duration::hours(50);
    let patch = json!({ "detected_at": detected.to_rfc3339() });
    json(
        app.patch(&format!("/api/v1/incidents/{id}"), &responder.token, patch)
            .await,
        StatusCode::OK,
    )
    .await;
    let list = reports(&app, &reporter, id).await;
    let early = stage(&list, "early_warning")[0];
    assert_eq!(early["state"], "overdue");
    let due = time(&stage(&list, "notification")[0]["due_at"]);
    assert!((due - (detected + Duration::hours(72))).num_seconds().abs() < 2);
}

#[actix_web::test]
async fn admins_set_the_nis2_status_of_organisations() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body =
        json!({ "name": "Grid operator", "kind": "cii_operator", "nis2_entity": "important" });
    let org = json(
        app.post("/api/v1/organisations", &admin.token, body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(org["nis2_entity"], "important");
    let path = format!("/api/v1/organisations/{}", org["id"]);
    let bad = json!({ "nis2_entity": "vital" });
    let problem = assert_problem(
        app.patch(&path, &admin.token, bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem["errors"]["nis2_entity"].is_array());
    let changed = json(
        app.patch(&path, &admin.token, json!({ "nis2_entity": "essential" }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["nis2_entity"], "essential");
    let plain = json!({ "name": "Shop", "kind": "private" });
    let plain = json(
        app.post("/api/v1/organisations", &admin.token, plain).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(plain["nis2_entity"], "none");
    let reporter = app.user(Role::Reporter).await;
    let mark = json!({ "nis2_entity": "none" });
    assert_problem(
        app.patch(&path, &reporter.token, mark).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}
