//! The public reporting pages, the auditors' pages and the asset registry over plain HTTP.
//! Browser journeys through the same pages are in `browser_portal.rs`.

use diesel::connection::SimpleConnection;
use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    helpers::{json, TestApp},
    web::{Page, WebClient},
};

const DESCRIPTION: &str = "An SMS asked for my card number & PIN <b>urgently</b>";

/// The tracking code shown on a receipt page.
pub fn code_of(receipt: &Page) -> String {
    let marker = "id=\"tracking-code\"";
    let start = receipt.body.find(marker).expect("the receipt shows a code");
    let rest = &receipt.body[start..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    rest.split('<').next().unwrap().trim().to_owned()
}

async fn file_report(web: &WebClient, title: &str) -> Page {
    web.submit(
        "/report",
        "/report",
        &[
            ("title", title),
            ("description", DESCRIPTION),
            ("contact_email", "citizen@mail.test"),
            ("category", "phishing"),
        ],
    )
    .await
}

fn header<'a>(page: &'a Page, name: &str) -> &'a str {
    page.headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

#[actix_web::test]
async fn the_public_form_refuses_posts_without_its_token() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    let form = web.get("/report?lang=en").await;
    assert_eq!(form.status, StatusCode::OK);
    for field in ["title", "description", "contact_email", "category"] {
        assert!(form.body.contains(&format!("name=\"{field}\"")), "{field}");
    }
    let fields = [
        ("title", "t"),
        ("description", "d"),
        ("contact_email", "a@b.test"),
    ];
    let res = web.post("/report", &fields).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("<html"), "an HTML page");
    let mut wrong = vec![("csrf_token", "x".repeat(43))];
    wrong.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        web.post("/report", &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    // A different browser's token does not work either (the cookie must match).
    let other = WebClient::new(&app);
    let token = other.get("/report").await.csrf();
    let mut stolen = vec![("csrf_token", token.as_str())];
    stolen.extend_from_slice(&fields);
    assert_eq!(
        web.post("/report", &stolen).await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn invalid_reports_come_back_with_messages_and_the_input_kept() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    web.get("/report?lang=en").await;
    let res = web
        .submit(
            "/report",
            "/report",
            &[
                ("title", ""),
                ("description", DESCRIPTION),
                ("contact_email", "not-an-address"),
                ("category", "smishing-gang"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Please correct the marked fields."));
    assert!(res.body.contains("id=\"f-title-error\""));
    assert!(res.body.contains("id=\"f-contact_email-error\""));
    assert!(res.body.contains("id=\"f-category-error\""));
    assert!(res.body.contains("value=\"not-an-address\""));
    // Kept, and escaped.
    assert!(res
        .body
        .contains("card number &#38; PIN &#60;b&#62;urgently&#60;/b&#62;"));
    assert!(!res.body.contains("<b>urgently"));
}

#[actix_web::test]
async fn the_receipt_shows_the_tracking_code_once() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    let receipt = file_report(&web, "Fake bank SMS").await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.body);
    assert!(
        receipt.location().is_empty(),
        "the answer to the post itself"
    );
    assert_eq!(header(&receipt, "cache-control"), "no-store");
    assert_eq!(header(&receipt, "referrer-policy"), "no-referrer");
    let code = code_of(&receipt);
    assert!(code.len() >= 32, "{code}");
    assert!(receipt.body.contains(&format!("href=\"/track/{code}\"")));
    // Nothing reachable by GET shows it again.
    for path in ["/report", "/track", "/"] {
        assert!(!web.get(path).await.body.contains(&code), "{path}");
    }
}

#[actix_web::test]
async fn too_many_reports_get_a_page_saying_how_long_to_wait() {
    let app = TestApp::spawn_with(|env| {
        env.insert("QALXAN_PUBLIC_REPORT_LIMIT".into(), "2".into());
    })
    .await;
    let web = WebClient::new(&app);
    web.get("/report?lang=en").await;
    for i in 0..2 {
        let res = file_report(&web, &format!("Report {i}")).await;
        assert_eq!(res.status, StatusCode::OK);
    }
    let res = file_report(&web, "One too many").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!header(&res, "retry-after").is_empty());
    assert!(res.body.contains("Too many reports"), "{}", res.body);
    assert!(res.body.contains("try again in"));
}

#[actix_web::test]
async fn the_tracking_page_shows_status_and_shared_comments_only() {
    let app = TestApp::spawn().await;
    let web = WebClient::new(&app);
    web.get("/report?lang=en").await;
    let code = code_of(&file_report(&web, "Fake bank SMS").await);
    let coordinator = app.user(Role::Coordinator).await;
    let queue = json(
        app.get("/api/v1/incidents?status=new", &coordinator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let id = queue["items"][0]["id"].as_i64().unwrap();
    let comments = format!("/api/v1/incidents/{id}/comments");
    for (body, visibility) in [
        ("We are <looking> into it", "shared"),
        ("Known smishing gang", "internal"),
    ] {
        json(
            app.post(
                &comments,
                &coordinator.token,
                json!({ "body": body, "visibility": visibility }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let page = web.get(&format!("/track/{code}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header(&page, "referrer-policy"), "no-referrer");
    assert_eq!(header(&page, "cache-control"), "no-store");
    assert!(page.body.contains("Received, waiting for review"));
    assert!(page.body.contains("We are &#60;looking&#62; into it"));
    assert!(!page.body.contains("smishing"), "no internal comments");
    assert!(!page.body.contains("citizen@mail.test"));

    // The form posts the code instead of putting it in the address.
    let posted = web.post("/track", &[("code", code.as_str())]).await;
    assert_eq!(posted.status, StatusCode::OK);
    assert!(posted.body.contains("We are &#60;looking&#62; into it"));

    for wrong in [format!("/track/{}", "x".repeat(32)), "/track/short".into()] {
        let res = web.get(&wrong).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert!(res.body.contains("No report was found"));
        assert!(!res.body.contains("Fake bank SMS"));
    }
    let res = web.post("/track", &[("code", "nope")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn auditors_and_admins_read_the_audit_log_others_are_refused() {
    let app = TestApp::spawn().await;
    let auditor = app.user(Role::Auditor).await;
    let web = WebClient::signed_in(&app, &auditor.email).await;
    let home = web.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/audit");
    let log = web.get("/audit").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("Signed in"), "a translated action label");
    assert!(log.body.contains(&auditor.email));
    let admin = WebClient::signed_in(&app, crate::helpers::ADMIN_EMAIL).await;
    assert_eq!(admin.get("/audit").await.status, StatusCode::OK);
    for role in [Role::Coordinator, Role::Reporter] {
        let user = app.user(role).await;
        let web = WebClient::signed_in(&app, &user.email).await;
        for path in ["/audit", "/audit/csv"] {
            let res = web.get(path).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{role:?} {path}");
            assert!(res.body.contains("Access denied"));
        }
        let token = web.get("/").await.csrf();
        let res = web
            .post("/audit/verify", &[("csrf_token", token.as_str())])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
}

#[actix_web::test]
async fn the_audit_log_filters_downloads_csv_and_verifies_the_chains() {
    let app = TestApp::spawn().await;
    let auditor = app.user(Role::Auditor).await;
    let reporter = app.user(Role::Reporter).await;
    let incident = app
        .incident(
            &reporter,
            json!({ "title": "Defaced <script>alert(1)</script>", "description": "d" }),
        )
        .await;
    let reference = incident["reference"].as_str().unwrap();
    let web = WebClient::signed_in(&app, &auditor.email).await;

    let filtered = web
        .get(&format!(
            "/audit?incident={reference}&action=incident.created"
        ))
        .await;
    assert_eq!(filtered.status, StatusCode::OK);
    assert!(filtered.body.contains("Incident created"));
    assert!(
        !filtered.body.contains("<script>alert"),
        "details are escaped"
    );
    assert!(filtered.body.contains("&#60;script&#62;alert(1)"));
    let by_email = web.get(&format!("/audit?actor={}", reporter.email)).await;
    assert!(by_email.body.contains("Incident created"));
    assert!(
        !by_email.body.contains("auditor-"),
        "only the reporter's events"
    );
    let unknown = web.get("/audit?incident=NOPE-1").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    let csv = web
        .client
        .get(app.url(&format!("/audit/csv?incident={reference}")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("id,stream,seq,at,"));
    assert!(text.contains("incident.created"));
    assert!(text.lines().skip(1).all(|l| l.contains("incident:")));

    let case = web.get(&format!("/audit?case={reference}")).await;
    let id = incident["id"].as_i64().unwrap();
    assert!(case
        .body
        .contains(&format!("href=\"/incidents/{id}/export?format=html\"")));

    let token = filtered.csrf();
    let verified = web
        .post("/audit/verify", &[("csrf_token", token.as_str())])
        .await;
    assert_eq!(verified.status, StatusCode::OK);
    assert!(verified.body.contains("All chains are intact."));
    assert_eq!(
        web.post("/audit/verify", &[]).await.status,
        StatusCode::FORBIDDEN
    );

    let victim: i64 = app
        .db
        .run(|c| Ok(qalxan::db::models::audit::search(c, &Default::default(), None, 3)?[2].id))
        .await
        .unwrap();
    app.db
        .run(move |c| {
            let triggers = if c.is_postgres() {
                "DROP TRIGGER audit_events_no_update ON audit_events;"
            } else {
                "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
            };
            c.batch_execute(triggers)?;
            c.batch_execute(&format!(
                "UPDATE audit_events SET details = '{{}}' WHERE id = {victim}"
            ))?;
            Ok(())
        })
        .await
        .unwrap();
    let broken = web
        .post("/audit/verify", &[("csrf_token", token.as_str())])
        .await;
    assert!(broken.body.contains("A chain is broken"), "{}", broken.body);
    assert!(broken
        .body
        .contains(&format!("id=\"verify-bad-event\">#{victim}<")));

    let bundle = web
        .post("/audit/bundle", &[("csrf_token", token.as_str())])
        .await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert!(
        bundle.body.contains("\"signature\""),
        "{}",
        &bundle.body[..200.min(bundle.body.len())]
    );
}

#[actix_web::test]
async fn staff_register_reporters_propose_and_staff_approve_assets() {
    let app = TestApp::spawn().await;
    let coordinator = app.user(Role::Coordinator).await;
    let reporter = app.user(Role::Reporter).await;
    let other = app.user(Role::Reporter).await;
    let staff = WebClient::signed_in(&app, &coordinator.email).await;
    let org = reporter.organisation_id.to_string();
    let created = staff
        .submit(
            "/assets/new",
            "/assets",
            &[
                ("organisation_id", org.as_str()),
                ("name", "Mail <script>alert(1)</script>"),
                ("kind", "host"),
                ("ip", "192.0.2.10"),
                ("criticality", "3"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = staff.get(created.location()).await;
    assert!(page
        .body
        .contains("Mail &#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(!page.body.contains("<script>alert"));
    assert!(page.body.contains(">Approved<"));

    let web = WebClient::signed_in(&app, &reporter.email).await;
    let invalid = web
        .submit(
            "/assets/new",
            "/assets",
            &[
                ("name", "Portal"),
                ("kind", "host"),
                ("ip", "999.1.1.1"),
                ("criticality", "2"),
            ],
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.body.contains("value=\"999.1.1.1\""));
    let proposed = web
        .submit(
            "/assets/new",
            "/assets",
            &[
                ("name", "Citizen portal"),
                ("kind", "application"),
                ("domain", "portal.gov.test"),
                ("criticality", "2"),
            ],
        )
        .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    let asset_path = proposed.location().split('?').next().unwrap().to_owned();
    let page = web.get(&asset_path).await;
    assert!(page.body.contains("Awaiting approval"));
    assert!(
        !page.body.contains("name=\"approved\""),
        "no edit form for reporters"
    );

    // Others' assets stay hidden.
    let outsider = WebClient::signed_in(&app, &other.email).await;
    let list = outsider.get("/assets").await;
    assert!(!list.body.contains("Citizen portal") && !list.body.contains("Mail &#60;"));
    assert_eq!(
        outsider.get(&asset_path).await.status,
        StatusCode::NOT_FOUND
    );
    let own = web.get("/assets?approved=false").await;
    assert!(own.body.contains("Citizen portal") && !own.body.contains("Mail &#60;"));

    let approved = staff
        .submit(
            &asset_path,
            &asset_path,
            &[
                ("name", "Citizen portal"),
                ("kind", "application"),
                ("domain", "portal.gov.test"),
                ("criticality", "3"),
                ("approved", "on"),
            ],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    assert!(web.get(&asset_path).await.body.contains(">Approved<"));
    // Reporters cannot edit.
    let token = web.get(&asset_path).await.csrf();
    let refused = web
        .post(
            &asset_path,
            &[
                ("csrf_token", token.as_str()),
                ("name", "Mine now"),
                ("kind", "host"),
                ("criticality", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let liaison = app.user(Role::Liaison).await;
    let web = WebClient::signed_in(&app, &liaison.email).await;
    for path in ["/assets", "/assets/new", asset_path.as_str()] {
        let res = web.get(path).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
        assert!(res.body.contains("Access denied"));
    }
}
