//! The served OpenAPI document is the contract the fuzzer checks the server against: every
//! operation declares the error answers its shape allows, as problem+json, and what the server
//! really answers to typical client mistakes is among what it declares (issue 10, failure 4).

use std::collections::BTreeSet;

use qalxan::api::openapi::{NO_DATABASE, OPEN_TO_EVERY_ROLE, PROBLEM_JSON};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{json, TestApp};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

struct Op<'a> {
    method: &'static str,
    path: &'a str,
    spec: &'a Value,
}

impl Op<'_> {
    fn declared(&self) -> BTreeSet<u16> {
        self.spec["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.parse().unwrap())
            .collect()
    }

    fn params(&self, location: &str) -> Vec<&Value> {
        self.spec["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["in"] == location).collect())
            .unwrap_or_default()
    }

    fn needs_token(&self) -> bool {
        self.spec["security"].as_array().is_some_and(|s| {
            !s.is_empty()
                && !s
                    .iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
        })
    }

    fn has_body(&self) -> bool {
        self.spec["requestBody"].is_object()
    }

    /// The path with every path parameter replaced by `id`.
    fn url(&self, id: &str) -> String {
        let mut out = self.path.to_owned();
        for p in self.params("path") {
            out = out.replace(&format!("{{{}}}", p["name"].as_str().unwrap()), id);
        }
        out
    }

    fn method(&self) -> Method {
        Method::from_bytes(self.method.to_uppercase().as_bytes()).unwrap()
    }
}

fn operations(doc: &Value) -> Vec<Op<'_>> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item[method].is_object() {
                out.push(Op {
                    method,
                    path,
                    spec: &item[method],
                });
            }
        }
    }
    out
}

async fn document(app: &TestApp) -> Value {
    json(
        app.client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await
}

#[actix_web::test]
async fn every_operation_declares_the_errors_its_shape_allows_as_problem_json() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let ops = operations(&doc);
    assert!(ops.len() >= 50, "only {} operations", ops.len());
    let mut missing = Vec::new();
    for op in &ops {
        let declared = op.declared();
        let mut need = |status: u16, why: &str| {
            if !declared.contains(&status) {
                missing.push(format!("{} {}: {status} ({why})", op.method, op.path));
            }
        };
        if op.needs_token() {
            need(401, "needs a token");
            if !OPEN_TO_EVERY_ROLE.contains(&(op.method, op.path)) {
                need(403, "some role is refused");
            }
        }
        if !op.params("path").is_empty() {
            need(404, "path id");
        }
        if op.has_body() {
            for s in [400, 413, 415, 422] {
                need(s, "request body");
            }
        }
        if !op.params("query").is_empty() {
            need(400, "query string");
            need(422, "query values");
        }
        if !NO_DATABASE.contains(&(op.method, op.path)) {
            need(503, "database down");
        }
        for (status, response) in op.spec["responses"].as_object().unwrap() {
            if status.starts_with('4') || status.starts_with('5') {
                let content = response["content"].as_object().unwrap();
                let types: Vec<_> = content.keys().collect();
                if types != [PROBLEM_JSON]
                    || content[PROBLEM_JSON]["schema"]["$ref"] != "#/components/schemas/Problem"
                {
                    missing.push(format!(
                        "{} {}: {status} is not a problem+json Problem: {types:?}",
                        op.method, op.path
                    ));
                }
            }
        }
        for p in op.params("path") {
            assert_eq!(p["required"], true, "{} {}: {p}", op.method, op.path);
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));

    // Operation ids are unique, as the spec requires (several modules have a `list`).
    let mut ids = BTreeSet::new();
    for op in &ops {
        let id = op.spec["operationId"].as_str().unwrap();
        assert!(ids.insert(id), "operationId {id} is used twice");
    }

    // Throttled operations say so, with the header telling when to come back.
    for path in ["/api/v1/auth/login", "/api/v1/public/reports"] {
        let too_many = &doc["paths"][path]["post"]["responses"]["429"];
        assert!(
            too_many["headers"]["Retry-After"].is_object(),
            "{path}: {too_many}"
        );
    }
    // Required query parameters are marked required (the lookup value of a correlation).
    let value = doc["paths"]["/api/v1/observables"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "value")
        .unwrap();
    assert_eq!(value["required"], true, "{value}");
}

/// Sends the mistakes a client (or a fuzzer) makes most to every operation and checks that each
/// answer is a 4xx problem the operation declares.
#[actix_web::test]
async fn typical_mistakes_get_declared_problem_answers_on_every_operation() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let doc = document(&app).await;
    let mut wrong = Vec::new();
    let mut checked = 0;
    for op in operations(&doc) {
        let declared = op.declared();
        let mut probes: Vec<(&str, reqwest::RequestBuilder)> = Vec::new();
        let url = |id: &str| app.url(&op.url(id));
        if op.needs_token() {
            probes.push(("no token", app.client.request(op.method(), url("1"))));
            probes.push((
                "forged token",
                app.client
                    .request(op.method(), url("1"))
                    .bearer_auth("eyJhbGciOiJIUzI1NiJ9.e30.x"),
            ));
        }
        let as_admin = || {
            app.client
                .request(op.method(), url("1"))
                .bearer_auth(&admin.token)
        };
        if !op.params("path").is_empty() {
            probes.push((
                "unknown id",
                app.client
                    .request(op.method(), url("987654321"))
                    .bearer_auth(&admin.token),
            ));
            probes.push((
                "id that is not a number",
                app.client
                    .request(op.method(), url("x%20y"))
                    .bearer_auth(&admin.token),
            ));
        }
        if op.has_body() {
            probes.push((
                "body of an unsupported type",
                as_admin()
                    .header("content-type", "application/x-unknown")
                    .body("x"),
            ));
            probes.push((
                "broken JSON",
                as_admin()
                    .header("content-type", "application/json")
                    .body("{\"a\":"),
            ));
            probes.push((
                "JSON of the wrong shape",
                as_admin()
                    .header("content-type", "application/json")
                    .body("[1]"),
            ));
        }
        if !op.params("query").is_empty() {
            probes.push((
                "unparseable limit",
                app.client
                    .request(op.method(), format!("{}?limit=many", url("1")))
                    .bearer_auth(&admin.token),
            ));
        }
        for (what, req) in probes {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let content_type = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            checked += 1;
            if !(400..500).contains(&status)
                || !declared.contains(&status)
                || content_type != PROBLEM_JSON
            {
                wrong.push(format!(
                    "{} {} with {what}: {status} {content_type}, declared {declared:?}",
                    op.method, op.path
                ));
            }
        }
    }
    assert!(checked > 150, "only {checked} probes");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
