//! Indicators, the dashboard and the national statistics over incidents with known stamps: the
//! incidents are filed and moved through the API, then their stamps put at fixed times.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, json, Stamps, TestApp, TestUser};

fn at(month: u32, day: u32, hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, month, day)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

const H: i64 = 3600;
const D: i64 = 86_400;

pub struct World {
    pub app: TestApp,
    pub coordinator: TestUser,
    pub auditor: TestUser,
    pub reporter_a: TestUser,
    pub reporter_b: TestUser,
    pub liaison: TestUser,
    pub org_a: i64,
    pub ids: Vec<i64>,
}

pub async fn moves(app: &TestApp, who: &TestUser, id: i64, steps: &[Value]) {
    for step in steps {
        let res = app.transition(who, id, step.clone()).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{step}: {}",
            res.text().await.unwrap()
        );
    }
}

fn close() -> Value {
    json!({ "to": "closed", "resolution": "fixed", "root_cause": "weak password" })
}

/// Six incidents in March and April 2025 over two organisations:
/// 1 closed after containment; 2 closed after the end of March; 3 still in triage;
/// 4 rejected; 5 merged into 1; 6 closed, reopened and closed again.
pub async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let coordinator = app.user(Role::Coordinator).await;
    let responder = app.user(Role::Responder).await;
    let org_a = app.organisation_in("cii_operator", Some("energy")).await;
    let org_b = app.organisation_in("cii_operator", Some("health")).await;
    let reporter_a = app.user_in(Role::Reporter, org_a).await;
    let reporter_b = app.user_in(Role::Reporter, org_b).await;
    let auditor = app.user(Role::Auditor).await;
    let liaison = app.user(Role::Liaison).await;
    let _ = admin;
    let specs = [
        (org_a, "phishing", "high"),
        (org_a, "phishing", "medium"),
        (org_b, "ddos", "critical"),
        (org_b, "ddos", "low"),
        (org_a, "phishing", "high"),
        (org_a, "phishing", "low"),
    ];
    let mut ids = Vec::new();
    for (n, (org, category, severity)) in specs.iter().enumerate() {
        let created = app
            .incident(
                &coordinator,
                json!({ "title": format!("Secret title {n}"), "description": "d",
                        "category": category, "severity": severity, "organisation_id": org }),
            )
            .await;
        ids.push(created["id"].as_i64().unwrap());
    }
    let to = |s: &str| json!({ "to": s });
    json(
        app.post(
            &format!("/api/v1/incidents/{}/assign", ids[0]),
            &coordinator.token,
            json!({ "assignee_id": responder.id }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    moves(
        &app,
        &coordinator,
        ids[0],
        &[to("triage"), to("containment"), to("recovery"), close()],
    )
    .await;
    moves(&app, &coordinator, ids[1], &[to("triage"), close()]).await;
    moves(&app, &coordinator, ids[2], &[to("triage")]).await;
    moves(&app, &coordinator, ids[3], &[to("rejected")]).await;
    moves(
        &app,
        &coordinator,
        ids[4],
        &[json!({ "to": "merged", "duplicate_of": ids[0] })],
    )
    .await;
    let reopen = json!({ "to": "triage", "reason": "it came back" });
    moves(
        &app,
        &coordinator,
        ids[5],
        &[to("triage"), close(), reopen, close()],
    )
    .await;
    let stamps = [
        (at(3, 1, 0), Some(H), Some(4 * H), Some(2 * D)),
        (at(3, 10, 0), Some(3 * H), None, Some(26 * D)),
        (at(3, 15, 0), Some(2 * H), None, None),
        (at(4, 1, 0), Some(H / 2), None, Some(H / 2)),
        (at(4, 2, 0), Some(H), None, Some(H)),
        (at(4, 3, 0), Some(5 * H), None, Some(7 * D)),
    ];
    for (id, (reported, ack, contained, closed)) in ids.iter().zip(stamps) {
        let after = |s: Option<i64>| s.map(|s| reported + Duration::seconds(s));
        app.set_stamps(
            *id,
            Stamps {
                reported,
                acknowledged: after(ack),
                contained: after(contained),
                closed: after(closed),
            },
        )
        .await;
    }
    World {
        app,
        coordinator,
        auditor,
        reporter_a,
        reporter_b,
        liaison,
        org_a,
        ids,
    }
}

const WINDOW: &str = "from=2025-03-01&to=2025-04-30";

fn close_to(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("a number, got {v}"));
    assert!((got - expected).abs() < 1e-6, "{got} != {expected}");
}

fn item<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {report}"))
}

#[actix_web::test]
async fn monthly_indicators_count_medians_open_at_end_and_final_closures() {
    let w = world().await;
    let report = json(
        w.app
            .get(
                &format!("/api/v1/stats/kpis?{WINDOW}&group_by=month"),
                &w.coordinator.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["items"].as_array().unwrap().len(), 2);
    let march = item(&report, "2025-03");
    assert_eq!(
        [
            &march["reported"],
            &march["acknowledged"],
            &march["contained"],
            &march["closed"],
            &march["open_at_end"]
        ],
        [3, 3, 1, 2, 2]
    );
    close_to(&march["mtta_seconds"]["median"], 7200.0);
    close_to(&march["mtta_seconds"]["p90"], 10080.0);
    close_to(&march["mtta_seconds"]["mean"], 7200.0);
    close_to(&march["mttc_seconds"]["median"], 14400.0);
    // Incident 2 closed on 5 April counts in March's closures, and as open at the end of March.
    close_to(
        &march["mttr_seconds"]["median"],
        (2.0 * 86_400.0 + 26.0 * 86_400.0) / 2.0,
    );
    close_to(
        &march["mttr_seconds"]["p90"],
        172_800.0 + 0.9 * (2_246_400.0 - 172_800.0),
    );
    let april = item(&report, "2025-04");
    // Rejected and merged: reported and acknowledged, never closed; the reopened one counts its
    // final closure, seven days after the report.
    assert_eq!(
        [
            &april["reported"],
            &april["acknowledged"],
            &april["closed"],
            &april["open_at_end"]
        ],
        [3, 3, 1, 0]
    );
    assert_eq!(april["mttc_seconds"], Value::Null);
    close_to(&april["mtta_seconds"]["median"], 3600.0);
    close_to(&april["mttr_seconds"]["median"], 7.0 * 86_400.0);
    let totals = &report["totals"];
    assert_eq!(
        [
            &totals["reported"],
            &totals["closed"],
            &totals["open_at_end"]
        ],
        [6, 3, 1]
    );
    close_to(&totals["mttr_seconds"]["median"], 7.0 * 86_400.0);
    // Auditors see the same figures.
    let audited = json(
        w.app
            .get(
                &format!("/api/v1/stats/kpis?{WINDOW}&group_by=month"),
                &w.auditor.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(audited["totals"], report["totals"]);
}

#[actix_web::test]
async fn indicators_by_label_and_as_csv() {
    let w = world().await;
    let get = |q: &str| {
        let url = format!("/api/v1/stats/kpis?{WINDOW}&{q}");
        let (app, token) = (&w.app, w.coordinator.token.clone());
        async move { app.get(&url, &token).await }
    };
    let sectors = json(get("group_by=sector").await, StatusCode::OK).await;
    assert_eq!(item(&sectors, "energy")["reported"], 4);
    assert_eq!(item(&sectors, "energy")["label"], "Energy");
    assert_eq!(item(&sectors, "health")["reported"], 2);
    let classes = json(get("group_by=class").await, StatusCode::OK).await;
    assert_eq!(item(&classes, "fraud")["reported"], 4);
    assert_eq!(item(&classes, "availability")["open_at_end"], 1);
    let orgs = json(get("group_by=organisation").await, StatusCode::OK).await;
    assert_eq!(item(&orgs, &w.org_a.to_string())["closed"], 3);
    let severities = json(get("group_by=severity").await, StatusCode::OK).await;
    assert_eq!(item(&severities, "high")["reported"], 2);

    let res = get("group_by=month&format=csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let body = res.text().await.unwrap();
    let lines: Vec<&str> = body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{body}");
    assert!(lines[0].starts_with(
        "key,label,reported,acknowledged,contained,closed,open_at_end,mtta_median_seconds"
    ));
    let march: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(
        &march[..9],
        ["2025-03", "2025-03", "3", "3", "1", "2", "2", "7200", march[8]]
    );
    assert!((march[8].parse::<f64>().unwrap() - 10080.0).abs() < 1e-6);
    assert_eq!(march[13], "1209600");
    assert!(
        lines[3].starts_with("total,Total,6,6,1,3,1,"),
        "{}",
        lines[3]
    );

    for (q, field) in [
        ("group_by=year", "group_by"),
        ("format=xml", "format"),
        ("from=2025-05-01&to=2025-04-01", "from"),
        ("from=yesterday", "from"),
    ] {
        let res = w
            .app
            .get(&format!("/api/v1/stats/kpis?{q}"), &w.coordinator.token)
            .await;
        let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(problem["errors"][field].is_array(), "{q}: {problem}");
    }
}

#[actix_web::test]
async fn reporters_see_their_own_figures_and_liaisons_none() {
    let w = world().await;
    let url = format!("/api/v1/stats/kpis?{WINDOW}&group_by=organisation");
    let own = json(w.app.get(&url, &w.reporter_a.token).await, StatusCode::OK).await;
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    assert_eq!(own["totals"]["reported"], 4);
    let other = json(w.app.get(&url, &w.reporter_b.token).await, StatusCode::OK).await;
    assert_eq!(other["totals"]["reported"], 2);
    assert_eq!(other["totals"]["closed"], 0);
    assert_problem(
        w.app.get(&url, &w.liaison.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for path in [
        "/api/v1/stats/dashboard",
        "/api/v1/stats/national?year=2025",
    ] {
        for who in [&w.reporter_a, &w.liaison] {
            assert_problem(w.app.get(path, &who.token).await, StatusCode::FORBIDDEN).await;
        }
        json(w.app.get(path, &w.auditor.token).await, StatusCode::OK).await;
    }
    let res = w.app.client.get(w.app.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn national_statistics_withhold_small_cells_and_name_no_one() {
    let w = world().await;
    let year = json(
        w.app
            .get("/api/v1/stats/national?year=2025", &w.auditor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(year["tlp"], "TLP:CLEAR");
    assert_eq!(year["min_cell"], 3);
    // Rejected and merged incidents are left out: 1, 2, 3 and 6 remain.
    assert_eq!(year["total"]["count"], 4);
    let cell = |table: &str, key: &str| -> Value {
        year[table]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("{table} {key}"))
    };
    assert_eq!(cell("by_class", "fraud")["count"], 3);
    assert_eq!(cell("by_class", "availability")["count"], Value::Null);
    assert_eq!(cell("by_class", "availability")["display"], "< 3");
    assert_eq!(cell("by_sector", "energy")["display"], "3");
    assert_eq!(cell("by_sector", "health")["display"], "< 3");
    assert_eq!(cell("by_month", "2025-03")["count"], 3);
    assert_eq!(cell("by_month", "2025-04")["display"], "< 3");
    assert_eq!(cell("by_month", "2025-12")["display"], "< 3");
    assert_eq!(year["by_month"].as_array().unwrap().len(), 12);
    close_to(
        &year["mtta"]["median_seconds"],
        (2.0 * 3600.0 + 3.0 * 3600.0) / 2.0,
    );
    close_to(&year["mttr"]["median_seconds"], 7.0 * 86_400.0);
    assert_eq!(year["mttc"]["median_seconds"], Value::Null);
    assert_eq!(year["mttc"]["display"], "< 3");
    let text = year.to_string();
    assert!(!text.contains("Secret title"), "no titles");
    assert!(!text.contains("cii_operator "), "no organisation names");

    let q1 = json(
        w.app
            .get(
                "/api/v1/stats/national?year=2025&quarter=1",
                &w.coordinator.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(q1["total"]["count"], 3);
    assert_eq!(q1["by_month"].as_array().unwrap().len(), 3);
    for q in ["year=2025&quarter=5", "year=abc", "year=1800"] {
        let res = w
            .app
            .get(&format!("/api/v1/stats/national?{q}"), &w.auditor.token)
            .await;
        assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let _ = &w.ids;
}

#[actix_web::test]
async fn a_lower_minimum_cell_shows_more() {
    let app = TestApp::spawn_with(|env| {
        env.insert("QALXAN_STATS_MIN_CELL".into(), "1".into());
    })
    .await;
    let coordinator = app.user(Role::Coordinator).await;
    let created = app
        .incident(
            &coordinator,
            json!({ "title": "t", "description": "d", "category": "ddos", "severity": "low" }),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    app.set_stamps(
        id,
        Stamps {
            reported: at(6, 1, 0),
            acknowledged: None,
            contained: None,
            closed: None,
        },
    )
    .await;
    let year = json(
        app.get("/api/v1/stats/national?year=2025", &coordinator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(year["total"]["display"], "1");
    assert_eq!(year["by_month"][5]["count"], 1);
    // Nothing is under a minimum of one but an empty cell, withheld all the same.
    assert_eq!(year["by_month"][4]["display"], "< 1");
}

#[actix_web::test]
async fn every_dashboard_number_lists_exactly_its_incidents() {
    let w = world().await;
    let app = &w.app;
    let now = qalxan::domain::time::now();
    // Recent incidents: one waiting past its acknowledgement deadline, two in triage.
    let mut recent = Vec::new();
    for (n, severity) in ["high", "high", "critical"].iter().enumerate() {
        let created = app
            .incident(
                &w.reporter_a,
                json!({ "title": format!("Now {n}"), "description": "d",
                                            "category": "phishing", "severity": severity }),
            )
            .await;
        recent.push(created["id"].as_i64().unwrap());
    }
    app.set_stamps(
        recent[0],
        Stamps {
            reported: now - Duration::hours(30),
            acknowledged: None,
            contained: None,
            closed: None,
        },
    )
    .await;
    for id in &recent[1..] {
        moves(app, &w.coordinator, *id, &[json!({ "to": "triage" })]).await;
    }
    let d = json(
        app.get("/api/v1/stats/dashboard", &w.coordinator.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["overdue"][0]["key"], "acknowledgement");
    assert_eq!(d["overdue"][0]["count"], 1);
    assert_eq!(d["intake_24h"]["count"], 2);
    assert_eq!(d["intake_7d"]["count"], 3);
    // Open: incident 3 of March (triage, critical) and the three recent ones.
    assert_eq!(d["open_total"]["count"], 4);
    assert_eq!(d["unassigned"]["count"], 4);
    assert_eq!(d["top_categories"][0]["key"], "phishing");
    assert_eq!(d["top_sectors"][0]["key"], "energy");
    assert_eq!(d["daily"].as_array().unwrap().len(), 90);
    let today = d["daily"][89].clone();
    assert_eq!(
        today["high"].as_i64().unwrap() + today["critical"].as_i64().unwrap(),
        2
    );
    let mut numbers: Vec<Value> = vec![
        d["open_total"].clone(),
        d["unassigned"].clone(),
        d["overdue"][0].clone(),
        d["overdue"][1].clone(),
        d["overdue"][2].clone(),
        d["intake_24h"].clone(),
        d["intake_7d"].clone(),
        d["top_categories"][0].clone(),
        d["top_sectors"][0].clone(),
    ];
    numbers.extend(d["open"].as_array().unwrap().iter().cloned());
    for n in numbers {
        let list = json(
            app.get(
                &format!(
                    "/api/v1/incidents?limit=200&{}",
                    n["query"].as_str().unwrap()
                ),
                &w.coordinator.token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            list["items"].as_array().unwrap().len() as i64,
            n["count"].as_i64().unwrap(),
            "{n}"
        );
    }
    // The list filters the links use, one by one.
    for (q, expected) in [
        ("reported_from=2025-03-01&reported_before=2025-04-01", 3),
        ("class=availability", 2),
        ("sector=health", 2),
        ("severity=none", 0),
        ("status=open&sector=energy", 3),
    ] {
        let list = json(
            app.get(
                &format!("/api/v1/incidents?limit=200&{q}"),
                &w.coordinator.token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["items"].as_array().unwrap().len(), expected, "{q}");
    }
    let bad = app
        .get("/api/v1/incidents?overdue=soon", &w.coordinator.token)
        .await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    let bad = app
        .get(
            "/api/v1/incidents?class=nope&sector=nowhere",
            &w.coordinator.token,
        )
        .await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(problem["errors"]["class"].is_array() && problem["errors"]["sector"].is_array());
}

#[actix_web::test]
async fn the_pages_follow_the_same_policy_and_give_csv() {
    use crate::web::WebClient;
    let w = world().await;
    let app = &w.app;
    let reporter = WebClient::signed_in(app, &w.reporter_a.email).await;
    assert_eq!(
        reporter.get("/dashboard").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reporter.get("/stats/national").await.status,
        StatusCode::FORBIDDEN
    );
    let own = reporter
        .get("/stats?from=2025-03-01&to=2025-04-30&group_by=severity")
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("id=\"chart-trend\""));
    assert!(
        !own.body.contains("Critical</th>"),
        "another organisation's severity"
    );
    let bad = reporter.get("/stats?from=2025-05-01&to=2025-04-30").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let liaison = WebClient::signed_in(app, &w.liaison.email).await;
    assert_eq!(liaison.get("/stats").await.status, StatusCode::FORBIDDEN);
    assert!(!liaison.get("/").await.body.contains("href=\"/stats\""));

    let auditor = WebClient::signed_in(app, &w.auditor.email).await;
    let dashboard = auditor.get("/dashboard").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("id=\"chart-daily-90\""));
    let csv = auditor
        .get("/stats.csv?from=2025-03-01&to=2025-04-30&group_by=month")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("key,label,reported"));
    assert!(
        csv.body.contains("\r\n2025-04,2025-04,3,3,0,1,0,"),
        "{}",
        csv.body
    );
    let national = auditor.get("/stats/national?year=2025&quarter=1").await;
    assert_eq!(national.status, StatusCode::OK);
    assert!(national.body.contains("id=\"national-total\">3<"));
    assert!(!national.body.contains("Secret title"));
}

/// Known due times for the six incidents of `world` (their stamps are in `world`), and NIS2
/// stages for two of them. Every due time is in 2025 except two in 2099, still pending whatever
/// day the test runs.
async fn with_deadlines(w: &World) {
    let far = NaiveDate::from_ymd_opt(2099, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let plus = |t: NaiveDateTime, s: i64| t + Duration::seconds(s);
    // (ack, contain, resolve) from the report; what each is judged, at any time after 2025:
    let dues = [
        // acknowledged at 1 h: due at 1 h, met (exactly in time); contained at 4 h: due at 2 h,
        // missed; closed at 2 days: due at 3 days, met → 2 of 3.
        (at(3, 1, 0), H, Some(2 * H), Some(3 * D)),
        // acknowledged at 3 h: missed; no containment deadline; closed at 26 days: met → 1 of 2.
        (at(3, 10, 0), H, None, Some(30 * D)),
        // acknowledged at 2 h: met; still open: containment breached, resolution pending (2099)
        // → 1 of 2.
        (at(3, 15, 0), 4 * H, Some(D), None),
        // rejected at 30 min: acknowledgement met, containment and resolution met by the
        // rejection (as the incident itself shows them) → 3 of 3.
        (at(4, 1, 0), H, Some(4 * H), Some(3 * D)),
        // merged at 1 h, acknowledged at 1 h: due at 30 min, missed → 0 of 1.
        (at(4, 2, 0), H / 2, None, None),
        // reopened and closed at 7 days: acknowledged at 5 h (due 4 h), containment met by the
        // closure at 7 days (due 1 day), closure due at 5 days: all missed → 0 of 3.
        (at(4, 3, 0), 4 * H, Some(D), Some(5 * D)),
    ];
    for (id, (reported, ack, contain, resolve)) in w.ids.iter().zip(dues) {
        let resolve = if *id == w.ids[2] {
            Some(far)
        } else {
            resolve.map(|s| plus(reported, s))
        };
        w.app
            .set_due_times(
                *id,
                plus(reported, ack),
                contain.map(|s| plus(reported, s)),
                resolve,
            )
            .await;
    }
    // Incident 1 (March): an early warning on time, a notification late, then corrected (the
    // correction is judged by the first submission, so it does not count again).
    w.app
        .add_report_stage(
            w.ids[0],
            "early_warning",
            at(3, 2, 0),
            Some(at(3, 1, 20)),
            None,
        )
        .await;
    let notification = w
        .app
        .add_report_stage(
            w.ids[0],
            "notification",
            at(3, 4, 0),
            Some(at(3, 5, 0)),
            None,
        )
        .await;
    w.app
        .add_report_stage(
            w.ids[0],
            "notification",
            at(3, 4, 0),
            Some(at(3, 6, 0)),
            Some(notification),
        )
        .await;
    // Incident 4 (April, rejected): an early warning never sent (overdue) and a final report
    // not yet due (pending, not judged).
    w.app
        .add_report_stage(w.ids[3], "early_warning", at(4, 2, 0), None, None)
        .await;
    w.app
        .add_report_stage(w.ids[3], "final", far, None, None)
        .await;
}

#[actix_web::test]
async fn sla_and_nis2_ratios_judge_every_deadline_that_came_due() {
    let w = world().await;
    with_deadlines(&w).await;
    let get = |who: &TestUser, q: &str| {
        let url = format!("/api/v1/stats/kpis?{WINDOW}&{q}");
        let (app, token) = (&w.app, who.token.clone());
        async move { json(app.get(&url, &token).await, StatusCode::OK).await }
    };
    let months = get(&w.coordinator, "group_by=month").await;
    let march = item(&months, "2025-03");
    close_to(&march["sla_met_ratio"], 4.0 / 7.0);
    close_to(&march["nis2_on_time_ratio"], 0.5);
    let april = item(&months, "2025-04");
    close_to(&april["sla_met_ratio"], 3.0 / 7.0);
    close_to(&april["nis2_on_time_ratio"], 0.0);
    close_to(&months["totals"]["sla_met_ratio"], 7.0 / 14.0);
    close_to(&months["totals"]["nis2_on_time_ratio"], 1.0 / 3.0);

    // Nothing to measure: null, not zero.
    let severities = get(&w.coordinator, "group_by=severity").await;
    assert_eq!(
        item(&severities, "medium")["nis2_on_time_ratio"],
        Value::Null
    );
    close_to(&item(&severities, "medium")["sla_met_ratio"], 0.5);
    let sectors = get(&w.coordinator, "group_by=sector").await;
    close_to(&item(&sectors, "energy")["sla_met_ratio"], 3.0 / 9.0);
    close_to(&item(&sectors, "health")["sla_met_ratio"], 4.0 / 5.0);
    close_to(&item(&sectors, "health")["nis2_on_time_ratio"], 0.0);
    let empty = json(
        w.app
            .get(
                "/api/v1/stats/kpis?from=2024-01-01&to=2024-01-31",
                &w.coordinator.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(empty["totals"]["sla_met_ratio"], Value::Null);
    assert_eq!(empty["totals"]["nis2_on_time_ratio"], Value::Null);

    // A reporter's figures are their organisation's deadlines only.
    let own = get(&w.reporter_b, "group_by=month").await;
    close_to(&own["totals"]["sla_met_ratio"], 4.0 / 5.0);
    close_to(&own["totals"]["nis2_on_time_ratio"], 0.0);

    // CSV: the two ratios close each row.
    let res = w
        .app
        .get(
            &format!("/api/v1/stats/kpis?{WINDOW}&group_by=month&format=csv"),
            &w.coordinator.token,
        )
        .await;
    let body = res.text().await.unwrap();
    let lines: Vec<&str> = body.trim_end().split("\r\n").collect();
    assert!(lines[0].ends_with(",sla_met_ratio,nis2_on_time_ratio"));
    let total: Vec<&str> = lines[3].split(',').collect();
    let n = total.len();
    assert_eq!(total[n - 2].parse::<f64>().unwrap(), 0.5);
    assert_eq!(total[n - 1].parse::<f64>().unwrap(), 1.0 / 3.0);

    // The page shows them as whole percentages in the table's last two columns.
    let page = crate::web::WebClient::signed_in(&w.app, &w.coordinator.email)
        .await
        .get(&format!("/stats?{WINDOW}&group_by=month"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<td class=\"num\">57%</td><td class=\"num\">50%</td></tr>"),
        "March: 4 of 7 SLA deadlines, 1 of 2 NIS2 stages"
    );
    assert!(page
        .body
        .contains("<td class=\"num\">50%</td><td class=\"num\">33%</td></tr>"));
}
