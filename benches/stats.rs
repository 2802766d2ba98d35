//! Indicators and the dashboard on PostgreSQL with 1 000 000 incidents: the KPI query for one
//! year grouped by month and by sector (JSON and CSV), a reporter's year, the dashboard (API and
//! the HTML page with its charts) and the national statistics of a year.
//!
//! cargo bench --profile dev --bench stats   (reuses the test build)
//!
//! QALXAN_BENCH_DATABASE_URL picks the server (default postgres://postgres@127.0.0.1:5432/test);
//! a throw-away database is created and dropped. QALXAN_BENCH_INCIDENTS changes the count.

use std::{collections::HashMap, time::Instant};

use diesel::{connection::SimpleConnection, Connection, PgConnection};
use qalxan::{config::Settings, startup::Application};
use serde_json::{json, Value};

const SAMPLES: usize = 20;
const PASSWORD: &str = "correct horse battery staple";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// 1 000 000 incidents reported evenly from 2022-01-01 until now over 40 organisations in 12
/// sectors. Everything older than 60 days is finished (80 % closed, 10 % rejected, 10 % merged);
/// the last 60 days hold every status. Acknowledged within 10 h, a third contained within 2 days,
/// closed within a month.
fn seed(url: &str, incidents: i64) {
    let mut conn = PgConnection::establish(url).unwrap();
    conn.batch_execute(&format!(
        r#"
        INSERT INTO organisations (name, kind, sector, active, created_at, updated_at)
            SELECT 'Operator ' || g, 'cii_operator',
                   (ARRAY['energy','transport','banking','health','drinking-water','digital-infrastructure',
                          'public-administration','space','postal-and-courier','manufacturing',
                          'digital-providers','research'])[1 + g % 12],
                   TRUE, now(), now()
            FROM generate_series(1, 40) g;
        INSERT INTO incidents (reference, title, description, search_key, category, severity, tlp, tlp_rank, pap,
                               status, organisation_id, reported_at, acknowledged_at, contained_at, closed_at,
                               ack_due_at, reopen_count, created_at, updated_at)
        SELECT 'CERT-B-' || g, 'Incident ' || g, 'Seeded for the indicators benchmark.', 'cert-b-' || g,
               (ARRAY['phishing','ddos','system-compromise','scanner','infected-system','spam','brute-force'])[1 + g % 7],
               (ARRAY['low','medium','high','critical'])[1 + g % 4],
               'TLP:AMBER', 2, 'PAP:AMBER',
               s.status,
               (SELECT min(id) FROM organisations WHERE kind = 'cii_operator') + g % 40,
               r.at,
               CASE WHEN s.status = 'new' THEN NULL ELSE r.at + ((g % 600) || ' minutes')::interval END,
               CASE WHEN g % 3 = 0 AND s.status NOT IN ('new', 'triage') THEN r.at + ((g % 48) || ' hours')::interval END,
               CASE WHEN s.status IN ('closed', 'rejected', 'merged') THEN r.at + ((g % 30) || ' days')::interval + ((g % 24) || ' hours')::interval END,
               r.at + interval '24 hours', 0, r.at, r.at
        FROM generate_series(1, {incidents}) g,
             LATERAL (SELECT timestamp '2022-01-01' + (g::float8 / {incidents}) * (now()::timestamp - timestamp '2022-01-01') AS at) r,
             LATERAL (SELECT CASE
                 WHEN r.at > now() - interval '60 days' THEN (ARRAY['new','triage','containment','eradication','recovery','closed'])[1 + g % 6]
                 ELSE (ARRAY['closed','closed','closed','closed','closed','closed','closed','closed','rejected','merged'])[1 + g % 10]
             END AS status) s;
        ANALYZE;
        "#
    ))
    .unwrap();
}

struct Bench {
    client: reqwest::Client,
    base: String,
}

impl Bench {
    async fn token(&self, email: &str) -> String {
        let res: Value = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "email": email, "password": PASSWORD }))
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

    /// A browser-like client signed in through the sign-in form.
    async fn web_client(&self, email: &str) -> reqwest::Client {
        let web = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let form = web
            .get(format!("{}/login", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = form
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the sign-in form has a token")
            .to_owned();
        let res = web
            .post(format!("{}/login", self.base))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 303, "signed in");
        web
    }

    async fn measure(&self, name: &str, request: impl Fn() -> reqwest::RequestBuilder) {
        let mut times = Vec::with_capacity(SAMPLES);
        let mut size = 0;
        for i in 0..SAMPLES + 3 {
            let started = Instant::now();
            let res = request().send().await.unwrap();
            assert!(res.status().is_success(), "{name}: {}", res.status());
            size = res.bytes().await.unwrap().len();
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            if i >= 3 {
                times.push(elapsed); // the first calls warm caches and the pool
            }
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "| {name} | {:.0} | {:.1} | {:.1} | {:.1} |",
            size as f64 / 1024.0,
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times.last().unwrap()
        );
    }
}

fn main() {
    let base = std::env::var("QALXAN_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let incidents: i64 = std::env::var("QALXAN_BENCH_INCIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
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
        ("QALXAN_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD.into()),
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
        seed(db_url.as_str(), incidents);
        let reporter_org = db
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
                        password: PASSWORD.into(),
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
            "seeded {incidents} incidents in {:.1} s (reporter organisation {reporter_org})\n",
            started.elapsed().as_secs_f64()
        );

        let bench = Bench {
            client: reqwest::Client::new(),
            base: base_url.clone(),
        };
        let staff = bench.token("admin@bench.test").await;
        let reporter = bench.token("reporter@bench.test").await;
        let web = bench.web_client("admin@bench.test").await;
        let api = |path: &str, token: &str| {
            let (client, url, token) = (
                bench.client.clone(),
                format!("{base_url}{path}"),
                token.to_owned(),
            );
            move || client.get(&url).bearer_auth(&token)
        };
        let year = "from=2025-01-01&to=2025-12-31";
        println!("| request | KiB | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|");
        bench
            .measure(
                "KPIs, 2025 by month",
                api(&format!("/api/v1/stats/kpis?{year}&group_by=month"), &staff),
            )
            .await;
        bench
            .measure(
                "KPIs, 2025 by sector",
                api(
                    &format!("/api/v1/stats/kpis?{year}&group_by=sector"),
                    &staff,
                ),
            )
            .await;
        bench
            .measure(
                "KPIs, 2025 by week, CSV",
                api(
                    &format!("/api/v1/stats/kpis?{year}&group_by=week&format=csv"),
                    &staff,
                ),
            )
            .await;
        bench
            .measure(
                "KPIs, 2025 by month, reporter (one organisation)",
                api(
                    &format!("/api/v1/stats/kpis?{year}&group_by=month"),
                    &reporter,
                ),
            )
            .await;
        bench
            .measure("dashboard (API)", api("/api/v1/stats/dashboard", &staff))
            .await;
        let page = format!("{base_url}/dashboard");
        bench
            .measure("dashboard page (HTML, 4 charts)", || web.get(&page))
            .await;
        let stats_page = format!("{base_url}/stats?{year}&group_by=month");
        bench
            .measure("/stats page, 2025 (3 groupings, 3 charts)", || {
                web.get(&stats_page)
            })
            .await;
        bench
            .measure(
                "national statistics 2025",
                api("/api/v1/stats/national?year=2025", &staff),
            )
            .await;
    });
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
}
