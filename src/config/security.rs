//! Sign-in and its limits: the JWT secret and lifetime, web sessions, throttling, the first
//! administrator, and the key that signs audit exports.

use std::path::Path;

use anyhow::{bail, Context};

use super::{
    secret::{decode_seed, load_or_create_secret, load_or_create_signing_key},
    source::{number, number_in, pick, Env, FileSettings},
    Secret,
};

pub(super) struct SecuritySection {
    pub jwt_secret: Secret,
    pub jwt_issuer: String,
    pub token_ttl_minutes: i64,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    pub login_ip_limit: u32,
    pub public_report_limit: u32,
    pub bootstrap_admin_email: Option<String>,
    pub bootstrap_admin_password: Option<Secret>,
    pub audit_signing_key: Secret,
    pub metrics_token: Option<Secret>,
}

/// Checks every value before generating any missing secret, so a refused start leaves no new
/// files behind.
pub(super) fn load(
    env: &dyn Env,
    file: &mut FileSettings,
    data_dir: &Path,
) -> anyhow::Result<SecuritySection> {
    let jwt_secret = pick(env, "JWT_SECRET", file.jwt_secret.take(), Secret::new);
    if jwt_secret.as_ref().is_some_and(|s| s.expose().len() < 32) {
        bail!("QALXAN_JWT_SECRET must be at least 32 characters long");
    }
    let token_ttl_minutes = number_in(
        env,
        "TOKEN_TTL_MINUTES",
        file.token_ttl_minutes,
        30,
        (1, 24 * 60),
    )?;
    let (bootstrap_admin_email, bootstrap_admin_password) = bootstrap_admin(env, file)?;
    let (login_ip_limit, public_report_limit) = throttling(env, file)?;
    let audit_signing_key = pick(
        env,
        "AUDIT_SIGNING_KEY",
        file.audit_signing_key.take(),
        Secret::new,
    );
    if let Some(key) = &audit_signing_key {
        decode_seed(key.expose()).context("QALXAN_AUDIT_SIGNING_KEY")?;
    }
    let metrics_token = metrics_token(env, file)?;
    let idle_file = file.session_idle_minutes;
    let session_idle_minutes = number_in(env, "SESSION_IDLE_MINUTES", idle_file, 60, (5, 24 * 60))?;
    let max_file = file.session_max_hours;
    let session_max_hours = number_in(env, "SESSION_MAX_HOURS", max_file, 8, (1, 24 * 7))?;
    Ok(SecuritySection {
        jwt_secret: match jwt_secret {
            Some(s) => s,
            None => load_or_create_secret(&data_dir.join("jwt-secret"))?,
        },
        jwt_issuer: pick(env, "JWT_ISSUER", file.jwt_issuer.take(), |v| v)
            .unwrap_or_else(|| "qalxan".into()),
        token_ttl_minutes,
        session_idle_minutes,
        session_max_hours,
        login_ip_limit,
        public_report_limit,
        bootstrap_admin_email,
        bootstrap_admin_password,
        audit_signing_key: match audit_signing_key {
            Some(key) => key,
            None => load_or_create_signing_key(&data_dir.join("audit-signing-key"))?,
        },
        metrics_token,
    })
}

fn bootstrap_admin(
    env: &dyn Env,
    file: &mut FileSettings,
) -> anyhow::Result<(Option<String>, Option<Secret>)> {
    let email = pick(
        env,
        "BOOTSTRAP_ADMIN_EMAIL",
        file.bootstrap_admin_email.take(),
        |v| v,
    );
    let password = pick(
        env,
        "BOOTSTRAP_ADMIN_PASSWORD",
        file.bootstrap_admin_password.take(),
        Secret::new,
    );
    if email.is_some() != password.is_some() {
        bail!(
            "QALXAN_BOOTSTRAP_ADMIN_EMAIL and QALXAN_BOOTSTRAP_ADMIN_PASSWORD must be set together"
        );
    }
    Ok((email, password))
}

/// Per client address within a quarter of an hour: failed logins, public reports.
fn throttling(env: &dyn Env, file: &FileSettings) -> anyhow::Result<(u32, u32)> {
    let login = number(env, "LOGIN_IP_LIMIT", file.login_ip_limit, 50)?;
    let public = number(env, "PUBLIC_REPORT_LIMIT", file.public_report_limit, 10)?;
    if login == 0 || public == 0 {
        bail!("QALXAN_LOGIN_IP_LIMIT and QALXAN_PUBLIC_REPORT_LIMIT must be at least 1");
    }
    Ok((login, public))
}

/// The optional bearer token for /metrics.
fn metrics_token(env: &dyn Env, file: &mut FileSettings) -> anyhow::Result<Option<Secret>> {
    let token = pick(env, "METRICS_TOKEN", file.metrics_token.take(), Secret::new);
    if let Some(t) = token.as_ref().map(Secret::expose) {
        // It travels in a header and is compared whole: no room for a guessable or mangled one.
        if t.len() < 16 || !t.bytes().all(|b| b.is_ascii_graphic()) {
            bail!("QALXAN_METRICS_TOKEN must be at least 16 printable characters without spaces");
        }
    }
    Ok(token)
}
