//! PostgreSQL stopped and started under load: while it is down every request answers 503
//! problem+json quickly (no 500, no hang) and `/readyz` is 503; once it is back, requests
//! succeed again within seconds and `/readyz` is 200.

use std::{
    process::Command,
    sync::{atomic::Ordering, Arc},
    time::{Duration, Instant},
};

use reqwest::StatusCode;

use crate::{
    enabled,
    load::{self, Outcome, Shared, CLIENT_TIMEOUT},
    server::Server,
};

const CLIENTS: usize = 4;
/// How long PostgreSQL stays down.
const DOWN_FOR: Duration = Duration::from_secs(8);
/// After PostgreSQL is back, the API and `/readyz` must recover within this.
const RECOVER_WITHIN: Duration = Duration::from_secs(15);

/// The cluster the test database lives on: `pg_ctlcluster <version> <name>`.
/// `QALXAN_FAULT_PG_CLUSTER` picks another cluster than `main` (e.g. a private one on another
/// port, so other work on the machine's `main` cluster is not disturbed).
struct Cluster {
    version: String,
    name: String,
    port: u16,
}

impl Cluster {
    fn of_test_database(url: &str) -> Self {
        let version = std::fs::read_dir("/etc/postgresql")
            .expect("a Debian PostgreSQL install (/etc/postgresql)")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .max()
            .expect("a PostgreSQL version under /etc/postgresql");
        let name = std::env::var("QALXAN_FAULT_PG_CLUSTER").unwrap_or_else(|_| "main".into());
        let port = url::Url::parse(url)
            .expect("QALXAN_TEST_DATABASE_URL is a URL")
            .port()
            .unwrap_or(5432);
        Self {
            version,
            name,
            port,
        }
    }

    fn ctl(&self, action: &str) -> bool {
        Command::new("pg_ctlcluster")
            .args([
                "--skip-systemctl-redirect",
                &self.version,
                &self.name,
                action,
            ])
            .status()
            .is_ok_and(|s| s.success())
    }

    fn ready(&self) -> bool {
        Command::new("pg_isready")
            .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Starts the cluster if it is down and waits (at most 60 s) for it to accept connections.
    fn ensure_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        if !self.ready() {
            self.ctl("start");
        }
        while !self.ready() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// Starts PostgreSQL again however the test ends: the rest of the machine needs it.
struct RestartGuard<'a>(&'a Cluster);

impl Drop for RestartGuard<'_> {
    fn drop(&mut self) {
        self.0.ensure_up();
        if !self.0.ready() {
            eprintln!("PostgreSQL did not come back: start it by hand");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_down_means_503_not_500_or_hangs_and_recovery_is_quick() {
    if !enabled("postgres restart") {
        return;
    }
    let url = match std::env::var("QALXAN_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => url,
        _ => {
            eprintln!("postgres restart: skipped on SQLite (set QALXAN_TEST_DATABASE_URL)");
            return;
        }
    };
    let cluster = Cluster::of_test_database(&url);
    assert!(cluster.ready(), "PostgreSQL must be up before the test");

    let server = Server::start(|_| {}).await;
    let token = server.admin_token().await;
    let http = load::client();
    let readyz = |http: reqwest::Client| {
        let url = server.url("/readyz");
        async move {
            let started = Instant::now();
            let status = http.get(url).send().await.map(|r| r.status()).ok();
            (status, started.elapsed())
        }
    };
    assert_eq!(readyz(http.clone()).await.0, Some(StatusCode::OK));

    let shared = Arc::new(Shared::default());
    let handles = load::writers(CLIENTS, &server.base, &token, &shared);
    load::wait_acknowledged(&shared, 20, 30).await;

    let guard = RestartGuard(&cluster);
    let stopping = Instant::now();
    assert!(cluster.ctl("stop"), "pg_ctlcluster stop failed");
    assert!(!cluster.ready(), "PostgreSQL still answers after stop");
    let down = Instant::now();
    println!(
        "PostgreSQL stopped in {:.1} s",
        (down - stopping).as_secs_f64()
    );

    // While it is down, /readyz is polled by hand and must say 503 promptly.
    let mut readyz_down = Vec::new();
    while down.elapsed() < DOWN_FOR {
        readyz_down.push(readyz(http.clone()).await);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // Measured from the start command: PostgreSQL accepts connections before
    // `pg_ctlcluster start` returns.
    let up = Instant::now();
    assert!(cluster.ctl("start"), "pg_ctlcluster start failed");
    while !cluster.ready() && down.elapsed() < DOWN_FOR + Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(guard);

    // Recovery: the first /readyz 200 and the first acknowledged write after `up`.
    let mut readyz_back = None;
    let mut write_back = None;
    while up.elapsed() < RECOVER_WITHIN && (readyz_back.is_none() || write_back.is_none()) {
        if readyz_back.is_none() && readyz(http.clone()).await.0 == Some(StatusCode::OK) {
            readyz_back = Some(up.elapsed());
        }
        if write_back.is_none() {
            write_back = shared
                .samples()
                .iter()
                .filter(|s| s.sent >= up && s.outcome == Outcome::Ok)
                .map(|s| s.answered - up)
                .min();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A little more load once recovered: nothing may fail any more.
    let recovered = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    shared.stop.store(true, Ordering::Relaxed);
    for handle in handles {
        handle.await.expect("a writer panicked");
    }

    let samples = shared.samples();
    let before: Vec<_> = samples.iter().filter(|s| s.answered < stopping).collect();
    // Sent after PostgreSQL was gone and answered before it was back: the outage proper.
    let outage: Vec<_> = samples
        .iter()
        .filter(|s| s.sent >= down && s.answered < up)
        .collect();
    let around: Vec<_> = samples
        .iter()
        .filter(|s| s.answered >= stopping && !(s.sent >= down && s.answered < up))
        .filter(|s| s.sent < recovered)
        .collect();
    let after: Vec<_> = samples.iter().filter(|s| s.sent >= recovered).collect();
    let slowest = outage
        .iter()
        .map(|s| s.answered - s.sent)
        .max()
        .unwrap_or_default();
    let readyz_slowest = readyz_down.iter().map(|r| r.1).max().unwrap_or_default();

    // 503s that came from a connection PostgreSQL cut (rather than from waiting for one).
    let cut = server
        .log_text()
        .lines()
        .filter(|l| l.contains("database connection lost"))
        .count();
    println!(
        "FAULT postgres-restart: down {:.1} s; before: {}; during: {} (slowest answer {:.2} s); across the stop and start: {}; {} answered 503 from a cut connection; after recovery: {}; /readyz while down: {} polls, {} answered 503 (slowest {:.2} s); back after start: /readyz {}, writes {}",
        (up - down).as_secs_f64(),
        load::tally(&before),
        load::tally(&outage),
        slowest.as_secs_f64(),
        load::tally(&around),
        cut,
        load::tally(&after),
        readyz_down.len(),
        readyz_down
            .iter()
            .filter(|r| r.0 == Some(StatusCode::SERVICE_UNAVAILABLE))
            .count(),
        readyz_slowest.as_secs_f64(),
        readyz_back.map_or("never".into(), |d| format!("{:.1} s", d.as_secs_f64())),
        write_back.map_or("never".into(), |d| format!("{:.1} s", d.as_secs_f64())),
    );

    assert!(before.iter().all(|s| s.outcome == Outcome::Ok));
    assert!(
        outage.len() >= CLIENTS,
        "too few requests while PostgreSQL was down"
    );
    assert!(
        outage.iter().all(|s| s.outcome == Outcome::Unavailable),
        "while PostgreSQL was down: {}",
        load::tally(&outage)
    );
    assert!(
        slowest < CLIENT_TIMEOUT,
        "a request took {slowest:?} to fail"
    );
    // In flight when PostgreSQL stopped or started: done, or refused with 503 — never a 500.
    assert!(
        around
            .iter()
            .all(|s| matches!(s.outcome, Outcome::Ok | Outcome::Unavailable)),
        "across the stop and start: {}",
        load::tally(&around)
    );
    assert!(
        readyz_down
            .iter()
            .all(|r| r.0 == Some(StatusCode::SERVICE_UNAVAILABLE) && r.1 < CLIENT_TIMEOUT),
        "/readyz while down: {readyz_down:?}"
    );
    assert!(readyz_back.is_some(), "/readyz never came back");
    assert!(write_back.is_some(), "writes never came back");
    assert!(!after.is_empty());
    assert!(
        after.iter().all(|s| s.outcome == Outcome::Ok),
        "after recovery: {}",
        load::tally(&after)
    );
    let errors = server.error_lines();
    assert!(
        errors.iter().all(|l| !l.contains("internal error")),
        "internal errors logged: {errors:#?}"
    );
}
