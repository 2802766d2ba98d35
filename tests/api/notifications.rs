//! Who is told what, through real actions: the worker sends to a real SMTP server started by the
//! test, and the messages are read back with a MIME parser.

use std::collections::HashMap;

use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    helpers::{json, TestApp, TestUser},
    smtp_sink::{Received, SmtpSink},
};

async fn app_with_mail(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    TestApp::spawn_with(move |env| {
        env.insert("QALXAN_SMTP_URL".into(), url);
        env.insert("QALXAN_BASE_URL".into(), "https://qalxan.test".into());
        env.insert("QALXAN_DUTY_MAILBOX".into(), "duty@cert.test".into());
        env.insert("QALXAN_MAIL_POLL_MS".into(), "100".into());
        env.insert("QALXAN_MAIL_BACKOFF_MS".into(), "50".into());
        env.insert("QALXAN_MAIL_BACKOFF_MAX_SECONDS".into(), "1".into());
    })
    .await
}

async fn speaks(app: &TestApp, user: &TestUser, locale: &str) {
    json(
        app.patch("/api/v1/me", &user.token, json!({ "locale": locale }))
            .await,
        StatusCode::OK,
    )
    .await;
}

/// Messages by recipient, as (subject, text body, In-Reply-To).
fn by_recipient(mail: &[Received]) -> HashMap<String, Vec<(String, String, String)>> {
    let mut out: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
    for m in mail {
        let parsed = m.parsed();
        let entry = (
            parsed.subject().unwrap_or_default().to_owned(),
            parsed
                .body_text(0)
                .map(|b| b.into_owned())
                .unwrap_or_default(),
            parsed
                .in_reply_to()
                .as_text()
                .unwrap_or_default()
                .to_owned(),
        );
        for to in &m.to {
            out.entry(to.to_lowercase())
                .or_default()
                .push(entry.clone());
        }
    }
    out
}

#[actix_web::test]
async fn each_side_hears_of_what_concerns_it_in_its_language_and_never_of_internal_notes() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let coordinator = app.user(Role::Coordinator).await;
    let responder = app.user(Role::Responder).await;
    let reporter = app.user(Role::Reporter).await;
    speaks(&app, &coordinator, "ru").await;
    speaks(&app, &reporter, "az").await;

    // Filing: the coordinators and the duty mailbox are told, the reporter gets a receipt.
    let filed = app
        .incident(
            &reporter,
            json!({ "title": "Fişinq hücumu", "description": "Saxta bank məktubları" }),
        )
        .await;
    let id = filed["id"].as_i64().unwrap();
    let reference = filed["reference"].as_str().unwrap().to_owned();
    let mail = by_recipient(&sink.wait_for(3, 15).await);
    let (subject, body, thread) = &mail[&coordinator.email][0];
    assert!(
        subject.starts_with(&format!("[{reference}] [TLP:AMBER]")),
        "{subject}"
    );
    assert!(
        subject.contains("Новый инцидент"),
        "Russian for the coordinator: {subject}"
    );
    assert!(body.contains("Saxta bank məktubları"), "{body}");
    assert!(mail["duty@cert.test"][0].0.contains(&reference));
    let receipt = &mail[&reporter.email][0];
    assert!(receipt.0.contains(&reference));
    let root = thread.clone();
    assert!(root.contains(&reference), "threaded per incident: {root}");
    assert!(
        !mail.contains_key(&responder.email),
        "responders are not paged for every new incident"
    );

    // An internal note is never mailed; a shared comment reaches the reporter.
    let comments = format!("/api/v1/incidents/{id}/comments");
    json(
        app.post(
            &comments,
            &coordinator.token,
            json!({ "body": "SECRET-INTERNAL-NOTE", "visibility": "internal" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            &comments,
            &coordinator.token,
            json!({ "body": "Zəhmət olmasa logları göndərin", "visibility": "shared" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // Taking it up, and assigning it.
    json(
        app.patch(
            &format!("/api/v1/incidents/{id}"),
            &responder.token,
            json!({ "category": "phishing", "severity": "high" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    json(
        app.transition(&responder, id, json!({ "to": "triage" }))
            .await,
        StatusCode::OK,
    )
    .await;
    json(
        app.post(
            &format!("/api/v1/incidents/{id}/assign"),
            &coordinator.token,
            json!({ "assignee_id": responder.id }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // The reporter answers: the assignee hears of it.
    json(
        app.post(
            &comments,
            &reporter.token,
            json!({ "body": "Loglar əlavə olundu", "visibility": "shared" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            &format!("/api/v1/incidents/{id}/tasks"),
            &coordinator.token,
            json!({ "title": "Block the sender domain", "assignee_id": responder.id }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    let all = sink.wait_for(3 + 5, 15).await;
    let mail = by_recipient(&all);
    for m in &all {
        let raw = String::from_utf8_lossy(&m.data);
        assert!(
            !raw.contains("SECRET-INTERNAL-NOTE"),
            "an internal note was mailed"
        );
    }
    let reporter_mail = &mail[&reporter.email];
    assert_eq!(
        reporter_mail.len(),
        3,
        "receipt, shared comment, taken up: {reporter_mail:#?}"
    );
    assert!(reporter_mail[1]
        .1
        .contains("Zəhmət olmasa logları göndərin"));
    assert!(
        reporter_mail.iter().all(|(_, _, t)| *t == root),
        "one thread"
    );
    let responder_mail = &mail[&responder.email];
    assert_eq!(
        responder_mail.len(),
        3,
        "assignment, the reporter's comment, the task: {responder_mail:#?}"
    );
    assert!(responder_mail[1].1.contains("Loglar əlavə olundu"));
    assert!(responder_mail[2].1.contains("Block the sender domain"));
    assert_eq!(
        mail[&coordinator.email].len(),
        1,
        "nobody is mailed about their own actions"
    );
    actix_web::rt::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(sink.received().len(), all.len(), "nothing else was sent");
}

#[actix_web::test]
async fn restricted_incidents_are_announced_without_their_content() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let coordinator = app.user(Role::Coordinator).await;
    let liaison = app.user(Role::Liaison).await;
    let responder = app.user(Role::Responder).await;
    let red = app.incident(&responder, json!({ "title": "Minister's phone compromised", "description": "Pegasus indicators", "tlp": "TLP:RED" })).await;
    let amber = app
        .incident(
            &responder,
            json!({ "title": "Port scanning", "description": "d" }),
        )
        .await;
    let mail = sink.wait_for(4, 15).await;
    for m in &mail {
        let raw = String::from_utf8_lossy(&m.data);
        if raw.contains(red["reference"].as_str().unwrap()) {
            assert!(
                !raw.contains("Minister") && !raw.contains("Pegasus"),
                "TLP:RED content in mail: {raw}"
            );
            assert!(m.parsed().subject().unwrap().contains("[TLP:RED]"));
        }
    }
    assert!(mail
        .iter()
        .any(|m| m.to.iter().any(|t| t == &coordinator.email)));

    // Sharing tells the agency's liaisons — but only about what they can open.
    let agency = liaison.organisation_id;
    json(
        app.post(
            &format!("/api/v1/incidents/{}/shares", amber["id"]),
            &coordinator.token,
            json!({ "organisation_id": agency, "max_tlp": "TLP:GREEN" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    json(
        app.post(
            &format!("/api/v1/incidents/{}/shares", amber["id"]),
            &coordinator.token,
            json!({ "organisation_id": agency, "max_tlp": "TLP:AMBER" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let mail = sink.wait_for(5, 15).await;
    let to_liaison: Vec<&Received> = mail
        .iter()
        .filter(|m| m.to.contains(&liaison.email))
        .collect();
    assert_eq!(
        to_liaison.len(),
        1,
        "one mail, when the ceiling reached the incident's TLP"
    );
}
