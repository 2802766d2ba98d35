//! Loading the whole configuration: defaults, file, environment and the errors they give.

use super::*;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)], dir: &Path) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.insert("QALXAN_DATA_DIR".into(), dir.display().to_string());
    map
}

/// Generated secrets are readable by the owner only (where the platform has modes).
fn assert_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[test]
fn defaults_generate_a_private_secret_once() {
    let dir = tempfile::tempdir().unwrap();
    let s1 = Settings::load(None, &env(&[], dir.path())).unwrap();
    assert_eq!(s1.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(
        s1.database,
        DatabaseUrl::Sqlite(dir.path().join("qalxan.db"))
    );
    let s2 = Settings::load(None, &env(&[], dir.path())).unwrap();
    assert_eq!(s1.jwt_secret, s2.jwt_secret);
    assert_private(&dir.path().join("jwt-secret"));
    assert_eq!(format!("{:?}", s1.jwt_secret), "Secret(***)");
    assert_eq!(s1.audit_signing_key, s2.audit_signing_key);
    assert_eq!(
        decode_seed(s1.audit_signing_key.expose()).unwrap().len(),
        32
    );
    assert_private(&dir.path().join("audit-signing-key"));
    assert_eq!(s1.evidence_max_bytes, 1024 * 1024 * 1024);
}

#[test]
fn bad_values_are_refused_with_the_variable_name() {
    let dir = tempfile::tempdir().unwrap();
    // Almost every refusal names the variable it is about.
    for (key, value) in [
        ("QALXAN_BIND", "nonsense"),
        ("QALXAN_DATABASE_URL", "mysql://x"),
        ("QALXAN_LOG_FORMAT", "xml"),
        ("QALXAN_JWT_SECRET", "short"),
        ("QALXAN_SMTP_URL", "http://mail"),
        ("QALXAN_REFERENCE_PREFIX", "cert-x"),
        ("QALXAN_TOKEN_TTL_MINUTES", "0"),
        ("QALXAN_SESSION_IDLE_MINUTES", "1"),
        ("QALXAN_SESSION_MAX_HOURS", "0"),
        ("QALXAN_AUDIT_SIGNING_KEY", "c2hvcnQ="),
        ("QALXAN_AUDIT_SIGNING_KEY", "not base64!"),
        ("QALXAN_SMTP_URL", "smtp://mail?tls=sometimes"),
        ("QALXAN_MAIL_FROM", "not a mailbox"),
        ("QALXAN_DUTY_MAILBOX", "duty"),
        ("QALXAN_MAIL_MAX_ATTEMPTS", "0"),
        ("QALXAN_MAIL_POLL_MS", "soon"),
        ("QALXAN_EVIDENCE_MAX_BYTES", "0"),
        ("QALXAN_EVIDENCE_MAX_BYTES", "1GiB"),
    ] {
        assert_refused(dir.path(), key, value, key);
    }
    assert_refused(
        dir.path(),
        "QALXAN_BOOTSTRAP_ADMIN_EMAIL",
        "a@b.az",
        "set together",
    );
}

fn assert_refused(dir: &Path, key: &str, value: &str, expected: &str) {
    let err = Settings::load(None, &env(&[(key, value)], dir)).unwrap_err();
    assert!(format!("{err:#}").contains(expected), "{key}: {err:#}");
}

#[test]
fn file_values_are_overridden_by_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("qalxan.toml");
    std::fs::write(
        &file,
        "bind = \"127.0.0.1:9000\"\nreference_prefix = \"AZCERT\"\n",
    )
    .unwrap();
    let s = Settings::load(
        Some(&file),
        &env(&[("QALXAN_BIND", "0.0.0.0:9100")], dir.path()),
    )
    .unwrap();
    assert_eq!(s.bind.to_string(), "0.0.0.0:9100");
    assert_eq!(s.reference_prefix, "AZCERT");
    std::fs::write(&file, "colour = \"blue\"\n").unwrap();
    let err = Settings::load(Some(&file), &env(&[], dir.path())).unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");
}

#[test]
fn an_unwritable_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let mut map = HashMap::new();
    map.insert(
        "QALXAN_DATA_DIR".to_string(),
        blocker.join("sub").display().to_string(),
    );
    let err = Settings::load(None, &map).unwrap_err();
    assert!(err.to_string().contains("QALXAN_DATA_DIR"), "{err}");
}

#[test]
fn a_refused_start_generates_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        Settings::load(None, &env(&[("QALXAN_SESSION_MAX_HOURS", "0")], dir.path())).unwrap_err();
    assert!(
        err.to_string().contains("QALXAN_SESSION_MAX_HOURS"),
        "{err}"
    );
    assert!(!dir.path().join("jwt-secret").exists());
    assert!(!dir.path().join("audit-signing-key").exists());
}
