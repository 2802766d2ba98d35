//! SLA deadlines and the clock: due times from the severity's policy, their states, and the
//! warnings and breach notices the clock sends exactly once (threads racing, a restart), in the
//! recipient's language, never after the deadline was met.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use qalxan::{
    db::schema::{deadline_alerts, outbox},
    domain::{time, Role},
    services::clock,
    startup::Application,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    helpers::{json, TestApp, TestUser},
    smtp_sink::SmtpSink,
};

/// Tests drive the clock themselves, at chosen instants.
pub fn no_clock(env: &mut HashMap<String, String>) {
    env.insert("QALXAN_CLOCK_POLL_SECONDS".into(), "0".into());
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().expect("a time").parse().expect("RFC 3339")
}

fn minutes_after_report(i: &Value, field: &str) -> i64 {
    (at(&i[field]) - at(&i["reported_at"])).num_minutes()
}

fn reported(i: &Value) -> NaiveDateTime {
    at(&i["reported_at"]).naive_utc()
}

fn states(i: &Value) -> Vec<String> {
    i["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}",
                d["kind"].as_str().unwrap(),
                d["state"].as_str().unwrap()
            )
        })
        .collect()
}

pub async fn critical(app: &TestApp, who: &TestUser) -> Value {
    app.incident(
        who,
        json!({ "title": "Ransomware", "description": "Files encrypted", "severity": "critical", "category": "phishing" }),
    )
    .await
}

async fn fetch(app: &TestApp, who: &TestUser, id: i64) -> Value {
    json(
        app.get(&format!("/api/v1/incidents/{id}"), &who.token)
            .await,
        StatusCode::OK,
    )
    .await
}

async fn move_to(app: &TestApp, who: &TestUser, id: i64, to: &str) -> Value {
    json(
        app.transition(who, id, json!({ "to": to })).await,
        StatusCode::OK,
    )
    .await
}

/// Outbox rows of `kind` about incident `id`, as (recipient, locale).
pub async fn mail_of(app: &TestApp, kind: &str, id: i64) -> Vec<(String, String)> {
    let kind = kind.to_owned();
    app.db
        .run(move |c| {
            Ok(outbox::table
                .filter(outbox::kind.eq(kind))
                .filter(outbox::incident_id.eq(id))
                .select((outbox::recipient_email, outbox::locale))
                .order(outbox::id.asc())
                .load::<(String, String)>(c)?)
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn due_times_follow_the_severity_and_move_when_it_changes() {
    let app = TestApp::spawn_with(no_clock).await;
    let coord = app.user(Role::Coordinator).await;
    let c = critical(&app, &coord).await;
    assert_eq!(minutes_after_report(&c, "ack_due_at"), 60);
    assert_eq!(minutes_after_report(&c, "contain_due_at"), 240);
    assert_eq!(minutes_after_report(&c, "resolve_due_at"), 4_320);
    assert_eq!(
        states(&c),
        ["ack:pending", "contain:pending", "resolve:pending"]
    );

    // No severity yet: medium's acknowledgement target, and no other deadline.
    let body = json!({ "title": "Odd traffic", "description": "?", "category": "phishing" });
    let open = app.incident(&coord, body).await;
    assert_eq!(minutes_after_report(&open, "ack_due_at"), 1_440);
    assert!(open["contain_due_at"].is_null() && open["resolve_due_at"].is_null());
    assert_eq!(states(&open), ["ack:pending"]);

    let id = open["id"].as_i64().unwrap();
    let path = format!("/api/v1/incidents/{id}");
    let high = json(
        app.patch(&path, &coord.token, json!({ "severity": "high" }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(minutes_after_report(&high, "ack_due_at"), 240);
    assert_eq!(minutes_after_report(&high, "contain_due_at"), 1_440);
    assert_eq!(minutes_after_report(&high, "resolve_due_at"), 10_080);

    // Acknowledged: that deadline is history and keeps its due time; the pending ones move.
    move_to(&app, &coord, id, "triage").await;
    let now_critical = json(
        app.patch(&path, &coord.token, json!({ "severity": "critical" }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(minutes_after_report(&now_critical, "ack_due_at"), 240);
    assert_eq!(minutes_after_report(&now_critical, "contain_due_at"), 240);
    assert_eq!(minutes_after_report(&now_critical, "resolve_due_at"), 4_320);
    assert_eq!(
        states(&now_critical),
        ["ack:met", "contain:pending", "resolve:pending"]
    );

    let history = json(
        app.get(&format!("{path}/history"), &coord.token).await,
        StatusCode::OK,
    )
    .await;
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "incident.updated");
    assert_eq!(last["details"]["severity"]["after"], "critical");
    assert!(
        last["details"]["contain_due_at"]["before"].is_string(),
        "{last}"
    );
    assert!(last["details"].get("ack_due_at").is_none(), "{last}");
}

#[actix_web::test]
async fn deadlines_are_pending_met_missed_or_breached() {
    let app = TestApp::spawn_with(no_clock).await;
    let coord = app.user(Role::Coordinator).await;
    let late = critical(&app, &coord).await;
    let late_id = late["id"].as_i64().unwrap();
    app.shift_incident(late_id, 2).await;
    let breached = fetch(&app, &coord, late_id).await;
    assert_eq!(
        states(&breached),
        ["ack:breached", "contain:pending", "resolve:pending"]
    );
    assert!(breached["deadlines"][0].get("met_at").is_none());

    let missed = move_to(&app, &coord, late_id, "triage").await;
    assert_eq!(
        states(&missed),
        ["ack:missed", "contain:pending", "resolve:pending"]
    );
    assert!(missed["deadlines"][0]["met_at"].is_string());

    let quick = critical(&app, &coord).await;
    let quick_id = quick["id"].as_i64().unwrap();
    move_to(&app, &coord, quick_id, "triage").await;
    let assign = json!({ "assignee_id": coord.id });
    let path = format!("/api/v1/incidents/{quick_id}/assign");
    json(app.post(&path, &coord.token, assign).await, StatusCode::OK).await;
    let contained = move_to(&app, &coord, quick_id, "containment").await;
    assert_eq!(
        states(&contained),
        ["ack:met", "contain:met", "resolve:pending"]
    );
}

#[actix_web::test]
async fn the_clock_warns_at_three_quarters_then_reports_the_breach_once() {
    let app = TestApp::spawn_with(no_clock).await;
    let coord = app.user(Role::Coordinator).await;
    let responder = app.user(Role::Responder).await;
    let unassigned = critical(&app, &coord).await;
    let (u, start) = (unassigned["id"].as_i64().unwrap(), reported(&unassigned));
    let assigned = critical(&app, &coord).await;
    let a = assigned["id"].as_i64().unwrap();
    let assign = json!({ "assignee_id": responder.id });
    json(
        app.post(
            &format!("/api/v1/incidents/{a}/assign"),
            &coord.token,
            assign,
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let report = app.clock_step(start + Duration::minutes(30)).await;
    assert_eq!((report.warnings, report.breaches), (0, 0));
    let report = app.clock_step(start + Duration::minutes(50)).await;
    assert_eq!(
        (report.warnings, report.breaches),
        (2, 0),
        "the two acknowledgements"
    );
    let again = app.clock_step(start + Duration::minutes(55)).await;
    assert_eq!((again.warnings, again.breaches), (0, 0));
    // The warning goes to the assignee, or to the coordinators while nobody is assigned.
    assert_eq!(
        mail_of(&app, "deadline_warning", u).await,
        [(coord.email.clone(), "en".into())]
    );
    assert_eq!(
        mail_of(&app, "deadline_warning", a).await,
        [(responder.email.clone(), "en".into())]
    );

    let report = app.clock_step(start + Duration::minutes(61)).await;
    assert_eq!((report.warnings, report.breaches), (0, 2));
    let again = app.clock_step(start + Duration::minutes(62)).await;
    assert_eq!((again.warnings, again.breaches), (0, 0));
    // The breach also goes to every coordinator.
    let to: Vec<String> = mail_of(&app, "deadline_breached", a)
        .await
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(to, [responder.email.clone(), coord.email.clone()]);
    assert_eq!(mail_of(&app, "deadline_breached", u).await.len(), 1);

    let history = json(
        app.get(&format!("/api/v1/incidents/{u}/history"), &coord.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let breaches: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "deadline.breached")
        .collect();
    assert_eq!(breaches.len(), 1);
    assert_eq!(breaches[0]["details"]["kind"], "ack");
    assert_eq!(breaches[0]["details"]["key"], format!("incident:{u}:ack"));
    assert!(breaches[0]["actor_id"].is_null());
}

#[actix_web::test]
async fn nothing_is_sent_for_a_deadline_met_in_time() {
    let app = TestApp::spawn_with(no_clock).await;
    let coord = app.user(Role::Coordinator).await;
    let i = critical(&app, &coord).await;
    let (id, start) = (i["id"].as_i64().unwrap(), reported(&i));
    // Warned about the acknowledgement, then acknowledged before it was due: no breach ever.
    assert_eq!(
        app.clock_step(start + Duration::minutes(50)).await.warnings,
        1
    );
    move_to(&app, &coord, id, "triage").await;
    let report = app.clock_step(start + Duration::minutes(90)).await;
    assert_eq!((report.warnings, report.breaches), (0, 0));
    // Closed before containment was due: nothing about containment or resolution either.
    let close = json!({ "to": "closed", "resolution": "informational", "root_cause": "none" });
    json(app.transition(&coord, id, close).await, StatusCode::OK).await;
    let report = app.clock_step(start + Duration::days(10)).await;
    assert_eq!((report.warnings, report.breaches), (0, 0));
    assert_eq!(mail_of(&app, "deadline_warning", id).await.len(), 1);
    assert!(mail_of(&app, "deadline_breached", id).await.is_empty());
}

async fn alert_rows(app: &TestApp) -> i64 {
    app.db
        .run(|c| Ok(deadline_alerts::table.count().get_result::<i64>(c)?))
        .await
        .unwrap()
}

#[actix_web::test]
async fn racing_clocks_and_a_restarted_node_send_each_alert_once() {
    let app = TestApp::spawn_with(no_clock).await;
    let coord = app.user(Role::Coordinator).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let i = critical(&app, &coord).await;
        let id = i["id"].as_i64().unwrap();
        // 3½ hours ago: acknowledgement breached (1 h), containment at 87 % of its 4 h.
        app.shift_incident(id, 3).await;
        app.shift_incident_minutes(id, 30).await;
        ids.push(id);
    }
    let now = time::now();
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (pool, mail) = (app.db.pool().clone(), app.settings.mail.clone());
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                clock::step(&mut conn, &mail, now).unwrap()
            })
        })
        .collect();
    let reports: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let warnings: usize = reports.iter().map(|r| r.warnings).sum();
    let breaches: usize = reports.iter().map(|r| r.breaches).sum();
    assert_eq!((warnings, breaches), (5, 5), "{reports:?}");
    for id in &ids {
        assert_eq!(mail_of(&app, "deadline_breached", *id).await.len(), 1);
        assert_eq!(mail_of(&app, "deadline_warning", *id).await.len(), 1);
    }
    assert_eq!(alert_rows(&app).await, 10);

    // A restarted node (a second application on the same database) sends nothing again.
    let second = Application::build(app.settings.clone()).await.unwrap();
    let db = second.state().db.clone();
    let mail = app.settings.mail.clone();
    let later = now + Duration::minutes(5);
    let report = db.run(move |c| clock::step(c, &mail, later)).await.unwrap();
    assert_eq!((report.warnings, report.breaches), (0, 0));
    assert_eq!(alert_rows(&app).await, 10);
}

#[actix_web::test]
async fn breach_mail_arrives_in_the_recipients_language() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |env| {
        no_clock(env);
        env.insert("QALXAN_SMTP_URL".into(), url);
        env.insert("QALXAN_MAIL_POLL_MS".into(), "100".into());
    })
    .await;
    let admin = app.admin().await;
    let coord = app.user(Role::Coordinator).await;
    let path = format!("/api/v1/users/{}", coord.id);
    json(
        app.patch(&path, &admin.token, json!({ "locale": "ru" }))
            .await,
        StatusCode::OK,
    )
    .await;
    let i = critical(&app, &coord).await;
    let id = i["id"].as_i64().unwrap();
    app.shift_incident(id, 2).await;
    assert_eq!(app.clock_step(time::now()).await.breaches, 1);
    let got = sink.wait_for(1, 20).await;
    let message = got
        .iter()
        .find(|m| m.to.iter().any(|t| t.contains(&coord.email)))
        .expect("mail to the coordinator");
    let parsed = message.parsed();
    let subject = parsed.subject().unwrap().to_owned();
    assert!(
        subject.contains("Срок нарушен") && subject.contains(i["reference"].as_str().unwrap()),
        "{subject}"
    );
    let body = parsed.body_text(0).unwrap().into_owned();
    assert!(
        body.contains("подтверждение") && body.contains("UTC"),
        "{body}"
    );
}

#[actix_web::test]
async fn the_running_clock_mails_a_breach_within_two_polls_and_metrics_show_it() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |env| {
        env.insert("QALXAN_CLOCK_POLL_SECONDS".into(), "1".into());
        env.insert("QALXAN_SMTP_URL".into(), url);
        env.insert("QALXAN_MAIL_POLL_MS".into(), "100".into());
    })
    .await;
    let coord = app.user(Role::Coordinator).await;
    let i = critical(&app, &coord).await;
    let id = i["id"].as_i64().unwrap();
    app.shift_incident(id, 2).await;
    let got = sink.wait_for(1, 10).await;
    let subject = got[0].parsed().subject().unwrap().to_owned();
    assert!(
        subject.contains("Deadline breached: acknowledgement"),
        "{subject}"
    );

    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains("qalxan_deadlines_breached{kind=\"ack\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("qalxan_deadlines_breached{kind=\"contain\"} 0"),
        "{metrics}"
    );
    let last_run = metrics
        .lines()
        .find_map(|l| l.strip_prefix("qalxan_clock_last_run_timestamp_seconds "))
        .and_then(|v| v.trim().parse::<i64>().ok())
        .expect("the clock's last run");
    assert!(
        (time::now().and_utc().timestamp() - last_run).abs() < 10,
        "{last_run}"
    );
}
