//! The incident pages over plain HTTP: who sees what in the queue and on the case page, which
//! moves are offered, refusals shown next to the fields, CSRF on every form, escaping, and
//! evidence through the web routes. The browser journeys are in `browser_incidents.rs`.

use qalxan::domain::Role;
use reqwest::{multipart, StatusCode};
use serde_json::{json, Value};

use crate::{
    helpers::{TestApp, TestUser},
    web::{Page, WebClient},
};

/// The number in the first `marker<digits>` of `body`.
fn number_after(body: &str, marker: &str) -> i64 {
    let start = body
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in page"))
        + marker.len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// The HTML of the section with `id`, up to its end.
fn section<'a>(body: &'a str, id: &str) -> &'a str {
    let marker = format!("<section class=\"queue\" id=\"{id}\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("section {id}"));
    let end = body[start..].find("</section>").unwrap() + start;
    &body[start..end]
}

async fn file(app: &TestApp, who: &TestUser, title: &str) -> (i64, String) {
    let created = app
        .incident(
            who,
            json!({ "title": title, "description": "what happened" }),
        )
        .await;
    (
        created["id"].as_i64().unwrap(),
        created["reference"].as_str().unwrap().to_owned(),
    )
}

async fn triaged(app: &TestApp, coordinator: &TestUser, id: i64) {
    let res = app
        .patch(
            &format!("/api/v1/incidents/{id}"),
            &coordinator.token,
            json!({ "category": "phishing", "severity": "high" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .transition(coordinator, id, json!({ "to": "triage" }))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn share(app: &TestApp, coordinator: &TestUser, id: i64, org: i64) {
    let res = app
        .post(
            &format!("/api/v1/incidents/{id}/shares"),
            &coordinator.token,
            json!({ "organisation_id": org, "max_tlp": "TLP:AMBER" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn the_queue_and_the_list_follow_each_roles_visibility() {
    let app = TestApp::spawn().await;
    let coordinator = app.user(Role::Coordinator).await;
    let reporter_a = app.user(Role::Reporter).await;
    let reporter_b = app.user(Role::Reporter).await;
    let liaison = app.user(Role::Liaison).await;
    let (alpha, alpha_ref) = file(&app, &reporter_a, "Alpha mailbox leak").await;
    let (bravo, bravo_ref) = file(&app, &reporter_b, "Bravo portal outage").await;
    let (charlie, charlie_ref) = file(&app, &reporter_b, "Charlie scanning").await;
    triaged(&app, &coordinator, charlie).await;
    share(&app, &coordinator, alpha, liaison.organisation_id).await;
    let res = app
        .post(
            &format!("/api/v1/incidents/{bravo}/assign"),
            &coordinator.token,
            json!({ "assignee_id": coordinator.id }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // The coordinator's start page is the work queue; new incidents before triaged ones.
    let web = WebClient::signed_in(&app, &coordinator.email).await;
    let home = web.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let unassigned = section(&home.body, "queue-unassigned");
    let (a, c) = (
        unassigned.find(&alpha_ref).expect("alpha unassigned"),
        unassigned.find(&charlie_ref).expect("charlie unassigned"),
    );
    assert!(a < c, "new before triage");
    assert!(!unassigned.contains(&bravo_ref));
    assert!(unassigned.contains("sla-ok"), "the deadline is coloured");
    let mine = section(&home.body, "queue-mine");
    assert!(mine.contains(&bravo_ref) && !mine.contains(&alpha_ref));
    let open = section(&home.body, "queue-open");
    assert!(open.contains(&alpha_ref) && open.contains(&bravo_ref));
    // TLP label first in the row.
    let row = &unassigned[unassigned.find("data-reference").unwrap()..];
    assert!(row.find("TLP:AMBER").unwrap() < row.find("/incidents/").unwrap());

    // Filters on the list, with keyset links that keep them.
    let list = web.get("/incidents?q=bravo").await;
    assert!(list.body.contains(&bravo_ref) && !list.body.contains(&alpha_ref));
    let list = web.get("/incidents?assignee_id=none&status=new").await;
    assert!(list.body.contains(&alpha_ref) && !list.body.contains(&bravo_ref));
    assert!(!list.body.contains(&charlie_ref));
    let list = web.get("/incidents?category=phishing").await;
    assert!(list.body.contains(&charlie_ref) && !list.body.contains(&alpha_ref));
    let bad = web.get("/incidents?status=sleeping").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Reporters: their organisation only, on the start page and the list.
    let web = WebClient::signed_in(&app, &reporter_a.email).await;
    for path in ["/", "/incidents"] {
        let page = web.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&alpha_ref), "{path}");
        assert!(!page.body.contains(&bravo_ref) && !page.body.contains(&charlie_ref));
    }
    assert_eq!(
        web.get(&format!("/incidents/{bravo}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Liaisons: only what was shared with them.
    let web = WebClient::signed_in(&app, &liaison.email).await;
    for path in ["/", "/incidents"] {
        let page = web.get(path).await;
        assert!(page.body.contains(&alpha_ref), "{path}");
        assert!(!page.body.contains(&bravo_ref) && !page.body.contains(&charlie_ref));
    }
}

#[actix_web::test]
async fn reporters_and_liaisons_never_see_internal_notes_tasks_or_history() {
    let app = TestApp::spawn().await;
    let coordinator = app.user(Role::Coordinator).await;
    let reporter = app.user(Role::Reporter).await;
    let liaison = app.user(Role::Liaison).await;
    let auditor = app.user(Role::Auditor).await;
    let (id, _) = file(&app, &reporter, "Ransomware at the ministry").await;
    share(&app, &coordinator, id, liaison.organisation_id).await;
    let staff = WebClient::signed_in(&app, &coordinator.email).await;
    let case = format!("/incidents/{id}");
    for (body, visibility) in [("INTERNAL-NOTE-1", "internal"), ("SHARED-NOTE-1", "shared")] {
        let res = staff
            .submit(
                &case,
                &format!("{case}/comments"),
                &[("body", body), ("visibility", visibility)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert!(res.location().starts_with(&case));
    }
    let res = staff
        .submit(&case, &format!("{case}/tasks"), &[("title", "TASK-X-1")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = staff.get(&case).await;
    for text in [
        "INTERNAL-NOTE-1",
        "SHARED-NOTE-1",
        "TASK-X-1",
        "id=\"history\"",
    ] {
        assert!(page.body.contains(text), "staff see {text}");
    }
    assert!(page.body.contains("comment-internal"));

    for who in [&reporter, &liaison] {
        let web = WebClient::signed_in(&app, &who.email).await;
        let page = web.get(&case).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("SHARED-NOTE-1"));
        for hidden in [
            "INTERNAL-NOTE-1",
            "TASK-X-1",
            "id=\"history\"",
            "id=\"tasks\"",
            "id=\"workflow\"",
            "id=\"edit\"",
            "value=\"internal\"",
        ] {
            assert!(
                !page.body.contains(hidden),
                "{hidden} hidden from {}",
                who.email
            );
        }
        // A shared comment from outside; an attempt at an internal one is refused.
        let res = web
            .submit(
                &case,
                &format!("{case}/comments"),
                &[("body", "From outside"), ("visibility", "shared")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let res = web
            .submit(
                &case,
                &format!("{case}/comments"),
                &[("body", "sneaky"), ("visibility", "internal")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }

    // Auditors read everything but write nothing.
    let web = WebClient::signed_in(&app, &auditor.email).await;
    let page = web.get(&case).await;
    assert!(page.body.contains("INTERNAL-NOTE-1") && page.body.contains("id=\"history\""));
    assert!(!page.body.contains("id=\"comment-form\"") && !page.body.contains("id=\"workflow\""));
}

/// The moves offered on the page: `move-<status>` forms.
fn offered(page: &Page) -> Vec<String> {
    page.body
        .match_indices("class=\"move\" id=\"move-")
        .map(|(at, m)| {
            page.body[at + m.len()..]
                .split('"')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[actix_web::test]
async fn only_the_moves_of_this_status_and_role_are_offered() {
    let app = TestApp::spawn().await;
    let coordinator = app.user(Role::Coordinator).await;
    let responder = app.user(Role::Responder).await;
    let reporter = app.user(Role::Reporter).await;
    let (id, _) = file(&app, &reporter, "Defaced website").await;
    let case = format!("/incidents/{id}");
    let coord = WebClient::signed_in(&app, &coordinator.email).await;
    let resp = WebClient::signed_in(&app, &responder.email).await;
    let rep = WebClient::signed_in(&app, &reporter.email).await;
    assert_eq!(
        offered(&coord.get(&case).await),
        ["triage", "rejected", "merged"]
    );
    assert_eq!(offered(&resp.get(&case).await), ["triage"]);
    assert!(offered(&rep.get(&case).await).is_empty());
    triaged(&app, &coordinator, id).await;
    assert_eq!(
        offered(&coord.get(&case).await),
        ["containment", "closed", "rejected", "merged"]
    );
    assert_eq!(offered(&resp.get(&case).await), ["containment"]);
    let page = coord.get(&case).await;
    assert!(page.body.contains("id=\"f-closed-resolution\""));
    assert!(page.body.contains("id=\"f-merged-duplicate_of\""));
    // Assignment is for coordinators only.
    assert!(page.body.contains("id=\"assign-form\""));
    assert!(!resp.get(&case).await.body.contains("id=\"assign-form\""));
}

/// The case page of an unclassified report offers merging and rejecting, and both go through
/// without a category or severity; triage still asks for them.
#[actix_web::test]
async fn an_unclassified_report_is_merged_or_rejected_from_the_case_page() {
    let app = TestApp::spawn().await;
    let coordinator = app.user(Role::Coordinator).await;
    let reporter = app.user(Role::Reporter).await;
    let (target, reference) = file(&app, &reporter, "Portal down").await;
    triaged(&app, &coordinator, target).await;
    let (twin, _) = file(&app, &reporter, "Portal unreachable").await;
    let (spam, _) = file(&app, &reporter, "Cheap watches").await;
    let web = WebClient::signed_in(&app, &coordinator.email).await;
    let case = format!("/incidents/{twin}");
    assert_eq!(
        offered(&web.get(&case).await),
        ["triage", "rejected", "merged"]
    );
    let res = web
        .submit(&case, &format!("{case}/transition"), &[("to", "triage")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Set an RSIT category"), "{}", res.body);
    let res = web
        .submit(
            &case,
            &format!("{case}/transition"),
            &[("to", "merged"), ("duplicate_of", &reference)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let spam_case = format!("/incidents/{spam}");
    let res = web
        .submit(
            &spam_case,
            &format!("{spam_case}/transition"),
            &[("to", "rejected"), ("reason", "advertising")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Reopening the unclassified report asks for the classification, in the reader's words.
    let res = web
        .submit(
            &spam_case,
            &format!("{spam_case}/transition"),
            &[("to", "triage"), ("reason", "not spam after all")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("Set an RSIT category (edit the details) before the incident is reopened."),
        "{}",
        res.body
    );
    for (id, status, category) in [
        (twin, "merged", "phishing"),
        (spam, "rejected", "undetermined"),
    ] {
        let stored: Value = app
            .get(&format!("/api/v1/incidents/{id}"), &coordinator.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (stored["status"].as_str(), stored["category"].as_str()),
            (Some(status), Some(category))
        );
    }
}

#[actix_web::test]
async fn a_refused_move_shows_why_next_to_the_form_and_keeps_the_input() {
    let app = TestApp::spawn().await;
    let coordinator = app.user(Role::Coordinator).await;
    let (id, reference) = file(&app, &coordinator, "Phishing wave").await;
    let case = format!("/incidents/{id}");
    let web = WebClient::signed_in(&app, &coordinator.email).await;
    // Leaving new needs a category and a severity.
    let res = web
        .submit(&case, &format!("{case}/transition"), &[("to", "triage")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Set an RSIT category"), "{}", res.body);
    assert!(res.body.contains("Set the severity"));
    // The edit form, then triage; closing without a resolution is refused per field.
    let res = web
        .submit(
            &case,
            &format!("{case}/edit"),
            &[
                ("title", "Phishing wave"),
                ("description", "what happened"),
                ("category", "phishing"),
                ("severity", "medium"),
                ("tlp", "TLP:GREEN"),
                ("pap", "PAP:AMBER"),
                ("detected_at", "2026-01-10T10:00"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = web
        .submit(&case, &format!("{case}/transition"), &[("to", "triage")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = web
        .submit(
            &case,
            &format!("{case}/transition"),
            &[("to", "closed"), ("root_cause", "kept root cause")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = &res.body[res.body.find("id=\"move-closed\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(form.contains("field-error"), "{form}");
    assert!(form.contains("kept root cause"));
    // A merge names its twin by reference; an unknown one is refused.
    let (other, _) = file(&app, &coordinator, "Same phishing wave").await;
    triaged(&app, &coordinator, other).await;
    let other_case = format!("/incidents/{other}");
    let res = web
        .submit(
            &other_case,
            &format!("{other_case}/transition"),
            &[("to", "merged"), ("duplicate_of", "CERT-1999-000001")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("No incident you can see"));
    let res = web
        .submit(
            &other_case,
            &format!("{other_case}/transition"),
            &[("to", "merged"), ("duplicate_of", &reference)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let merged: Value = app
        .get(&format!("/api/v1/incidents/{other}"), &coordinator.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["duplicate_of"].as_i64(), Some(id));
    // The detected time was read in the user's zone (Baku, UTC+4).
    let edited: Value = app
        .get(&format!("/api/v1/incidents/{id}"), &coordinator.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(edited["detected_at"]
        .as_str()
        .unwrap()
        .starts_with("2026-01-10T06:00:00"));
}

#[actix_web::test]
async fn a_coordinator_works_a_case_through_the_forms() {
    let app = TestApp::spawn().await;
    let coordinator = app.user(Role::Coordinator).await;
    let responder = app.user(Role::Responder).await;
    let agency = app.user(Role::Liaison).await;
    let (id, _) = file(&app, &coordinator, "Botnet C2 in the data centre").await;
    triaged(&app, &coordinator, id).await;
    let case = format!("/incidents/{id}");
    let web = WebClient::signed_in(&app, &coordinator.email).await;
    let responder_id = responder.id.to_string();
    let steps: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("{case}/assign"),
            vec![("assignee_id", &responder_id)],
        ),
        (format!("{case}/transition"), vec![("to", "containment")]),
        (
            format!("{case}/tasks"),
            vec![
                ("title", "Block the C2 address"),
                ("assignee_id", &responder_id),
                ("due_at", "2030-01-01T12:00"),
            ],
        ),
        (
            format!("{case}/observables"),
            vec![("kind", "ip"), ("value", "203.0.113.9")],
        ),
        (
            format!("{case}/observables/import"),
            vec![("text", "evil.example\n198.51.100.7")],
        ),
        (format!("{case}/transition"), vec![("to", "eradication")]),
        (format!("{case}/transition"), vec![("to", "recovery")]),
        (
            format!("{case}/transition"),
            vec![
                ("to", "closed"),
                ("resolution", "Blocked"),
                ("root_cause", "Unpatched VPN"),
            ],
        ),
    ];
    for (action, form) in &steps {
        let res = web.submit(&case, action, form).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{action}: {}", res.body);
    }
    let agency_org = agency.organisation_id.to_string();
    let res = web
        .submit(
            &case,
            &format!("{case}/shares"),
            &[("organisation_id", &agency_org), ("max_tlp", "TLP:AMBER")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = web.get(&case).await;
    assert!(page.body.contains("id=\"case-status\">Closed<"), "closed");
    for text in [
        "Block the C2 address",
        "203.0.113.9",
        "evil.example",
        "198.51.100.7",
        "Unpatched VPN",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    // The task is marked done from its own little form.
    let task = number_after(&page.body, "id=\"task-");
    let res = web
        .submit(
            &case,
            &format!("{case}/tasks/{task}"),
            &[("status", "done")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(web
        .get(&case)
        .await
        .body
        .contains("class=\"task task-done\""));
    // A bad import line comes back by number; the good ones are kept.
    let (other, _) = file(&app, &coordinator, "Second case").await;
    let other_case = format!("/incidents/{other}");
    let res = web
        .submit(
            &other_case,
            &format!("{other_case}/observables/import"),
            &[("text", "192.0.2.1\nip,not-an-ip")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Line 2"), "{}", res.body);
    assert!(web.get(&other_case).await.body.contains("192.0.2.1"));
}

#[actix_web::test]
async fn every_form_refuses_a_post_without_its_csrf_token() {
    let app = TestApp::spawn().await;
    let coordinator = app.user(Role::Coordinator).await;
    let (id, _) = file(&app, &coordinator, "CSRF target").await;
    let web = WebClient::signed_in(&app, &coordinator.email).await;
    let case = format!("/incidents/{id}");
    for action in [
        "/incidents".to_owned(),
        format!("{case}/edit"),
        format!("{case}/transition"),
        format!("{case}/assign"),
        format!("{case}/comments"),
        format!("{case}/tasks"),
        format!("{case}/tasks/1"),
        format!("{case}/shares"),
        format!("{case}/assets"),
        format!("{case}/observables"),
        format!("{case}/observables/import"),
        format!("{case}/evidence/1/custody"),
    ] {
        for token in [None, Some("forged")] {
            let mut form = vec![("title", "x"), ("body", "x"), ("to", "rejected")];
            if let Some(t) = token {
                form.push(("csrf_token", t));
            }
            let res = web.post(&action, &form).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{action} {token:?}");
        }
    }
    // The evidence upload checks its token before storing anything.
    let form = multipart::Form::new()
        .text("csrf_token", "forged")
        .text("description", "x")
        .part(
            "file",
            multipart::Part::bytes(b"data".to_vec()).file_name("a.txt"),
        );
    let res = web
        .client
        .post(app.url(&format!("{case}/evidence")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Nothing happened.
    let page = web.get(&case).await;
    assert!(page.body.contains("id=\"case-status\">New<"));
    assert!(page.body.contains(&app.settings.cert_name) || page.status == StatusCode::OK);
}

#[actix_web::test]
async fn markup_in_titles_and_comments_is_shown_as_text() {
    let app = TestApp::spawn().await;
    let reporter = app.user(Role::Reporter).await;
    let web = WebClient::signed_in(&app, &reporter.email).await;
    // The filing form: a refusal keeps the input; then the incident is filed.
    let res = web
        .submit(
            "/incidents/new",
            "/incidents",
            &[("title", ""), ("description", "kept description")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("kept description") && res.body.contains("field-error"));
    let res = web
        .submit(
            "/incidents/new",
            "/incidents",
            &[
                ("title", "<script>alert(1)</script>"),
                ("description", "<img src=x onerror=alert(2)>"),
                ("category", "phishing"),
                ("severity", "high"),
                ("tlp", "TLP:GREEN"),
                ("detected_at", "2026-01-10T10:00"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let case = res.location().split('?').next().unwrap().to_owned();
    let res = web
        .submit(
            &case,
            &format!("{case}/comments"),
            &[
                ("body", "<script>alert(3)</script>"),
                ("visibility", "shared"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = web.get(&case).await;
    for raw in ["<script>alert(1)", "<img src=x", "<script>alert(3)"] {
        assert!(!page.body.contains(raw), "{raw} escaped");
    }
    assert!(page
        .body
        .contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(page
        .body
        .contains("&#60;script&#62;alert(3)&#60;/script&#62;"));
    let list = web.get("/incidents").await;
    assert!(!list.body.contains("<script>alert(1)"));
    // Reporters cannot file for another organisation, whatever the form says.
    let other = app.organisation("government").await.to_string();
    let res = web
        .submit(
            "/incidents/new",
            "/incidents",
            &[
                ("title", "t"),
                ("description", "d"),
                ("organisation_id", &other),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let id = number_after(res.location(), "/incidents/");
    let filed: Value = app
        .get(&format!("/api/v1/incidents/{id}"), &reporter.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        filed["organisation_id"].as_i64(),
        Some(reporter.organisation_id)
    );
}

#[actix_web::test]
async fn evidence_goes_up_and_comes_down_through_the_case_page() {
    let app = TestApp::spawn().await;
    let reporter = app.user(Role::Reporter).await;
    let responder = app.user(Role::Responder).await;
    let (id, _) = file(&app, &reporter, "Suspicious attachment").await;
    let case = format!("/incidents/{id}");
    let web = WebClient::signed_in(&app, &reporter.email).await;
    let token = web.get(&case).await.csrf();
    let bytes = b"MZ fake malware sample".to_vec();
    let form = multipart::Form::new()
        .text("csrf_token", token)
        .text("description", "The attachment of the phishing mail")
        .part(
            "file",
            multipart::Part::bytes(bytes.clone()).file_name("invoice.exe"),
        );
    let res = web
        .client
        .post(app.url(&format!("{case}/evidence")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = web.get(&case).await;
    let evidence = number_after(&page.body, "class=\"evidence-item\" id=\"evidence-");
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    assert!(page.body.contains(&sha) && page.body.contains("invoice.exe"));

    // Staff download it through the web route; the access is recorded.
    let staff = WebClient::signed_in(&app, &responder.email).await;
    let res = staff
        .client
        .get(app.url(&format!("{case}/evidence/{evidence}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("attachment"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), bytes);
    let page = staff.get(&case).await;
    assert!(page.body.contains("Accessed"), "custody shows the download");
    // Custody by hand, with its guard.
    let res = staff
        .submit(
            &case,
            &format!("{case}/evidence/{evidence}/custody"),
            &[("action", "transferred")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = staff
        .submit(
            &case,
            &format!("{case}/evidence/{evidence}/custody"),
            &[("action", "sealed"), ("location", "Safe 3")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(staff.get(&case).await.body.contains("Safe 3"));
    // Not under another incident's address.
    let (other, _) = file(&app, &reporter, "Other").await;
    let res = staff
        .get(&format!("/incidents/{other}/evidence/{evidence}"))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // An upload without a file comes back with the message at the field.
    let token = web.get(&case).await.csrf();
    let form = multipart::Form::new()
        .text("csrf_token", token)
        .text("description", "no file");
    let res = web
        .client
        .post(app.url(&format!("{case}/evidence")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
