//! The real `qalxan serve` as a child process on a fixed loopback port, so it can be killed and
//! started again at the same address over the same database and data directory.

use std::{
    collections::HashMap,
    fs::OpenOptions,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{test_env, PgGuard, ADMIN_EMAIL, PASSWORD};

pub struct Server {
    pub base: String,
    pub env: HashMap<String, String>,
    child: Option<Child>,
    log: PathBuf,
    // Dropped after the child is gone (see `Drop`): first the database, then the files.
    _pg: PgGuard,
    _dir: tempfile::TempDir,
}

/// A port free right now on 127.0.0.1: the server binds it itself, and binds it again after a
/// restart, so the clients keep one address.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

impl Server {
    /// A fresh database (a SQLite file, or a throw-away PostgreSQL database when
    /// `QALXAN_TEST_DATABASE_URL` is set) with the server started on it.
    pub async fn start(adjust: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let (mut env, pg) = test_env(&data);
        let port = free_port();
        env.insert("QALXAN_BIND".into(), format!("127.0.0.1:{port}"));
        env.insert("RUST_LOG".into(), "warn".into());
        adjust(&mut env);
        let mut server = Self {
            base: format!("http://127.0.0.1:{port}"),
            env,
            child: None,
            log: dir.path().join("server.log"),
            _pg: pg,
            _dir: dir,
        };
        server.spawn().await;
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Starts the binary and waits (at most 60 s) until `/healthz` answers.
    pub async fn spawn(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("server log");
        let child = Command::new(env!("CARGO_BIN_EXE_qalxan"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&self.env)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("the server binary starts");
        self.child = Some(child);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "the server exited at start ({status}):\n{}",
                    self.log_text()
                );
            }
            if let Ok(res) = client.get(self.url("/healthz")).send().await {
                if res.status() == StatusCode::OK {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the server did not answer /healthz within 60 s:\n{}",
            self.log_text()
        );
    }

    /// SIGKILL: no shutdown hook, no flush, no finished requests.
    pub fn kill_9(&mut self) {
        let mut child = self.child.take().expect("the server is running");
        child.kill().expect("SIGKILL sent");
        child.wait().expect("the killed server is reaped");
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Lines of the server's log at ERROR level (JSON or pretty format).
    pub fn error_lines(&self) -> Vec<String> {
        self.log_text()
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("\"level\":\"ERROR\""))
            .map(str::to_owned)
            .collect()
    }

    /// A bearer token of the bootstrap administrator.
    pub async fn admin_token(&self) -> String {
        let res = reqwest::Client::new()
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "email": ADMIN_EMAIL, "password": PASSWORD }))
            .send()
            .await
            .expect("login sent");
        assert_eq!(res.status(), StatusCode::OK, "admin login");
        res.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// `qalxan audit verify` against the same database; its stdout when the trail is intact.
    pub fn cli_audit_verify(&self) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_qalxan"))
            .args(["audit", "verify"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&self.env)
            .stdin(Stdio::null())
            .output()
            .expect("the CLI runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "audit verify failed: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The process must be gone before its database is dropped and its folder deleted.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("--- server log ---\n{}", self.log_text());
        }
    }
}
