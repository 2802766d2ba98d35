//! SLA policies: who may read and change them, what is refused, and that a change moves the
//! pending deadlines of open incidents (audited), leaving met ones alone.

use chrono::{DateTime, Utc};
use qalxan::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::{
    deadlines::{critical, no_clock},
    helpers::{assert_problem, json, TestApp, TestUser},
};

async fn put(app: &TestApp, who: &TestUser, severity: &str, body: Value) -> reqwest::Response {
    let path = format!("/api/v1/sla-policies/{severity}");
    app.request(Method::PUT, &path, Some(&who.token), Some(body))
        .await
}

fn minutes(i: &Value, field: &str) -> i64 {
    let at = |v: &Value| v.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    (at(&i[field]) - at(&i["reported_at"])).num_minutes()
}

#[actix_web::test]
async fn staff_and_auditors_read_the_policies_reporters_and_liaisons_do_not() {
    let app = TestApp::spawn_with(no_clock).await;
    for role in [
        Role::Admin,
        Role::Coordinator,
        Role::Responder,
        Role::Auditor,
    ] {
        let who = app.user(role).await;
        let list = json(
            app.get("/api/v1/sla-policies", &who.token).await,
            StatusCode::OK,
        )
        .await;
        let rows: Vec<(String, i64, i64, i64)> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let n = |f: &str| p[f].as_i64().unwrap();
                let s = p["severity"].as_str().unwrap().to_owned();
                (
                    s,
                    n("ack_minutes"),
                    n("contain_minutes"),
                    n("resolve_minutes"),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("critical".into(), 60, 240, 4_320),
                ("high".into(), 240, 1_440, 10_080),
                ("medium".into(), 1_440, 4_320, 20_160),
                ("low".into(), 4_320, 10_080, 43_200),
            ],
            "{role}"
        );
    }
    for role in [Role::Reporter, Role::Liaison] {
        let who = app.user(role).await;
        assert_problem(
            app.get("/api/v1/sla-policies", &who.token).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let anonymous = app
        .request(Method::GET, "/api/v1/sla-policies", None, None)
        .await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED).await;
}

#[actix_web::test]
async fn only_admins_change_a_policy_and_bad_values_are_422() {
    let app = TestApp::spawn_with(no_clock).await;
    let admin = app.admin().await;
    let body = json!({ "ack_minutes": 30, "contain_minutes": 120, "resolve_minutes": 2_880 });
    for role in [
        Role::Coordinator,
        Role::Responder,
        Role::Auditor,
        Role::Reporter,
        Role::Liaison,
    ] {
        let who = app.user(role).await;
        assert_problem(
            put(&app, &who, "critical", body.clone()).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_problem(
        put(&app, &admin, "apocalyptic", body.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for (bad, field) in [
        (
            json!({ "ack_minutes": 0, "contain_minutes": 120, "resolve_minutes": 2_880 }),
            "ack_minutes",
        ),
        (
            json!({ "ack_minutes": 30, "contain_minutes": 120, "resolve_minutes": -5 }),
            "resolve_minutes",
        ),
        (
            json!({ "ack_minutes": 30, "contain_minutes": 10, "resolve_minutes": 2_880 }),
            "contain_minutes",
        ),
        (
            json!({ "ack_minutes": 30, "contain_minutes": 120, "resolve_minutes": 99_999_999_999i64 }),
            "resolve_minutes",
        ),
    ] {
        let problem = assert_problem(
            put(&app, &admin, "critical", bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(problem["errors"][field].is_array(), "{problem}");
    }
    let missing = json!({ "ack_minutes": 30 });
    assert_problem(
        put(&app, &admin, "critical", missing).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let changed = json(put(&app, &admin, "critical", body).await, StatusCode::OK).await;
    assert_eq!(
        (
            changed["ack_minutes"].as_i64(),
            changed["updated_by"].as_i64()
        ),
        (Some(30), Some(admin.id))
    );
}

#[actix_web::test]
async fn a_policy_change_moves_pending_deadlines_of_open_incidents_and_is_audited() {
    let app = TestApp::spawn_with(no_clock).await;
    let admin = app.admin().await;
    let coord = app.user(Role::Coordinator).await;
    let waiting = critical(&app, &coord).await;
    let taken_up = critical(&app, &coord).await;
    let closed = critical(&app, &coord).await;
    let (w, t, c) = (
        waiting["id"].as_i64().unwrap(),
        taken_up["id"].as_i64().unwrap(),
        closed["id"].as_i64().unwrap(),
    );
    json(
        app.transition(&coord, t, json!({ "to": "triage" })).await,
        StatusCode::OK,
    )
    .await;
    let close = json!({ "to": "closed", "resolution": "fixed", "root_cause": "none" });
    json(
        app.transition(&coord, c, json!({ "to": "triage" })).await,
        StatusCode::OK,
    )
    .await;
    json(app.transition(&coord, c, close).await, StatusCode::OK).await;

    let body = json!({ "ack_minutes": 30, "contain_minutes": 120, "resolve_minutes": 2_880 });
    json(put(&app, &admin, "critical", body).await, StatusCode::OK).await;

    let get = |id: i64| {
        let path = format!("/api/v1/incidents/{id}");
        let token = coord.token.clone();
        let app = &app;
        async move { json(app.get(&path, &token).await, StatusCode::OK).await }
    };
    let w_now = get(w).await;
    assert_eq!(
        (
            minutes(&w_now, "ack_due_at"),
            minutes(&w_now, "contain_due_at"),
            minutes(&w_now, "resolve_due_at")
        ),
        (30, 120, 2_880)
    );
    let t_now = get(t).await;
    assert_eq!(
        (
            minutes(&t_now, "ack_due_at"),
            minutes(&t_now, "contain_due_at")
        ),
        (60, 120),
        "met keeps its due time"
    );
    let c_now = get(c).await;
    assert_eq!(
        minutes(&c_now, "resolve_due_at"),
        4_320,
        "closed incidents keep theirs"
    );

    let history = json(
        app.get(&format!("/api/v1/incidents/{w}/history"), &coord.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "incident.deadlines_recomputed");
    assert_eq!(last["actor_id"].as_i64(), Some(admin.id));
    assert!(last["details"]["ack_due_at"]["after"].is_string(), "{last}");
    let audit = json(
        app.get("/api/v1/audit?action=sla_policy.updated", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let event = &audit["items"][0];
    assert_eq!(event["details"]["open_incidents_recomputed"], 2, "{event}");
    assert_eq!(event["details"]["before"]["ack_minutes"], 60);

    // Medium also governs the acknowledgement of incidents without a severity.
    let unclassified = app
        .incident(&coord, json!({ "title": "t", "description": "d" }))
        .await;
    let body = json!({ "ack_minutes": 600, "contain_minutes": 700, "resolve_minutes": 800 });
    json(put(&app, &admin, "medium", body).await, StatusCode::OK).await;
    let u_now = get(unclassified["id"].as_i64().unwrap()).await;
    assert_eq!(minutes(&u_now, "ack_due_at"), 600);
    assert!(u_now["contain_due_at"].is_null());
}
