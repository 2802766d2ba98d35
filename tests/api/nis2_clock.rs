//! The clock watches the NIS2 reporting deadlines: warnings at 75 % to the reporting
//! organisation's reporters and the duty mailbox, breaches also to every coordinator, each once,
//! none after a deadline was met; the CERT's answer to an early warning likewise. The last test is
//! the black box: a running clock, no injected time.

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDateTime};
use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use diesel::prelude::*;
use qalxan::db::schema::{deadline_alerts, outbox};

use crate::{
    deadlines::no_clock,
    helpers::{assert_problem, json, TestApp},
    nis2::{early_warning, nis2_reporter, reports, significant_incident, submit},
    smtp_sink::SmtpSink,
};

const DUTY: &str = "duty@cert.example";

fn with_duty(env: &mut std::collections::HashMap<String, String>) {
    no_clock(env);
    env.insert("QALXAN_DUTY_MAILBOX".into(), DUTY.into());
}

fn naive(v: &Value) -> NaiveDateTime {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time"))
        .unwrap()
        .naive_utc()
}

/// The NIS2 alerts the clock recorded, as (key, alert), oldest first (SLA alerts left out).
async fn alerts(app: &TestApp) -> Vec<(String, String)> {
    app.db
        .run(|c| {
            Ok(deadline_alerts::table
                .filter(deadline_alerts::deadline_key.like("report:%"))
                .order(deadline_alerts::id.asc())
                .select((deadline_alerts::deadline_key, deadline_alerts::alert))
                .load(c)?)
        })
        .await
        .unwrap()
}

/// Who was mailed `kind` about the NIS2 deadline `deadline` of incident `id`, sorted.
async fn mailed(app: &TestApp, kind: &str, id: i64, deadline: &str) -> Vec<String> {
    let (kind, pattern) = (kind.to_owned(), format!("%\"deadline\":\"{deadline}\"%"));
    let mut to: Vec<String> = app
        .db
        .run(move |c| {
            Ok(outbox::table
                .filter(outbox::kind.eq(kind))
                .filter(outbox::incident_id.eq(id))
                .filter(outbox::context.like(pattern))
                .select(outbox::recipient_email)
                .load(c)?)
        })
        .await
        .unwrap();
    to.sort();
    to
}

fn pair(key: String, alert: &str) -> (String, String) {
    (key, alert.to_owned())
}

#[actix_web::test]
async fn stage_deadlines_warn_then_breach_once_each() {
    let app = TestApp::spawn_with(with_duty).await;
    let reporter = nis2_reporter(&app).await;
    let colleague = app.user_in(Role::Reporter, reporter.organisation_id).await;
    let coord = app.user(Role::Coordinator).await;
    let id = significant_incident(&app, &reporter, 2).await;
    let list = reports(&app, &reporter, id).await;
    let early = &list["items"][0];
    let (due, early_id) = (naive(&early["due_at"]), early["id"].as_i64().unwrap());
    let aware = due - Duration::hours(24);

    // 17 h of 24: nothing; 19 h: the warning, to the organisation's reporters and the duty desk.
    let key = format!("report:{early_id}");
    app.clock_step(aware + Duration::hours(17)).await;
    assert!(alerts(&app).await.is_empty());
    app.clock_step(aware + Duration::hours(19)).await;
    assert_eq!(alerts(&app).await, [pair(key.clone(), "warning")]);
    let mut expected = vec![
        reporter.email.clone(),
        colleague.email.clone(),
        DUTY.to_owned(),
    ];
    expected.sort();
    let warned = mailed(&app, "deadline_warning", id, "early_warning").await;
    assert_eq!(warned, expected);

    // Past due: the breach, also to every coordinator, once; an audit event in the stream.
    app.clock_step(aware + Duration::hours(25)).await;
    app.clock_step(aware + Duration::hours(25) + Duration::minutes(30))
        .await;
    let both = [pair(key.clone(), "warning"), pair(key.clone(), "breach")];
    assert_eq!(alerts(&app).await, both);
    expected.push(coord.email.clone());
    expected.sort();
    let breached = mailed(&app, "deadline_breached", id, "early_warning").await;
    assert_eq!(breached, expected);
    let history = json(
        app.get(&format!("/api/v1/incidents/{id}/history"), &coord.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let events: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "deadline.breached" && e["details"]["key"] == key)
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["details"]["kind"], "early_warning");

    // The notification, submitted in time, is never warned about nor breached.
    let mut fields = early_warning();
    let more = json!({ "severity_assessment": "high", "impact": "Billing down",
                       "affected_services": "billing", "users_affected": 10 });
    fields
        .as_object_mut()
        .unwrap()
        .extend(more.as_object().unwrap().clone());
    let note = json!({ "stage": "notification", "fields": fields });
    json(submit(&app, &reporter, id, note).await, StatusCode::CREATED).await;
    app.clock_step(aware + Duration::hours(80)).await;
    assert_eq!(alerts(&app).await.len(), 2);
    assert!(mailed(&app, "deadline_warning", id, "notification")
        .await
        .is_empty());
}

#[actix_web::test]
async fn the_answer_to_an_early_warning_is_watched_until_given() {
    let app = TestApp::spawn_with(with_duty).await;
    let reporter = nis2_reporter(&app).await;
    let coord = app.user(Role::Coordinator).await;
    let id = significant_incident(&app, &reporter, 1).await;
    let body = json!({ "stage": "early_warning", "fields": early_warning() });
    let sent = json(submit(&app, &reporter, id, body).await, StatusCode::CREATED).await;
    let submitted = naive(&sent["submitted_at"]);
    app.clock_step(submitted + Duration::hours(19)).await;
    let key = format!("report:{}:answer", sent["id"]);
    assert!(alerts(&app).await.contains(&pair(key.clone(), "warning")));
    let warned = mailed(&app, "deadline_warning", id, "early_warning_answer").await;
    assert!(warned.contains(&DUTY.to_owned()), "{warned:?}");

    // Answered before it was due: no breach ever.
    let ack = format!("/api/v1/incident-reports/{}/acknowledge", sent["id"]);
    let answer = json!({ "feedback": "Received." });
    json(
        app.post(&ack, &coord.token, answer.clone()).await,
        StatusCode::OK,
    )
    .await;
    app.clock_step(submitted + Duration::hours(30)).await;
    assert!(!alerts(&app).await.contains(&pair(key, "breach")));
    assert!(
        mailed(&app, "deadline_breached", id, "early_warning_answer")
            .await
            .is_empty()
    );
    assert_problem(
        app.post(&ack, &coord.token, answer).await,
        StatusCode::CONFLICT,
    )
    .await;
}

/// The black box: a running clock (poll 2 s), a real SMTP sink, no injected time. An incident
/// detected 30 hours ago, marked significant, shows its early warning overdue at once, and the
/// breach mail arrives within two poll intervals (plus the outbox worker's own poll).
#[actix_web::test]
async fn a_running_clock_mails_the_overdue_early_warning_within_two_polls() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |env| {
        env.insert("QALXAN_CLOCK_POLL_SECONDS".into(), "2".into());
        env.insert("QALXAN_SMTP_URL".into(), url);
        env.insert("QALXAN_MAIL_POLL_MS".into(), "100".into());
    })
    .await;
    let reporter = nis2_reporter(&app).await;
    let id = significant_incident(&app, &reporter, 30).await;
    let marked = Instant::now();
    let list = reports(&app, &reporter, id).await;
    assert_eq!(list["items"][0]["stage"], "early_warning");
    assert_eq!(list["items"][0]["state"], "overdue");

    // The reporter's receipt of the filing may come first: wait for the breach notice.
    let subject = |m: &crate::smtp_sink::Received| m.parsed().subject().unwrap_or("").to_owned();
    let mut n = 1;
    let breach = loop {
        let got = sink.wait_for(n, 10).await;
        let found = got.iter().find(|m| {
            m.to.iter().any(|t| t.contains(&reporter.email))
                && subject(m).contains("Deadline breached")
        });
        if let Some(m) = found {
            break subject(m);
        }
        assert!(
            got.len() >= n && marked.elapsed().as_secs() < 10,
            "no breach notice"
        );
        n = got.len() + 1;
    };
    let elapsed = marked.elapsed();
    assert!(
        breach.contains("Deadline breached: NIS2 early warning"),
        "{breach}"
    );
    assert!(elapsed.as_secs_f64() <= 2.0 * 2.0 + 1.0, "{elapsed:?}");

    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains("qalxan_deadlines_breached{kind=\"early_warning\"} 1"),
        "{metrics}"
    );
}
