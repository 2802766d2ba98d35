//! What the PostgreSQL benchmarks share: a throw-away database, the real server on it, seeding
//! many incidents in one statement (`generate_series`, no round trip per row), and timing
//! requests.
//!
//! QALXAN_BENCH_DATABASE_URL picks the server (default postgres://postgres@127.0.0.1:5432/test);
//! QALXAN_BENCH_INCIDENTS the number of incidents (default 1 000 000).

#![allow(dead_code)] // each bench uses part of it

use std::{collections::HashMap, time::Instant};

use diesel::{connection::SimpleConnection, Connection, PgConnection};
use qalxan::{config::Settings, startup::Application};
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery staple";

/// The number of incidents to seed.
pub fn incidents() -> i64 {
    std::env::var("QALXAN_BENCH_INCIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// A database created for one run and dropped at its end.
pub struct ThrowAway {
    admin: PgConnection,
    name: String,
    pub url: url::Url,
}

impl ThrowAway {
    pub fn create() -> Self {
        let base = std::env::var("QALXAN_BENCH_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("qalxan_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&base).expect("PostgreSQL is reachable");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let mut url = url::Url::parse(&base).unwrap();
        url.set_path(&format!("/{name}"));
        Self { admin, name, url }
    }

    /// The server's settings on this database, with `admin@bench.test` as its first admin.
    pub fn settings(&self, data: &std::path::Path) -> Settings {
        let env: HashMap<String, String> = [
            ("QALXAN_DATA_DIR", data.display().to_string()),
            ("QALXAN_BIND", "127.0.0.1:0".into()),
            ("QALXAN_DATABASE_URL", self.url.to_string()),
            ("QALXAN_BOOTSTRAP_ADMIN_EMAIL", "admin@bench.test".into()),
            ("QALXAN_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD.into()),
            // The clock job would read the million incidents every 30 s while we measure.
            ("QALXAN_CLOCK_POLL_SECONDS", "0".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Settings::load(None, &env).unwrap()
    }
}

impl Drop for ThrowAway {
    fn drop(&mut self) {
        let _ = self.admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// How the seeded incidents are spread over time and statuses.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The list benchmark: one a minute back from now, every status equally often at every
    /// age (so status filters find matches on every page), a third assigned, 5 % shared with
    /// a law-enforcement agency.
    Lists,
    /// The indicators benchmark: reported evenly from 2022-01-01 until now; older than 60 days
    /// all finished (80 % closed, 10 % rejected, 10 % merged), the last 60 days every status;
    /// acknowledged within 10 h, a third contained within 2 days, closed within a month; SLA
    /// due times of the incident's severity.
    Indicators,
}

/// Seeds `n` incidents over 40 organisations in 12 sectors (`Operator 1` … `Operator 40`), in
/// one statement: titles of a few words from a small vocabulary plus an md5 (so searches match
/// some and not all), descriptions of ~350 characters, every category, severity and TLP. Ends
/// with `VACUUM ANALYZE`, as autovacuum would leave a table that large: statistics for the
/// planner and the visibility map for index-only scans.
pub fn seed(url: &str, n: i64, shape: Shape) {
    let mut conn = PgConnection::establish(url).unwrap();
    let (reported, status, stamps) = match shape {
        Shape::Lists => (
            "now()::timestamp - (g || ' minutes')::interval",
            "(ARRAY['new','triage','containment','eradication','recovery','closed','rejected'])[1 + g % 7]",
            "NULL::timestamp, NULL::timestamp, NULL::timestamp",
        ),
        Shape::Indicators => (
            "timestamp '2022-01-01' + (g::float8 / {n}) * (now()::timestamp - timestamp '2022-01-01')",
            "CASE WHEN r.at > now() - interval '60 days' \
                  THEN (ARRAY['new','triage','containment','eradication','recovery','closed'])[1 + g % 6] \
                  ELSE (ARRAY['closed','closed','closed','closed','closed','closed','closed','closed','rejected','merged'])[1 + g % 10] END",
            "CASE WHEN s.status = 'new' THEN NULL ELSE r.at + ((g % 600) || ' minutes')::interval END, \
             CASE WHEN g % 3 = 0 AND s.status NOT IN ('new', 'triage') THEN r.at + ((g % 48) || ' hours')::interval END, \
             CASE WHEN s.status IN ('closed', 'rejected', 'merged') THEN r.at + ((g % 30) || ' days')::interval + ((g % 24) || ' hours')::interval END",
        ),
    };
    let reported = reported.replace("{n}", &n.to_string());
    conn.batch_execute(&format!(
        r#"
        SET maintenance_work_mem = '512MB';
        INSERT INTO organisations (name, kind, sector, active, created_at, updated_at)
            SELECT 'Operator ' || g, 'cii_operator',
                   (ARRAY['energy','transport','banking','health','drinking-water','digital-infrastructure',
                          'public-administration','space','postal-and-courier','manufacturing',
                          'digital-providers','research'])[1 + g % 12],
                   TRUE, now(), now()
            FROM generate_series(1, 40) g;
        INSERT INTO incidents (reference, title, description, search_key, category, severity, tlp, tlp_rank, pap,
                               status, organisation_id, reported_at, acknowledged_at, contained_at, closed_at,
                               ack_due_at, contain_due_at, resolve_due_at, reopen_count, created_at, updated_at,
                               assignee_id)
        SELECT 'CERT-B-' || lpad(g::text, 7, '0'), t.title, t.description,
               lower('CERT-B-' || lpad(g::text, 7, '0') || ' ' || t.title || ' ' || t.description),
               (ARRAY['phishing','ddos','system-compromise','scanner','infected-system','spam','brute-force'])[1 + g % 7],
               v.severity,
               (ARRAY['TLP:CLEAR','TLP:GREEN','TLP:AMBER','TLP:AMBER+STRICT'])[1 + g % 4], g % 4, 'PAP:AMBER',
               s.status,
               (SELECT min(id) FROM organisations WHERE name LIKE 'Operator %') + g % 40,
               r.at, {stamps},
               r.at + p.ack_minutes * interval '1 minute',
               r.at + p.contain_minutes * interval '1 minute',
               r.at + p.resolve_minutes * interval '1 minute',
               0, r.at, r.at,
               CASE WHEN g % 3 = 0 THEN 1 ELSE NULL END
        FROM generate_series(1, {n}) g,
             LATERAL (SELECT {reported} AS at) r,
             LATERAL (SELECT {status} AS status) s,
             LATERAL (SELECT (ARRAY['low','medium','high','critical'])[1 + g % 4] AS severity) v,
             LATERAL (SELECT ack_minutes, contain_minutes, resolve_minutes FROM sla_policies
                      WHERE sla_policies.severity = v.severity) p,
             LATERAL (SELECT
                 (ARRAY['Phishing','Ransomware','DDoS','Defacement','Scan'])[1 + g % 5] || ' at ' ||
                 (ARRAY['ministry','bank','port','hospital','university','refinery','airport'])[1 + g % 7] || ' ' ||
                 md5(g::text) AS title,
                 repeat('Observed activity from ' || md5((g * 7)::text) || '. ', 8) AS description) t;
        INSERT INTO incident_shares (incident_id, organisation_id, max_tlp, max_tlp_rank, created_at)
            SELECT id, (SELECT id FROM organisations WHERE kind = 'law_enforcement' LIMIT 1), 'TLP:AMBER', 2, now()
            FROM incidents WHERE id % 20 = 0 AND EXISTS (SELECT 1 FROM organisations WHERE kind = 'law_enforcement');
        "#
    ))
    .unwrap();
    // Alone: VACUUM cannot run in the implicit transaction of a multi-statement query.
    conn.batch_execute("VACUUM ANALYZE").unwrap();
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Load average (1, 5, 15 minutes) of the machine, for the record.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// Requests to the running server and their timings.
pub struct Bench {
    pub client: reqwest::Client,
    pub base: String,
    pub samples: usize,
}

impl Bench {
    pub async fn token(&self, email: &str) -> String {
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
    pub async fn web_client(&self, email: &str) -> reqwest::Client {
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

    /// Times `samples` requests after 3 warm-up ones (caches, the pool) and prints a table row:
    /// `| name | what | p50 | p95 | p99 | max |`, `what` from the last body.
    pub async fn measure(
        &self,
        name: &str,
        request: impl Fn() -> reqwest::RequestBuilder,
        what: impl Fn(&[u8]) -> String,
    ) {
        let mut times = Vec::with_capacity(self.samples);
        let mut shown = String::new();
        for i in 0..self.samples + 3 {
            let started = Instant::now();
            let res = request().send().await.unwrap();
            assert!(res.status().is_success(), "{name}: {}", res.status());
            let body = res.bytes().await.unwrap();
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            shown = what(&body);
            if i >= 3 {
                times.push(elapsed);
            }
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "| {name} | {shown} | {:.1} | {:.1} | {:.1} | {:.1} |",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            percentile(&times, 0.99),
            times.last().unwrap()
        );
    }
}

/// Starts the server on `db` and runs `body` with its address and database handle.
pub fn with_server<F, Fut>(db: &ThrowAway, body: F)
where
    F: FnOnce(String, qalxan::db::Db) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let data = tempfile::tempdir().unwrap();
    let settings = db.settings(data.path());
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await.unwrap();
        let base_url = format!("http://127.0.0.1:{}", app.port());
        let handle = app.state().db.clone();
        actix_web::rt::spawn(app.run_until_stopped());
        body(base_url, handle).await;
    });
}
