//! Indicators and the dashboard on PostgreSQL with 1 000 000 incidents: the KPI query for one
//! year grouped by month and by sector (JSON and CSV), a reporter's year, the dashboard (API and
//! the HTML page with its charts), the /stats page and the national statistics of a year.
//!
//! cargo bench --bench stats                  (release build: the figures)
//! cargo bench --profile dev --bench stats    (reuses the test build)
//!
//! QALXAN_BENCH_DATABASE_URL picks the server (default postgres://postgres@127.0.0.1:5432/test);
//! a throw-away database is created and dropped. QALXAN_BENCH_INCIDENTS changes the count
//! (default 1 000 000), QALXAN_BENCH_SAMPLES the requests timed per line (default 20).

mod support;

use std::time::Instant;

use support::{Bench, Shape, ThrowAway};

fn kib(body: &[u8]) -> String {
    format!("{:.0}", body.len() as f64 / 1024.0)
}

fn main() {
    let incidents = support::incidents();
    let samples = std::env::var("QALXAN_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let db = ThrowAway::create();
    let db_url = db.url.to_string();
    support::with_server(&db, |base_url, handle| async move {
        let started = Instant::now();
        support::seed(&db_url, incidents, Shape::Indicators);
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
            "seeded {incidents} incidents in {:.1} s (reporter organisation {reporter_org}); load average {}\n",
            started.elapsed().as_secs_f64(),
            support::load_average()
        );

        let bench = Bench {
            client: reqwest::Client::new(),
            base: base_url.clone(),
            samples,
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
        let page = |path: &str| {
            let (web, url) = (web.clone(), format!("{base_url}{path}"));
            move || web.get(&url)
        };
        let year = "from=2025-01-01&to=2025-12-31";
        println!(
            "| request | KiB | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|"
        );
        let kpis = |q: &str| format!("/api/v1/stats/kpis?{year}&{q}");
        bench
            .measure(
                "KPIs, 2025 by month",
                api(&kpis("group_by=month"), &staff),
                kib,
            )
            .await;
        bench
            .measure(
                "KPIs, 2025 by sector",
                api(&kpis("group_by=sector"), &staff),
                kib,
            )
            .await;
        bench
            .measure(
                "KPIs, 2025 by week, CSV",
                api(&kpis("group_by=week&format=csv"), &staff),
                kib,
            )
            .await;
        bench
            .measure(
                "KPIs, 2025 by month, reporter (one organisation)",
                api(&kpis("group_by=month"), &reporter),
                kib,
            )
            .await;
        bench
            .measure(
                "dashboard (API)",
                api("/api/v1/stats/dashboard", &staff),
                kib,
            )
            .await;
        bench
            .measure("dashboard page (HTML, 4 charts)", page("/dashboard"), kib)
            .await;
        bench
            .measure(
                "/stats page, 2025 (3 groupings, 3 charts)",
                page(&format!("/stats?{year}&group_by=month")),
                kib,
            )
            .await;
        bench
            .measure(
                "national statistics 2025",
                api("/api/v1/stats/national?year=2025", &staff),
                kib,
            )
            .await;
        println!("\nload average after: {}", support::load_average());
    });
}
