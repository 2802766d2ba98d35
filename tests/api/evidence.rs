//! Evidence: uploads stream into a content-addressed store, downloads are re-hashed and logged,
//! and the chain of custody is append-only and mirrored in the incident's audit stream.

use std::path::{Path, PathBuf};

use base64::{engine::general_purpose::STANDARD, Engine};
use qalxan::domain::Role;
use reqwest::{multipart, Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{assert_problem, ids, json, TestApp, TestUser};

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn evidence_dir(app: &TestApp) -> PathBuf {
    app.settings.data_dir.join("evidence")
}

async fn send_form(
    app: &TestApp,
    who: &TestUser,
    incident: i64,
    form: multipart::Form,
) -> Response {
    app.client
        .post(app.url(&format!("/api/v1/incidents/{incident}/evidence")))
        .bearer_auth(&who.token)
        .multipart(form)
        .send()
        .await
        .expect("upload sent")
}

async fn upload(
    app: &TestApp,
    who: &TestUser,
    incident: i64,
    name: &str,
    bytes: &[u8],
) -> Response {
    let form = multipart::Form::new()
        .text("description", "Web server access log")
        .part(
            "file",
            multipart::Part::bytes(bytes.to_vec())
                .file_name(name.to_owned())
                .mime_str("text/plain")
                .unwrap(),
        );
    send_form(app, who, incident, form).await
}

pub async fn uploaded(
    app: &TestApp,
    who: &TestUser,
    incident: i64,
    name: &str,
    bytes: &[u8],
) -> Value {
    json(
        upload(app, who, incident, name, bytes).await,
        StatusCode::CREATED,
    )
    .await
}

async fn new_incident(app: &TestApp, who: &TestUser) -> i64 {
    app.incident(
        who,
        json!({ "title": "Defacement", "description": "Front page replaced." }),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

async fn custody(app: &TestApp, who: &TestUser, evidence: i64, body: Value) -> Response {
    app.post(
        &format!("/api/v1/evidence/{evidence}/custody"),
        &who.token,
        body,
    )
    .await
}

async fn custody_actions(app: &TestApp, who: &TestUser, evidence: i64) -> Vec<Value> {
    let list = json(
        app.get(&format!("/api/v1/evidence/{evidence}/custody"), &who.token)
            .await,
        StatusCode::OK,
    )
    .await;
    list["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn uploads_are_hashed_stored_once_and_downloaded_intact() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let incident = new_incident(&app, &responder).await;
    let bytes =
        b"203.0.113.7 - - [24/Nov/2026:10:00:00 +0400] \"GET /wp-login.php\" 200\n".repeat(50);

    let first = uploaded(&app, &responder, incident, "../../access.log", &bytes).await;
    assert_eq!(first["sha256"], sha256_hex(&bytes));
    assert_eq!(first["size"], bytes.len());
    assert_eq!(first["file_name"], "access.log");
    assert_eq!(first["media_type"], "text/plain");
    assert_eq!(first["incident_id"], incident);
    assert_eq!(first["collected_by"], responder.id);

    // Same bytes again, description after the file and a non-Latin name: a second record, one file.
    let form = multipart::Form::new()
        .part(
            "file",
            multipart::Part::bytes(bytes.clone()).file_name("jurnal-ə.log"),
        )
        .text("description", "Same log, second copy");
    let second = json(
        send_form(&app, &responder, incident, form).await,
        StatusCode::CREATED,
    )
    .await;
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["sha256"], first["sha256"]);
    assert_eq!(second["media_type"], "application/octet-stream");
    let stored = files_under(&evidence_dir(&app));
    let sha = first["sha256"].as_str().unwrap();
    assert_eq!(
        stored,
        vec![evidence_dir(&app).join("sha256").join(&sha[..2]).join(sha)],
        "one blob, no temporary files"
    );

    let list = json(
        app.get(
            &format!("/api/v1/incidents/{incident}/evidence"),
            &responder.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        ids(&list),
        vec![
            second["id"].as_i64().unwrap(),
            first["id"].as_i64().unwrap()
        ]
    );
    let one = json(
        app.get(
            &format!("/api/v1/evidence/{}", second["id"]),
            &responder.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["file_name"], "jurnal-ə.log");

    let res = app
        .get(
            &format!("/api/v1/evidence/{}/content", second["id"]),
            &responder.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"jurnal-_.log\"; filename*=UTF-8''jurnal-%C9%99.log"
    );
    assert_eq!(header("content-length"), bytes.len().to_string());
    assert_eq!(header("etag"), format!("\"{sha}\""));
    assert_eq!(
        header("repr-digest"),
        format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(&bytes)))
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[actix_web::test]
async fn upload_forms_are_checked() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let incident = new_incident(&app, &responder).await;

    let no_file = multipart::Form::new().text("description", "nothing attached");
    let body = assert_problem(
        send_form(&app, &responder, incident, no_file).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["file"].is_array(), "{body}");

    let no_description =
        multipart::Form::new().part("file", multipart::Part::bytes(b"x".to_vec()).file_name("x"));
    let body = assert_problem(
        send_form(&app, &responder, incident, no_description).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["description"].is_array(), "{body}");

    let extra = multipart::Form::new()
        .text("description", "d")
        .text("colour", "blue")
        .part("file", multipart::Part::bytes(b"x".to_vec()).file_name("x"));
    let body = assert_problem(
        send_form(&app, &responder, incident, extra).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["colour"].is_array(), "{body}");

    assert_problem(
        app.post(
            &format!("/api/v1/incidents/{incident}/evidence"),
            &responder.token,
            json!({ "description": "json is not a file" }),
        )
        .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert_problem(
        upload(&app, &responder, 999_999, "x.txt", b"x").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(files_under(&evidence_dir(&app)).is_empty());
}

#[actix_web::test]
async fn uploads_above_the_limit_get_413_and_leave_nothing_behind() {
    let app = TestApp::spawn_with(|env| {
        env.insert("QALXAN_EVIDENCE_MAX_BYTES".into(), "1024".into());
    })
    .await;
    let responder = app.user(Role::Responder).await;
    let incident = new_incident(&app, &responder).await;

    let body = assert_problem(
        upload(&app, &responder, incident, "big.bin", &[7u8; 4096]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("1024"), "{body}");
    assert!(
        files_under(&evidence_dir(&app)).is_empty(),
        "left behind: {:?}",
        files_under(&evidence_dir(&app))
    );
    let list = json(
        app.get(
            &format!("/api/v1/incidents/{incident}/evidence"),
            &responder.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(ids(&list).is_empty());

    // Exactly at the limit is fine.
    let ok = uploaded(&app, &responder, incident, "edge.bin", &[7u8; 1024]).await;
    assert_eq!(ok["size"], 1024);
}

#[actix_web::test]
async fn the_chain_of_custody_is_kept_in_order_and_closes_on_destruction() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let coordinator = app.user(Role::Coordinator).await;
    let incident = new_incident(&app, &responder).await;
    let item = uploaded(&app, &responder, incident, "disk.img", b"disk image").await;
    let id = item["id"].as_i64().unwrap();

    let res = app
        .get(
            &format!("/api/v1/evidence/{id}/content"),
            &coordinator.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Wrong or server-only actions and missing guard fields are 422.
    for (body, field) in [
        (json!({ "action": "lost" }), "action"),
        (json!({ "action": "accessed" }), "action"),
        (json!({ "action": "transferred" }), "holder"),
        (
            json!({ "action": "destroyed", "note": "wiped" }),
            "authority",
        ),
        (
            json!({ "action": "sealed", "time_zone": "baku" }),
            "time_zone",
        ),
    ] {
        let problem = assert_problem(
            custody(&app, &responder, id, body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(problem["errors"][field].is_array(), "{body}: {problem}");
    }

    let steps = [
        json!({ "action": "transferred", "holder": "Forensics lab", "location": "Lab safe 2",
                "purpose": "imaging", "authority": "Case officer order 17" }),
        json!({ "action": "sealed", "location": "Lab safe 2", "note": "bag 0042", "time_zone": "Europe/Moscow" }),
        json!({ "action": "returned", "holder": "Ministry IT", "location": "Ministry, room 5" }),
        json!({ "action": "destroyed", "authority": "Retention order 2026/11", "note": "shredded" }),
    ];
    for step in &steps {
        let event = json(
            custody(&app, &coordinator, id, step.clone()).await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(event["action"], step["action"]);
    }

    let chain = custody_actions(&app, &responder, id).await;
    let actions: Vec<&str> = chain
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "collected",
            "accessed",
            "transferred",
            "sealed",
            "returned",
            "destroyed"
        ]
    );
    let responder_name = chain[0]["to_holder"].as_str().unwrap().to_owned();
    assert_eq!(chain[0]["actor_id"], responder.id);
    assert_eq!(chain[0]["time_zone"], "Asia/Baku");
    assert_eq!(chain[1]["hash_verified"], true);
    assert_eq!(chain[1]["actor_id"], coordinator.id);
    assert_eq!(chain[2]["from_holder"], responder_name.as_str());
    assert_eq!(chain[2]["to_holder"], "Forensics lab");
    assert_eq!(chain[2]["authority"], "Case officer order 17");
    assert_eq!(chain[3]["from_holder"], "Forensics lab");
    assert_eq!(chain[3]["to_holder"], "Forensics lab");
    assert_eq!(chain[3]["time_zone"], "Europe/Moscow");
    assert_eq!(chain[4]["to_holder"], "Ministry IT");
    assert_eq!(chain[5]["from_holder"], "Ministry IT");
    assert!(chain[5]["to_holder"].is_null());
    assert!(chain[2]["hash_verified"].is_null());

    // The same events, in the same order, in the incident's audit stream.
    let history = json(
        app.get(
            &format!("/api/v1/incidents/{incident}/history"),
            &coordinator.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let audited: Vec<String> = history
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("evidence."))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        audited,
        actions
            .iter()
            .map(|a| format!("evidence.{a}"))
            .collect::<Vec<_>>()
    );

    // Destroyed: nothing served, nothing more recorded.
    assert_problem(
        app.get(&format!("/api/v1/evidence/{id}/content"), &responder.token)
            .await,
        StatusCode::GONE,
    )
    .await;
    assert_problem(
        custody(&app, &responder, id, json!({ "action": "sealed" })).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(custody_actions(&app, &responder, id).await.len(), 6);
}

#[actix_web::test]
async fn who_may_upload_read_and_record_custody() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let auditor = app.user(Role::Auditor).await;
    let reporter = app.user(Role::Reporter).await;
    let colleague = app.user_in(Role::Reporter, reporter.organisation_id).await;
    let outsider = app.user(Role::Reporter).await;
    let liaison = app.user(Role::Liaison).await;
    let incident = new_incident(&app, &reporter).await;

    // The reporter attaches logs to their own incident; the CERT adds its own findings.
    let theirs = uploaded(&app, &reporter, incident, "fw.log", b"firewall log").await;
    assert_eq!(theirs["uploader_organisation_id"], reporter.organisation_id);
    let ours = uploaded(&app, &responder, incident, "memdump.raw", b"memory").await;
    let (theirs, ours) = (theirs["id"].as_i64().unwrap(), ours["id"].as_i64().unwrap());
    let list_path = format!("/api/v1/incidents/{incident}/evidence");

    // The reporter side sees only what its organisation uploaded.
    for who in [&reporter, &colleague] {
        let list = json(app.get(&list_path, &who.token).await, StatusCode::OK).await;
        assert_eq!(ids(&list), vec![theirs]);
        let res = app
            .get(&format!("/api/v1/evidence/{theirs}/content"), &who.token)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.bytes().await.unwrap().as_ref(), b"firewall log");
        for path in ["", "/content", "/custody"] {
            assert_problem(
                app.get(&format!("/api/v1/evidence/{ours}{path}"), &who.token)
                    .await,
                StatusCode::NOT_FOUND,
            )
            .await;
        }
    }
    assert_problem(
        custody(&app, &reporter, theirs, json!({ "action": "sealed" })).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Another organisation's reporter learns nothing.
    assert_problem(
        app.get(&list_path, &outsider.token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/evidence/{theirs}"), &outsider.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        upload(&app, &outsider, incident, "x", b"x").await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Liaisons handle no evidence at all.
    assert_problem(
        app.get(&list_path, &liaison.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/evidence/{theirs}/content"),
            &liaison.token,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        upload(&app, &liaison, incident, "x", b"x").await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Auditors read everything, and their downloads are recorded, but they change nothing.
    let list = json(app.get(&list_path, &auditor.token).await, StatusCode::OK).await;
    assert_eq!(ids(&list), vec![ours, theirs]);
    let res = app
        .get(&format!("/api/v1/evidence/{ours}/content"), &auditor.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let chain = custody_actions(&app, &auditor, ours).await;
    assert_eq!(chain.last().unwrap()["action"], "accessed");
    assert_eq!(chain.last().unwrap()["actor_id"], auditor.id);
    assert_problem(
        custody(&app, &auditor, ours, json!({ "action": "sealed" })).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        upload(&app, &auditor, incident, "x", b"x").await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Responders record custody, also of what the reporter uploaded.
    let sealed = json(
        custody(
            &app,
            &responder,
            theirs,
            json!({ "action": "sealed", "location": "Vault" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(sealed["to_holder"], "Test reporter");
}

#[actix_web::test]
async fn a_tampered_file_is_not_served_and_the_failure_is_recorded() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let incident = new_incident(&app, &responder).await;
    let item = uploaded(
        &app,
        &responder,
        incident,
        "sample.exe",
        b"MZ original bytes",
    )
    .await;
    let id = item["id"].as_i64().unwrap();
    let sha = item["sha256"].as_str().unwrap();
    let blob = evidence_dir(&app).join("sha256").join(&sha[..2]).join(sha);

    // Someone with disk access swaps the bytes (the blob is read-only; replace it).
    std::fs::remove_file(&blob).unwrap();
    std::fs::write(&blob, b"MZ altered bytes!").unwrap();

    let body = assert_problem(
        app.get(&format!("/api/v1/evidence/{id}/content"), &responder.token)
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("SHA-256"),
        "{body}"
    );
    let chain = custody_actions(&app, &responder, id).await;
    let last = chain.last().unwrap();
    assert_eq!(last["action"], "integrity_failure");
    assert_eq!(last["hash_verified"], false);

    // A missing file is an integrity failure too.
    std::fs::remove_file(&blob).unwrap();
    assert_problem(
        app.get(&format!("/api/v1/evidence/{id}/content"), &responder.token)
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(custody_actions(&app, &responder, id).await.len(), 3);
}

#[actix_web::test]
async fn evidence_and_custody_rows_cannot_be_changed_in_the_database() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let incident = new_incident(&app, &responder).await;
    uploaded(&app, &responder, incident, "a.txt", b"a").await;
    for statement in [
        "UPDATE evidence SET description = 'changed'",
        "DELETE FROM evidence",
        "UPDATE custody_events SET to_holder = 'someone else'",
        "DELETE FROM custody_events",
    ] {
        let result = app
            .db
            .run(move |conn| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query(statement).execute(conn))
            })
            .await
            .unwrap();
        let err = result.expect_err(statement).to_string();
        assert!(err.contains("immutable"), "{statement}: {err}");
    }
}

#[actix_web::test]
async fn the_openapi_document_describes_the_evidence_endpoints() {
    let app = TestApp::spawn().await;
    let doc = json(
        app.client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    for path in [
        "/api/v1/incidents/{id}/evidence",
        "/api/v1/evidence/{id}",
        "/api/v1/evidence/{id}/content",
        "/api/v1/evidence/{id}/custody",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let form = &doc["paths"]["/api/v1/incidents/{id}/evidence"]["post"]["requestBody"]["content"]
        ["multipart/form-data"]["schema"];
    let schema = match form["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => form,
    };
    assert_eq!(schema["properties"]["file"]["format"], "binary", "{schema}");
}
