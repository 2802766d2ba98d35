//! Issue 10's hostile-input probes, kept as regressions: control characters in text are refused
//! with 422 naming the field (or dropped from page search boxes) and never reach the database,
//! so SQLite and PostgreSQL answer alike; `next=` never leaves the site and a sign-in never
//! fails after its session was created; sign-in redirects are not logged as errors.

use std::sync::{Arc, Mutex, OnceLock};

use qalxan::domain::Role;
use reqwest::{multipart, Method, StatusCode};
use serde_json::{json, Value};
use tracing::Level;

use crate::{
    helpers::{assert_problem, json, TestApp, TestUser, ADMIN_EMAIL, PASSWORD},
    web::WebClient,
};

const REFUSED: &str = "must not contain control characters (only tab, CR and LF are allowed)";

/// Rows in the tables a refused probe could have written to; every change also writes an
/// audit event, so an unchanged total means nothing was stored.
async fn stored(app: &TestApp) -> Vec<i64> {
    app.db
        .run(|c| {
            use diesel::prelude::*;
            use qalxan::db::schema::*;
            Ok(vec![
                audit_events::table.count().get_result(c)?,
                sessions::table.count().get_result(c)?,
                incidents::table.count().get_result(c)?,
                comments::table.count().get_result(c)?,
                tasks::table.count().get_result(c)?,
                observables::table.count().get_result(c)?,
                assets::table.count().get_result(c)?,
                incident_assets::table.count().get_result(c)?,
                users::table.count().get_result(c)?,
                organisations::table.count().get_result(c)?,
                evidence::table.count().get_result(c)?,
                custody_events::table.count().get_result(c)?,
            ])
        })
        .await
        .unwrap()
}

async fn sessions(app: &TestApp) -> i64 {
    stored(app).await[1]
}

/// Asserts a 422 problem whose errors name `field` with the control-character message.
async fn refused(res: reqwest::Response, field: &str, probe: &str) {
    let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][field][0], REFUSED, "{probe}: {body}");
}

struct Case {
    admin: TestUser,
    responder: TestUser,
    incident: i64,
    task: i64,
    asset: i64,
    evidence: i64,
}

async fn case(app: &TestApp) -> Case {
    let admin = app.admin().await;
    let responder = app.user(Role::Responder).await;
    let incident = app
        .incident(
            &responder,
            json!({ "title": "Defacement", "description": "Front page replaced." }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let task = json(
        app.post(
            &format!("/api/v1/incidents/{incident}/tasks"),
            &responder.token,
            json!({ "title": "Image the web server" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let asset = json(
        app.post(
            "/api/v1/assets",
            &admin.token,
            json!({ "organisation_id": app.cert_org_id, "name": "Portal", "kind": "domain",
                    "domain": "portal.cert.test", "criticality": 2 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let evidence = json(
        upload(app, &responder, incident, "Web server access log").await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    Case {
        admin,
        responder,
        incident,
        task,
        asset,
        evidence,
    }
}

async fn upload(
    app: &TestApp,
    who: &TestUser,
    incident: i64,
    description: &str,
) -> reqwest::Response {
    // The file first: a refused description then has a half-received upload to clean up.
    let form = multipart::Form::new()
        .part(
            "file",
            multipart::Part::bytes(b"GET / 200".to_vec())
                .file_name("access.log")
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("description", description.to_owned());
    app.client
        .post(app.url(&format!("/api/v1/incidents/{incident}/evidence")))
        .bearer_auth(&who.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn control_characters_in_json_bodies_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let c = case(&app).await;
    let (admin, responder) = (c.admin.token.as_str(), c.responder.token.as_str());
    let i = c.incident;
    let org = app.cert_org_id;
    let probes: Vec<(Method, String, Option<&str>, Value, &str)> = vec![
        (
            Method::POST,
            "/api/v1/auth/login".into(),
            None,
            json!({ "email": "a\u{0}b", "password": "xxxxxxxxxxxx" }),
            "email",
        ),
        (
            Method::POST,
            "/api/v1/public/reports".into(),
            None,
            json!({ "title": "a\u{0}b", "description": "d" }),
            "title",
        ),
        (
            Method::POST,
            "/api/v1/incidents".into(),
            Some(responder),
            json!({ "title": "t", "description": "line\u{0}" }),
            "description",
        ),
        (
            Method::PATCH,
            format!("/api/v1/incidents/{i}"),
            Some(responder),
            json!({ "title": "\u{1b}[31mred" }),
            "title",
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{i}/comments"),
            Some(responder),
            json!({ "body": "a\u{0}b", "visibility": "internal" }),
            "body",
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{i}/tasks"),
            Some(responder),
            json!({ "title": "\u{7f}" }),
            "title",
        ),
        (
            Method::PATCH,
            format!("/api/v1/tasks/{}", c.task),
            Some(responder),
            json!({ "title": "x\u{0}" }),
            "title",
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{i}/observables"),
            Some(responder),
            json!({ "kind": "domain", "value": "evil\u{0}.example" }),
            "value",
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{i}/observables"),
            Some(responder),
            json!({ "kind": "domain", "value": "evil.example", "note": "\u{0}" }),
            "note",
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{i}/observables/import"),
            Some(responder),
            json!({ "text": "1.2.3.4\n5.6.7.8\u{0}" }),
            "text",
        ),
        (
            Method::POST,
            "/api/v1/assets".into(),
            Some(admin),
            json!({ "organisation_id": org, "name": "a\u{0}", "kind": "host", "criticality": 1 }),
            "name",
        ),
        (
            Method::PATCH,
            format!("/api/v1/assets/{}", c.asset),
            Some(admin),
            json!({ "name": "b\u{0}" }),
            "name",
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{i}/assets"),
            Some(responder),
            json!({ "asset_id": c.asset, "impact": "Defaced\u{0}" }),
            "impact",
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(admin),
            json!({ "email": "new@cert.test", "display_name": "N\u{0}", "password": PASSWORD,
                    "organisation_id": org, "role": "responder" }),
            "display_name",
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{}", c.responder.id),
            Some(admin),
            json!({ "display_name": "N\u{0}" }),
            "display_name",
        ),
        (
            Method::PATCH,
            "/api/v1/me".into(),
            Some(responder),
            json!({ "display_name": "Me\u{0}" }),
            "display_name",
        ),
        (
            Method::POST,
            format!("/api/v1/evidence/{}/custody", c.evidence),
            Some(responder),
            json!({ "action": "transferred", "holder": "Lab\u{0}" }),
            "holder",
        ),
        (
            Method::POST,
            format!("/api/v1/evidence/{}/custody", c.evidence),
            Some(responder),
            json!({ "action": "sealed", "note": "bag\u{0}" }),
            "note",
        ),
        (
            Method::POST,
            "/api/v1/organisations".into(),
            Some(admin),
            json!({ "name": "Org\u{0}", "kind": "government" }),
            "name",
        ),
        (
            Method::PATCH,
            format!("/api/v1/organisations/{org}"),
            Some(admin),
            json!({ "sector": "\u{0}" }),
            "sector",
        ),
        // Nested values are named by their path; unknown fields are refused just the same.
        (
            Method::POST,
            format!("/api/v1/incidents/{i}/transitions"),
            Some(responder),
            json!({ "to": "triage", "reason": ["ok", { "x": "\u{0}" }] }),
            "reason[1].x",
        ),
        (
            Method::POST,
            "/api/v1/incidents".into(),
            Some(responder),
            json!({ "title": "t", "description": "d", "extra\u{0}": 1 }),
            "extra\\u{0}",
        ),
    ];
    let before = stored(&app).await;
    for (method, path, token, body, field) in probes {
        let probe = format!("{method} {path}");
        refused(
            app.request(method, &path, token, Some(body)).await,
            field,
            &probe,
        )
        .await;
    }
    assert_eq!(
        stored(&app).await,
        before,
        "a refused probe stored something"
    );

    // Tab, CR and LF are text; the same request without the NUL is accepted.
    app.incident(
        &c.responder,
        json!({ "title": "t", "description": "line one\r\n\tline two" }),
    )
    .await;
    let res = app.login(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn control_characters_in_other_bodies_are_refused_too() {
    let app = TestApp::spawn().await;
    let c = case(&app).await;
    let before = stored(&app).await;
    // Multipart text parts: the upload ends before anything is kept.
    refused(
        upload(&app, &c.responder, c.incident, "log\u{0}").await,
        "description",
        "evidence upload",
    )
    .await;
    // The observable list as a text/csv body stands for the `text` field.
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/incidents/{}/observables/import",
            c.incident
        )))
        .bearer_auth(&c.responder.token)
        .header("content-type", "text/csv")
        .body("1.2.3.4\nevil\u{0}.example\n")
        .send()
        .await
        .unwrap();
    refused(res, "text", "observable import as text/csv").await;
    assert_eq!(stored(&app).await, before);
    // The temporary directory exists (the valid upload of `case` went through it) and the
    // refused upload left nothing in it.
    let temps: Vec<_> = std::fs::read_dir(app.settings.data_dir.join("evidence/tmp"))
        .expect("the upload directory exists")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(temps.is_empty(), "half-written uploads left: {temps:?}");
}

#[actix_web::test]
async fn query_and_path_parameters_with_control_characters_never_reach_the_database() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (path, parameter) in [
        ("/api/v1/incidents?q=%00", "q"),
        ("/api/v1/incidents?q=bank&status=%01", "status"),
        ("/api/v1/observables?kind=domain&value=%00", "value"),
        ("/api/v1/audit?action=%00", "action"),
        ("/api/v1/users?q=%7F", "q"),
        ("/api/v1/assets?q=%C2%85", "q"),
    ] {
        refused(app.get(path, &admin.token).await, parameter, path).await;
    }
    // A search without them still works, with line breaks kept as text.
    json(
        app.get("/api/v1/incidents?q=bank%0Aloan", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    for path in [
        "/api/v1/public/reports/%00AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/api/v1/public/reports/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%00",
        "/api/v1/incidents/1%00",
    ] {
        assert_problem(app.get(path, &admin.token).await, StatusCode::NOT_FOUND).await;
    }

    // Pages: a tracking code with one names nothing; a search box drops them.
    let web = WebClient::signed_in(&app, ADMIN_EMAIL).await;
    let page = web.get("/track/AAAAAAAAAAAAAAAAAAAAAAAA%00").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("<html"), "{}", page.body);
    let page = web.get("/incidents?q=%00").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = web.get("/audit?action=%00").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

/// Whether an error page says, in any language, that `fields` hold control characters.
fn names_refused_fields(body: &str, fields: &str) -> bool {
    qalxan::domain::Locale::ALL.iter().any(|locale| {
        body.contains(&qalxan::web::i18n::translate(
            *locale,
            "error-control-text",
            &[("fields", fields)],
        ))
    })
}

#[actix_web::test]
async fn page_forms_with_control_characters_are_refused_before_anything_is_stored() {
    let app = TestApp::spawn().await;
    let before = stored(&app).await;
    // The sign-in form, from a stranger: no session, no audit of a failed sign-in.
    let stranger = WebClient::new(&app);
    let page = stranger
        .submit(
            "/login",
            "/login",
            &[("email", "a\u{0}b@x"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(names_refused_fields(&page.body, "email"), "{}", page.body);
    assert!(!page
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("qalxan_session=")));
    assert_eq!(stored(&app).await, before);

    // A signed-in form.
    let web = WebClient::signed_in(&app, ADMIN_EMAIL).await;
    let before = stored(&app).await;
    let page = web
        .submit(
            "/incidents/new",
            "/incidents",
            &[("title", "Phish\u{0}"), ("description", "d\u{1}")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        names_refused_fields(&page.body, "description, title"),
        "{}",
        page.body
    );
    assert_eq!(stored(&app).await, before);
    // The public report form.
    let page = stranger
        .submit(
            "/report",
            "/report",
            &[("title", "Fake SMS"), ("description", "\u{0}")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert_eq!(stored(&app).await, before);
}

#[actix_web::test]
async fn next_is_only_ever_a_path_on_this_site() {
    let app = TestApp::spawn().await;
    let web = WebClient::signed_in(&app, ADMIN_EMAIL).await;
    for next in [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%5Cevil.example",
        "/%2509/evil.example",
        "//evil.example",
        "/%20/evil.example",
        "https://evil.example",
    ] {
        // Signed in already: the sign-in page sends the browser straight on.
        let page = web.get(&format!("/login?next={next}")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(page.location(), "/", "{next}");
    }
    let page = web.get("/login?next=%2Fincidents%3Fq%3Dbank").await;
    assert_eq!(page.location(), "/incidents?q=bank");
}

#[actix_web::test]
async fn signing_in_with_a_broken_next_creates_exactly_one_session_and_goes_home() {
    let app = TestApp::spawn().await;
    for next in ["/a\nb", "/a\rb", "/\t/evil.example", "/%09/evil.example"] {
        let web = WebClient::new(&app);
        let token = web.get("/login").await.csrf();
        let before = sessions(&app).await;
        let page = web
            .post(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", ADMIN_EMAIL),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{next:?}: {}",
            page.body
        );
        assert_eq!(page.location(), "/", "{next:?}");
        assert!(page
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("qalxan_session=")));
        assert_eq!(sessions(&app).await, before + 1, "{next:?}");
        assert_eq!(web.get("/").await.status, StatusCode::OK);
    }
    // A vertical tab is no text at all: the form is refused like any other, and a wrong
    // password with a broken next is refused too; neither leaves a session.
    for (password, next) in [(PASSWORD, "/a\u{b}b"), ("wrong password!", "/a\nb")] {
        let web = WebClient::new(&app);
        let token = web.get("/login").await.csrf();
        let before = sessions(&app).await;
        let page = web
            .post(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", ADMIN_EMAIL),
                    ("password", password),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{next:?}");
        assert!(!page
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("qalxan_session=")));
        assert_eq!(sessions(&app).await, before, "{next:?}");
    }
}

/// Captured log events: level and message.
type Events = Arc<Mutex<Vec<(Level, String)>>>;

/// Log events of the request span (`qalxan::telemetry`) and of tracing-actix-web, captured in
/// this process: the server of `TestApp` runs here, on other threads, so only a global
/// subscriber sees them. Set once; tests tell their own events apart by a marker.
fn captured_events() -> Events {
    static CAPTURED: OnceLock<Events> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            use tracing_subscriber::{filter::Targets, layer::SubscriberExt, Layer};
            let store = Arc::new(Mutex::new(Vec::new()));
            let filter = Targets::new()
                .with_target("qalxan::telemetry", Level::TRACE)
                .with_target("tracing_actix_web", Level::TRACE);
            let subscriber =
                tracing_subscriber::registry().with(Capture(store.clone()).with_filter(filter));
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in the test binary");
            store
        })
        .clone()
}

struct Capture(Events);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), message.0));
    }
}

#[actix_web::test]
async fn sign_in_redirects_are_not_logged_as_errors() {
    let events = captured_events();
    let app = TestApp::spawn().await;
    let marker = format!("probe{}", uuid::Uuid::new_v4().simple());
    for path in ["/incidents", "/admin/users", "/audit"] {
        let res = app
            .client
            .get(app.url(&format!("{path}?{marker}=1")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
    }
    // A client mistake is still reported, as a warning: the errors name the marker.
    let res = app
        .get(&format!("/api/v1/incidents?{marker}=%00"), "no token")
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ours: Vec<(Level, String)> = events
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, message)| message.contains(&marker))
        .cloned()
        .collect();
    let at = |level: Level| ours.iter().filter(|(l, _)| *l == level).count();
    assert_eq!(at(Level::ERROR), 0, "{ours:#?}");
    assert_eq!(at(Level::WARN), 1, "{ours:#?}");
    assert_eq!(at(Level::DEBUG), 3, "{ours:#?}");
}
