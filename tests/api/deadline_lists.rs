//! Deadlines in lists and pages: `overdue=true` and `sort=due` on the API and the web list, the
//! queue's words and colours, the case page's timeline, and the SLA admin page.

use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    deadlines::{critical, no_clock},
    helpers::{assert_problem, ids, json, TestApp, TestUser},
    web::WebClient,
};

async fn file(app: &TestApp, who: &TestUser, severity: &str) -> i64 {
    let body =
        json!({ "title": format!("{severity} one"), "description": "d", "severity": severity });
    app.incident(who, body).await["id"].as_i64().unwrap()
}

async fn list(app: &TestApp, who: &TestUser, query: &str) -> Value {
    json(
        app.get(&format!("/api/v1/incidents?{query}"), &who.token)
            .await,
        StatusCode::OK,
    )
    .await
}

#[actix_web::test]
async fn lists_filter_overdue_and_sort_by_the_next_deadline_page_by_page() {
    let app = TestApp::spawn_with(no_clock).await;
    let coord = app.user(Role::Coordinator).await;
    let low = file(&app, &coord, "low").await;
    let late = file(&app, &coord, "critical").await;
    let high = file(&app, &coord, "high").await;
    let done = file(&app, &coord, "critical").await;
    app.shift_incident(late, 2).await;
    json(
        app.transition(&coord, done, json!({ "to": "rejected", "reason": "spam" }))
            .await,
        StatusCode::OK,
    )
    .await;

    assert_eq!(ids(&list(&app, &coord, "overdue=true").await), [late]);
    assert_eq!(
        ids(&list(&app, &coord, "overdue=false").await),
        [done, high, late, low]
    );
    let order = [late, high, low, done];
    assert_eq!(ids(&list(&app, &coord, "sort=due").await), order);
    // One at a time: the cursor carries the due time, nothing is skipped or repeated.
    let mut seen = Vec::new();
    let mut query = "sort=due&limit=1".to_owned();
    loop {
        let page = list(&app, &coord, &query).await;
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("sort=due&limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, order);
    assert_eq!(
        ids(&list(&app, &coord, "sort=due&overdue=true&status=new").await),
        [late]
    );

    for (bad, field) in [("overdue=maybe", "overdue"), ("sort=oldest", "sort")] {
        let res = app
            .get(&format!("/api/v1/incidents?{bad}"), &coord.token)
            .await;
        let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(problem["errors"][field].is_array(), "{problem}");
    }
    // A cursor of the newest-first order does not page the due order.
    let newest = list(&app, &coord, "limit=1").await;
    let cursor = newest["next_cursor"].as_str().unwrap();
    let res = app
        .get(
            &format!("/api/v1/incidents?sort=due&cursor={cursor}"),
            &coord.token,
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;

    // The filter is applied inside the caller's visibility: a reporter sees only their own.
    let reporter = app.user(Role::Reporter).await;
    let own = app
        .incident(&reporter, json!({ "title": "ours", "description": "d" }))
        .await;
    let own = own["id"].as_i64().unwrap();
    app.shift_incident(own, 48).await;
    assert_eq!(ids(&list(&app, &reporter, "overdue=true").await), [own]);
    assert_eq!(
        ids(&list(&app, &coord, "overdue=true&sort=due").await),
        [own, late]
    );
}

#[actix_web::test]
async fn queue_list_and_case_page_show_deadlines_in_words_and_colour() {
    let app = TestApp::spawn_with(no_clock).await;
    let coord = app.user(Role::Coordinator).await;
    let late = critical(&app, &coord).await;
    let late_id = late["id"].as_i64().unwrap();
    let late_ref = late["reference"].as_str().unwrap().to_owned();
    app.shift_incident(late_id, 2).await;
    let calm = file(&app, &coord, "low").await;

    let web = WebClient::signed_in(&app, &coord.email).await;
    let home = web.get("/?lang=en").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("row-sla-overdue"), "{}", home.body);
    assert!(home.body.contains("acknowledgement overdue"));
    assert!(
        home.body.contains("acknowledgement due in 2 days"),
        "the low one"
    );
    let first = home.body.find(&late_ref).unwrap();
    assert!(
        first < home.body.find("low one").unwrap(),
        "the overdue one first"
    );

    let overdue = web.get("/incidents?overdue=true&sort=due").await;
    assert_eq!(overdue.status, StatusCode::OK);
    assert!(overdue.body.contains(&late_ref) && !overdue.body.contains("low one"));
    let bad = web.get("/incidents?sort=sideways").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let case = web.get(&format!("/incidents/{late_id}")).await;
    let timeline = &case.body[case.body.find("id=\"deadlines\"").expect("the timeline")..];
    assert!(timeline.contains("deadline-ack sla-overdue"), "{timeline}");
    assert!(
        timeline.contains("deadline deadline-ack sla-overdue deadline-next"),
        "{timeline}"
    );
    assert!(
        timeline.contains("deadline deadline-resolve sla-ok\""),
        "{timeline}"
    );
    let calm_page = web.get(&format!("/incidents/{calm}")).await;
    let timeline = &calm_page.body[calm_page.body.find("id=\"deadlines\"").unwrap()..];
    assert!(
        timeline.contains("Due next") && timeline.contains("containment"),
        "{timeline}"
    );
}

#[actix_web::test]
async fn admins_edit_sla_targets_on_their_page_others_only_read_it() {
    let app = TestApp::spawn_with(no_clock).await;
    let admin = app.admin().await;
    let web = WebClient::signed_in(&app, &admin.email).await;
    let page = web.get("/admin/sla").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("action=\"/admin/sla/critical\""));

    let saved = web
        .submit(
            "/admin/sla",
            "/admin/sla/high",
            &[
                ("ack_minutes", "120"),
                ("contain_minutes", "600"),
                ("resolve_minutes", "6000"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let policies = json(
        app.get("/api/v1/sla-policies", &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(policies["items"][1]["ack_minutes"], 120);

    let refused = web
        .submit(
            "/admin/sla",
            "/admin/sla/high",
            &[
                ("ack_minutes", "soon"),
                ("contain_minutes", "5"),
                ("resolve_minutes", "6000"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("f-high-ack_minutes-error"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"soon\""),
        "what was typed stays"
    );
    let no_csrf = web
        .post(
            "/admin/sla/high",
            &[
                ("ack_minutes", "1"),
                ("contain_minutes", "2"),
                ("resolve_minutes", "3"),
            ],
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);

    let auditor = app.user(Role::Auditor).await;
    let read_only = WebClient::signed_in(&app, &auditor.email)
        .await
        .get("/admin/sla")
        .await;
    assert_eq!(read_only.status, StatusCode::OK);
    assert!(read_only.body.contains("120") && !read_only.body.contains("action=\"/admin/sla/"));
    let coord = app.user(Role::Coordinator).await;
    let coord_web = WebClient::signed_in(&app, &coord.email).await;
    let post = coord_web
        .submit(
            "/admin/sla",
            "/admin/sla/high",
            &[
                ("ack_minutes", "1"),
                ("contain_minutes", "2"),
                ("resolve_minutes", "3"),
            ],
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    let reporter = app.user(Role::Reporter).await;
    let denied = WebClient::signed_in(&app, &reporter.email)
        .await
        .get("/admin/sla")
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
