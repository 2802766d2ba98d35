//! Typed settings from `QALXAN_*` environment variables and an optional TOML file.
//!
//! Environment variables win over the file. Everything is validated here, at start-up, so a bad
//! value is one clear line and a non-zero exit instead of a failure deep inside a request.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use anyhow::{anyhow, bail, Context};
use rand::RngCore;
use serde::Deserialize;

/// A secret that never prints: `Debug` shows a placeholder so settings can be logged safely.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Which database the URL points at; anything else is refused, never guessed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| anyhow!("invalid PostgreSQL URL: {e}"))?;
            return Ok(Self::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() || path.contains(":memory:") {
                bail!("a SQLite URL needs a file path, e.g. sqlite://qalxan.db (in-memory databases are per connection and not supported)");
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        let scheme = raw.split("://").next().filter(|_| raw.contains("://"));
        match scheme {
            Some(s) => bail!("unsupported database URL scheme `{s}://`: use sqlite:// or postgres://"),
            None => bail!("database URL must start with sqlite:// or postgres:// (got something without a scheme)"),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub database: DatabaseUrl,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub base_url: url::Url,
    pub jwt_secret: Secret,
    pub jwt_issuer: String,
    pub token_ttl_minutes: i64,
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    pub bootstrap_admin_email: Option<String>,
    pub bootstrap_admin_password: Option<Secret>,
    pub cert_name: String,
    pub reference_prefix: String,
    pub log_format: LogFormat,
    pub db_pool_size: u32,
    /// Failed logins per client address within a quarter of an hour before it is throttled.
    pub login_ip_limit: u32,
    /// Public reports per client address within a quarter of an hour.
    pub public_report_limit: u32,
    /// The Ed25519 seed that signs audit exports, base64 of 32 bytes (validated here).
    pub audit_signing_key: Secret,
    /// A web session ends after this long without a request.
    pub session_idle_minutes: i64,
    /// A web session ends this long after sign-in, however busy.
    pub session_max_hours: i64,
    pub mail: MailSettings,
    /// Largest evidence file accepted, in bytes; larger uploads get 413.
    pub evidence_max_bytes: u64,
}

/// How the outbox worker behaves (see `mail::worker`).
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// A shared mailbox told about every new incident, besides the coordinators.
    pub duty_mailbox: Option<String>,
    pub poll_interval: std::time::Duration,
    /// Attempts before a message is marked `failed`.
    pub max_attempts: i32,
    /// Back-off before the second attempt; doubles each time, plus jitter, up to `backoff_max`.
    pub backoff_base: std::time::Duration,
    pub backoff_max: std::time::Duration,
    /// How long a claim holds: a message still `sending` after this is taken over by another
    /// worker (its own worker crashed).
    pub lease: std::time::Duration,
    /// Warn in the log when the oldest unsent message is older than this.
    pub alert_after: std::time::Duration,
}

pub const DEFAULT_EVIDENCE_MAX_BYTES: u64 = 1024 * 1024 * 1024;
/// 1 TiB: a sanity bound against a mistyped limit, far above what one upload should carry.
const MAX_EVIDENCE_MAX_BYTES: u64 = 1 << 40;

/// What the file may hold; every key is optional and has the same name as the variable
/// without the `QALXAN_` prefix, in lower case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    base_url: Option<String>,
    jwt_secret: Option<Secret>,
    jwt_issuer: Option<String>,
    token_ttl_minutes: Option<i64>,
    smtp_url: Option<Secret>,
    mail_from: Option<String>,
    bootstrap_admin_email: Option<String>,
    bootstrap_admin_password: Option<Secret>,
    cert_name: Option<String>,
    reference_prefix: Option<String>,
    log_format: Option<String>,
    db_pool_size: Option<u32>,
    login_ip_limit: Option<u32>,
    public_report_limit: Option<u32>,
    audit_signing_key: Option<Secret>,
    duty_mailbox: Option<String>,
    mail_poll_ms: Option<u64>,
    mail_max_attempts: Option<i32>,
    mail_backoff_ms: Option<u64>,
    mail_backoff_max_seconds: Option<u64>,
    mail_lease_seconds: Option<u64>,
    mail_alert_after_minutes: Option<u64>,
    session_idle_minutes: Option<i64>,
    session_max_hours: Option<i64>,
    evidence_max_bytes: Option<u64>,
}

/// Source of raw values: the process environment in production, a map in tests.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl<S: std::hash::BuildHasher> Env for std::collections::HashMap<String, String, S> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned().filter(|v| !v.is_empty())
    }
}

fn pick<T>(env: &dyn Env, name: &str, file: Option<T>, parse: impl Fn(String) -> T) -> Option<T> {
    env.var(&format!("QALXAN_{name}")).map(parse).or(file)
}

fn parse_num<T: std::str::FromStr>(
    name: &str,
    raw: Option<String>,
    file: Option<T>,
    default: T,
) -> anyhow::Result<T>
where
    T::Err: fmt::Display,
{
    match raw {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|e| anyhow!("QALXAN_{name}: `{v}` is not a valid number ({e})")),
        None => Ok(file.unwrap_or(default)),
    }
}

impl Settings {
    /// Reads the optional file, overlays the environment, validates, and prepares the data dir
    /// (creating it and the generated JWT secret if needed).
    pub fn load(config_file: Option<&Path>, env: &dyn Env) -> anyhow::Result<Self> {
        let file: FileSettings = match config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!("cannot read configuration file {}", path.display())
                })?;
                toml::from_str(&text).map_err(|e| {
                    anyhow!("configuration file {}: {}", path.display(), e.message())
                })?
            }
            None => FileSettings::default(),
        };

        let mail = load_mail(env, &file)?;
        let data_dir = pick(env, "DATA_DIR", file.data_dir, PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("qalxan-data"));
        prepare_data_dir(&data_dir)?;

        let database = match pick(env, "DATABASE_URL", file.database_url, |v| v) {
            Some(raw) => DatabaseUrl::parse(&raw).context("QALXAN_DATABASE_URL")?,
            None => DatabaseUrl::Sqlite(data_dir.join("qalxan.db")),
        };

        let bind_raw =
            pick(env, "BIND", file.bind, |v| v).unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind_raw.trim().parse().map_err(|_| {
            anyhow!("QALXAN_BIND: `{bind_raw}` is not an address:port such as 127.0.0.1:8080")
        })?;

        let base_raw =
            pick(env, "BASE_URL", file.base_url, |v| v).unwrap_or_else(|| format!("http://{bind}"));
        let base_url = url::Url::parse(base_raw.trim())
            .map_err(|e| anyhow!("QALXAN_BASE_URL: `{base_raw}` is not a URL ({e})"))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            bail!("QALXAN_BASE_URL must be an http:// or https:// URL");
        }

        let jwt_secret = match pick(env, "JWT_SECRET", file.jwt_secret, Secret::new) {
            Some(s) if s.expose().len() < 32 => {
                bail!("QALXAN_JWT_SECRET must be at least 32 characters long")
            }
            Some(s) => s,
            None => load_or_create_secret(&data_dir.join("jwt-secret"))?,
        };

        let token_ttl_minutes = parse_num(
            "TOKEN_TTL_MINUTES",
            env.var("QALXAN_TOKEN_TTL_MINUTES"),
            file.token_ttl_minutes,
            30,
        )?;
        if !(1..=24 * 60).contains(&token_ttl_minutes) {
            bail!("QALXAN_TOKEN_TTL_MINUTES must be between 1 and 1440");
        }

        let smtp_url = pick(env, "SMTP_URL", file.smtp_url, Secret::new);
        if let Some(smtp) = &smtp_url {
            let scheme = smtp.expose().split("://").next().unwrap_or_default();
            if !matches!(scheme, "smtp" | "smtps") || !smtp.expose().contains("://") {
                bail!("QALXAN_SMTP_URL must start with smtp:// or smtps://");
            }
            // lettre's own parser: catches a bad host or `?tls=` value now, not at first send.
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(smtp.expose())
                .map_err(|e| anyhow!("QALXAN_SMTP_URL is not usable: {e}"))?;
            // A password over plain SMTP to another machine would cross the network readable.
            let parsed = url::Url::parse(smtp.expose())?;
            let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            if scheme == "smtp"
                && parsed.password().is_some()
                && !parsed.query_pairs().any(|(k, _)| k == "tls")
                && !loopback
            {
                bail!("QALXAN_SMTP_URL sends a password without TLS: add ?tls=required (STARTTLS) or use smtps://");
            }
        }

        let log_format = match pick(env, "LOG_FORMAT", file.log_format, |v| v)
            .as_deref()
            .map(str::trim)
        {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("QALXAN_LOG_FORMAT: `{other}` is neither `pretty` nor `json`"),
        };

        let reference_prefix = pick(env, "REFERENCE_PREFIX", file.reference_prefix, |v| v)
            .unwrap_or_else(|| "CERT".into())
            .trim()
            .to_owned();
        if reference_prefix.is_empty()
            || reference_prefix.len() > 12
            || !reference_prefix
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            bail!("QALXAN_REFERENCE_PREFIX must be 1 to 12 capital letters or digits, e.g. CERT");
        }

        let bootstrap_admin_email = pick(
            env,
            "BOOTSTRAP_ADMIN_EMAIL",
            file.bootstrap_admin_email,
            |v| v,
        );
        let bootstrap_admin_password = pick(
            env,
            "BOOTSTRAP_ADMIN_PASSWORD",
            file.bootstrap_admin_password,
            Secret::new,
        );
        if bootstrap_admin_email.is_some() != bootstrap_admin_password.is_some() {
            bail!("QALXAN_BOOTSTRAP_ADMIN_EMAIL and QALXAN_BOOTSTRAP_ADMIN_PASSWORD must be set together");
        }

        let db_pool_size = parse_num(
            "DB_POOL_SIZE",
            env.var("QALXAN_DB_POOL_SIZE"),
            file.db_pool_size,
            10,
        )?;
        if !(1..=200).contains(&db_pool_size) {
            bail!("QALXAN_DB_POOL_SIZE must be between 1 and 200");
        }
        let login_ip_limit = parse_num(
            "LOGIN_IP_LIMIT",
            env.var("QALXAN_LOGIN_IP_LIMIT"),
            file.login_ip_limit,
            50,
        )?;
        let public_report_limit = parse_num(
            "PUBLIC_REPORT_LIMIT",
            env.var("QALXAN_PUBLIC_REPORT_LIMIT"),
            file.public_report_limit,
            10,
        )?;
        if login_ip_limit == 0 || public_report_limit == 0 {
            bail!("QALXAN_LOGIN_IP_LIMIT and QALXAN_PUBLIC_REPORT_LIMIT must be at least 1");
        }

        let audit_signing_key = match pick(
            env,
            "AUDIT_SIGNING_KEY",
            file.audit_signing_key,
            Secret::new,
        ) {
            Some(key) => {
                decode_seed(key.expose()).context("QALXAN_AUDIT_SIGNING_KEY")?;
                key
            }
            None => load_or_create_signing_key(&data_dir.join("audit-signing-key"))?,
        };
        let mail_from = pick(env, "MAIL_FROM", file.mail_from, |v| v)
            .unwrap_or_else(|| "Qalxan <qalxan@localhost>".into());
        mail_from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| anyhow!("QALXAN_MAIL_FROM: `{mail_from}` is not a mailbox ({e})"))?;
        let evidence_max_bytes = parse_num(
            "EVIDENCE_MAX_BYTES",
            env.var("QALXAN_EVIDENCE_MAX_BYTES"),
            file.evidence_max_bytes,
            DEFAULT_EVIDENCE_MAX_BYTES,
        )?;
        if !(1..=MAX_EVIDENCE_MAX_BYTES).contains(&evidence_max_bytes) {
            bail!(
                "QALXAN_EVIDENCE_MAX_BYTES must be between 1 and {MAX_EVIDENCE_MAX_BYTES} (1 TiB)"
            );
        }

        let session_idle_minutes = parse_num(
            "SESSION_IDLE_MINUTES",
            env.var("QALXAN_SESSION_IDLE_MINUTES"),
            file.session_idle_minutes,
            60,
        )?;
        if !(5..=24 * 60).contains(&session_idle_minutes) {
            bail!("QALXAN_SESSION_IDLE_MINUTES must be between 5 and 1440");
        }
        let session_max_hours = parse_num(
            "SESSION_MAX_HOURS",
            env.var("QALXAN_SESSION_MAX_HOURS"),
            file.session_max_hours,
            8,
        )?;
        if !(1..=24 * 7).contains(&session_max_hours) {
            bail!("QALXAN_SESSION_MAX_HOURS must be between 1 and 168");
        }

        Ok(Self {
            database,
            bind,
            data_dir,
            base_url,
            jwt_secret,
            jwt_issuer: pick(env, "JWT_ISSUER", file.jwt_issuer, |v| v)
                .unwrap_or_else(|| "qalxan".into()),
            token_ttl_minutes,
            smtp_url,
            mail_from,
            bootstrap_admin_email,
            bootstrap_admin_password,
            cert_name: pick(env, "CERT_NAME", file.cert_name, |v| v)
                .unwrap_or_else(|| "CERT".into()),
            reference_prefix,
            log_format,
            db_pool_size,
            login_ip_limit,
            public_report_limit,
            audit_signing_key,
            mail,
            session_idle_minutes,
            session_max_hours,
            evidence_max_bytes,
        })
    }
}

fn load_mail(env: &dyn Env, file: &FileSettings) -> anyhow::Result<MailSettings> {
    use std::time::Duration;
    let num = |name: &str, from_file: Option<u64>, default: u64, range: (u64, u64)| {
        let value = parse_num(name, env.var(&format!("QALXAN_{name}")), from_file, default)?;
        if !(range.0..=range.1).contains(&value) {
            bail!("QALXAN_{name} must be between {} and {}", range.0, range.1);
        }
        Ok::<u64, anyhow::Error>(value)
    };
    let duty_mailbox = match pick(env, "DUTY_MAILBOX", file.duty_mailbox.clone(), |v| v) {
        Some(raw) => Some(
            crate::domain::identity::EmailAddress::parse(&raw)
                .map_err(|e| anyhow!("QALXAN_DUTY_MAILBOX: `{raw}` {e}"))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let max_attempts = num(
        "MAIL_MAX_ATTEMPTS",
        file.mail_max_attempts.map(|n| n.max(0) as u64),
        10,
        (1, 100),
    )? as i32;
    let backoff_base = Duration::from_millis(num(
        "MAIL_BACKOFF_MS",
        file.mail_backoff_ms,
        30_000,
        (10, 86_400_000),
    )?);
    let backoff_max = Duration::from_secs(num(
        "MAIL_BACKOFF_MAX_SECONDS",
        file.mail_backoff_max_seconds,
        3_600,
        (1, 7 * 86_400),
    )?);
    Ok(MailSettings {
        duty_mailbox,
        poll_interval: Duration::from_millis(num(
            "MAIL_POLL_MS",
            file.mail_poll_ms,
            5_000,
            (10, 3_600_000),
        )?),
        max_attempts,
        backoff_base,
        backoff_max: backoff_max.max(backoff_base),
        lease: Duration::from_secs(num(
            "MAIL_LEASE_SECONDS",
            file.mail_lease_seconds,
            300,
            // At least two SMTP timeouts (see mail::worker), or no message could ever be sent.
            (120, 86_400),
        )?),
        alert_after: Duration::from_secs(
            60 * num(
                "MAIL_ALERT_AFTER_MINUTES",
                file.mail_alert_after_minutes,
                30,
                (1, 7 * 24 * 60),
            )?,
        ),
    })
}

fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("QALXAN_DATA_DIR: cannot create {}", dir.display()))?;
    // Prove we can write there now rather than on the first upload.
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok")
        .with_context(|| format!("QALXAN_DATA_DIR: {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// The JWT secret is generated once and kept beside the database, readable by the owner only,
/// so tokens survive restarts without anyone having to invent a secret.
fn load_or_create_secret(path: &Path) -> anyhow::Result<Secret> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the generated secret {}", path.display()))?;
        let text = text.trim();
        if text.len() < 32 {
            bail!(
                "{} is too short to be a secret; delete it to generate a new one",
                path.display()
            );
        }
        return Ok(Secret::new(text));
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    write_private(path, secret.as_bytes())?;
    Ok(Secret::new(secret))
}

/// An Ed25519 seed as configured: standard base64 of exactly 32 bytes.
pub fn decode_seed(raw: &str) -> anyhow::Result<[u8; 32]> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let bytes = STANDARD
        .decode(raw.trim())
        .map_err(|_| anyhow!("must be standard base64 of a 32-byte Ed25519 seed"))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| anyhow!("must be 32 bytes once decoded, not {}", b.len()))
}

/// Like the JWT secret: generated once into the data dir, owner-only. Several nodes sharing one
/// database should configure the same key instead, or their exports carry different keys.
fn load_or_create_signing_key(path: &Path) -> anyhow::Result<Secret> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the audit signing key {}", path.display()))?;
        decode_seed(&text).with_context(|| {
            format!(
                "{} is not a valid key; restore it (exports signed with it verify against its public key)",
                path.display()
            )
        })?;
        return Ok(Secret::new(text.trim()));
    }
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let encoded = STANDARD.encode(seed);
    write_private(path, encoded.as_bytes())?;
    Ok(Secret::new(encoded))
}

#[cfg(unix)]
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents)?;
    Ok(())
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot create {}", path.display()))
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn database_urls_are_matched_by_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://a/b.db").unwrap(),
            DatabaseUrl::Sqlite("a/b.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://x")
            .unwrap_err()
            .to_string()
            .contains("mysql://"));
        assert!(DatabaseUrl::parse("host=localhost dbname=x").is_err());
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
        assert!(DatabaseUrl::parse("postgress://x").is_err());
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("jwt-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(format!("{:?}", s1.jwt_secret), "Secret(***)");
        assert_eq!(s1.audit_signing_key, s2.audit_signing_key);
        assert_eq!(
            decode_seed(s1.audit_signing_key.expose()).unwrap().len(),
            32
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("audit-signing-key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(s1.evidence_max_bytes, 1024 * 1024 * 1024);
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_name() {
        let dir = tempfile::tempdir().unwrap();
        for (key, value, expected) in [
            ("QALXAN_BIND", "nonsense", "QALXAN_BIND"),
            ("QALXAN_DATABASE_URL", "mysql://x", "QALXAN_DATABASE_URL"),
            ("QALXAN_LOG_FORMAT", "xml", "QALXAN_LOG_FORMAT"),
            ("QALXAN_JWT_SECRET", "short", "QALXAN_JWT_SECRET"),
            ("QALXAN_SMTP_URL", "http://mail", "QALXAN_SMTP_URL"),
            (
                "QALXAN_REFERENCE_PREFIX",
                "cert-x",
                "QALXAN_REFERENCE_PREFIX",
            ),
            ("QALXAN_TOKEN_TTL_MINUTES", "0", "QALXAN_TOKEN_TTL_MINUTES"),
            (
                "QALXAN_SESSION_IDLE_MINUTES",
                "1",
                "QALXAN_SESSION_IDLE_MINUTES",
            ),
            ("QALXAN_SESSION_MAX_HOURS", "0", "QALXAN_SESSION_MAX_HOURS"),
            ("QALXAN_BOOTSTRAP_ADMIN_EMAIL", "a@b.az", "set together"),
            (
                "QALXAN_AUDIT_SIGNING_KEY",
                "c2hvcnQ=",
                "QALXAN_AUDIT_SIGNING_KEY",
            ),
            (
                "QALXAN_AUDIT_SIGNING_KEY",
                "not base64!",
                "QALXAN_AUDIT_SIGNING_KEY",
            ),
            (
                "QALXAN_SMTP_URL",
                "smtp://mail?tls=sometimes",
                "QALXAN_SMTP_URL",
            ),
            ("QALXAN_MAIL_FROM", "not a mailbox", "QALXAN_MAIL_FROM"),
            ("QALXAN_DUTY_MAILBOX", "duty", "QALXAN_DUTY_MAILBOX"),
            ("QALXAN_MAIL_MAX_ATTEMPTS", "0", "QALXAN_MAIL_MAX_ATTEMPTS"),
            ("QALXAN_MAIL_POLL_MS", "soon", "QALXAN_MAIL_POLL_MS"),
            (
                "QALXAN_EVIDENCE_MAX_BYTES",
                "0",
                "QALXAN_EVIDENCE_MAX_BYTES",
            ),
            (
                "QALXAN_EVIDENCE_MAX_BYTES",
                "1GiB",
                "QALXAN_EVIDENCE_MAX_BYTES",
            ),
        ] {
            let err = Settings::load(None, &env(&[(key, value)], dir.path())).unwrap_err();
            assert!(format!("{err:#}").contains(expected), "{key}: {err:#}");
        }
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
}
