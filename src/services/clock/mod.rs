//! The deadline clock: at each step it asks every deadline source which of its deadlines owe an
//! alert at `now` — a warning once 75 % of the time is used, a breach notice once due — and sends
//! each alert at most once.
//!
//! Exactly once: every alert is one transaction that first inserts `(deadline_key, alert)` into
//! `deadline_alerts`, whose unique key refuses a second row. A second worker (another node, a
//! thread, the same node after a restart) racing for the same alert waits on that key and is
//! refused, so its transaction — and the mail it would have queued — is rolled back. Inside the
//! transaction the source re-reads the deadline: one met in the meantime sends nothing. The
//! outbox rows and, for a breach, the `deadline.breached` audit event are written in the same
//! transaction, so the alert, its mail and its trail exist together or not at all.
//!
//! A source is a [`DeadlineSource`]; [`sources`] lists them (the SLA clocks of incidents and the
//! NIS2 reporting stages here;
//! `docs/DEADLINES.md` explains how to add one).

pub mod nis2;
pub mod sla;

use std::collections::HashSet;

use chrono::NaiveDateTime;
use serde_json::json;

use crate::{
    config::MailSettings,
    db::{models::sla as alerts, write_tx, DbConn},
    domain::{
        deadline::{Alert, Deadline},
        time,
    },
    error::{AppError, AppResult},
    services::audit::{self, By, Entry},
};

/// One deadline a source watches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watched {
    /// Unique across all sources and stable for the deadline's life: `incident:42:ack`,
    /// `report:7`. The alert table is keyed by it.
    pub key: String,
    /// What kind of deadline it is (`ack`, `contain`, `resolve`, a NIS2 stage …): mail
    /// templates, the audit event and the metric label use it.
    pub kind: String,
    /// The incident whose stream gets the `deadline.breached` event (`None`: the system stream).
    pub incident_id: Option<i64>,
    pub deadline: Deadline,
}

/// Something with deadlines the clock watches. Every method runs on the clock's connection;
/// `reload` and `notify` inside the alert's transaction.
pub trait DeadlineSource: Send + Sync {
    /// A short name for logs.
    fn name(&self) -> &'static str;

    /// Deadlines that may owe an alert at `now`: at least every one not yet met. Cheap
    /// over-selection is fine — the clock computes which alert is due and skips those sent.
    fn candidates(&self, conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Vec<Watched>>;

    /// The deadline `key` as it stands now (`None` if it no longer exists), read inside the
    /// alert's transaction so that a deadline met meanwhile sends nothing.
    fn reload(&self, conn: &mut DbConn, key: &str) -> AppResult<Option<Watched>>;

    /// Queues the alert's mail through `services::notify` (same transaction). The clock writes
    /// the alert row and the audit event itself.
    fn notify(
        &self,
        conn: &mut DbConn,
        mail: &MailSettings,
        watched: &Watched,
        alert: Alert,
    ) -> AppResult<()>;

    /// How many open items are past due, by `kind`, for `/metrics`.
    fn breached(&self, conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Vec<(String, i64)>>;
}

/// Every source the clock asks, in order.
pub fn sources() -> Vec<Box<dyn DeadlineSource>> {
    vec![Box::new(sla::SlaClocks), Box::new(nis2::ReportClocks)]
}

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepReport {
    pub warnings: usize,
    pub breaches: usize,
}

/// One pass of the clock at `now` over every source. Tests call it with a chosen `now`; the job
/// in `serve` and `worker` calls it every `QALXAN_CLOCK_POLL_SECONDS`.
pub fn step(conn: &mut DbConn, mail: &MailSettings, now: NaiveDateTime) -> AppResult<StepReport> {
    let mut report = StepReport::default();
    for source in sources() {
        let owed: Vec<(Watched, Alert)> = source
            .candidates(conn, now)?
            .into_iter()
            .filter_map(|w| w.deadline.alert(now).map(|a| (w, a)))
            .collect();
        if owed.is_empty() {
            continue;
        }
        let keys: Vec<String> = owed.iter().map(|(w, _)| w.key.clone()).collect();
        let sent: HashSet<(String, String)> =
            alerts::alerts_for(conn, &keys)?.into_iter().collect();
        for (watched, alert) in owed {
            if sent.contains(&(watched.key.clone(), alert.as_str().to_owned())) {
                continue;
            }
            if send_once(conn, source.as_ref(), mail, &watched, alert, now)? {
                tracing::info!(source = source.name(), key = %watched.key, alert = %alert, "deadline alert queued");
                match alert {
                    Alert::Warning => report.warnings += 1,
                    Alert::Breach => report.breaches += 1,
                }
            }
        }
    }
    Ok(report)
}

/// Why an alert's transaction was rolled back without an error.
enum Outcome {
    Failed(AppError),
    /// Another worker sent it, or the deadline no longer owes it.
    Skipped,
}

impl From<diesel::result::Error> for Outcome {
    fn from(e: diesel::result::Error) -> Self {
        Outcome::Failed(e.into())
    }
}

impl From<AppError> for Outcome {
    fn from(e: AppError) -> Self {
        Outcome::Failed(e)
    }
}

/// One alert in one transaction; `Ok(false)` when it was not (or no longer) owed.
fn send_once(
    conn: &mut DbConn,
    source: &dyn DeadlineSource,
    mail: &MailSettings,
    watched: &Watched,
    alert: Alert,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let result = write_tx(conn, |conn| -> Result<(), Outcome> {
        let due_at = watched.deadline.due_at;
        let recorded = alerts::record_alert(
            conn,
            &watched.key,
            alert.as_str(),
            watched.incident_id,
            due_at,
            now,
        )?;
        if !recorded {
            return Err(Outcome::Skipped);
        }
        let current = source.reload(conn, &watched.key)?;
        let Some(current) = current.filter(|c| c.deadline.alert(now) == Some(alert)) else {
            return Err(Outcome::Skipped);
        };
        source.notify(conn, mail, &current, alert)?;
        if alert == Alert::Breach {
            audit::append(
                conn,
                Entry {
                    by: By::system(),
                    action: "deadline.breached",
                    entity_type: "deadline",
                    entity_id: current.incident_id,
                    incident_id: current.incident_id,
                    details: json!({
                        "key": current.key,
                        "kind": current.kind,
                        "due_at": time::rfc3339(current.deadline.due_at),
                    }),
                },
            )?;
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(true),
        Err(Outcome::Skipped) => Ok(false),
        Err(Outcome::Failed(e)) => Err(e),
    }
}

/// Open items past due per kind over every source, for `/metrics`.
pub fn breached(conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Vec<(String, i64)>> {
    let mut all = Vec::new();
    for source in sources() {
        all.extend(source.breached(conn, now)?);
    }
    Ok(all)
}
