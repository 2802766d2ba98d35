//! The outbox worker: claims due messages, renders and sends them over SMTP outside any
//! database transaction, and records the outcome.
//!
//! Guarantees: a message is handed to SMTP by one worker at a time, because a claim takes rows
//! under `FOR UPDATE SKIP LOCKED` (PostgreSQL) or the single writer lock (SQLite), and only the
//! claiming worker may finish the row. A worker that dies mid-send leaves its rows `sending`;
//! they are taken over when the lease expires, so a crash between "SMTP accepted" and "marked
//! sent" can send that one message again (with the same Message-ID) — at-least-once, never lost.
//!
//! One SMTP connection per message, no pool: CERT mail is a few messages a minute, and lettre's
//! pool spawns tasks when dropped, which panics when a runtime is already shutting down.
//!
//! Transport: `QALXAN_SMTP_URL` as lettre reads it — `smtp://host:25` plain,
//! `smtp://user:pass@host:587?tls=required` STARTTLS, `smtps://user:pass@host:465` TLS.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{anyhow, Context};
use chrono::NaiveDateTime;
use lettre::{message::Mailbox, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rand::Rng;
use tokio::sync::watch;

use super::{
    message::{self, Addressing},
    render::{self, Site},
};
use crate::{
    config::Settings,
    db::{
        models::outbox::{self, Claim, OutboxRow},
        Db,
    },
    domain::{notification::MailKind, time, Locale},
    metrics::Metrics,
};

/// Rows per claim: small, so a batch is sent well within its lease.
const BATCH: i64 = 20;
/// How long one SMTP exchange may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How often queue health is checked for the alert.
const HEALTH_EVERY: Duration = Duration::from_secs(60);

pub struct Worker {
    db: Db,
    settings: Arc<Settings>,
    metrics: Metrics,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
    name: String,
}

/// What to write back for one claimed row.
#[derive(Clone)]
enum Record {
    /// Not attempted: back to the queue as it was.
    Release,
    Sent,
    /// The error, and when to try again (`None`: give up).
    Failed(String, Option<NaiveDateTime>),
}

/// What happened to one attempt.
enum Outcome {
    Sent,
    Retry(String),
    /// Retrying cannot help (bad address, template error, permanent SMTP refusal).
    Permanent(String),
}

impl Worker {
    /// `None` when no SMTP server is configured: mail then stays queued.
    pub fn new(db: Db, settings: Arc<Settings>, metrics: Metrics) -> anyhow::Result<Option<Self>> {
        let Some(url) = settings.smtp_url.as_ref() else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .map_err(|e| anyhow!("QALXAN_SMTP_URL is not usable: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from: Mailbox = settings
            .mail_from
            .parse()
            .context("QALXAN_MAIL_FROM is not a mailbox")?;
        let host = message::id_host(&settings.base_url);
        let name = format!(
            "{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Ok(Some(Self {
            db,
            settings,
            metrics,
            transport,
            from,
            host,
            name,
        }))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Polls until `stop` turns true; the batch in hand is finished first.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(worker = %self.name, "mail worker started");
        let mut last_health = Instant::now() - HEALTH_EVERY;
        loop {
            let handled = match self.run_once().await {
                Ok(n) => n,
                Err(error) => {
                    tracing::warn!(worker = %self.name, error = %format!("{error:#}"), "mail worker: claim failed");
                    0
                }
            };
            if last_health.elapsed() >= HEALTH_EVERY {
                last_health = Instant::now();
                self.check_health().await;
            }
            if *stop.borrow() {
                break;
            }
            if handled as i64 == BATCH {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings.mail.poll_interval) => {}
                // A dropped sender means nobody can ask us to stop any more: stop now.
                changed = stop.changed() => if changed.is_err() { break },
            }
            if *stop.borrow() {
                break;
            }
        }
        tracing::info!(worker = %self.name, "mail worker stopped");
    }

    /// Claims one batch and handles it; returns how many rows were claimed.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let now = time::now();
        let lease_until = now + chrono::Duration::from_std(self.settings.mail.lease)?;
        let (worker, host) = (self.name.clone(), self.host.clone());
        let token = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        let rows = self
            .db
            .run(move |conn| {
                Ok(outbox::claim(
                    conn,
                    &Claim {
                        worker: &worker,
                        now,
                        lease_until,
                        limit: BATCH,
                        token: &token,
                        host: &host,
                    },
                )?)
            })
            .await
            .map_err(|e| anyhow!("{e:#}"))?;
        let claimed = rows.len();
        for row in rows {
            let outcome = self.attempt(&row, lease_until).await;
            self.record(row, outcome).await;
        }
        Ok(claimed)
    }

    async fn attempt(&self, row: &OutboxRow, lease_until: NaiveDateTime) -> Option<Outcome> {
        if row.attempts > self.settings.mail.max_attempts {
            return Some(Outcome::Permanent(format!(
                "abandoned after {} attempts",
                row.attempts - 1
            )));
        }
        // Not enough lease left to finish: let it go rather than risk another worker taking it
        // over while this one is still talking to the server.
        let margin = chrono::Duration::from_std(SMTP_TIMEOUT * 2).unwrap_or_default();
        if time::now() + margin > lease_until {
            return None;
        }
        let message = match self.prepare(row) {
            Ok(m) => m,
            Err(e) => return Some(Outcome::Permanent(format!("{e:#}"))),
        };
        Some(match self.transport.send(message).await {
            Ok(_) => Outcome::Sent,
            Err(e) if e.is_permanent() => Outcome::Permanent(e.to_string()),
            Err(e) => Outcome::Retry(e.to_string()),
        })
    }

    fn prepare(&self, row: &OutboxRow) -> anyhow::Result<lettre::Message> {
        let kind = MailKind::parse(&row.kind).map_err(|e| anyhow!("kind: {e}"))?;
        let locale = Locale::parse(&row.locale).unwrap_or_default();
        let context: serde_json::Value =
            serde_json::from_str(&row.context).context("context is not JSON")?;
        let rendered = render::render(
            kind,
            locale,
            &context,
            row.incident_id,
            &Site {
                base_url: &self.settings.base_url,
                cert_name: &self.settings.cert_name,
            },
        )?;
        let message_id = row
            .message_id
            .clone()
            .unwrap_or_else(|| format!("<outbox-{}@{}>", row.id, self.host));
        Ok(message::build(
            &Addressing {
                from: &self.from,
                to: &row.recipient_email,
                message_id: &message_id,
                thread_root: row
                    .thread_key
                    .as_deref()
                    .map(|k| message::thread_root(k, &self.host)),
                locale: locale.as_str(),
            },
            &rendered,
        )?)
    }

    async fn record(&self, row: OutboxRow, outcome: Option<Outcome>) {
        let mail = &self.settings.mail;
        let (id, attempts) = (row.id, row.attempts);
        let record = match outcome {
            None => Record::Release,
            Some(Outcome::Sent) => {
                self.metrics.outbox_sent();
                tracing::info!(outbox_id = id, kind = %row.kind, "mail sent");
                Record::Sent
            }
            Some(Outcome::Retry(error)) if attempts < mail.max_attempts => {
                self.metrics.outbox_failure();
                let jitter = rand::thread_rng().gen_range(0.0..=0.25);
                let delay = backoff(attempts, mail.backoff_base, mail.backoff_max, jitter);
                let at = time::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                tracing::warn!(outbox_id = id, attempts, %error, retry_at = %at, "mail not sent; will retry");
                Record::Failed(error, Some(at))
            }
            Some(Outcome::Retry(error) | Outcome::Permanent(error)) => {
                self.metrics.outbox_failure();
                tracing::error!(outbox_id = id, attempts, %error, "mail failed for good; an administrator can retry it");
                Record::Failed(error, None)
            }
        };
        // The message may already be out: keep trying to record that, or it is sent again
        // once the lease expires.
        for pause in [0, 200, 1_000, 5_000] {
            tokio::time::sleep(Duration::from_millis(pause)).await;
            let (record, worker) = (record.clone(), self.name.clone());
            let result = self
                .db
                .run(move |conn| {
                    let now = time::now();
                    Ok(match record {
                        Record::Release => outbox::release(conn, id, &worker)?,
                        Record::Sent => outbox::mark_sent(conn, id, &worker, now)?,
                        Record::Failed(error, at) => {
                            outbox::mark_attempt_failed(conn, id, &worker, &error, at)?
                        }
                    })
                })
                .await;
            match result {
                Ok(true) => return,
                Ok(false) => {
                    tracing::warn!(
                        outbox_id = id,
                        "outbox row was taken over by another worker"
                    );
                    return;
                }
                Err(e) => {
                    tracing::warn!(outbox_id = id, error = %e, "cannot record a mail outcome; retrying")
                }
            }
        }
        tracing::error!(
            outbox_id = id,
            "gave up recording the outcome of a mail attempt"
        );
    }

    /// Warns when the oldest unsent message has waited longer than configured.
    async fn check_health(&self) {
        let Ok(stats) = self.db.run(|c| Ok(outbox::stats(c)?)).await else {
            return;
        };
        if let Some(oldest) = stats.oldest_unsent_at {
            let age = (time::now() - oldest).to_std().unwrap_or_default();
            if age > self.settings.mail.alert_after {
                tracing::warn!(
                    unsent = stats.unsent,
                    oldest_age_seconds = age.as_secs(),
                    "mail has not been going out for longer than QALXAN_MAIL_ALERT_AFTER_MINUTES; check the SMTP server"
                );
            }
        }
    }
}

/// `base · 2^(attempts−1)`, capped at `max`, plus `jitter` (a fraction, 0–0.25) of it so that
/// many messages failing together do not retry together.
pub fn backoff(attempts: i32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exp = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let delay = base.saturating_mul(2u32.saturating_pow(exp)).min(max);
    delay + delay.mul_f64(jitter.clamp(0.0, 1.0))
}

/// Starts the worker on the current (actix) runtime if SMTP is configured; says once that
/// mail will only be queued otherwise. Returns the handle to await after `stop` is set.
pub fn spawn(
    db: Db,
    settings: Arc<Settings>,
    metrics: Metrics,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    match Worker::new(db, settings, metrics)? {
        Some(worker) => Ok(Some(actix_web::rt::spawn(worker.run(stop)))),
        None => {
            tracing::warn!(
                "QALXAN_SMTP_URL is not set: notifications are queued in the outbox but not sent"
            );
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let (base, max) = (Duration::from_secs(30), Duration::from_secs(3600));
        assert_eq!(backoff(1, base, max, 0.0), Duration::from_secs(30));
        assert_eq!(backoff(2, base, max, 0.0), Duration::from_secs(60));
        assert_eq!(backoff(4, base, max, 0.0), Duration::from_secs(240));
        assert_eq!(backoff(4, base, max, 0.25), Duration::from_secs(300));
        assert_eq!(backoff(10, base, max, 0.0), max);
        assert_eq!(backoff(1000, base, max, 0.0), max);
    }
}
