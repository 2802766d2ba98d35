//! ATT&CK technique tags, learned suggestions (techniques with their terms, RSIT category,
//! similar incidents) and who may see them, over HTTP on a fresh database.

use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    helpers::{assert_problem, ids, json, TestApp, TestUser},
    web::WebClient,
};

async fn incident(app: &TestApp, who: &TestUser, title: &str, description: &str) -> i64 {
    app.incident(who, json!({ "title": title, "description": description }))
        .await["id"]
        .as_i64()
        .unwrap()
}

async fn tag(app: &TestApp, who: &TestUser, id: i64, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/incidents/{id}/techniques"),
        &who.token,
        body,
    )
    .await
}

/// An incident past intake with `category`: what the category model learns from.
async fn classified(
    app: &TestApp,
    staff: (&TestUser, &TestUser),
    title: &str,
    text: &str,
    category: &str,
) -> i64 {
    let (responder, coordinator) = staff;
    let id = incident(app, responder, title, text).await;
    let path = format!("/api/v1/incidents/{id}");
    let patch = json!({ "category": category, "severity": "low" });
    json(
        app.patch(&path, &responder.token, patch).await,
        StatusCode::OK,
    )
    .await;
    let moved = app
        .transition(coordinator, id, json!({ "to": "triage" }))
        .await;
    json(moved, StatusCode::OK).await;
    id
}

async fn suggestions(app: &TestApp, who: &TestUser, id: i64) -> Value {
    let res = app
        .get(&format!("/api/v1/incidents/{id}/suggestions"), &who.token)
        .await;
    json(res, StatusCode::OK).await
}

async fn analyse(app: &TestApp, who: &TestUser, body: Value) -> reqwest::Response {
    app.post("/api/v1/analysis/techniques", &who.token, body)
        .await
}

fn technique_ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["technique_id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn tags_are_added_listed_filtered_exported_and_removed() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let auditor = app.user(Role::Auditor).await;
    let id = incident(&app, &responder, "Spearphishing at the ministry", "d").await;
    let other = incident(&app, &responder, "Attachment opened", "d").await;
    let untagged = incident(&app, &responder, "Scan", "d").await;

    let added = json(
        tag(
            &app,
            &responder,
            id,
            json!({ "technique_id": " t1566 ", "note": "mail to HR" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["technique_id"], "T1566");
    assert_eq!(added["name"], "Phishing");
    assert_eq!(added["tactics"], json!(["initial-access"]));
    assert_eq!(added["source"], "analyst");
    assert_eq!(added["note"], "mail to HR");
    assert_eq!(added["added_by"], responder.id);
    let sub = json(
        tag(
            &app,
            &responder,
            other,
            json!({ "technique_id": "T1566.001", "source": "suggestion" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(sub["source"], "suggestion");

    // Already there, unknown, malformed, bad source, unknown field.
    assert_problem(
        tag(&app, &responder, id, json!({ "technique_id": "T1566" })).await,
        StatusCode::CONFLICT,
    )
    .await;
    for (body, field) in [
        (json!({ "technique_id": "T9999" }), "technique_id"),
        (json!({ "technique_id": "phishing" }), "technique_id"),
        (
            json!({ "technique_id": "T1566.002", "source": "robot" }),
            "source",
        ),
        (
            json!({ "technique_id": "T1566.002", "note": "x".repeat(2001) }),
            "note",
        ),
    ] {
        let problem = assert_problem(
            tag(&app, &responder, id, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(problem["errors"][field].is_array(), "{problem}");
    }
    assert_problem(
        tag(
            &app,
            &responder,
            id,
            json!({ "technique_id": "T1566", "extra": 1 }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // Auditors read tags; the list filter finds sub-techniques under their parent.
    let listed = json(
        app.get(
            &format!("/api/v1/incidents/{id}/techniques"),
            &auditor.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(technique_ids(&listed["items"]), ["T1566"]);
    let filtered = json(
        app.get("/api/v1/incidents?technique=T1566", &auditor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&filtered), [other, id]);
    let filtered = json(
        app.get("/api/v1/incidents?technique=t1566.001", &responder.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&filtered), [other]);
    assert!(!ids(&filtered).contains(&untagged));
    let bad = assert_problem(
        app.get("/api/v1/incidents?technique=T0", &responder.token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad["errors"]["technique"].is_array());

    // Tags travel with the case export.
    let export = json(
        app.get(&format!("/api/v1/incidents/{id}/export"), &auditor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        technique_ids(&export["case"]["techniques"]),
        ["T1566"],
        "{export}"
    );

    // Removing is audited; a second removal finds nothing.
    let res = app
        .delete(
            &format!("/api/v1/incidents/{id}/techniques/T1566"),
            &responder.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.delete(
            &format!("/api/v1/incidents/{id}/techniques/T1566"),
            &responder.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let listed = json(
        app.get(
            &format!("/api/v1/incidents/{id}/techniques"),
            &responder.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(listed["items"].as_array().unwrap().is_empty());
    let history = json(
        app.get(&format!("/api/v1/incidents/{id}/history"), &auditor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"technique.tagged") && actions.contains(&"technique.untagged"),
        "{actions:?}"
    );
}

#[actix_web::test]
async fn outsiders_never_see_tags_or_suggestions() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let coordinator = app.user(Role::Coordinator).await;
    let auditor = app.user(Role::Auditor).await;
    let reporter = app.user(Role::Reporter).await;
    let stranger = app.user(Role::Reporter).await;
    let liaison = app.user(Role::Liaison).await;
    let own = incident(&app, &reporter, "Our mail server", "phishing mail").await;
    json(
        tag(&app, &responder, own, json!({ "technique_id": "T1566" })).await,
        StatusCode::CREATED,
    )
    .await;
    let shared = incident(&app, &responder, "Shared case", "d").await;
    json(
        app.post(
            &format!("/api/v1/incidents/{shared}/shares"),
            &coordinator.token,
            json!({ "organisation_id": liaison.organisation_id, "max_tlp": "TLP:AMBER" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // The incident is visible to them: 403. Not visible: 404.
    for (who, id, status) in [
        (&reporter, own, StatusCode::FORBIDDEN),
        (&stranger, own, StatusCode::NOT_FOUND),
        (&liaison, shared, StatusCode::FORBIDDEN),
        (&liaison, own, StatusCode::NOT_FOUND),
    ] {
        for path in [
            format!("/api/v1/incidents/{id}/techniques"),
            format!("/api/v1/incidents/{id}/suggestions"),
        ] {
            assert_problem(app.get(&path, &who.token).await, status).await;
        }
        assert_problem(
            tag(&app, who, id, json!({ "technique_id": "T1078" })).await,
            status,
        )
        .await;
        assert_problem(
            app.delete(
                &format!("/api/v1/incidents/{id}/techniques/T1566"),
                &who.token,
            )
            .await,
            status,
        )
        .await;
    }
    // Auditors read tags but change nothing and ask for no suggestions.
    let tags_path = format!("/api/v1/incidents/{own}/techniques");
    json(app.get(&tags_path, &auditor.token).await, StatusCode::OK).await;
    for res in [
        tag(&app, &auditor, own, json!({ "technique_id": "T1078" })).await,
        app.delete(&format!("{tags_path}/T1566"), &auditor.token)
            .await,
        app.get(
            &format!("/api/v1/incidents/{own}/suggestions"),
            &auditor.token,
        )
        .await,
        analyse(&app, &auditor, json!({ "text": "phishing" })).await,
    ] {
        assert_problem(res, StatusCode::FORBIDDEN).await;
    }
    // Filtering by a tag would reveal it.
    for who in [&reporter, &liaison] {
        assert_problem(
            app.get("/api/v1/incidents?technique=T1566", &who.token)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            analyse(&app, who, json!({ "text": "phishing" })).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
}

#[actix_web::test]
async fn text_suggestions_rank_techniques_with_their_terms() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let text = "The spearphishing email carried a malicious Word attachment; when opened, a macro \
                ran cmd.exe to launch a batch script.";
    let found = json(
        analyse(&app, &responder, json!({ "text": text })).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["model_version"], 0);
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(
        technique_ids(&found["items"]).contains(&"T1566.001".to_owned()),
        "{found}"
    );
    let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]) && scores[0] > 0.0 && scores[0] <= 1.0);
    let phishing = items
        .iter()
        .find(|i| i["technique_id"] == "T1566.001")
        .unwrap();
    assert_eq!(phishing["name"], "Spearphishing Attachment");
    let terms: Vec<&str> = phishing["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        terms
            .iter()
            .any(|t| t.contains("spearphishing") || t.contains("attachment")),
        "{terms:?}"
    );

    // Same text, same answer; other languages are answered, not refused.
    let again = json(
        analyse(&app, &responder, json!({ "text": text })).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again, found);
    for text in [
        "Şübhəli PowerShell skripti işə salındı",
        "Злоумышленник запустил PowerShell",
    ] {
        let found = json(
            analyse(&app, &responder, json!({ "text": text, "limit": 20 })).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(found["items"].as_array().unwrap().len(), 20);
    }
    for (body, field) in [
        (json!({ "text": "  " }), "text"),
        (json!({ "text": "x", "limit": 21 }), "limit"),
        (json!({ "text": "x", "limit": 0 }), "limit"),
    ] {
        let problem = assert_problem(
            analyse(&app, &responder, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(problem["errors"][field].is_array(), "{problem}");
    }
}

#[actix_web::test]
async fn incident_suggestions_find_similar_incidents_and_learn_categories() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let coordinator = app.user(Role::Coordinator).await;
    let id = incident(
        &app,
        &responder,
        "Spearphishing attachment at the ministry",
        "Employees received a spearphishing email with a malicious attachment from evil.example.",
    )
    .await;
    app.post(
        &format!("/api/v1/incidents/{id}/comments"),
        &responder.token,
        json!({ "body": "The attachment dropped a scheduled task.", "visibility": "internal" }),
    )
    .await;
    let sharing = incident(&app, &responder, "Unrelated title", "Nothing alike here").await;
    let alike = incident(
        &app,
        &responder,
        "Ministry spearphishing wave",
        "Another spearphishing attachment campaign",
    )
    .await;
    let unrelated = incident(&app, &responder, "Website defacement", "Defaced homepage").await;
    for target in [id, sharing] {
        json(
            app.post(
                &format!("/api/v1/incidents/{target}/observables"),
                &responder.token,
                json!({ "kind": "domain", "value": "evil[.]example" }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    json(
        tag(&app, &responder, id, json!({ "technique_id": "T1566.001" })).await,
        StatusCode::CREATED,
    )
    .await;

    let found = suggestions(&app, &responder, id).await;
    assert_eq!(found["model_version"], 0);
    // Already tagged techniques are not suggested again; the rest come with terms.
    let techniques = technique_ids(&found["techniques"]);
    assert_eq!(techniques.len(), 5);
    assert!(!techniques.contains(&"T1566.001".to_owned()), "{found}");
    assert!(found["techniques"][0]["terms"]
        .as_array()
        .is_some_and(|t| !t.is_empty()));
    // Nothing classified yet: no category rather than a guess.
    assert!(found["category"].is_null(), "{found}");
    let similar = found["similar"].as_array().unwrap();
    let similar_ids: Vec<i64> = similar
        .iter()
        .map(|s| s["incident_id"].as_i64().unwrap())
        .collect();
    assert_eq!(similar_ids[..2], [sharing, alike], "{found}");
    assert!(!similar_ids.contains(&unrelated) && !similar_ids.contains(&id));
    assert_eq!(
        similar[0]["reasons"],
        json!(["shared observable evil.example"])
    );
    assert_eq!(similar[1]["reasons"], json!(["text"]));
    assert!(
        similar[0]["score"].as_f64().unwrap() >= 1.0 && similar[1]["score"].as_f64().unwrap() < 1.0
    );

    // Twenty triaged phishing incidents teach the category; three DDoS ones are too few.
    for i in 0..20 {
        let title = format!("Phishing mail {i}");
        let text = "Credential phishing mail with a fake login page";
        classified(&app, (&responder, &coordinator), &title, text, "phishing").await;
    }
    for i in 0..3 {
        let title = format!("DDoS {i}");
        let text = "Flood of traffic took the portal down";
        classified(&app, (&responder, &coordinator), &title, text, "ddos").await;
    }
    let found = suggestions(&app, &responder, id).await;
    assert_eq!(found["category"]["rsit_type"], "phishing", "{found}");
    assert!(found["category"]["terms"]
        .as_array()
        .is_some_and(|t| !t.is_empty()));
    let flood = incident(
        &app,
        &responder,
        "Traffic flood",
        "A flood of traffic took the portal down",
    )
    .await;
    let found = suggestions(&app, &responder, flood).await;
    assert!(found["category"].is_null(), "{found}");
}

#[actix_web::test]
async fn the_case_page_shows_suggestions_and_adds_one_with_a_click() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let reporter = app.user(Role::Reporter).await;
    let id = incident(
        &app,
        &responder,
        "Spearphishing attachment",
        "A spearphishing email with a malicious attachment; the macro ran cmd.exe.",
    )
    .await;
    let web = WebClient::signed_in(&app, &responder.email).await;
    let page = web.get(&format!("/incidents/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"techniques\"")
            && page.body.contains("id=\"technique-suggestions\"")
    );
    let found = suggestions(&app, &responder, id).await;
    let first = found["techniques"][0]["technique_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        page.body.contains(&format!("id=\"suggestion-{first}\"")),
        "{first}"
    );
    let first_term = found["techniques"][0]["terms"][0].as_str().unwrap();
    assert!(page.body.contains(first_term));

    // One click: the suggestion's own form, recorded as accepted from a suggestion.
    let res = web
        .submit(
            &format!("/incidents/{id}"),
            &format!("/incidents/{id}/techniques"),
            &[("technique_id", first.as_str()), ("source", "suggestion")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let tags = json(
        app.get(
            &format!("/api/v1/incidents/{id}/techniques"),
            &responder.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(tags["items"][0]["technique_id"], first.as_str());
    assert_eq!(tags["items"][0]["source"], "suggestion");
    let page = web.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains(&format!("id=\"technique-{first}\"")));
    assert!(!page.body.contains(&format!("id=\"suggestion-{first}\"")));

    // A typed unknown id comes back next to the field, kept; without CSRF nothing happens.
    let res = web
        .submit(
            &format!("/incidents/{id}"),
            &format!("/incidents/{id}/techniques"),
            &[("technique_id", "T9999")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("field-error") && res.body.contains("value=\"T9999\""));
    let res = web
        .post(
            &format!("/incidents/{id}/techniques"),
            &[("technique_id", "T1078")],
        )
        .await;
    assert_ne!(res.status, StatusCode::SEE_OTHER);
    let res = web
        .submit(
            &format!("/incidents/{id}"),
            &format!("/incidents/{id}/techniques/{first}/remove"),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let tags = json(
        app.get(
            &format!("/api/v1/incidents/{id}/techniques"),
            &responder.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(tags["items"].as_array().unwrap().is_empty());

    // The list's filter form has the technique field and keeps what was asked.
    let list = web.get("/incidents?technique=T9999").await;
    assert_eq!(list.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(list.body.contains("name=\"technique\"") && list.body.contains("value=\"T9999\""));

    // The reporter's case page has no ATT&CK section at all.
    let own = incident(&app, &reporter, "Our incident", "phishing").await;
    let outsider = WebClient::signed_in(&app, &reporter.email).await;
    let page = outsider.get(&format!("/incidents/{own}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"techniques\""));
}

#[actix_web::test]
async fn model_train_learns_confirmed_tags_as_a_new_version() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let coordinator = app.user(Role::Coordinator).await;
    let staff = (&responder, &coordinator);
    let text = "Əməkdaş tapdığı USB yaddaşı kompüterə taxdı";
    let id = classified(&app, staff, "Zərərli USB yaddaş", text, "infected-system").await;
    let tagged = tag(&app, &responder, id, json!({ "technique_id": "T1091" })).await;
    json(tagged, StatusCode::CREATED).await;
    json(
        app.transition(
            &coordinator,
            id,
            json!({ "to": "closed", "resolution": "Wiped", "root_cause": "USB" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let open = incident(&app, &responder, "Open case", "USB yaddaş").await;
    json(
        tag(&app, &responder, open, json!({ "technique_id": "T1566" })).await,
        StatusCode::CREATED,
    )
    .await;

    let trained = app
        .db
        .run(qalxan::services::techniques::models::train_version)
        .await
        .unwrap();
    // Only the closed incident's tag is confirmed.
    assert_eq!((trained.examples, trained.incidents), (1, 1));
    let text = json!({ "text": "USB yaddaş kompüterə taxıldı", "limit": 20 });
    let found = json(analyse(&app, &responder, text).await, StatusCode::OK).await;
    assert_eq!(found["model_version"], trained.version);
    assert!(
        technique_ids(&found["items"]).contains(&"T1091".to_owned()),
        "{found}"
    );
    let events = json(
        app.get(
            "/api/v1/audit?action=model.trained",
            &app.admin().await.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");
}
