//! The risk register: scores and levels, organisations kept apart on every endpoint, history
//! from the audit trail, links, and incidents that flag risks for review.

use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, ids, json, TestApp, TestUser};

fn risk_body(organisation_id: i64, assets: &[i64], likelihood: i32, impact: i32) -> Value {
    json!({
        "organisation_id": organisation_id,
        "title": format!("Ransomware on the control network ({likelihood}×{impact})"),
        "description": "Encryption of the historian would stop water treatment reporting.",
        "threat": "ransomware",
        "asset_ids": assets,
        "likelihood": likelihood,
        "impact": impact,
        "treatment": "mitigate",
        "treatment_plan": "Offline backups; segment the OT network.",
        "treatment_due": "2027-03-31",
        "residual_likelihood": 2,
        "residual_impact": 4,
    })
}

pub async fn register(app: &TestApp, who: &TestUser, body: Value) -> Value {
    json(
        app.post("/api/v1/risks", &who.token, body).await,
        StatusCode::CREATED,
    )
    .await
}

#[actix_web::test]
async fn risks_are_scored_levelled_and_kept_to_their_organisation() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let water = app.organisation("cii_operator").await;
    let power = app.organisation("cii_operator").await;
    let operator = app.user_in(Role::Reporter, water).await;
    let colleague = app.user_in(Role::Reporter, water).await;
    let other = app.user_in(Role::Reporter, power).await;
    let auditor = app.user(Role::Auditor).await;
    let liaison = app.user(Role::Liaison).await;
    let historian = app.asset(water, "Historian", 4, json!({})).await;
    let grid = app.asset(power, "Grid SCADA", 4, json!({})).await;

    // Scores and levels at every band's edges.
    let mut by_level = Vec::new();
    for (l, i, score, level) in [
        (5, 4, 20, "critical"),
        (2, 2, 4, "low"),
        (3, 3, 9, "medium"),
        (4, 4, 16, "high"),
        (1, 5, 5, "medium"),
        (5, 5, 25, "critical"),
    ] {
        let mut body = risk_body(water, &[historian], l, i);
        body["owner_id"] = json!(colleague.id);
        let r = register(&app, &operator, body).await;
        assert_eq!(
            (r["score"].as_i64(), r["level"].as_str()),
            (Some(score), Some(level)),
            "{l}×{i}"
        );
        by_level.push(r["id"].as_i64().unwrap());
    }
    let first = by_level[0];
    let created = json(
        app.get(&format!("/api/v1/risks/{first}"), &operator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(created["residual_score"], 8);
    assert_eq!(created["residual_level"], "medium");
    assert_eq!(created["assets"][0]["id"], historian);
    assert_eq!(created["owner_id"], colleague.id);
    // Reporters need not name their organisation.
    let mut own = risk_body(water, &[], 1, 1);
    own.as_object_mut().unwrap().remove("organisation_id");
    assert_eq!(
        register(&app, &operator, own).await["organisation_id"],
        water
    );

    // Invalid input is 422 naming the fields.
    for (field, value) in [
        ("likelihood", json!(6)),
        ("impact", json!(0)),
        ("threat", json!("aliens")),
        ("treatment", json!("ignore")),
        ("treatment_due", json!("31/03/2027")),
        ("asset_ids", json!([grid])),
        ("organisation_id", json!(power)),
        ("owner_id", json!(other.id)),
        ("title", json!(" ")),
    ] {
        let mut body = risk_body(water, &[historian], 3, 3);
        body[field] = value;
        let problem = assert_problem(
            app.post("/api/v1/risks", &operator.token, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }
    let problem = assert_problem(
        app.post("/api/v1/risks", &admin.token, {
            let mut b = risk_body(water, &[], 3, 3);
            b.as_object_mut().unwrap().remove("organisation_id");
            b
        })
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem["errors"]["organisation_id"].is_array());

    // The CERT registers one for the other operator.
    let theirs = register(&app, &admin, risk_body(power, &[grid], 4, 5)).await["id"]
        .as_i64()
        .unwrap();

    // Lists: own organisation for reporters, all for staff and auditors, nothing for liaisons.
    let mine = json(
        app.get("/api/v1/risks?limit=200", &operator.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&mine).len(), 7);
    assert!(!ids(&mine).contains(&theirs));
    let national = json(
        app.get("/api/v1/risks?limit=200", &auditor.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&national).len(), 8);
    let critical = json(
        app.get("/api/v1/risks?level=critical", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&critical), vec![by_level[0], by_level[5], theirs]);
    let on_grid = json(
        app.get(
            &format!("/api/v1/risks?asset_id={grid}&threat=ransomware"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&on_grid), vec![theirs]);
    let cell = json(
        app.get(
            &format!("/api/v1/risks?organisation_id={water}&likelihood=5&impact=4"),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&cell), vec![first]);
    let paged = json(
        app.get("/api/v1/risks?limit=5", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert!(paged["next_cursor"].is_string());
    assert_problem(
        app.get("/api/v1/risks?level=extreme", &admin.token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_problem(
        app.get("/api/v1/risks", &liaison.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/risks/{first}"), &liaison.token)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Another organisation's reporter sees nothing of it, on every endpoint.
    let path = format!("/api/v1/risks/{first}");
    assert_problem(app.get(&path, &other.token).await, StatusCode::NOT_FOUND).await;
    assert_problem(
        app.patch(&path, &other.token, json!({ "impact": 1 })).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(&format!("{path}/history"), &other.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.post(
            &format!("{path}/vulnerabilities"),
            &other.token,
            json!({ "cve": "CVE-2021-44228" }),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.post(
            &format!("{path}/incidents"),
            &other.token,
            json!({ "incident_id": 1 }),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Auditors read everything and change nothing.
    json(app.get(&path, &auditor.token).await, StatusCode::OK).await;
    json(
        app.get(&format!("{path}/history"), &auditor.token).await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.patch(&path, &auditor.token, json!({ "impact": 1 }))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post("/api/v1/risks", &auditor.token, risk_body(water, &[], 1, 1))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // PATCH rescored; the history carries before and after.
    let patched = json(
        app.patch(
            &path,
            &operator.token,
            json!({ "impact": 5, "treatment": "transfer", "residual_impact": null }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (patched["score"].as_i64(), patched["level"].as_str()),
        (Some(25), Some("critical"))
    );
    assert!(patched["residual_score"].is_null());
    let bad = assert_problem(
        app.patch(&path, &operator.token, json!({ "likelihood": 9 }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad["errors"]["likelihood"].is_array());
    let history = json(
        app.get(&format!("{path}/history"), &operator.token).await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["risk.created", "risk.updated"]);
    assert_eq!(history[0]["details"]["score"], 20);
    assert_eq!(
        history[1]["details"]["impact"],
        json!({ "before": 4, "after": 5 })
    );
    assert!(
        history[1]["details"]["level"].is_null(),
        "unchanged fields are left out"
    );
    assert_eq!(
        history[1]["details"]["treatment"],
        json!({ "before": "mitigate", "after": "transfer" })
    );
    assert_eq!(history[1]["actor_id"], operator.id);

    // The threat catalogue is for everyone.
    let threats = json(
        app.get("/api/v1/threats", &liaison.token).await,
        StatusCode::OK,
    )
    .await;
    let ransomware = threats
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "ransomware")
        .unwrap();
    assert_eq!(ransomware["names"]["az"], "Fidyə proqramları");
    assert!(ransomware["rsit_classes"]
        .as_array()
        .unwrap()
        .contains(&json!("malicious-code")));
}

#[actix_web::test]
async fn an_incident_on_an_asset_flags_its_risks_for_review() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let water = app.organisation("cii_operator").await;
    let operator = app.user_in(Role::Reporter, water).await;
    let plant = app
        .asset(
            water,
            "Treatment plant network",
            4,
            json!({ "ip": "192.0.2.0/24" }),
        )
        .await;
    let office = app.asset(water, "Office", 1, json!({})).await;
    let on_plant = register(&app, &operator, risk_body(water, &[plant], 4, 4)).await["id"]
        .as_i64()
        .unwrap();
    let on_office = register(&app, &operator, risk_body(water, &[office], 2, 2)).await["id"]
        .as_i64()
        .unwrap();

    // The CERT links an incident to the plant: the plant's risk (only) is flagged.
    let incident = app
        .incident(
            &responder,
            json!({ "title": "Encrypted HMI", "description": "d", "organisation_id": water }),
        )
        .await;
    let incident_id = incident["id"].as_i64().unwrap();
    json(
        app.post(
            &format!("/api/v1/incidents/{incident_id}/assets"),
            &responder.token,
            json!({ "asset_id": plant }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let flagged = json(
        app.get(&format!("/api/v1/risks/{on_plant}"), &operator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(flagged["review_due"], true);
    assert_eq!(flagged["review_reason"]["id"], incident_id);
    assert_eq!(flagged["incidents_since_review"][0]["id"], incident_id);
    assert_eq!(flagged["incidents_since_review"][0]["asset_id"], plant);
    let quiet = json(
        app.get(&format!("/api/v1/risks/{on_office}"), &operator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(quiet["review_due"], false);
    let queue = json(
        app.get("/api/v1/risks?review_due=true", &operator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&queue), vec![on_plant]);
    let history = json(
        app.get(
            &format!("/api/v1/risks/{on_plant}/history"),
            &operator.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "risk.review_due");
    assert_eq!(last["details"]["incident_id"], incident_id);
    assert_eq!(last["actor_id"], responder.id);

    // A review clears the flag and starts the "since the last review" list afresh.
    let reviewed = json(
        app.patch(
            &format!("/api/v1/risks/{on_plant}"),
            &operator.token,
            json!({ "reviewed": true, "likelihood": 5 }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(reviewed["review_due"], false);
    let after = json(
        app.get(&format!("/api/v1/risks/{on_plant}"), &operator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(after["incidents_since_review"], json!([]));
    assert!(after["review_reason"].is_null());

    // An observed address inside the plant's network links the asset by itself: flagged again.
    let second = app
        .incident(
            &responder,
            json!({ "title": "Beaconing", "description": "d" }),
        )
        .await;
    let second_id = second["id"].as_i64().unwrap();
    json(
        app.post(
            &format!("/api/v1/incidents/{second_id}/observables"),
            &responder.token,
            json!({ "kind": "ip", "value": "192.0.2.77" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let again = json(
        app.get(
            &format!("/api/v1/risks/{on_plant}"),
            &admin_token(&app).await,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["review_due"], true);
    assert_eq!(again["review_reason"]["id"], second_id);
    // The operator may not see the CERT's own incident, so no reason is shown to them.
    let theirs = json(
        app.get(&format!("/api/v1/risks/{on_plant}"), &operator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs["review_due"], true);
    assert!(theirs["review_reason"].is_null());
    assert_eq!(theirs["incidents_since_review"], json!([]));
}

async fn admin_token(app: &TestApp) -> String {
    app.admin().await.token
}

#[actix_web::test]
async fn risks_link_incidents_and_vulnerabilities_they_may_see() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    crate::vulnerabilities::load_samples(&app, &admin.token).await;
    let water = app.organisation("cii_operator").await;
    let operator = app.user_in(Role::Reporter, water).await;
    let stranger = app.user(Role::Reporter).await;
    let risk = register(&app, &operator, risk_body(water, &[], 3, 4)).await["id"]
        .as_i64()
        .unwrap();
    let own = app
        .incident(
            &operator,
            json!({ "title": "Phishing wave", "description": "d" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let foreign = app
        .incident(
            &stranger,
            json!({ "title": "Elsewhere", "description": "d" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/risks/{risk}");

    let linked = json(
        app.post(
            &format!("{path}/incidents"),
            &operator.token,
            json!({ "incident_id": own }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(linked["title"], "Phishing wave");
    assert_problem(
        app.post(
            &format!("{path}/incidents"),
            &operator.token,
            json!({ "incident_id": own }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let hidden = assert_problem(
        app.post(
            &format!("{path}/incidents"),
            &operator.token,
            json!({ "incident_id": foreign }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(hidden["errors"]["incident_id"].is_array());

    let cve = json(
        app.post(
            &format!("{path}/vulnerabilities"),
            &operator.token,
            json!({ "cve": "cve-2023-4966" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(cve["cve"], "CVE-2023-4966");
    assert_problem(
        app.post(
            &format!("{path}/vulnerabilities"),
            &operator.token,
            json!({ "cve": "CVE-2023-4966" }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.post(
            &format!("{path}/vulnerabilities"),
            &operator.token,
            json!({ "cve": "CVE-2030-1111" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let detail = json(app.get(&path, &operator.token).await, StatusCode::OK).await;
    assert_eq!(detail["incidents"][0]["id"], own);
    assert_eq!(detail["vulnerabilities"][0]["cve"], "CVE-2023-4966");
    let history = json(
        app.get(&format!("{path}/history"), &admin.token).await,
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
            "risk.created",
            "risk.incident_linked",
            "risk.vulnerability_linked"
        ]
    );
}
