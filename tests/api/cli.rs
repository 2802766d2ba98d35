//! The binary itself: start-up errors are one clear line and a non-zero exit.

use std::process::{Command, Stdio};

use crate::helpers::{test_env, PASSWORD};

fn qalxan(env: &std::collections::HashMap<String, String>, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qalxan"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env)
        .stdin(Stdio::null())
        .output()
        .expect("binary runs")
}

fn one_line_error(output: &std::process::Output, expected: &str) {
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.lines().last().unwrap_or_default();
    assert!(
        line.starts_with("error: ") && line.contains(expected),
        "stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}

#[test]
fn bad_configuration_is_one_line_and_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _pg) = test_env(dir.path());
    for (key, value, expected) in [
        ("QALXAN_DATABASE_URL", "mysql://localhost/x", "mysql://"),
        (
            "QALXAN_DATABASE_URL",
            "host=localhost dbname=x",
            "sqlite:// or postgres://",
        ),
        ("QALXAN_BIND", "localhost", "QALXAN_BIND"),
        ("QALXAN_LOG_FORMAT", "yaml", "QALXAN_LOG_FORMAT"),
    ] {
        let mut env = base.clone();
        env.insert(key.into(), value.into());
        one_line_error(&qalxan(&env, &["migrate"]), expected);
    }
    let mut unreachable = base.clone();
    unreachable.insert(
        "QALXAN_DATABASE_URL".into(),
        "postgres://nobody@127.0.0.1:1/none".into(),
    );
    one_line_error(
        &qalxan(&unreachable, &["migrate"]),
        "cannot connect to the postgres database",
    );
    assert!(
        !dir.path().join("host=localhost dbname=x").exists(),
        "a mistyped URL must not create a file"
    );
}

#[test]
fn a_port_in_use_is_reported_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut env, _pg) = test_env(dir.path());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    env.insert(
        "QALXAN_BIND".into(),
        taken.local_addr().unwrap().to_string(),
    );
    one_line_error(&qalxan(&env, &["serve"]), "cannot listen on");
}

#[test]
fn users_are_created_from_the_command_line_with_the_password_on_stdin() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let (env, _pg) = test_env(dir.path());
    let run = |password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qalxan"))
            .args([
                "user",
                "create",
                "--email",
                "Duty@Cert.test",
                "--name",
                "Duty Lead",
                "--role",
                "coordinator",
                "--password-stdin",
            ])
            .env_clear()
            .envs(&env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    one_line_error(&run("short"), "password must be at least 12 characters");
    let ok = run(PASSWORD);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("<duty@cert.test> with role coordinator"));
    one_line_error(&run(PASSWORD), "already exists");
}

#[test]
fn serve_answers_and_stops_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let (mut env, _pg) = test_env(dir.path());
    env.insert("QALXAN_LOG_FORMAT".into(), "json".into());
    let mut child = Command::new(env!("CARGO_BIN_EXE_qalxan"))
        .arg("serve")
        .env_clear()
        .envs(&env)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The JSON log says which port the server took (QALXAN_BIND is 127.0.0.1:0).
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            let entry: serde_json::Value = serde_json::from_str(&line).ok()?;
            (entry["message"] == "Qalxan is serving")
                .then(|| entry["port"].as_u64())
                .flatten()
        })
        .expect("the server logs its port");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port as u16)).unwrap();
    use std::io::{Read, Write};
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "did not stop"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "a graceful stop exits 0: {status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("\"stopped\"")), "{rest:?}");
}
