//! Who may read the audit trail, searching it (JSON and CSV), and signed exports that verify
//! offline after the database is gone.

use qalxan::{domain::Role, services::audit_export};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::{
    audit::qalxan,
    helpers::{assert_problem, json, TestApp},
};

#[actix_web::test]
async fn only_auditors_and_admins_read_verify_and_export() {
    let app = TestApp::spawn().await;
    let paths = [
        "/api/v1/audit",
        "/api/v1/audit/verify",
        "/api/v1/audit/export",
    ];
    for role in [
        Role::Reporter,
        Role::Responder,
        Role::Coordinator,
        Role::Liaison,
    ] {
        let user = app.user(role).await;
        for path in paths {
            assert_problem(app.get(path, &user.token).await, StatusCode::FORBIDDEN).await;
        }
    }
    let auditor = app.user(Role::Auditor).await;
    let admin = app.admin().await;
    for user in [&auditor, &admin] {
        for path in paths {
            json(app.get(path, &user.token).await, StatusCode::OK).await;
        }
    }
    for path in paths {
        let anonymous = app.client.get(app.url(path)).send().await.unwrap();
        assert_problem(anonymous, StatusCode::UNAUTHORIZED).await;
    }
    // The key that checks exports is public: whoever holds a bundle must be able to fetch it.
    let key = app
        .client
        .get(app.url("/api/v1/audit/public-key"))
        .send()
        .await
        .unwrap();
    let key = json(key, StatusCode::OK).await;
    assert_eq!(key["algorithm"], "ed25519");
    assert_eq!(key["public_key"].as_str().unwrap().len(), 44);

    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in paths {
        assert!(doc["paths"][path]["get"]["security"].is_array(), "{path}");
    }
    let public = &doc["paths"]["/api/v1/audit/public-key"]["get"];
    assert!(public["security"].is_null(), "{public}");
}

#[actix_web::test]
async fn auditors_search_by_action_actor_time_and_page_through() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let auditor = app.user(Role::Auditor).await;
    for name in ["Bank A", "Bank B", "Bank C"] {
        let body = json!({ "name": name, "kind": "private" });
        json(
            app.post("/api/v1/organisations", &admin.token, body).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let search = |query: String| {
        let app = &app;
        let token = auditor.token.clone();
        async move { app.get(&format!("/api/v1/audit?{query}"), &token).await }
    };
    let created = json(
        search(format!("action=organisation.created&actor_id={}", admin.id)).await,
        StatusCode::OK,
    )
    .await;
    let items = created["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{created}");
    let first = &items[0];
    assert_eq!(first["details"]["name"], "Bank A");
    assert_eq!(first["stream"], "system");
    for key in [
        "id",
        "seq",
        "at",
        "actor_ip",
        "entity_type",
        "entity_id",
        "incident_id",
        "prev_hash",
        "hash",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }

    // Keyset pages: one at a time, every event once, oldest first.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = json(
            search(format!(
                "action=organisation.created&actor_id={}&limit=1&cursor={cursor}",
                admin.id
            ))
            .await,
            StatusCode::OK,
        )
        .await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let ids: Vec<i64> = items.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(seen, ids);

    let at = first["at"].as_str().unwrap().replace('+', "%2B");
    let from_first = json(
        search(format!("action=organisation.created&from={at}&to={at}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        from_first["items"].as_array().unwrap().len(),
        1,
        "{from_first}"
    );
    let future = json(
        search("from=2999-01-01T00:00:00Z".into()).await,
        StatusCode::OK,
    )
    .await;
    assert!(future["items"].as_array().unwrap().is_empty());
    let none = json(search("incident_id=999".into()).await, StatusCode::OK).await;
    assert!(none["items"].as_array().unwrap().is_empty());

    let bad = assert_problem(
        search("from=yesterday&actor_id=x&format=xml&limit=0".into()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in ["from", "actor_id", "format", "limit"] {
        assert!(bad["errors"][field].is_array(), "{field}: {bad}");
    }
}

#[actix_web::test]
async fn the_log_downloads_as_csv() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body = json!({ "name": "Quote \"Bank\", Ltd", "kind": "private" });
    json(
        app.post("/api/v1/organisations", &admin.token, body).await,
        StatusCode::CREATED,
    )
    .await;

    let res = app.get("/api/v1/audit?format=csv", &admin.token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(res.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let text = res.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("id,stream,seq,at,actor_id"));
    let all = json(
        app.get("/api/v1/audit?limit=200", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(lines.count(), all["items"].as_array().unwrap().len());
    assert!(
        text.contains(
            r#""{""contact_email"":null,""kind"":""private"",""name"":""Quote \""Bank\"", Ltd"""#
        ),
        "{text}"
    );

    // Content negotiation, and a capped download that says where to continue.
    let res = app
        .client
        .get(app.url("/api/v1/audit?limit=1"))
        .bearer_auth(&admin.token)
        .header(header::ACCEPT, "text/csv")
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("x-next-cursor"));
    assert_eq!(res.text().await.unwrap().lines().count(), 2);
}

/// Writes `bundle` to a file in `dir` and runs `qalxan audit verify-bundle` on it, from `dir`,
/// with no configuration at all.
pub async fn verify_bundle(
    dir: &std::path::Path,
    bundle: &Value,
    key: Option<&str>,
) -> (bool, String) {
    let file = dir.join(format!("bundle-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, serde_json::to_vec_pretty(bundle).unwrap()).unwrap();
    let mut args = vec!["audit", "verify-bundle", file.to_str().unwrap()];
    if let Some(key) = key {
        args.extend(["--public-key", key]);
    }
    let mut env = std::collections::HashMap::new();
    // A data dir that must stay untouched: verifying needs no settings.
    env.insert(
        "QALXAN_DATA_DIR".to_owned(),
        dir.join("must-not-exist").display().to_string(),
    );
    let out = qalxan(env, &args).await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[actix_web::test]
async fn a_system_export_verifies_offline_after_the_database_is_gone() {
    let outside = tempfile::tempdir().unwrap();
    let (bundle, key, sqlite_file) = {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        let auditor = app.user(Role::Auditor).await;
        let body = json!({ "name": "Bank A", "kind": "private" });
        json(
            app.post("/api/v1/organisations", &admin.token, body).await,
            StatusCode::CREATED,
        )
        .await;
        let res = app.get("/api/v1/audit/export", &auditor.token).await;
        assert!(res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment"));
        let bundle = json(res, StatusCode::OK).await;
        let key = json(
            app.get("/api/v1/audit/public-key", &auditor.token).await,
            StatusCode::OK,
        )
        .await;

        assert_eq!(bundle["format"], "qalxan-case-bundle/1");
        assert_eq!(bundle["case"], json!({ "stream": "system" }));
        let events = bundle["events"].as_array().unwrap();
        assert_eq!(bundle["head"]["seq"], events.len() as i64);
        assert_eq!(bundle["head"]["hash"], events.last().unwrap()["hash"]);
        assert_eq!(bundle["signature"]["public_key"], key["public_key"]);

        // The export is audited, after the head it exported, and the trail is still intact.
        let exported = json(
            app.get("/api/v1/audit?action=audit.exported", &admin.token)
                .await,
            StatusCode::OK,
        )
        .await;
        let exported = &exported["items"][0];
        assert_eq!(exported["actor_id"], auditor.id);
        assert_eq!(exported["seq"], events.len() as i64 + 1);
        assert_eq!(exported["details"]["head"], bundle["head"]);
        let report = json(
            app.get("/api/v1/audit/verify", &auditor.token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(report["ok"], true);

        let sqlite_file = match &app.settings.database {
            qalxan::config::DatabaseUrl::Sqlite(path) => Some(path.clone()),
            qalxan::config::DatabaseUrl::Postgres(_) => None,
        };
        (
            bundle,
            key["public_key"].as_str().unwrap().to_owned(),
            sqlite_file,
        )
    }; // The app, its data dir and its database (file or PostgreSQL database) are gone here.
    if let Some(file) = sqlite_file {
        assert!(!file.exists());
    }

    let dir = outside.path();
    let (ok, out) = verify_bundle(dir, &bundle, Some(&key)).await;
    assert!(ok && out.contains("bundle valid"), "{out}");
    assert!(
        !dir.join("must-not-exist").exists(),
        "verify-bundle touched the data dir"
    );
    let (ok, out) = verify_bundle(dir, &bundle, None).await;
    assert!(ok && out.contains("not pinned"), "{out}");

    let mut changed = bundle.clone();
    changed["events"][1]["details"]["email"] = json!("someone@else.test");
    let (ok, out) = verify_bundle(dir, &changed, Some(&key)).await;
    assert!(
        !ok && out.contains("NOT valid") && out.contains("seq 2"),
        "{out}"
    );

    let mut dropped = bundle.clone();
    dropped["events"].as_array_mut().unwrap().pop();
    let (ok, out) = verify_bundle(dir, &dropped, Some(&key)).await;
    assert!(!ok && out.contains("deleted"), "{out}");

    let mut redated = bundle.clone();
    redated["generated_at"] = json!("2020-01-01T00:00:00.000000Z");
    let (ok, out) = verify_bundle(dir, &redated, Some(&key)).await;
    assert!(!ok && out.contains("signature does not match"), "{out}");

    // Re-signed by someone else: a valid signature, but not the instance's.
    let other = audit_export::AuditSigner::from_seed(&[9; 32]);
    let mut unsigned = bundle.clone();
    unsigned.as_object_mut().unwrap().remove("signature");
    let resigned = audit_export::sign_bundle(unsigned, &other);
    let (ok, out) = verify_bundle(dir, &resigned, None).await;
    assert!(ok, "{out}");
    let (ok, out) = verify_bundle(dir, &resigned, Some(&key)).await;
    assert!(!ok && out.contains("not with the expected key"), "{out}");

    let mut forged_value = bundle.clone();
    forged_value["signature"]["value"] = resigned["signature"]["value"].clone();
    let (ok, out) = verify_bundle(dir, &forged_value, None).await;
    assert!(!ok && out.contains("signature does not match"), "{out}");
}
