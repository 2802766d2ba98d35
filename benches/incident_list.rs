//! Listing incidents over HTTP on PostgreSQL with 100 000 incidents: first pages, filters,
//! visibility scopes, text search, and deep keyset pages.
//!
//! cargo bench --bench incident_list            (optimised build)
//! cargo bench --profile dev --bench incident_list   (reuses the test build)
//!
//! QALXAN_BENCH_DATABASE_URL picks the server (default postgres://postgres@127.0.0.1:5432/test);
//! a throw-away database is created and dropped. QALXAN_BENCH_INCIDENTS changes the count.

use std::{collections::HashMap, time::Instant};

use diesel::{connection::SimpleConnection, Connection, PgConnection};
use qalxan::{config::Settings, startup::Application};
use serde_json::{json, Value};

const SAMPLES: usize = 40;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Bench {
    client: reqwest::Client,
    base: String,
    rows: Vec<String>,
}

impl Bench {
    async fn token(&self, email: &str) -> String {
        let res: Value = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "email": email, "password": "correct horse battery staple" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        res["access_token"]
            .as_str()
            .expect("login works")
            .to_owned()
    }

    async fn measure(&mut self, name: &str, token: &str, path: &str) {
        let url = format!("{}{}", self.base, path);
        let mut times = Vec::with_capacity(SAMPLES);
        let mut count = 0;
        for i in 0..SAMPLES + 3 {
            let started = Instant::now();
            let res = self
                .client
                .get(&url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "{path}: {}", res.status());
            let body: Value = res.json().await.unwrap();
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            count = body["items"].as_array().map_or(0, Vec::len);
            if i >= 3 {
                times.push(elapsed); // the first calls warm caches and the pool
            }
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let row = format!(
            "| {name} | {count} | {:.1} | {:.1} | {:.1} |",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times.last().unwrap()
        );
        println!("{row}");
        self.rows.push(row);
    }
}

fn seed(url: &str, incidents: i64) {
    let mut conn = PgConnection::establish(url).unwrap();
    // Realistic spread: 40 organisations, every status and severity, 5 % shared with the agency,
    // a few words per title from a small vocabulary so that searches match some and not all.
    conn.batch_execute(&format!(
        r#"
        INSERT INTO organisations (name, kind, active, created_at, updated_at)
            SELECT 'Org ' || g, 'government', TRUE, now(), now() FROM generate_series(1, 40) g;
        INSERT INTO incidents (reference, title, description, search_key, category, severity, tlp, tlp_rank, pap,
                               status, organisation_id, reported_at, ack_due_at, reopen_count, created_at, updated_at,
                               assignee_id)
        SELECT 'CERT-2026-' || lpad(g::text, 6, '0'),
               t.title, t.description,
               lower('CERT-2026-' || lpad(g::text, 6, '0') || ' ' || t.title || ' ' || t.description),
               (ARRAY['phishing','ddos','system-compromise','scanner','infected-system'])[1 + g % 5],
               (ARRAY['low','medium','high','critical'])[1 + g % 4],
               (ARRAY['TLP:CLEAR','TLP:GREEN','TLP:AMBER','TLP:AMBER+STRICT'])[1 + g % 4], g % 4, 'PAP:AMBER',
               (ARRAY['new','triage','containment','eradication','recovery','closed','rejected'])[1 + g % 7],
               (SELECT min(id) FROM organisations WHERE kind = 'government') + g % 40,
               now() - (g || ' minutes')::interval, now(), 0, now(), now(),
               CASE WHEN g % 3 = 0 THEN 1 ELSE NULL END
        FROM generate_series(1, {incidents}) g,
             LATERAL (SELECT
                 (ARRAY['Phishing','Ransomware','DDoS','Defacement','Scan'])[1 + g % 5] || ' at ' ||
                 (ARRAY['ministry','bank','port','hospital','university','refinery','airport'])[1 + g % 7] || ' ' ||
                 md5(g::text) AS title,
                 repeat('Observed activity from ' || md5((g * 7)::text) || '. ', 8) AS description) t;
        INSERT INTO incident_shares (incident_id, organisation_id, max_tlp, max_tlp_rank, created_at)
            SELECT id, (SELECT id FROM organisations WHERE kind = 'law_enforcement' LIMIT 1), 'TLP:AMBER', 2, now()
            FROM incidents WHERE id % 20 = 0;
        ANALYZE;
        "#
    ))
    .unwrap();
}

fn main() {
    let base = std::env::var("QALXAN_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let incidents: i64 = std::env::var("QALXAN_BENCH_INCIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let name = format!("qalxan_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(&base).expect("PostgreSQL is reachable");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let mut db_url = url::Url::parse(&base).unwrap();
    db_url.set_path(&format!("/{name}"));

    let data = tempfile::tempdir().unwrap();
    let env: HashMap<String, String> = [
        ("QALXAN_DATA_DIR", data.path().display().to_string()),
        ("QALXAN_BIND", "127.0.0.1:0".into()),
        ("QALXAN_DATABASE_URL", db_url.to_string()),
        ("QALXAN_BOOTSTRAP_ADMIN_EMAIL", "admin@bench.test".into()),
        (
            "QALXAN_BOOTSTRAP_ADMIN_PASSWORD",
            "correct horse battery staple".into(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let settings = Settings::load(None, &env).unwrap();

    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await.unwrap();
        let base_url = format!("http://127.0.0.1:{}", app.port());
        let db = app.state().db.clone();
        actix_web::rt::spawn(app.run_until_stopped());
        let started = Instant::now();
        let (reporter_org, liaison_org) = db
            .run(|conn| {
                use qalxan::services::{audit::By, organisations, users};
                let make_org = |conn: &mut _, kind: &str| {
                    organisations::create_as(conn, By::system(), organisations::OrganisationInput {
                        name: format!("Bench {kind}"), kind: kind.into(), sector: None, contact_email: None, nis2_entity: None,
                    })
                };
                let police = make_org(conn, "law_enforcement")?;
                let ministry = make_org(conn, "government")?;
                for (email, role, org) in [("reporter@bench.test", "reporter", ministry.id), ("liaison@bench.test", "liaison", police.id)] {
                    users::create_as(conn, By::system(), users::UserInput {
                        email: email.into(), display_name: role.into(), password: "correct horse battery staple".into(),
                        organisation_id: org, role: role.into(), locale: None,
                    })?;
                }
                Ok((ministry.id, police.id))
            })
            .await
            .unwrap();
        seed(db_url.as_str(), incidents);
        println!("seeded {incidents} incidents in {:.1} s (reporter org {reporter_org}, agency {liaison_org})\n", started.elapsed().as_secs_f64());

        let mut bench = Bench { client: reqwest::Client::new(), base: base_url, rows: Vec::new() };
        let staff = bench.token("admin@bench.test").await;
        let reporter = bench.token("reporter@bench.test").await;
        let liaison = bench.token("liaison@bench.test").await;
        let near_end = qalxan::db::models::cursor::encode(120);
        let middle = qalxan::db::models::cursor::encode(incidents / 2);
        let some_org = reporter_org + 5;
        println!("| query (limit 50) | items | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|");
        bench.measure("first page, no filter", &staff, "/api/v1/incidents").await;
        bench.measure("status=new", &staff, "/api/v1/incidents?status=new").await;
        bench.measure("status=triage&severity=critical", &staff, "/api/v1/incidents?status=triage&severity=critical").await;
        bench.measure("category=phishing&assignee_id=none", &staff, "/api/v1/incidents?category=phishing&assignee_id=none").await;
        bench.measure("organisation_id=…", &staff, &format!("/api/v1/incidents?organisation_id={some_org}")).await;
        bench.measure("deep page (cursor at id 120)", &staff, &format!("/api/v1/incidents?cursor={near_end}")).await;
        bench.measure("middle page + status=closed", &staff, &format!("/api/v1/incidents?status=closed&cursor={middle}")).await;
        bench.measure("limit=200", &staff, "/api/v1/incidents?limit=200").await;
        bench.measure("q=ransomware (common word)", &staff, "/api/v1/incidents?q=ransomware").await;
        bench.measure("q=<md5 fragment> (rare)", &staff, "/api/v1/incidents?q=c4ca4238a0b9").await;
        bench.measure("q=hospital&status=new, deep", &staff, &format!("/api/v1/incidents?q=hospital&status=new&cursor={middle}")).await;
        bench.measure("reporter scope (own organisation)", &reporter, "/api/v1/incidents").await;
        bench.measure("liaison scope (5 % shared)", &liaison, "/api/v1/incidents").await;
        bench.measure("liaison scope, deep", &liaison, &format!("/api/v1/incidents?cursor={middle}")).await;
        let _ = bench.rows;
    });
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
}
