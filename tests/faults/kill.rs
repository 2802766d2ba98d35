//! `kill -9` under load: every write acknowledged with 2xx survives, and the audit chains
//! still verify, through the API and through the CLI.

use std::{collections::HashSet, sync::Arc, time::Duration};

use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    backend, enabled,
    load::{self, Outcome, Shared},
    server::Server,
};

const CLIENTS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9_and_the_audit_chains_verify() {
    if !enabled("kill -9") {
        return;
    }
    let mut server = Server::start(|_| {}).await;
    let token = server.admin_token().await;
    let shared = Arc::new(Shared::default());
    let handles = load::writers(CLIENTS, &server.base, &token, &shared);

    // Kill in the middle of the stream: after enough writes that requests are surely in flight.
    load::wait_acknowledged(&shared, 200, 60).await;
    let killed = std::time::Instant::now();
    server.kill_9();
    let at_kill = shared.samples().len();
    // The clients keep going against the dead port for a moment, then stop.
    tokio::time::sleep(Duration::from_millis(300)).await;
    shared
        .stop
        .store(true, std::sync::atomic::Ordering::Relaxed);
    for handle in handles {
        handle.await.expect("a writer panicked");
    }
    let samples = shared.samples();
    let all: Vec<_> = samples.iter().collect();
    let cut_off = samples
        .iter()
        .filter(|s| s.sent < killed && s.outcome == Outcome::Connection)
        .count();
    // Before the kill nothing may fail; a dead server can only refuse or cut off requests.
    assert!(
        samples[..at_kill.min(samples.len())]
            .iter()
            .filter(|s| s.outcome != Outcome::Ok)
            .all(|s| matches!(s.outcome, Outcome::Connection)),
        "{}",
        load::tally(&all)
    );

    server.spawn().await;
    let http = load::client();
    let get = |path: String| {
        let req = http.get(server.url(&path)).bearer_auth(&token);
        async move {
            let res = req.send().await.expect("request after restart");
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    let incidents = shared.incidents.lock().unwrap().clone();
    let comments = shared.comments.lock().unwrap().clone();
    let mut incidents_found = 0;
    for (id, title) in &incidents {
        let (status, body) = get(format!("/api/v1/incidents/{id}")).await;
        if status == StatusCode::OK && body["title"] == title.as_str() {
            incidents_found += 1;
        } else {
            eprintln!("lost incident {id} ({title}): {status} {body}");
        }
    }
    let mut comments_found = 0;
    let commented: HashSet<i64> = comments.iter().map(|(incident, _, _)| *incident).collect();
    for incident in commented {
        let (status, body) = get(format!("/api/v1/incidents/{incident}/comments")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let stored: Vec<(i64, String)> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["id"].as_i64().unwrap(),
                    c["body"].as_str().unwrap().into(),
                )
            })
            .collect();
        for (_, id, text) in comments.iter().filter(|(i, _, _)| *i == incident) {
            if stored.contains(&(*id, text.clone())) {
                comments_found += 1;
            } else {
                eprintln!("lost comment {id} on incident {incident}");
            }
        }
    }

    let (status, report) = get("/api/v1/audit/verify".into()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let cli = server.cli_audit_verify();

    println!(
        "FAULT kill-9 [{}]: {} writes acknowledged ({} incidents, {} comments), {} found ({} incidents, {} comments); {} requests in flight cut off by the kill; {}; audit API ok={} ({} streams, {} events); CLI: {}",
        backend(),
        incidents.len() + comments.len(),
        incidents.len(),
        comments.len(),
        incidents_found + comments_found,
        incidents_found,
        comments_found,
        cut_off,
        load::tally(&all),
        report["ok"],
        report["streams_checked"],
        report["events_checked"],
        cli.trim()
    );
    assert_eq!(
        incidents_found,
        incidents.len(),
        "acknowledged incidents lost"
    );
    assert_eq!(comments_found, comments.len(), "acknowledged comments lost");
    assert_eq!(report["ok"], true, "{report}");
    assert!(cli.contains("audit trail intact"), "{cli}");

    // And the restarted server takes writes again.
    let res = http
        .post(server.url("/api/v1/incidents"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "title": "After the restart", "description": "Still writing." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}
