//! Outgoing mail: the SMTP relay, the sender, the duty mailbox and the outbox worker's timing.

use std::time::Duration;

use anyhow::{anyhow, bail};

use super::{
    source::{number_in, pick, Env, FileSettings},
    Secret,
};

/// How the outbox worker behaves (see `mail::worker`).
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// A shared mailbox told about every new incident, besides the coordinators.
    pub duty_mailbox: Option<String>,
    pub poll_interval: Duration,
    /// Attempts before a message is marked `failed`.
    pub max_attempts: i32,
    /// Back-off before the second attempt; doubles each time, plus jitter, up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How long a claim holds: a message still `sending` after this is taken over by another
    /// worker (its own worker crashed).
    pub lease: Duration,
    /// Warn in the log when the oldest unsent message is older than this.
    pub alert_after: Duration,
}

pub(super) struct MailSection {
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    pub mail: MailSettings,
}

pub(super) fn load(env: &dyn Env, file: &mut FileSettings) -> anyhow::Result<MailSection> {
    let mail = load_outbox(env, file)?;
    let smtp_url = pick(env, "SMTP_URL", file.smtp_url.take(), Secret::new);
    if let Some(smtp) = &smtp_url {
        check_smtp_url(smtp.expose())?;
    }
    let mail_from = pick(env, "MAIL_FROM", file.mail_from.take(), |v| v)
        .unwrap_or_else(|| "Qalxan <qalxan@localhost>".into());
    mail_from
        .parse::<lettre::message::Mailbox>()
        .map_err(|e| anyhow!("QALXAN_MAIL_FROM: `{mail_from}` is not a mailbox ({e})"))?;
    Ok(MailSection {
        smtp_url,
        mail_from,
        mail,
    })
}

fn check_smtp_url(smtp: &str) -> anyhow::Result<()> {
    let scheme = smtp.split("://").next().unwrap_or_default();
    if !matches!(scheme, "smtp" | "smtps") || !smtp.contains("://") {
        bail!("QALXAN_SMTP_URL must start with smtp:// or smtps://");
    }
    // lettre's own parser: catches a bad host or `?tls=` value now, not at first send.
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(smtp)
        .map_err(|e| anyhow!("QALXAN_SMTP_URL is not usable: {e}"))?;
    // A password over plain SMTP to another machine would cross the network readable.
    let parsed = url::Url::parse(smtp)?;
    let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if scheme == "smtp"
        && parsed.password().is_some()
        && !parsed.query_pairs().any(|(k, _)| k == "tls")
        && !loopback
    {
        bail!("QALXAN_SMTP_URL sends a password without TLS: add ?tls=required (STARTTLS) or use smtps://");
    }
    Ok(())
}

fn load_outbox(env: &dyn Env, file: &mut FileSettings) -> anyhow::Result<MailSettings> {
    let duty_mailbox = duty_mailbox(env, file)?;
    let num = |name, from_file, default, range| number_in(env, name, from_file, default, range);
    let attempts_in_file = file.mail_max_attempts.map(|n| n.max(0) as u64);
    let max_attempts = num("MAIL_MAX_ATTEMPTS", attempts_in_file, 10, (1, 100))? as i32;
    let backoff_ms = num(
        "MAIL_BACKOFF_MS",
        file.mail_backoff_ms,
        30_000,
        (10, 86_400_000),
    )?;
    let backoff_max_s = file.mail_backoff_max_seconds;
    let backoff_max_s = num(
        "MAIL_BACKOFF_MAX_SECONDS",
        backoff_max_s,
        3_600,
        (1, 7 * 86_400),
    )?;
    let poll_ms = num("MAIL_POLL_MS", file.mail_poll_ms, 5_000, (10, 3_600_000))?;
    // At least two SMTP timeouts (see mail::worker), or no message could ever be sent.
    let lease_s = num(
        "MAIL_LEASE_SECONDS",
        file.mail_lease_seconds,
        300,
        (120, 86_400),
    )?;
    let alert_file = file.mail_alert_after_minutes;
    let alert_min = num("MAIL_ALERT_AFTER_MINUTES", alert_file, 30, (1, 7 * 24 * 60))?;
    let backoff_base = Duration::from_millis(backoff_ms);
    Ok(MailSettings {
        duty_mailbox,
        poll_interval: Duration::from_millis(poll_ms),
        max_attempts,
        backoff_base,
        backoff_max: Duration::from_secs(backoff_max_s).max(backoff_base),
        lease: Duration::from_secs(lease_s),
        alert_after: Duration::from_secs(60 * alert_min),
    })
}

/// A shared mailbox, stored in the normalised form the rest of the mail code compares with.
fn duty_mailbox(env: &dyn Env, file: &mut FileSettings) -> anyhow::Result<Option<String>> {
    let Some(raw) = pick(env, "DUTY_MAILBOX", file.duty_mailbox.take(), |v| v) else {
        return Ok(None);
    };
    let address = crate::domain::identity::EmailAddress::parse(&raw)
        .map_err(|e| anyhow!("QALXAN_DUTY_MAILBOX: `{raw}` {e}"))?;
    Ok(Some(address.as_str().to_owned()))
}
