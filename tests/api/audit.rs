//! Tampering with the audit trail the way a DBA could (drop the append-only triggers, then
//! change, delete, insert or reorder rows) is caught by both verifiers: the API and the
//! `qalxan audit verify` command run against the same database.

use std::{collections::HashMap, process::Command};

use diesel::connection::SimpleConnection;
use qalxan::{
    config::DatabaseUrl,
    db::models::audit::{self, AuditEvent, NewAuditEvent},
    services::{
        audit::{chain_hash, GENESIS},
        audit_verify,
    },
};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{json, TestApp, TestUser};

/// The environment that points the binary at the app's database.
pub fn cli_env(app: &TestApp) -> HashMap<String, String> {
    let url = match &app.settings.database {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(url) => url.clone(),
    };
    HashMap::from([
        (
            "QALXAN_DATA_DIR".to_owned(),
            app.settings.data_dir.display().to_string(),
        ),
        ("QALXAN_DATABASE_URL".to_owned(), url),
    ])
}

pub async fn qalxan(env: HashMap<String, String>, args: &[&str]) -> std::process::Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_qalxan"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env)
            .output()
            .expect("binary runs")
    })
    .await
    .unwrap()
}

/// An admin who has created organisations and a user through the API, so the system stream
/// holds several events. Every token is taken now: signing in later would append.
async fn busy_admin(app: &TestApp) -> TestUser {
    let admin = app.admin().await;
    for name in ["Bank A", "Ministry B", "Operator C"] {
        json(
            app.post(
                "/api/v1/organisations",
                &admin.token,
                json!({ "name": name, "kind": "private" }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    admin
}

async fn system_events(app: &TestApp) -> Vec<AuditEvent> {
    app.db
        .run(|c| Ok(audit::stream_chunk(c, "system", 0, None, 100_000)?))
        .await
        .unwrap()
}

/// Runs SQL as a DBA would: first removing the triggers that keep audit rows append-only.
async fn tamper(app: &TestApp, sql: String) {
    app.db
        .run(move |c| {
            let triggers = if c.is_postgres() {
                "DROP TRIGGER audit_events_no_update ON audit_events;"
            } else {
                "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
            };
            c.batch_execute(triggers)?;
            c.batch_execute(&sql)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn api_verify(app: &TestApp, admin: &TestUser) -> Value {
    json(
        app.get("/api/v1/audit/verify", &admin.token).await,
        StatusCode::OK,
    )
    .await
}

async fn assert_intact(app: &TestApp, admin: &TestUser) -> Value {
    let report = api_verify(app, admin).await;
    assert_eq!(report["ok"], true, "{report}");
    assert!(report.get("first_bad").is_none());
    let out = qalxan(cli_env(app), &["audit", "verify"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("audit trail intact"), "{stdout}");
    report
}

/// Both verifiers fail, name the stream and say `reason`.
async fn assert_detected(app: &TestApp, admin: &TestUser, stream: &str, reason: &str) -> Value {
    let report = api_verify(app, admin).await;
    assert_eq!(report["ok"], false, "{report}");
    let bad = &report["first_bad"];
    assert_eq!(bad["stream"], stream, "{report}");
    assert!(bad["reason"].as_str().unwrap().contains(reason), "{report}");
    let out = qalxan(cli_env(app), &["audit", "verify"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("BROKEN")
            && stderr.contains(&format!("stream {stream}"))
            && stderr.contains(reason),
        "{stderr}"
    );
    report
}

#[actix_web::test]
async fn an_intact_trail_passes_both_verifiers() {
    let app = TestApp::spawn().await;
    let admin = busy_admin(&app).await;
    let events = system_events(&app).await;
    let report = assert_intact(&app, &admin).await;
    assert_eq!(report["streams_checked"], 1);
    assert_eq!(report["events_checked"], events.len() as i64);
    assert!(events.len() >= 6, "{}", events.len());
    // Chunk boundaries: the same answer however many events are read at a time.
    for chunk in [1, 2, 3] {
        let small = app
            .db
            .run(move |c| audit_verify::verify_in_chunks(c, chunk))
            .await
            .unwrap();
        assert!(small.ok && small.events_checked == events.len() as i64);
    }
}

#[actix_web::test]
async fn a_changed_field_is_detected() {
    let app = TestApp::spawn().await;
    let admin = busy_admin(&app).await;
    let victim = &system_events(&app).await[3];
    tamper(
        &app,
        format!(
            "UPDATE audit_events SET details = '{{\"name\":\"Someone else\"}}' WHERE id = {}",
            victim.id
        ),
    )
    .await;
    let report = assert_detected(&app, &admin, "system", "changed after it was written").await;
    assert_eq!(report["first_bad"]["seq"], victim.seq);
    assert_eq!(report["first_bad"]["event_id"], victim.id);
}

#[actix_web::test]
async fn a_deleted_event_is_detected() {
    let app = TestApp::spawn().await;
    let admin = busy_admin(&app).await;
    let victim = &system_events(&app).await[2];
    tamper(
        &app,
        format!("DELETE FROM audit_events WHERE id = {}", victim.id),
    )
    .await;
    let report = assert_detected(&app, &admin, "system", "missing").await;
    assert_eq!(report["first_bad"]["seq"], victim.seq + 1);
    let small = app
        .db
        .run(|c| audit_verify::verify_in_chunks(c, 2))
        .await
        .unwrap();
    assert_eq!(small.first_bad.unwrap().seq, Some(victim.seq + 1));
}

#[actix_web::test]
async fn a_deleted_last_event_is_detected_against_the_head() {
    let app = TestApp::spawn().await;
    let admin = busy_admin(&app).await;
    let last = system_events(&app).await.pop().unwrap();
    tamper(
        &app,
        format!("DELETE FROM audit_events WHERE id = {}", last.id),
    )
    .await;
    let report = assert_detected(&app, &admin, "system", "last event(s) were deleted").await;
    assert_eq!(report["first_bad"]["seq"], last.seq);
}

#[actix_web::test]
async fn a_forged_event_is_detected_even_with_a_correct_hash() {
    let app = TestApp::spawn().await;
    let admin = busy_admin(&app).await;
    let last = system_events(&app).await.pop().unwrap();
    // The forger knows the hashing rule and appends a perfectly linked event.
    let forged = forge(&last.stream, last.seq + 1, &last.hash, last.at);
    app.db
        .run(move |c| Ok(audit::insert(c, &forged.as_new())?))
        .await
        .unwrap();
    let report = assert_detected(&app, &admin, "system", "inserted").await;
    assert_eq!(report["first_bad"]["seq"], last.seq + 1);
}

#[actix_web::test]
async fn a_forged_stream_without_a_head_and_a_lost_head_are_detected() {
    let app = TestApp::spawn().await;
    let admin = busy_admin(&app).await;
    let at = system_events(&app).await[0].at;
    let forged = forge("incident:999", 1, GENESIS, at);
    app.db
        .run(move |c| Ok(audit::insert(c, &forged.as_new())?))
        .await
        .unwrap();
    let report = assert_detected(&app, &admin, "incident:999", "no head row").await;
    assert_eq!(report["streams_checked"], 2);
    assert_eq!(report["bad_streams"], 1);

    // Every event of a stream gone, its head left behind.
    tamper(&app, "DELETE FROM audit_events WHERE stream = 'incident:999'; INSERT INTO audit_heads (stream, seq, hash) VALUES ('incident:998', 4, 'x')".into()).await;
    assert_detected(&app, &admin, "incident:998", "has no events").await;
}

#[actix_web::test]
async fn swapped_events_are_detected() {
    let app = TestApp::spawn().await;
    let admin = busy_admin(&app).await;
    let events = system_events(&app).await;
    let (a, b) = (&events[2], &events[3]);
    tamper(
        &app,
        format!(
            "UPDATE audit_events SET seq = -1 WHERE id = {a}; UPDATE audit_events SET seq = {sa} WHERE id = {b}; UPDATE audit_events SET seq = {sb} WHERE id = {a}",
            a = a.id,
            b = b.id,
            sa = a.seq,
            sb = b.seq
        ),
    )
    .await;
    let report = assert_detected(&app, &admin, "system", "prev_hash does not match").await;
    assert_eq!(report["first_bad"]["seq"], a.seq);
    assert_eq!(report["first_bad"]["event_id"], b.id);
}

#[actix_web::test]
async fn rows_swapped_between_ids_are_detected() {
    let app = TestApp::spawn().await;
    let admin = busy_admin(&app).await;
    let events = system_events(&app).await;
    let (a, b) = (&events[1], &events[2]);
    // Each row stays intact and in chain order, but the ids (the search order) are swapped.
    tamper(
        &app,
        format!(
            "UPDATE audit_events SET id = -1 WHERE id = {a}; UPDATE audit_events SET id = {a} WHERE id = {b}; UPDATE audit_events SET id = {b} WHERE id = -1",
            a = a.id,
            b = b.id
        ),
    )
    .await;
    assert_detected(&app, &admin, "system", "rows reordered").await;
}

pub struct Forged(AuditEvent);

impl Forged {
    fn as_new(&self) -> NewAuditEvent<'_> {
        let e = &self.0;
        NewAuditEvent {
            stream: &e.stream,
            seq: e.seq,
            at: e.at,
            actor_id: e.actor_id,
            actor_ip: e.actor_ip.as_deref(),
            action: &e.action,
            entity_type: &e.entity_type,
            entity_id: e.entity_id,
            incident_id: e.incident_id,
            details: &e.details,
            prev_hash: &e.prev_hash,
            hash: &e.hash,
        }
    }
}

/// An event with a correct hash, linked after `prev_hash`.
fn forge(stream: &str, seq: i64, prev_hash: &str, at: chrono::NaiveDateTime) -> Forged {
    let incident_id = stream
        .strip_prefix("incident:")
        .and_then(|id| id.parse().ok());
    let mut event = AuditEvent {
        id: 0,
        stream: stream.into(),
        seq,
        at,
        actor_id: None,
        actor_ip: None,
        action: "user.updated".into(),
        entity_type: "user".into(),
        entity_id: Some(1),
        incident_id,
        details: r#"{"role":{"after":"admin","before":"reporter"}}"#.into(),
        prev_hash: prev_hash.into(),
        hash: String::new(),
    };
    event.hash = qalxan::services::audit::recompute_hash(&event).unwrap();
    assert_eq!(
        event.hash,
        chain_hash(
            prev_hash,
            &qalxan::services::audit::canonical_json(&qalxan::services::audit::hashed_fields(
                &event,
                &serde_json::from_str(&event.details).unwrap()
            ))
        )
    );
    Forged(event)
}

#[actix_web::test]
async fn tampering_inside_an_incident_stream_is_detected() {
    let app = TestApp::spawn().await;
    let admin = busy_admin(&app).await;
    let mut streams = Vec::new();
    for title in ["Phishing wave", "DDoS on a bank"] {
        let incident = app
            .incident(
                &admin,
                json!({ "title": title, "description": "Seen today." }),
            )
            .await;
        let id = incident["id"].as_i64().unwrap();
        for body in ["First note", "Second note"] {
            json(
                app.post(
                    &format!("/api/v1/incidents/{id}/comments"),
                    &admin.token,
                    json!({ "body": body, "visibility": "internal" }),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
        }
        streams.push(format!("incident:{id}"));
    }
    let report = assert_intact(&app, &admin).await;
    assert_eq!(report["streams_checked"], 3);

    let stream = streams[1].clone();
    let victim = app
        .db
        .run(move |c| Ok(audit::stream_chunk(c, &stream, 1, None, 1)?))
        .await
        .unwrap()
        .remove(0);
    tamper(
        &app,
        format!(
            "UPDATE audit_events SET actor_id = NULL WHERE id = {}",
            victim.id
        ),
    )
    .await;
    let report = assert_detected(&app, &admin, &streams[1], "changed after it was written").await;
    assert_eq!(report["first_bad"]["seq"], 2);
    assert_eq!(report["bad_streams"], 1);
}
