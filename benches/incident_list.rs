//! Listing incidents over HTTP on PostgreSQL with 1 000 000 incidents: first pages, filters,
//! visibility scopes, text search, and deep keyset pages.
//!
//! cargo bench --bench incident_list                  (release build: the figures)
//! cargo bench --profile dev --bench incident_list    (reuses the test build)
//!
//! QALXAN_BENCH_DATABASE_URL picks the server (default postgres://postgres@127.0.0.1:5432/test);
//! a throw-away database is created and dropped. QALXAN_BENCH_INCIDENTS changes the count
//! (default 1 000 000), QALXAN_BENCH_SAMPLES the requests timed per query (default 100).

mod support;

use std::time::Instant;

use serde_json::Value;
use support::{Bench, Shape, ThrowAway};

fn items(body: &[u8]) -> String {
    let body: Value = serde_json::from_slice(body).unwrap();
    body["items"].as_array().map_or(0, Vec::len).to_string()
}

fn main() {
    let incidents = support::incidents();
    let samples = std::env::var("QALXAN_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let db = ThrowAway::create();
    let db_url = db.url.to_string();
    support::with_server(&db, |base_url, handle| async move {
        let started = Instant::now();
        // The agency exists before the seed, which shares 5 % of the incidents with it.
        let liaison_org = handle
            .run(|conn| {
                use qalxan::services::{audit::By, organisations, users};
                let police = organisations::create_as(
                    conn,
                    By::system(),
                    organisations::OrganisationInput {
                        name: "Bench police".into(),
                        kind: "law_enforcement".into(),
                        sector: None,
                        contact_email: None,
                        nis2_entity: None,
                    },
                )?;
                users::create_as(
                    conn,
                    By::system(),
                    users::UserInput {
                        email: "liaison@bench.test".into(),
                        display_name: "liaison".into(),
                        password: support::PASSWORD.into(),
                        organisation_id: police.id,
                        role: "liaison".into(),
                        locale: None,
                    },
                )?;
                Ok(police.id)
            })
            .await
            .unwrap();
        support::seed(&db_url, incidents, Shape::Lists);
        let reporter_org = handle
            .run(|conn| {
                use qalxan::services::{audit::By, users};
                let org = qalxan::db::models::organisation::find_by_name(conn, "Operator 7")?
                    .expect("seeded");
                users::create_as(
                    conn,
                    By::system(),
                    users::UserInput {
                        email: "reporter@bench.test".into(),
                        display_name: "reporter".into(),
                        password: support::PASSWORD.into(),
                        organisation_id: org.id,
                        role: "reporter".into(),
                        locale: None,
                    },
                )?;
                Ok(org.id)
            })
            .await
            .unwrap();
        println!(
            "seeded {incidents} incidents in {:.1} s (reporter org {reporter_org}, agency {liaison_org}); load average {}\n",
            started.elapsed().as_secs_f64(),
            support::load_average()
        );

        let bench = Bench {
            client: reqwest::Client::new(),
            base: base_url,
            samples,
        };
        let staff = bench.token("admin@bench.test").await;
        let reporter = bench.token("reporter@bench.test").await;
        let liaison = bench.token("liaison@bench.test").await;
        let near_end = qalxan::db::models::cursor::encode(120);
        let middle = qalxan::db::models::cursor::encode(incidents / 2);
        // Another of the 40 seeded organisations.
        let some_org = reporter_org + 5;
        let get = |path: String, token: &str| {
            let (client, url, token) = (
                bench.client.clone(),
                format!("{}{path}", bench.base),
                token.to_owned(),
            );
            move || client.get(&url).bearer_auth(&token)
        };
        println!("| query (limit 50) | items | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|");
        let queries: Vec<(&str, &str, String)> = vec![
            ("first page, no filter", &staff, "/api/v1/incidents".into()),
            ("status=new", &staff, "/api/v1/incidents?status=new".into()),
            (
                "status=triage&severity=critical",
                &staff,
                "/api/v1/incidents?status=triage&severity=critical".into(),
            ),
            (
                "category=phishing&assignee_id=none",
                &staff,
                "/api/v1/incidents?category=phishing&assignee_id=none".into(),
            ),
            (
                "organisation_id=…",
                &staff,
                format!("/api/v1/incidents?organisation_id={some_org}"),
            ),
            (
                "deep page (cursor at id 120)",
                &staff,
                format!("/api/v1/incidents?cursor={near_end}"),
            ),
            (
                "middle page + status=closed",
                &staff,
                format!("/api/v1/incidents?status=closed&cursor={middle}"),
            ),
            ("limit=200", &staff, "/api/v1/incidents?limit=200".into()),
            (
                "q=ransomware (common word)",
                &staff,
                "/api/v1/incidents?q=ransomware".into(),
            ),
            (
                "q=<md5 fragment> (rare)",
                &staff,
                "/api/v1/incidents?q=c4ca4238a0b9".into(),
            ),
            (
                "q=hospital&status=new, deep",
                &staff,
                format!("/api/v1/incidents?q=hospital&status=new&cursor={middle}"),
            ),
            (
                "reporter scope (own organisation)",
                &reporter,
                "/api/v1/incidents".into(),
            ),
            (
                "liaison scope (5 % shared)",
                &liaison,
                "/api/v1/incidents".into(),
            ),
            (
                "liaison scope, deep",
                &liaison,
                format!("/api/v1/incidents?cursor={middle}"),
            ),
        ];
        for (name, token, path) in queries {
            bench.measure(name, get(path, token), items).await;
        }
        println!("\nload average after: {}", support::load_average());
    });
}
