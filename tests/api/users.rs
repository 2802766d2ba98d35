//! Organisations and users: who may manage them, who may see them, and the audit they leave.

use diesel::prelude::*;
use qalxan::{db::schema::audit_events, domain::Role, services::audit};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, json, TestApp, PASSWORD};

#[actix_web::test]
async fn an_admin_onboards_an_organisation_and_its_reporter() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    let org = json(
        app.post(
            "/api/v1/organisations",
            &admin.token,
            json!({ "name": "Azərenerji", "kind": "cii_operator", "sector": "energy", "contact_email": "SOC@Azerenerji.test" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(org["contact_email"], "soc@azerenerji.test");
    let org_id = org["id"].as_i64().unwrap();

    let dup = app
        .post(
            "/api/v1/organisations",
            &admin.token,
            json!({ "name": "AZƏRENERJI", "kind": "private" }),
        )
        .await;
    // SQLite's lower() folds ASCII only; PostgreSQL's folds Ə too. Either way the exact name clashes.
    assert!(matches!(
        dup.status(),
        StatusCode::CONFLICT | StatusCode::CREATED
    ));
    assert_problem(
        app.post(
            "/api/v1/organisations",
            &admin.token,
            json!({ "name": "Azərenerji", "kind": "private" }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let bad = app
        .post(
            "/api/v1/organisations",
            &admin.token,
            json!({ "name": "X", "kind": "club", "sector": "astrology" }),
        )
        .await;
    let body = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["errors"]["kind"].is_array() && body["errors"]["sector"].is_array());

    let user = json(
        app.post(
            "/api/v1/users",
            &admin.token,
            json!({ "email": "Operator@Azerenerji.test", "display_name": "Operator", "password": PASSWORD,
                    "organisation_id": org_id, "role": "reporter", "locale": "az" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(user["email"], "operator@azerenerji.test");
    assert_eq!(user["role"], "reporter");
    json(
        app.login("operator@azerenerji.test", PASSWORD).await,
        StatusCode::OK,
    )
    .await;

    let again = json!({ "email": "OPERATOR@azerenerji.test", "display_name": "Again", "password": PASSWORD,
                        "organisation_id": org_id, "role": "reporter" });
    assert_problem(
        app.post("/api/v1/users", &admin.token, again).await,
        StatusCode::CONFLICT,
    )
    .await;

    let staff_outside_cert = json!({ "email": "x@azerenerji.test", "display_name": "X", "password": PASSWORD,
                                     "organisation_id": org_id, "role": "coordinator" });
    let body = assert_problem(
        app.post("/api/v1/users", &admin.token, staff_outside_cert)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["role"].is_array());

    let password_is_email = json!({ "email": "longname.person@azerenerji.test", "display_name": "P",
        "password": "longname.person@azerenerji.test", "organisation_id": org_id, "role": "reporter" });
    let body = assert_problem(
        app.post("/api/v1/users", &admin.token, password_is_email)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["password"][0]
        .as_str()
        .unwrap()
        .contains("email"));

    // Each change is in the system audit stream, and the chain holds.
    let events = app
        .db
        .run(|c| {
            Ok(audit_events::table
                .filter(audit_events::stream.eq("system"))
                .order(audit_events::seq.asc())
                .select(qalxan::db::models::audit::AuditEvent::as_select())
                .load::<qalxan::db::models::audit::AuditEvent>(c)?)
        })
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"organisation.created")
            && actions.contains(&"user.created")
            && actions.contains(&"auth.login")
    );
    let mut prev = audit::GENESIS.to_owned();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1);
        assert_eq!(e.prev_hash, prev);
        assert_eq!(audit::recompute_hash(e).as_deref(), Some(e.hash.as_str()));
        prev = e.hash.clone();
    }
    let user_created = events
        .iter()
        .find(|e| e.action == "user.created" && e.actor_id == Some(admin.id))
        .unwrap();
    assert!(
        !user_created.details.contains("argon2"),
        "no password material in the audit trail"
    );
}

#[actix_web::test]
async fn only_admins_manage_and_outsiders_see_only_their_own_organisation() {
    let app = TestApp::spawn().await;
    let reporter = app.user(Role::Reporter).await;
    let liaison = app.user(Role::Liaison).await;
    let auditor = app.user(Role::Auditor).await;
    let responder = app.user(Role::Responder).await;
    let new_org = json!({ "name": "Someone", "kind": "private" });
    let new_user = json!({ "email": "z@z.test", "display_name": "Z", "password": PASSWORD, "organisation_id": reporter.organisation_id, "role": "admin" });

    for who in [&reporter, &liaison, &auditor, &responder] {
        assert_problem(
            app.post("/api/v1/organisations", &who.token, new_org.clone())
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.post("/api/v1/users", &who.token, new_user.clone())
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.patch(
                &format!("/api/v1/users/{}", who.id),
                &who.token,
                json!({ "role": "admin" }),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.patch(
                &format!("/api/v1/organisations/{}", app.cert_org_id),
                &who.token,
                json!({ "active": false }),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }

    // Directory: staff and auditors yes, outsiders no (they have /me).
    json(
        app.get("/api/v1/users", &auditor.token).await,
        StatusCode::OK,
    )
    .await;
    json(
        app.get("/api/v1/users", &responder.token).await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.get("/api/v1/users", &reporter.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/users/{}", responder.id), &liaison.token)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    json(
        app.get(&format!("/api/v1/users/{}", reporter.id), &reporter.token)
            .await,
        StatusCode::OK,
    )
    .await;

    // Organisations: outsiders see exactly their own; staff see all.
    let seen = json(
        app.get("/api/v1/organisations", &reporter.token).await,
        StatusCode::OK,
    )
    .await;
    let ids: Vec<i64> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![reporter.organisation_id]);
    assert_problem(
        app.get(
            &format!("/api/v1/organisations/{}", liaison.organisation_id),
            &reporter.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let all = json(
        app.get("/api/v1/organisations?limit=200", &responder.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(all["items"].as_array().unwrap().len() >= 4);
}

#[actix_web::test]
async fn lists_page_with_an_opaque_cursor() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for _ in 0..5 {
        app.user(Role::Responder).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/users?limit=2&role=responder".to_owned();
    loop {
        let page = json(app.get(&path, &admin.token).await, StatusCode::OK).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|u| u["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/users?limit=2&role=responder&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "no repeats, in order");
}

#[actix_web::test]
async fn the_last_active_admin_cannot_be_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    assert_problem(
        app.patch(
            &format!("/api/v1/users/{}", admin.id),
            &admin.token,
            json!({ "active": false }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/api/v1/users/{}", admin.id),
            &admin.token,
            json!({ "role": "auditor" }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    json(app.get("/api/v1/me", &admin.token).await, StatusCode::OK).await;
}
