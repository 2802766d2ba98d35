//! Incidents: one story per role from report to closure and reopen, asserting what each role can
//! and cannot see and do, on whichever database the suite runs against.

use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, ids, json, TestApp, TestUser};

struct Cast {
    admin: TestUser,
    coordinator: TestUser,
    responder: TestUser,
    auditor: TestUser,
    reporter: TestUser,
    colleague: TestUser,
    outsider: TestUser,
    liaison: TestUser,
}

async fn cast(app: &TestApp) -> Cast {
    let reporter = app.user(Role::Reporter).await;
    Cast {
        admin: app.admin().await,
        coordinator: app.user(Role::Coordinator).await,
        responder: app.user(Role::Responder).await,
        auditor: app.user(Role::Auditor).await,
        colleague: app.user_in(Role::Reporter, reporter.organisation_id).await,
        reporter,
        outsider: app.user(Role::Reporter).await,
        liaison: app.user(Role::Liaison).await,
    }
}

#[actix_web::test]
async fn an_incident_goes_from_report_to_closure_and_reopen() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;

    // The reporter files for their own organisation; the rest is the CERT's to decide.
    let filed = app
        .incident(
            &c.reporter,
            json!({ "title": "Phishing against ministry staff", "description": "Mails ask for VPN passwords.",
                    "detected_at": "2026-11-20T08:00:00Z" }),
        )
        .await;
    let id = filed["id"].as_i64().unwrap();
    let reference = filed["reference"].as_str().unwrap();
    assert!(
        reference.starts_with("CERT-20") && reference.len() == "CERT-2026-00001".len(),
        "{reference}"
    );
    assert_eq!(filed["status"], "new");
    assert_eq!(filed["tlp"], "TLP:AMBER");
    assert_eq!(filed["pap"], "PAP:AMBER");
    assert_eq!(filed["category"], "undetermined");
    assert_eq!(filed["organisation_id"], c.reporter.organisation_id);
    assert_eq!(filed["reporter_id"], c.reporter.id);

    // Leaving new needs category and severity: 422 names both.
    let body = assert_problem(
        app.transition(&c.responder, id, json!({ "to": "triage" }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        body["errors"]["category"].is_array() && body["errors"]["severity"].is_array(),
        "{body}"
    );
    // Outsiders cannot move it at all, and the reporter cannot edit.
    assert_problem(
        app.transition(&c.reporter, id, json!({ "to": "triage" }))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.transition(&c.auditor, id, json!({ "to": "triage" }))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/api/v1/incidents/{id}"),
            &c.reporter.token,
            json!({ "severity": "high" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // A responder classifies it and takes it to triage; acknowledged_at is stamped.
    let edited = json(
        app.patch(
            &format!("/api/v1/incidents/{id}"),
            &c.responder.token,
            json!({ "category": "fraud:phishing", "severity": "Severe" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["category"], "phishing");
    assert_eq!(edited["category_class"], "fraud");
    assert_eq!(edited["severity"], "critical");
    let triaged = json(
        app.transition(&c.responder, id, json!({ "to": "triage" }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(triaged["acknowledged_at"].is_string());

    // An illegal move is 409; containment needs an assignee; only coordinators assign.
    assert_problem(
        app.transition(&c.responder, id, json!({ "to": "recovery" }))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    let body = assert_problem(
        app.transition(&c.responder, id, json!({ "to": "containment" }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["assignee_id"].is_array());
    let assign = json!({ "assignee_id": c.responder.id });
    assert_problem(
        app.post(
            &format!("/api/v1/incidents/{id}/assign"),
            &c.responder.token,
            assign.clone(),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let bad_assignee = json!({ "assignee_id": c.reporter.id });
    assert_problem(
        app.post(
            &format!("/api/v1/incidents/{id}/assign"),
            &c.coordinator.token,
            bad_assignee,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let assigned = json(
        app.post(
            &format!("/api/v1/incidents/{id}/assign"),
            &c.coordinator.token,
            assign,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(assigned["assignee_id"], c.responder.id);

    // Responders work it through to recovery, each step stamped.
    for step in ["containment", "eradication", "recovery"] {
        let moved = json(
            app.transition(&c.responder, id, json!({ "to": step }))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(moved["status"], step);
    }
    // Closing is the coordinator's, and needs resolution and root cause.
    assert_problem(
        app.transition(
            &c.responder,
            id,
            json!({ "to": "closed", "resolution": "x", "root_cause": "y" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let body = assert_problem(
        app.transition(&c.coordinator, id, json!({ "to": "closed" }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["resolution"].is_array() && body["errors"]["root_cause"].is_array());
    let closed = json(
        app.transition(
            &c.coordinator,
            id,
            json!({ "to": "closed", "resolution": "Domains taken down", "root_cause": "No DMARC" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for stamp in [
        "acknowledged_at",
        "contained_at",
        "eradicated_at",
        "recovered_at",
        "closed_at",
    ] {
        assert!(closed[stamp].is_string(), "{stamp} missing: {closed}");
    }
    // A closed incident cannot be assigned; it must be reopened, with a reason, by a coordinator.
    assert_problem(
        app.post(
            &format!("/api/v1/incidents/{id}/assign"),
            &c.coordinator.token,
            json!({ "assignee_id": null }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.transition(
            &c.responder,
            id,
            json!({ "to": "triage", "reason": "more" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let body = assert_problem(
        app.transition(&c.coordinator, id, json!({ "to": "triage" }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["reason"].is_array());
    let reopened = json(
        app.transition(
            &c.coordinator,
            id,
            json!({ "to": "triage", "reason": "The campaign is back" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(reopened["status"], "triage");
    assert_eq!(reopened["reopen_count"], 1);
    assert!(reopened["closed_at"].is_null());

    // The reporter side follows it; the colleague from the same organisation too; outsiders see nothing.
    let seen = json(
        app.get(&format!("/api/v1/incidents/{id}"), &c.colleague.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["status"], "triage");
    assert_problem(
        app.get(&format!("/api/v1/incidents/{id}"), &c.outsider.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/incidents/{id}"), &c.liaison.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(ids(&json(
        app.get("/api/v1/incidents", &c.outsider.token).await,
        StatusCode::OK
    )
    .await)
    .is_empty());
    assert_eq!(
        ids(&json(
            app.get("/api/v1/incidents", &c.reporter.token).await,
            StatusCode::OK
        )
        .await),
        vec![id]
    );

    // The history tells the story in order, each event chained to the previous one.
    let history = json(
        app.get(&format!("/api/v1/incidents/{id}/history"), &c.auditor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "incident.created",
            "incident.updated",
            "incident.transitioned",
            "incident.assigned",
            "incident.transitioned",
            "incident.transitioned",
            "incident.transitioned",
            "incident.transitioned",
            "incident.transitioned",
        ]
    );
    let events = history.as_array().unwrap();
    for pair in events.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
        assert_eq!(
            pair[1]["seq"].as_i64().unwrap(),
            pair[0]["seq"].as_i64().unwrap() + 1
        );
    }
    assert_eq!(
        events[1]["details"]["severity"],
        json!({ "before": null, "after": "critical" })
    );
    assert_eq!(
        events.last().unwrap()["details"]["reason"],
        "The campaign is back"
    );
    assert_eq!(events[0]["actor_id"], c.reporter.id);
    assert_problem(
        app.get(
            &format!("/api/v1/incidents/{id}/history"),
            &c.reporter.token,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    json(
        app.get(&format!("/api/v1/incidents/{id}/history"), &c.admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
}

#[actix_web::test]
async fn reporters_file_only_for_their_own_organisation_and_staff_for_any() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let body =
        json!({ "title": "t", "description": "d", "organisation_id": c.outsider.organisation_id });
    let problem = assert_problem(
        app.post("/api/v1/incidents", &c.reporter.token, body.clone())
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem["errors"]["organisation_id"].is_array());
    let filed = app.incident(&c.coordinator, body).await;
    assert_eq!(filed["organisation_id"], c.outsider.organisation_id);
    for who in [&c.auditor, &c.liaison] {
        assert_problem(
            app.post(
                "/api/v1/incidents",
                &who.token,
                json!({ "title": "t", "description": "d" }),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let invalid = json!({ "title": "x".repeat(301), "description": "", "category": "aliens", "severity": "meh",
                          "tlp": "TLP:PURPLE", "pap": "PAP:BLUE", "detected_at": "yesterday" });
    let problem = assert_problem(
        app.post("/api/v1/incidents", &c.responder.token, invalid)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in [
        "title",
        "description",
        "category",
        "severity",
        "tlp",
        "pap",
        "detected_at",
    ] {
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }
    let future = json!({ "title": "t", "description": "d", "detected_at": "2999-01-01T00:00:00Z" });
    assert_problem(
        app.post("/api/v1/incidents", &c.responder.token, future)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let long = json!({ "title": "ş".repeat(300), "description": "ə".repeat(100_000) });
    app.incident(&c.responder, long).await;
}

#[actix_web::test]
async fn internal_comments_and_tasks_never_reach_the_reporter_side() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let id = app
        .incident(
            &c.reporter,
            json!({ "title": "Defacement", "description": "Home page replaced" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let comments = format!("/api/v1/incidents/{id}/comments");
    json(
        app.post(
            &comments,
            &c.responder.token,
            json!({ "body": "Suspect the CMS admin", "visibility": "internal" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            &comments,
            &c.responder.token,
            json!({ "body": "Please send the server logs", "visibility": "shared" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            &comments,
            &c.reporter.token,
            json!({ "body": "Logs attached <script>alert(1)</script>", "visibility": "shared" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_problem(
        app.post(
            &comments,
            &c.reporter.token,
            json!({ "body": "x", "visibility": "internal" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(
            &comments,
            &c.auditor.token,
            json!({ "body": "x", "visibility": "shared" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(
            &comments,
            &c.outsider.token,
            json!({ "body": "x", "visibility": "shared" }),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.post(
            &comments,
            &c.reporter.token,
            json!({ "body": " ", "visibility": "public" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let bodies = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["body"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let for_reporter = json(app.get(&comments, &c.colleague.token).await, StatusCode::OK).await;
    assert_eq!(
        bodies(&for_reporter),
        [
            "Please send the server logs",
            "Logs attached <script>alert(1)</script>"
        ]
    );
    let for_staff = json(app.get(&comments, &c.auditor.token).await, StatusCode::OK).await;
    assert_eq!(bodies(&for_staff).len(), 3);

    // Tasks are the CERT's working notes.
    let tasks = format!("/api/v1/incidents/{id}/tasks");
    let task = json(
        app.post(&tasks, &c.responder.token, json!({ "title": "Image the web server", "assignee_id": c.responder.id, "due_at": "2026-12-01T12:00:00Z" })).await,
        StatusCode::CREATED,
    )
    .await;
    assert_problem(
        app.post(&tasks, &c.reporter.token, json!({ "title": "x" }))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(&tasks, &c.reporter.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(
            &tasks,
            &c.responder.token,
            json!({ "title": "x", "assignee_id": c.reporter.id }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let task_path = format!("/api/v1/tasks/{}", task["id"]);
    let done = json(
        app.patch(&task_path, &c.responder.token, json!({ "status": "done" }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(done["completed_at"].is_string());
    assert_problem(
        app.patch(&task_path, &c.reporter.token, json!({ "status": "open" }))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.patch(
            &task_path,
            &c.responder.token,
            json!({ "status": "finished" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_problem(
        app.patch(
            "/api/v1/tasks/999999",
            &c.responder.token,
            json!({ "status": "done" }),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        json(app.get(&tasks, &c.auditor.token).await, StatusCode::OK)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[actix_web::test]
async fn agencies_see_what_is_shared_with_them_up_to_the_tlp_ceiling() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let amber = app
        .incident(
            &c.coordinator,
            json!({ "title": "Ransomware at a hospital", "description": "d", "tlp": "TLP:AMBER" }),
        )
        .await;
    let strict = app
        .incident(
            &c.coordinator,
            json!({ "title": "State actor", "description": "d", "tlp": "TLP:AMBER+STRICT" }),
        )
        .await;
    let red = app
        .incident(
            &c.coordinator,
            json!({ "title": "Named source", "description": "d", "tlp": "TLP:RED" }),
        )
        .await;
    let (amber_id, strict_id, red_id) = (
        amber["id"].as_i64().unwrap(),
        strict["id"].as_i64().unwrap(),
        red["id"].as_i64().unwrap(),
    );
    let agency = c.liaison.organisation_id;

    for id in [amber_id, strict_id] {
        json(
            app.post(
                &format!("/api/v1/incidents/{id}/shares"),
                &c.coordinator.token,
                json!({ "organisation_id": agency, "max_tlp": "TLP:AMBER" }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let red_share = app
        .post(
            &format!("/api/v1/incidents/{red_id}/shares"),
            &c.coordinator.token,
            json!({ "organisation_id": agency, "max_tlp": "TLP:RED" }),
        )
        .await;
    let body = assert_problem(red_share, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["errors"]["max_tlp"][0]
        .as_str()
        .unwrap()
        .contains("TLP:RED"));
    assert_problem(
        app.post(
            &format!("/api/v1/incidents/{amber_id}/shares"),
            &c.responder.token,
            json!({ "organisation_id": agency, "max_tlp": "TLP:GREEN" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // AMBER+STRICT is above the AMBER ceiling: not visible until the ceiling is raised.
    assert_eq!(
        ids(&json(
            app.get("/api/v1/incidents", &c.liaison.token).await,
            StatusCode::OK
        )
        .await),
        vec![amber_id]
    );
    assert_problem(
        app.get(&format!("/api/v1/incidents/{strict_id}"), &c.liaison.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    json(
        app.post(
            &format!("/api/v1/incidents/{strict_id}/shares"),
            &c.coordinator.token,
            json!({ "organisation_id": agency, "max_tlp": "TLP:AMBER+STRICT" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        ids(&json(
            app.get("/api/v1/incidents", &c.liaison.token).await,
            StatusCode::OK
        )
        .await),
        vec![strict_id, amber_id]
    );

    // Raising an incident's TLP above the ceiling hides it again.
    json(
        app.patch(
            &format!("/api/v1/incidents/{amber_id}"),
            &c.responder.token,
            json!({ "tlp": "TLP:RED" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        ids(&json(
            app.get("/api/v1/incidents", &c.liaison.token).await,
            StatusCode::OK
        )
        .await),
        vec![strict_id]
    );

    // Liaisons add shared comments and never read internal ones; they cannot share onwards.
    let comments = format!("/api/v1/incidents/{strict_id}/comments");
    json(
        app.post(
            &comments,
            &c.coordinator.token,
            json!({ "body": "internal only", "visibility": "internal" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            &comments,
            &c.liaison.token,
            json!({ "body": "Case opened by the police", "visibility": "shared" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let seen = json(app.get(&comments, &c.liaison.token).await, StatusCode::OK).await;
    assert_eq!(seen.as_array().unwrap().len(), 1);
    assert_problem(
        app.get(
            &format!("/api/v1/incidents/{strict_id}/shares"),
            &c.liaison.token,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let shares = json(
        app.get(
            &format!("/api/v1/incidents/{strict_id}/shares"),
            &c.auditor.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shares[0]["max_tlp"], "TLP:AMBER+STRICT");
    assert_problem(
        app.get(&format!("/api/v1/incidents/{red_id}"), &c.liaison.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[actix_web::test]
async fn duplicates_are_merged_into_a_live_incident() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let first = app
        .incident(
            &c.reporter,
            json!({ "title": "DDoS on the portal", "description": "d" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let second = app
        .incident(
            &c.colleague,
            json!({ "title": "Portal down", "description": "d" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    for id in [first, second] {
        json(
            app.patch(
                &format!("/api/v1/incidents/{id}"),
                &c.coordinator.token,
                json!({ "category": "ddos", "severity": "high" }),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let body = assert_problem(
        app.transition(
            &c.coordinator,
            second,
            json!({ "to": "merged", "duplicate_of": second }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["duplicate_of"].is_array());
    assert_problem(
        app.transition(
            &c.coordinator,
            second,
            json!({ "to": "merged", "duplicate_of": 999999 }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_problem(
        app.transition(
            &c.responder,
            second,
            json!({ "to": "merged", "duplicate_of": first }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let merged = json(
        app.transition(
            &c.coordinator,
            second,
            json!({ "to": "merged", "duplicate_of": first }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(merged["duplicate_of"], first);
    assert!(merged["closed_at"].is_string());
    // Merged is final, and nothing merges into a merged incident.
    assert_problem(
        app.transition(
            &c.coordinator,
            second,
            json!({ "to": "triage", "reason": "r" }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let third = app
        .incident(
            &c.reporter,
            json!({ "title": "Portal slow", "description": "d" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    json(
        app.patch(
            &format!("/api/v1/incidents/{third}"),
            &c.coordinator.token,
            json!({ "category": "ddos", "severity": "low" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.transition(
            &c.coordinator,
            third,
            json!({ "to": "merged", "duplicate_of": second }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let history = json(
        app.get(
            &format!("/api/v1/incidents/{first}/history"),
            &c.coordinator.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        history.as_array().unwrap().last().unwrap()["action"],
        "incident.duplicate_merged"
    );
    let rejected = json(
        app.transition(&c.coordinator, third, json!({ "to": "rejected" }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rejected["status"], "rejected");
}

/// A duplicate or a rejected report leaves `new` without anyone classifying it; a merged one
/// takes the classification of the incident it joins, keeping what was already set.
#[actix_web::test]
async fn duplicates_and_rejections_leave_new_without_a_classification() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let file = |title: &str| json!({ "title": title, "description": "d" });
    let target = app.incident(&c.reporter, file("Portal down")).await["id"]
        .as_i64()
        .unwrap();
    json(
        app.patch(
            &format!("/api/v1/incidents/{target}"),
            &c.coordinator.token,
            json!({ "category": "ddos", "severity": "high" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let bare = app.incident(&c.colleague, file("Portal slow")).await;
    assert_eq!(
        (&bare["category"], &bare["severity"]),
        (&json!("undetermined"), &Value::Null)
    );
    let bare = bare["id"].as_i64().unwrap();
    let merge = json!({ "to": "merged", "duplicate_of": target });

    // The policy still holds: a responder may not merge, a reporter may not move anything.
    for who in [&c.responder, &c.reporter] {
        assert_problem(
            app.transition(who, bare, merge.clone()).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let merged = json(
        app.transition(&c.coordinator, bare, merge.clone()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["duplicate_of"], target);
    assert_eq!(merged["category"], "ddos");
    assert_eq!(merged["category_class"], "availability");
    assert_eq!(merged["severity"], "high");
    assert!(merged["acknowledged_at"].is_string() && merged["closed_at"].is_string());
    let history = json(
        app.get(
            &format!("/api/v1/incidents/{bare}/history"),
            &c.coordinator.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let moved = history.as_array().unwrap().last().unwrap();
    assert_eq!(moved["action"], "incident.transitioned");
    assert_eq!(moved["details"]["category"], "ddos");
    assert_eq!(moved["details"]["severity"], "high");

    // A category already chosen stays; only the missing severity is taken.
    let typed = app.incident(&c.reporter, file("Portal again")).await["id"]
        .as_i64()
        .unwrap();
    json(
        app.patch(
            &format!("/api/v1/incidents/{typed}"),
            &c.coordinator.token,
            json!({ "category": "phishing" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let kept = json(
        app.transition(&c.admin, typed, merge.clone()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&kept["category"], &kept["severity"]),
        (&json!("phishing"), &json!("high"))
    );

    // Spam is rejected as it came in, and stays unclassified.
    let spam = app.incident(&c.reporter, file("Win a prize")).await["id"]
        .as_i64()
        .unwrap();
    assert_problem(
        app.transition(&c.responder, spam, json!({ "to": "rejected" }))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let rejected = json(
        app.transition(&c.coordinator, spam, json!({ "to": "rejected" }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["category"], "undetermined");
    assert_eq!(rejected["severity"], Value::Null);
    // Work still needs a classification: neither triage from new nor a reopen goes without one.
    let fresh = app.incident(&c.reporter, file("Real one")).await["id"]
        .as_i64()
        .unwrap();
    for (id, body) in [
        (fresh, json!({ "to": "triage" })),
        (
            spam,
            json!({ "to": "triage", "reason": "not spam after all" }),
        ),
    ] {
        let refused = assert_problem(
            app.transition(&c.coordinator, id, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            refused["errors"]["category"].is_array() && refused["errors"]["severity"].is_array(),
            "{refused}"
        );
    }
}

#[actix_web::test]
async fn fifty_concurrent_creates_get_fifty_distinct_references() {
    let app = TestApp::spawn_with(|env| {
        env.insert("QALXAN_DB_POOL_SIZE".into(), "10".into());
    })
    .await;
    let responder = app.user(Role::Responder).await;
    let creates = (0..50).map(|i| {
        app.post(
            "/api/v1/incidents",
            &responder.token,
            json!({ "title": format!("Parallel {i}"), "description": "d" }),
        )
    });
    let responses = futures_util::future::join_all(creates).await;
    let mut references = Vec::new();
    for res in responses {
        let body = json(res, StatusCode::CREATED).await;
        references.push(body["reference"].as_str().unwrap().to_owned());
    }
    references.sort();
    references.dedup();
    assert_eq!(references.len(), 50);
    let numbers: Vec<i64> = references
        .iter()
        .map(|r| r.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(numbers, (1..=50).collect::<Vec<_>>(), "no gaps, no repeats");
}

#[actix_web::test]
async fn search_folds_case_and_azerbaijani_letters_and_pages_deeply() {
    let app = TestApp::spawn().await;
    let c = cast(&app).await;
    let wanted = app.incident(&c.responder, json!({ "title": "İSTİFADƏÇİ hesabları Şəki bələdiyyəsində", "description": "Bakı ofisi" })).await;
    let russian = app
        .incident(
            &c.responder,
            json!({ "title": "Фишинг", "description": "Письма с вложением" }),
        )
        .await;
    for i in 0..7 {
        app.incident(
            &c.responder,
            json!({ "title": format!("Noise {i}"), "description": "50% off_sale" }),
        )
        .await;
    }
    let wanted_id = wanted["id"].as_i64().unwrap();
    for q in [
        "istifadəçi",
        "ISTIFADECI",
        "istifadeci",
        "şəki",
        "SEKI",
        "bakı",
        "BAKI",
        "baki",
    ] {
        let found = json(
            app.get(
                &format!("/api/v1/incidents?q={}", urlencode(q)),
                &c.auditor.token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(ids(&found), vec![wanted_id], "query {q}");
    }
    let found = json(
        app.get(
            &format!("/api/v1/incidents?q={}", urlencode("ФИШИНГ")),
            &c.auditor.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&found), vec![russian["id"].as_i64().unwrap()]);
    let reference = wanted["reference"].as_str().unwrap().to_lowercase();
    assert_eq!(
        ids(&json(
            app.get(
                &format!("/api/v1/incidents?q={reference}"),
                &c.auditor.token
            )
            .await,
            StatusCode::OK
        )
        .await),
        vec![wanted_id]
    );
    // Wildcards in the query are literal.
    assert_eq!(
        ids(&json(
            app.get("/api/v1/incidents?q=%25", &c.auditor.token).await,
            StatusCode::OK
        )
        .await)
        .len(),
        7
    );
    assert!(ids(&json(
        app.get("/api/v1/incidents?q=_x_", &c.auditor.token).await,
        StatusCode::OK
    )
    .await)
    .is_empty());

    // Keyset pages: newest first, no repeats, filters kept across pages.
    let mut seen = Vec::new();
    let mut path = "/api/v1/incidents?limit=3&status=new".to_owned();
    loop {
        let page = json(app.get(&path, &c.coordinator.token).await, StatusCode::OK).await;
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/incidents?limit=3&status=new&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 9);
    assert!(seen.windows(2).all(|w| w[0] > w[1]));

    let problem = assert_problem(
        app.get(
            "/api/v1/incidents?status=gone&severity=huge&assignee_id=x",
            &c.coordinator.token,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in ["status", "severity", "assignee_id"] {
        assert!(problem["errors"][field].is_array(), "{field}");
    }
    assert_eq!(
        ids(&json(
            app.get(
                "/api/v1/incidents?assignee_id=none&status=new,triage",
                &c.coordinator.token
            )
            .await,
            StatusCode::OK
        )
        .await)
        .len(),
        9
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
