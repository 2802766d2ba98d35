//! Where raw values come from: the optional TOML file and the environment, which wins.

use std::{fmt, path::Path, path::PathBuf};

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;

use super::Secret;

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

/// What the file may hold; every key is optional and has the same name as the variable
/// without the `QALXAN_` prefix, in lower case. One flat struct rather than one per section:
/// `deny_unknown_fields` (a typo in the file is an error) does not work through `flatten`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSettings {
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub jwt_secret: Option<Secret>,
    pub jwt_issuer: Option<String>,
    pub token_ttl_minutes: Option<i64>,
    pub smtp_url: Option<Secret>,
    pub mail_from: Option<String>,
    pub bootstrap_admin_email: Option<String>,
    pub bootstrap_admin_password: Option<Secret>,
    pub cert_name: Option<String>,
    pub reference_prefix: Option<String>,
    pub log_format: Option<String>,
    pub db_pool_size: Option<u32>,
    pub db_timeout_ms: Option<u64>,
    pub login_ip_limit: Option<u32>,
    pub public_report_limit: Option<u32>,
    pub audit_signing_key: Option<Secret>,
    pub duty_mailbox: Option<String>,
    pub mail_poll_ms: Option<u64>,
    pub mail_max_attempts: Option<i32>,
    pub mail_backoff_ms: Option<u64>,
    pub mail_backoff_max_seconds: Option<u64>,
    pub mail_lease_seconds: Option<u64>,
    pub mail_alert_after_minutes: Option<u64>,
    pub session_idle_minutes: Option<i64>,
    pub session_max_hours: Option<i64>,
    pub evidence_max_bytes: Option<u64>,
    pub stats_min_cell: Option<u64>,
    pub metrics_token: Option<Secret>,
    pub clock_poll_seconds: Option<u64>,
}

impl FileSettings {
    pub(super) fn read(config_file: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = config_file else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read configuration file {}", path.display()))?;
        toml::from_str(&text)
            .map_err(|e| anyhow!("configuration file {}: {}", path.display(), e.message()))
    }
}

/// The environment variable `QALXAN_<name>` if set, else the file's value.
pub(super) fn pick<T>(
    env: &dyn Env,
    name: &str,
    file: Option<T>,
    parse: impl Fn(String) -> T,
) -> Option<T> {
    env.var(&format!("QALXAN_{name}")).map(parse).or(file)
}

/// A number from `QALXAN_<name>`, else the file, else `default`; a variable that does not parse
/// names itself in the error.
pub(super) fn number<T: std::str::FromStr>(
    env: &dyn Env,
    name: &str,
    file: Option<T>,
    default: T,
) -> anyhow::Result<T>
where
    T::Err: fmt::Display,
{
    match env.var(&format!("QALXAN_{name}")) {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|e| anyhow!("QALXAN_{name}: `{v}` is not a valid number ({e})")),
        None => Ok(file.unwrap_or(default)),
    }
}

/// [`number`], refused outside `lo..=hi` with the bounds in the message.
pub(super) fn number_in<T>(
    env: &dyn Env,
    name: &str,
    file: Option<T>,
    default: T,
    (lo, hi): (T, T),
) -> anyhow::Result<T>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
    T::Err: fmt::Display,
{
    let value = number(env, name, file, default)?;
    if !(lo..=hi).contains(&value) {
        bail!("QALXAN_{name} must be between {lo} and {hi}");
    }
    Ok(value)
}
