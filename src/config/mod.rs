//! Typed settings from `QALXAN_*` environment variables and an optional TOML file.
//!
//! Environment variables win over the file. Everything is validated here, at start-up, so a bad
//! value is one clear line and a non-zero exit instead of a failure deep inside a request.
//! Each concern loads and checks its own values beside its types: `database`, `mail`, `web`,
//! `security` (with `secret` for the generated secrets); `source` reads the file and variables.
//! A new setting goes into `source::FileSettings`, its section's `load`, and `Settings`.

mod database;
mod mail;
mod secret;
mod security;
mod source;
mod web;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context};

pub use database::DatabaseUrl;
pub use mail::MailSettings;
pub use secret::{decode_seed, write_private, Secret};
pub use source::{Env, ProcessEnv};
pub use web::DEFAULT_EVIDENCE_MAX_BYTES;

use source::{pick, FileSettings};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
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
    /// Longest wait for a pooled database connection. When the database is down every request
    /// waits this long before its 503, so it must stay below what clients wait for an answer.
    pub db_timeout: std::time::Duration,
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
    /// When set, /metrics answers only to `Authorization: Bearer <it>`; unset, it is open (for a
    /// scraper on a private network, with /metrics not exposed by the reverse proxy).
    pub metrics_token: Option<Secret>,
    /// How often the deadline clock looks for warnings and breaches to send; `None` (set to 0):
    /// this node runs no clock.
    pub clock_poll: Option<std::time::Duration>,
    /// Published statistics withhold every count below this (shown as "< n").
    pub stats_min_cell: u64,
}

impl Settings {
    /// Reads the optional file, overlays the environment, validates, and prepares the data dir
    /// (creating it and the generated secrets if needed).
    pub fn load(config_file: Option<&Path>, env: &dyn Env) -> anyhow::Result<Self> {
        let mut file = FileSettings::read(config_file)?;
        let mail = mail::load(env, &mut file)?;
        let data_dir = pick(env, "DATA_DIR", file.data_dir.take(), PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("qalxan-data"));
        prepare_data_dir(&data_dir)?;
        let db = database::load(env, &mut file, &data_dir)?;
        let web = web::load(env, &mut file)?;
        let log_format = log_format(env, &mut file)?;
        let clock_poll = source::number_in(
            env,
            "CLOCK_POLL_SECONDS",
            file.clock_poll_seconds,
            30,
            (0, 86_400),
        )?;
        // Last: it writes the generated secrets, which should only happen for a start that goes on.
        let security = security::load(env, &mut file, &data_dir)?;
        Ok(Self {
            database: db.database,
            bind: web.bind,
            data_dir,
            base_url: web.base_url,
            jwt_secret: security.jwt_secret,
            jwt_issuer: security.jwt_issuer,
            token_ttl_minutes: security.token_ttl_minutes,
            smtp_url: mail.smtp_url,
            mail_from: mail.mail_from,
            bootstrap_admin_email: security.bootstrap_admin_email,
            bootstrap_admin_password: security.bootstrap_admin_password,
            cert_name: web.cert_name,
            reference_prefix: web.reference_prefix,
            log_format,
            db_pool_size: db.db_pool_size,
            db_timeout: db.db_timeout,
            login_ip_limit: security.login_ip_limit,
            public_report_limit: security.public_report_limit,
            audit_signing_key: security.audit_signing_key,
            mail: mail.mail,
            session_idle_minutes: security.session_idle_minutes,
            session_max_hours: security.session_max_hours,
            evidence_max_bytes: web.evidence_max_bytes,
            metrics_token: security.metrics_token,
            clock_poll: (clock_poll > 0).then(|| std::time::Duration::from_secs(clock_poll)),
            stats_min_cell: web.stats_min_cell,
        })
    }
}

fn log_format(env: &dyn Env, file: &mut FileSettings) -> anyhow::Result<LogFormat> {
    let raw = pick(env, "LOG_FORMAT", file.log_format.take(), |v| v);
    match raw.as_deref().map(str::trim) {
        None | Some("pretty") => Ok(LogFormat::Pretty),
        Some("json") => Ok(LogFormat::Json),
        Some(other) => bail!("QALXAN_LOG_FORMAT: `{other}` is neither `pretty` nor `json`"),
    }
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

#[cfg(test)]
mod tests;
