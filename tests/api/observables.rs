//! Observables: normalised and validated per kind, correlated across incidents without revealing
//! what the caller may not see, linked to the CII registry, and imported in bulk.

use qalxan::domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, json, TestApp, TestUser};

async fn incident_of(app: &TestApp, who: &TestUser, title: &str) -> i64 {
    app.incident(who, json!({ "title": title, "description": "d" }))
        .await["id"]
        .as_i64()
        .unwrap()
}

async fn observe(
    app: &TestApp,
    who: &TestUser,
    incident: i64,
    kind: &str,
    value: &str,
    tlp: Option<&str>,
) -> reqwest::Response {
    let mut body = json!({ "kind": kind, "value": value });
    if let Some(tlp) = tlp {
        body["tlp"] = json!(tlp);
    }
    app.post(
        &format!("/api/v1/incidents/{incident}/observables"),
        &who.token,
        body,
    )
    .await
}

fn references(correlation: &Value) -> Vec<i64> {
    correlation["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["incident_id"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn values_are_normalised_validated_and_unique_per_incident() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let id = incident_of(&app, &responder, "Phishing kit").await;
    for (kind, raw, expected) in [
        ("domain", "Login.Evil-Bank[.]AZ.", "login.evil-bank.az"),
        (
            "url",
            "hxxps://Login.Evil-Bank.az/Secure?a=1",
            "https://login.evil-bank.az/Secure?a=1",
        ),
        ("ip", "2001:0DB8::0001", "2001:db8::1"),
        (
            "sha256",
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        ("email", "Boss@Evil-Bank.AZ", "boss@evil-bank.az"),
        ("asn", "as 1", ""),
    ] {
        let res = observe(&app, &responder, id, kind, raw, None).await;
        if expected.is_empty() {
            let body = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert!(body["errors"]["value"][0].is_string(), "{body}");
            continue;
        }
        let created = json(res, StatusCode::CREATED).await;
        assert_eq!(created["value"], expected, "{kind} {raw}");
        assert_eq!(
            created["tlp"], "TLP:AMBER",
            "defaults to the incident's TLP"
        );
    }
    let body = assert_problem(
        observe(&app, &responder, id, "md5", "not-a-hash", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body["errors"]["value"][0]
        .as_str()
        .unwrap()
        .contains("32 hexadecimal"));
    assert_problem(
        observe(&app, &responder, id, "hostname", "x", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_problem(
        observe(&app, &responder, id, "domain", "LOGIN.evil-bank.az", None).await,
        StatusCode::CONFLICT,
    )
    .await;

    let reporter = app.user(Role::Reporter).await;
    let own = incident_of(&app, &reporter, "Mine").await;
    assert_problem(
        observe(&app, &reporter, own, "domain", "evil.example", None).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[actix_web::test]
async fn correlation_never_reveals_an_incident_the_caller_may_not_see() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let coordinator = app.user(Role::Coordinator).await;
    let bank = app.user(Role::Reporter).await;
    let ministry = app.user(Role::Reporter).await;
    let police = app.user(Role::Liaison).await;
    let at_bank = incident_of(&app, &bank, "Bank phishing").await;
    let at_ministry = incident_of(&app, &ministry, "Ministry phishing").await;
    for id in [at_bank, at_ministry] {
        json(
            observe(&app, &responder, id, "domain", "evil.example.com", None).await,
            StatusCode::CREATED,
        )
        .await;
    }
    json(
        observe(
            &app,
            &responder,
            at_bank,
            "ip",
            "203.0.113.9",
            Some("TLP:RED"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // The CERT sees both, from any spelling.
    let all = json(
        app.get(
            "/api/v1/observables?value=EVIL[.]example.com",
            &responder.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["kind"], "domain");
    assert_eq!(all["value"], "evil.example.com");
    assert_eq!(references(&all), vec![at_ministry, at_bank]);
    assert!(all["next_cursor"].is_null(), "{all}");
    assert!(all["items"][0]["reference"].is_string());
    assert!(all["items"][0]["observable_id"].is_i64());

    // A list like every other: pages of `limit`, continued by `next_cursor`.
    let first = json(
        app.get(
            "/api/v1/observables?value=evil.example.com&limit=1",
            &responder.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(references(&first), vec![at_ministry]);
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let second = json(
        app.get(
            &format!("/api/v1/observables?value=evil.example.com&limit=1&cursor={cursor}"),
            &responder.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(references(&second), vec![at_bank]);
    assert!(second["next_cursor"].is_null(), "{second}");
    let bad_page = assert_problem(
        app.get(
            "/api/v1/observables?value=evil.example.com&limit=0",
            &responder.token,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad_page["errors"]["limit"].is_array());

    // Each organisation sees only its own incident, both in the lookup and in "also seen in".
    let mine = json(
        app.get("/api/v1/observables?value=evil.example.com", &bank.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(references(&mine), vec![at_bank]);
    let on_bank = json(
        app.get(
            &format!("/api/v1/incidents/{at_bank}/observables"),
            &bank.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let on_bank = on_bank.as_array().unwrap();
    assert_eq!(
        on_bank.len(),
        1,
        "the TLP:RED address stays with the CERT: {on_bank:?}"
    );
    assert!(on_bank[0]["also_seen_in"].as_array().unwrap().is_empty());
    let for_staff = json(
        app.get(
            &format!("/api/v1/incidents/{at_bank}/observables"),
            &coordinator.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let domain = for_staff
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "domain")
        .unwrap();
    assert_eq!(domain["also_seen_in"][0]["incident_id"], at_ministry);
    assert!(domain["also_seen_in"][0]["reference"].is_string());

    // The agency sees nothing until the bank's incident is shared, then only up to the ceiling.
    assert!(references(
        &json(
            app.get("/api/v1/observables?value=evil.example.com", &police.token)
                .await,
            StatusCode::OK
        )
        .await
    )
    .is_empty());
    assert_problem(
        app.get(
            &format!("/api/v1/incidents/{at_bank}/observables"),
            &police.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    json(
        app.post(
            &format!("/api/v1/incidents/{at_bank}/shares"),
            &coordinator.token,
            json!({ "organisation_id": police.organisation_id, "max_tlp": "TLP:AMBER" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        references(
            &json(
                app.get("/api/v1/observables?value=evil.example.com", &police.token)
                    .await,
                StatusCode::OK
            )
            .await
        ),
        vec![at_bank]
    );
    assert!(references(
        &json(
            app.get("/api/v1/observables?value=203.0.113.9", &police.token)
                .await,
            StatusCode::OK
        )
        .await
    )
    .is_empty());
    let shared = json(
        app.get(
            &format!("/api/v1/incidents/{at_bank}/observables"),
            &police.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shared.as_array().unwrap().len(), 1);

    let bad = assert_problem(
        app.get("/api/v1/observables?value=xyz&kind=sha1", &responder.token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad["errors"]["value"].is_array());
}

#[actix_web::test]
async fn the_registry_links_assets_by_address_and_keeps_their_history() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let auditor = app.user(Role::Auditor).await;
    let operator = app.user(Role::Reporter).await;
    let stranger = app.user(Role::Reporter).await;
    let liaison = app.user(Role::Liaison).await;

    let network = json(
        app.post(
            "/api/v1/assets",
            &responder.token,
            json!({ "organisation_id": operator.organisation_id, "name": "SCADA network", "kind": "network",
                    "ip": "10.20.30.77/24", "sector": "energy", "criticality": 4 }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(network["ip"], "10.20.30.0/24");
    assert_eq!(network["approved"], true);
    let bad = json!({ "organisation_id": operator.organisation_id, "name": "", "kind": "toaster", "ip": "10.0.0.0/33",
                      "domain": "-x-.az", "hostname": "a b", "sector": "astrology", "criticality": 9 });
    let problem = assert_problem(
        app.post("/api/v1/assets", &responder.token, bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in [
        "name",
        "kind",
        "ip",
        "domain",
        "hostname",
        "sector",
        "criticality",
    ] {
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }

    // The operator proposes its own web portal; the CERT approves it.
    let proposed = json(
        app.post("/api/v1/assets", &operator.token, json!({ "name": "Portal", "kind": "domain", "domain": "Portal.Bakı.az", "criticality": 2 })).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(proposed["approved"], false);
    assert_eq!(proposed["domain"], "portal.xn--bak-lua.az");
    assert_eq!(proposed["organisation_id"], operator.organisation_id);
    let elsewhere = json!({ "organisation_id": stranger.organisation_id, "name": "X", "kind": "host", "criticality": 1 });
    assert_problem(
        app.post("/api/v1/assets", &operator.token, elsewhere).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let approve = format!("/api/v1/assets/{}", proposed["id"]);
    assert_problem(
        app.patch(&approve, &operator.token, json!({ "approved": true }))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        json(
            app.patch(&approve, &responder.token, json!({ "approved": true }))
                .await,
            StatusCode::OK
        )
        .await["approved"],
        true
    );

    // An address seen in an incident falls inside the SCADA network: the asset is linked.
    let incident = incident_of(&app, &operator, "Beaconing from the plant").await;
    let observed = json(
        observe(&app, &responder, incident, "ip", "10.20.30.5", None).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(observed["assets"][0]["id"], network["id"]);
    let links = json(
        app.get(
            &format!("/api/v1/incidents/{incident}/assets"),
            &operator.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(links[0]["asset"]["name"], "SCADA network");
    assert!(links[0]["impact"].as_str().unwrap().contains("10.20.30.5"));
    let link = json!({ "asset_id": proposed["id"], "impact": "Defaced" });
    json(
        app.post(
            &format!("/api/v1/incidents/{incident}/assets"),
            &responder.token,
            link.clone(),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/incidents/{incident}/assets"),
            &responder.token,
            link.clone(),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/incidents/{incident}/assets"),
            &operator.token,
            link,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // The asset page lists its incident history for those who may see it.
    let page = json(
        app.get(&format!("/api/v1/assets/{}", network["id"]), &auditor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["incidents"][0]["incident_id"], incident);
    assert_eq!(page["name"], "SCADA network");
    assert_problem(
        app.get(
            &format!("/api/v1/assets/{}", network["id"]),
            &stranger.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get("/api/v1/assets", &liaison.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let own = json(
        app.get("/api/v1/assets", &operator.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["items"].as_array().unwrap().len(), 2);
    assert!(json(
        app.get("/api/v1/assets", &stranger.token).await,
        StatusCode::OK
    )
    .await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let waiting = json(
        app.get("/api/v1/assets?approved=false", &responder.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(waiting["items"].as_array().unwrap().is_empty());

    let history = json(
        app.get(
            &format!("/api/v1/incidents/{incident}/history"),
            &auditor.token,
        )
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
    assert_eq!(
        actions,
        [
            "incident.created",
            "observable.added",
            "asset.linked",
            "asset.linked"
        ]
    );
    assert_eq!(history[2]["details"]["automatic"], true);
}

#[actix_web::test]
async fn lists_are_imported_line_by_line_keeping_the_good_ones() {
    let app = TestApp::spawn().await;
    let responder = app.user(Role::Responder).await;
    let id = incident_of(&app, &responder, "Campaign").await;
    let path = format!("/api/v1/incidents/{id}/observables/import");
    let text = "# from the partner CERT\n\
                evil[.]example.com\n\
                ip,198.51.100.23\n\
                sha256,not-a-hash\n\
                \n\
                url,hxxp://evil.example.com/payload.exe,TLP:GREEN\n\
                EVIL.example.com\n\
                toaster,123\n\
                d41d8cd98f00b204e9800998ecf8427e\n";
    let report = json(
        app.post(&path, &responder.token, json!({ "text": text }))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["created"], 4);
    assert_eq!(report["duplicates"], 1);
    let errors = report["errors"].as_array().unwrap();
    let lines: Vec<i64> = errors.iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [4, 8]);
    assert!(errors[0]["error"]
        .as_str()
        .unwrap()
        .contains("64 hexadecimal"));
    assert!(errors[1]["error"].as_str().unwrap().contains("kind"));

    let plain = app
        .client
        .post(app.url(&format!("{path}?tlp=TLP:CLEAR")))
        .bearer_auth(&responder.token)
        .header("content-type", "text/plain")
        .body("203.0.113.77\nAS64500\n")
        .send()
        .await
        .unwrap();
    assert_eq!(json(plain, StatusCode::OK).await["created"], 2);
    let all = json(
        app.get(
            &format!("/api/v1/incidents/{id}/observables"),
            &responder.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let kinds: Vec<(&str, &str)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["kind"].as_str().unwrap(), o["tlp"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("domain", "TLP:AMBER"),
            ("ip", "TLP:AMBER"),
            ("url", "TLP:GREEN"),
            ("md5", "TLP:AMBER"),
            ("ip", "TLP:CLEAR"),
            ("asn", "TLP:CLEAR")
        ]
    );
    let reporter = app.user(Role::Reporter).await;
    assert_problem(
        app.post(&path, &reporter.token, json!({ "text": "1.2.3.4" }))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let html = app
        .client
        .post(app.url(&path))
        .bearer_auth(&responder.token)
        .header("content-type", "text/html")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_problem(html, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}
