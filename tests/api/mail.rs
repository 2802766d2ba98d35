//! Mail end to end: rows queued through `services::notify`, sent by the real worker over TCP to
//! a real (small) SMTP server, and read back with a MIME parser.

use std::{collections::HashSet, sync::Arc, time::Duration};

use diesel::prelude::*;
use qalxan::{
    db::{
        models::outbox::{self, OutboxRow},
        schema::{audit_events, outbox as outbox_table},
        write_tx,
    },
    domain::{Locale, Role},
    mail::Worker,
    metrics::Metrics,
    services::notify::{self, MailKind, Notification, Recipient},
};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    helpers::{assert_problem, json, TestApp},
    smtp_sink::SmtpSink,
};

const REFERENCE: &str = "CERT-2026-00042";

async fn mail_app(
    sink_url: &str,
    adjust: impl FnOnce(&mut std::collections::HashMap<String, String>),
) -> TestApp {
    let url = sink_url.to_owned();
    TestApp::spawn_with(move |env| {
        env.insert("QALXAN_SMTP_URL".into(), url);
        env.insert("QALXAN_BASE_URL".into(), "https://qalxan.test".into());
        env.insert("QALXAN_CERT_NAME".into(), "CERT.TEST".into());
        env.insert("QALXAN_MAIL_POLL_MS".into(), "100".into());
        env.insert("QALXAN_MAIL_BACKOFF_MS".into(), "50".into());
        env.insert("QALXAN_MAIL_BACKOFF_MAX_SECONDS".into(), "1".into());
        adjust(env);
    })
    .await
}

fn context(tlp: &str, marker: &str) -> Value {
    json!({ "reference": REFERENCE, "tlp": tlp, "title": format!("Title {marker}"),
            "description": format!("Description {marker}") })
}

async fn enqueue(app: &TestApp, kind: MailKind, to: Recipient, ctx: Value) -> Option<i64> {
    app.db
        .run(move |c| {
            write_tx(c, |c| {
                notify::enqueue(
                    c,
                    Notification {
                        kind,
                        to,
                        incident_id: Some(42),
                        thread_key: Some(REFERENCE.into()),
                        context: ctx,
                    },
                )
            })
        })
        .await
        .unwrap()
}

async fn rows(app: &TestApp) -> Vec<OutboxRow> {
    app.db
        .run(|c| {
            Ok(outbox_table::table
                .select(outbox_table::all_columns)
                .order(outbox_table::id.asc())
                .load::<OutboxRow>(c)?)
        })
        .await
        .unwrap()
}

/// Polls the outbox until `done` holds (panics after 20 s).
async fn wait_rows(
    app: &TestApp,
    what: &str,
    done: impl Fn(&[OutboxRow]) -> bool,
) -> Vec<OutboxRow> {
    for _ in 0..200 {
        let rows = rows(app).await;
        if done(&rows) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("outbox never reached: {what}: {:?}", rows(app).await);
}

#[actix_web::test]
async fn mail_arrives_in_each_language_threaded_and_without_restricted_content() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink.url(), |env| {
        env.insert("QALXAN_DUTY_MAILBOX".into(), "Duty@CERT.test".into());
    })
    .await;
    for (email, locale) in [
        ("az@example.test", Locale::Az),
        ("en@example.test", Locale::En),
        ("ru@example.test", Locale::Ru),
    ] {
        let to = Recipient::address(email, locale);
        enqueue(
            &app,
            MailKind::ReportReceived,
            to,
            context("TLP:AMBER", email),
        )
        .await
        .unwrap();
    }
    // A TLP:RED incident to the coordinators and the duty mailbox: no content in the mail.
    let coordinator = app.user(Role::Coordinator).await;
    let duty = notify::duty_mailbox(&app.settings.mail);
    let queued = app
        .db
        .run(|c| {
            write_tx(c, |c| {
                let mut to = notify::active_coordinators(c)?;
                to.extend(duty);
                notify::enqueue_all(
                    c,
                    MailKind::IncidentCreated,
                    to,
                    Some(42),
                    Some(REFERENCE),
                    &context("TLP:RED", "SECRET"),
                )
            })
        })
        .await
        .unwrap();
    assert_eq!(queued, 2);

    let got = sink.wait_for(5, 20).await;
    let by_rcpt = |addr: &str| {
        got.iter()
            .find(|m| m.to == [addr.to_owned()])
            .unwrap_or_else(|| panic!("no mail to {addr}"))
    };
    for (email, word, lang) in [
        ("az@example.test", "Müraciətiniz qəbul edildi", "az"),
        ("en@example.test", "Your report has been received", "en"),
        ("ru@example.test", "Ваше сообщение получено", "ru"),
    ] {
        let received = by_rcpt(email);
        let m = received.parsed();
        let subject = m.subject().unwrap();
        assert_eq!(subject, format!("[{REFERENCE}] [TLP:AMBER] {word}"));
        assert_eq!(m.to().unwrap().first().unwrap().address(), Some(email));
        assert_eq!(m.header_raw("Content-Language").map(str::trim), Some(lang));
        let text = m.body_text(0).unwrap();
        assert!(
            text.contains(REFERENCE) && text.contains(&format!("Title {email}")),
            "{text}"
        );
        assert!(text.contains("https://qalxan.test/incidents/42"));
        assert!(m.body_html(0).unwrap().contains(&format!("Title {email}")));
        let id = m.message_id().unwrap();
        assert!(
            id.starts_with("outbox-") && id.ends_with("@qalxan.test"),
            "{id}"
        );
        let root = format!("incident-{REFERENCE}@qalxan.test");
        assert_eq!(m.in_reply_to().as_text(), Some(root.as_str()));
        assert_eq!(m.references().as_text(), Some(root.as_str()));
        assert!(received.from.contains("qalxan@localhost"));
    }
    for addr in [coordinator.email.as_str(), "duty@cert.test"] {
        let received = by_rcpt(addr);
        let m = received.parsed();
        assert!(m
            .subject()
            .unwrap()
            .starts_with(&format!("[{REFERENCE}] [TLP:RED] ")));
        let raw = String::from_utf8_lossy(&received.data);
        let text = m.body_text(0).unwrap();
        let html = m.body_html(0).unwrap();
        for part in [
            raw.as_ref(),
            text.as_ref(),
            html.as_ref(),
            m.subject().unwrap(),
        ] {
            assert!(
                !part.contains("SECRET"),
                "restricted content leaked: {part}"
            );
        }
        assert!(text.contains("TLP:RED") && text.contains("https://qalxan.test/incidents/42"));
    }
    // Every row is sent, with the Message-ID the mail carried.
    let rows = wait_rows(&app, "all sent", |r| r.iter().all(|r| r.status == "sent")).await;
    assert_eq!(rows.len(), 5);
    let ids: HashSet<String> = got
        .iter()
        .map(|m| format!("<{}>", m.parsed().message_id().unwrap()))
        .collect();
    for row in &rows {
        assert!(ids.contains(row.message_id.as_ref().unwrap()));
        assert_eq!(row.attempts, 1);
        assert!(row.sent_at.is_some() && row.last_error.is_none());
    }
}

#[actix_web::test]
async fn mail_waits_while_smtp_is_down_and_arrives_exactly_once_when_it_is_back() {
    // The fault tests (docs/FAULTS.md) keep the server down this long, queueing more mail
    // meanwhile; the ordinary suite restarts it as soon as the worker has retried.
    let down_for = std::env::var("QALXAN_FAULT_SMTP_DOWN_SECS")
        .ok()
        .map(|v| Duration::from_secs(v.parse().expect("QALXAN_FAULT_SMTP_DOWN_SECS is seconds")));
    let mut sink = SmtpSink::start().await;
    sink.stop().await;
    let went_down = std::time::Instant::now();
    let app = mail_app(&sink.url(), |env| {
        env.insert("QALXAN_MAIL_MAX_ATTEMPTS".into(), "100".into());
        if down_for.is_some() {
            // About 30 attempts a minute, well under the 100 allowed.
            env.insert("QALXAN_MAIL_BACKOFF_MAX_SECONDS".into(), "2".into());
        }
    })
    .await;
    let queue = |i: usize| {
        let to = Recipient::address(format!("r{i}@example.test"), Locale::En);
        enqueue(
            &app,
            MailKind::StatusChanged,
            to,
            json!({ "reference": REFERENCE, "tlp": "TLP:GREEN", "status": format!("MARK{i}") }),
        )
    };
    for i in 0..5 {
        queue(i).await.unwrap();
    }
    let rows = wait_rows(&app, "retrying", |r| {
        r.iter().all(|r| r.attempts >= 2 && r.last_error.is_some())
    })
    .await;
    assert!(rows
        .iter()
        .all(|r| r.status != "sent" && r.status != "failed"));

    let admin = app.admin().await;
    let metrics = app.metrics_text().await;
    assert!(metrics.contains("qalxan_outbox_pending 5"), "{metrics}");
    assert!(metrics.contains("qalxan_outbox_oldest_pending_age_seconds"));
    assert!(!metrics.contains("qalxan_outbox_failures_total 0\n"));
    // Rows move between pending and sending while the worker retries: list them all.
    let listed = json(
        app.get("/api/v1/admin/outbox", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    let statuses: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 5);
    assert!(
        statuses.iter().all(|s| matches!(*s, "pending" | "sending")),
        "{statuses:?}"
    );
    assert!(listed["items"][0]["last_error"].is_string());

    let mut queued = 5;
    if let Some(down_for) = down_for {
        // More mail keeps coming while the server stays down (bounded: one every 4 s).
        while went_down.elapsed() < down_for {
            tokio::time::sleep(
                Duration::from_secs(4).min(down_for.saturating_sub(went_down.elapsed())),
            )
            .await;
            queue(queued).await.unwrap();
            queued += 1;
        }
        assert!(sink.received().is_empty());
    }
    let outage = went_down.elapsed();
    sink.restart().await;
    let back = std::time::Instant::now();
    let got = sink.wait_for(queued, 20).await;
    let all_in = back.elapsed();
    wait_rows(&app, "all sent", |r| r.iter().all(|r| r.status == "sent")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_after = sink.received();
    let most_attempts = self::rows(&app).await.iter().map(|r| r.attempts).max();
    println!(
        "FAULT smtp-down: {:.0} s down, {queued} mails queued, {} received ({} distinct), all in {:.1} s after it returned, at most {} attempts per mail",
        outage.as_secs_f64(),
        got_after.len(),
        got_after
            .iter()
            .map(|m| m.parsed().subject().unwrap_or_default().to_owned())
            .collect::<HashSet<_>>()
            .len(),
        all_in.as_secs_f64(),
        most_attempts.unwrap_or_default()
    );
    assert_eq!(got_after.len(), queued, "a message arrived twice");
    let marks: HashSet<String> = got
        .iter()
        .map(|m| {
            m.parsed()
                .subject()
                .unwrap()
                .rsplit(' ')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(marks.len(), queued);
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains("qalxan_outbox_pending 0")
            && metrics.contains(&format!("qalxan_outbox_sent_total {queued}")),
        "{metrics}"
    );
}

#[actix_web::test]
async fn two_workers_on_one_database_send_each_message_once() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink.url(), |env| {
        env.insert("QALXAN_MAIL_POLL_MS".into(), "20".into());
    })
    .await;
    // A second worker, as another node would run it, on the same database.
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let second = Worker::new(
        app.db.clone(),
        Arc::new(app.settings.clone()),
        Metrics::new(),
    )
    .unwrap()
    .unwrap();
    let second_name = second.name().to_owned();
    actix_web::rt::spawn(second.run(stopped));
    app.db
        .run(|c| {
            write_tx(c, |c| {
                for i in 0..50 {
                    let to = Recipient::address(format!("n{i}@example.test"), Locale::Az);
                    notify::enqueue(c, Notification { kind: MailKind::TaskAssigned, to, incident_id: Some(42), thread_key: Some(REFERENCE.into()),
                        context: json!({ "reference": REFERENCE, "tlp": "TLP:GREEN", "task_title": format!("BODYMARK-{i}-END") }) })?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    sink.wait_for(50, 30).await;
    let rows = wait_rows(&app, "all sent", |r| r.iter().all(|r| r.status == "sent")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = sink.received();
    assert_eq!(got.len(), 50, "some message was sent twice");
    let ids: HashSet<String> = got
        .iter()
        .map(|m| m.parsed().message_id().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 50);
    let marks: HashSet<String> = got
        .iter()
        .map(|m| {
            let text = m.parsed().body_text(0).unwrap().into_owned();
            let start = text.find("BODYMARK-").unwrap();
            text[start..start + text[start..].find("-END").unwrap()].to_owned()
        })
        .collect();
    assert_eq!(marks.len(), 50);
    let workers: HashSet<_> = rows.iter().map(|r| r.claimed_by.clone().unwrap()).collect();
    assert!(
        !workers.is_empty() && workers.len() <= 2,
        "{workers:?} (second: {second_name})"
    );
}

#[actix_web::test]
async fn a_claim_abandoned_by_a_crashed_worker_is_taken_over_after_its_lease() {
    let sink = SmtpSink::start().await;
    let app = mail_app(&sink.url(), |_| {}).await;
    let to = Recipient::address("orphan@example.test", Locale::Ru);
    // Queued and claimed by a worker that died: still leased for a moment, then free.
    let id = app
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let id = notify::enqueue(
                    c,
                    Notification {
                        kind: MailKind::IncidentAcknowledged,
                        to,
                        incident_id: Some(42),
                        thread_key: Some(REFERENCE.into()),
                        context: context("TLP:GREEN", "o"),
                    },
                )?
                .unwrap();
                let lease = qalxan::domain::time::now() + chrono::Duration::milliseconds(700);
                diesel::update(outbox_table::table.find(id))
                    .set((
                        outbox_table::status.eq("sending"),
                        outbox_table::claimed_by.eq("crashed"),
                        outbox_table::locked_until.eq(lease),
                        outbox_table::attempts.eq(1),
                    ))
                    .execute(c)?;
                Ok(id)
            })
        })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        sink.received().is_empty(),
        "a leased message was taken over early"
    );
    let got = sink.wait_for(1, 20).await;
    assert!(got[0]
        .parsed()
        .subject()
        .unwrap()
        .contains("Ваше сообщение принято в работу"));
    let rows = wait_rows(&app, "sent", |r| r[0].status == "sent").await;
    assert_eq!((rows[0].id, rows[0].attempts), (id, 2));
    assert_ne!(rows[0].claimed_by.as_deref(), Some("crashed"));
}

#[actix_web::test]
async fn failed_mail_is_listed_for_admins_only_and_can_be_retried() {
    let sink = SmtpSink::start().await;
    sink.refuse(Some("bounce"));
    let app = mail_app(&sink.url(), |_| {}).await;
    let id = enqueue(
        &app,
        MailKind::IncidentAssigned,
        Recipient::address("bounce@example.test", Locale::En),
        context("TLP:GREEN", "x"),
    )
    .await
    .unwrap();
    // A 550 is permanent: failed after one attempt, no retries.
    let rows = wait_rows(&app, "failed", |r| r[0].status == "failed").await;
    assert_eq!(rows[0].attempts, 1);
    assert!(rows[0].last_error.as_deref().unwrap().contains("550"));

    let admin = app.admin().await;
    let failed = json(
        app.get("/api/v1/admin/outbox?status=failed", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(failed["items"][0]["id"], id);
    assert_eq!(failed["items"][0]["recipient_email"], "bounce@example.test");
    assert!(failed["items"][0].get("context").is_none());
    let none = json(
        app.get("/api/v1/admin/outbox?status=sent", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["items"], json!([]));
    assert_problem(
        app.get("/api/v1/admin/outbox?status=lost", &admin.token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    for role in [Role::Coordinator, Role::Reporter, Role::Auditor] {
        let user = app.user(role).await;
        assert_problem(
            app.get("/api/v1/admin/outbox", &user.token).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.post(
                &format!("/api/v1/admin/outbox/{id}/retry"),
                &user.token,
                json!({}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let anonymous = app
        .client
        .get(app.url("/api/v1/admin/outbox"))
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED).await;

    sink.refuse(None);
    let retried = json(
        app.post(
            &format!("/api/v1/admin/outbox/{id}/retry"),
            &admin.token,
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(retried["status"], "pending");
    assert_eq!(retried["attempts"], 0);
    let got = sink.wait_for(1, 20).await;
    assert_eq!(got[0].to, ["bounce@example.test"]);
    wait_rows(&app, "sent", |r| r[0].status == "sent").await;
    assert_problem(
        app.post(
            &format!("/api/v1/admin/outbox/{id}/retry"),
            &admin.token,
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.post("/api/v1/admin/outbox/999999/retry", &admin.token, json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let audited: Vec<(Option<i64>, Option<i64>)> = app
        .db
        .run(|c| {
            Ok(audit_events::table
                .filter(audit_events::action.eq("outbox.retried"))
                .select((audit_events::actor_id, audit_events::entity_id))
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(audited, vec![(Some(admin.id), Some(id))]);
    assert_eq!(sink.received().len(), 1);
}

#[actix_web::test]
async fn users_switch_off_progress_mail_but_not_essential_mail() {
    // No SMTP server configured: mail is queued and stays queued.
    let app = TestApp::spawn().await;
    let reporter = app.user(Role::Reporter).await;
    let me = json(app.get("/api/v1/me", &reporter.token).await, StatusCode::OK).await;
    assert_eq!(
        me["notifications"],
        json!({ "comment_shared": true, "incident_acknowledged": true, "status_changed": true })
    );
    assert_eq!(me["email"], reporter.email);

    let me = json(
        app.patch(
            "/api/v1/me",
            &reporter.token,
            json!({ "notifications": { "comment_shared": false } }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["notifications"]["comment_shared"], false);
    assert_eq!(me["notifications"]["status_changed"], true);
    for bad in [
        json!({ "report_received": false }),
        json!({ "task_assigned": false }),
        json!({ "gossip": false }),
        json!({ "comment_shared": "no" }),
    ] {
        let body = assert_problem(
            app.patch(
                "/api/v1/me",
                &reporter.token,
                json!({ "notifications": bad }),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            body["errors"]
                .as_object()
                .unwrap()
                .keys()
                .any(|k| k.starts_with("notifications")),
            "{body}"
        );
    }
    // Saying an essential kind stays on is harmless.
    json(
        app.patch(
            "/api/v1/me",
            &reporter.token,
            json!({ "notifications": { "report_received": true } }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let user_id = reporter.id;
    let to = app
        .db
        .run(move |c| notify::user_recipient(c, user_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(to.locale, Locale::En);
    assert_eq!(
        enqueue(
            &app,
            MailKind::CommentShared,
            to.clone(),
            context("TLP:GREEN", "c")
        )
        .await,
        None
    );
    assert!(enqueue(
        &app,
        MailKind::StatusChanged,
        to.clone(),
        context("TLP:GREEN", "s")
    )
    .await
    .is_some());
    assert!(enqueue(
        &app,
        MailKind::ReportReceived,
        to,
        context("TLP:GREEN", "r")
    )
    .await
    .is_some());
    // Switched back on: mailed again.
    json(
        app.patch(
            "/api/v1/me",
            &reporter.token,
            json!({ "notifications": { "comment_shared": true } }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let to = app
        .db
        .run(move |c| notify::user_recipient(c, user_id))
        .await
        .unwrap()
        .unwrap();
    assert!(enqueue(
        &app,
        MailKind::CommentShared,
        to,
        context("TLP:GREEN", "c2")
    )
    .await
    .is_some());

    let rows = rows(&app).await;
    assert_eq!(rows.len(), 3);
    assert!(rows
        .iter()
        .all(|r| r.status == "pending" && r.attempts == 0));
    let stats = app.db.run(|c| Ok(outbox::stats(c)?)).await.unwrap();
    assert_eq!(stats.unsent, 3);
    let changed: Vec<String> = app
        .db
        .run(|c| {
            Ok(audit_events::table
                .filter(audit_events::action.eq("user.updated_own"))
                .select(audit_events::details)
                .load(c)?)
        })
        .await
        .unwrap();
    assert!(
        changed
            .iter()
            .any(|d| d.contains("\"comment_shared\":false")),
        "{changed:?}"
    );
}

#[test]
fn the_standalone_worker_needs_an_smtp_server() {
    let dir = tempfile::tempdir().unwrap();
    let (env, _pg) = crate::helpers::test_env(dir.path());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_qalxan"))
        .arg("worker")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(&env)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .lines()
            .last()
            .unwrap_or_default()
            .contains("QALXAN_SMTP_URL"),
        "{stderr}"
    );
}
