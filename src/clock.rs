//! The deadline clock's job: every `QALXAN_CLOCK_POLL_SECONDS` it runs one
//! `services::clock::step` at the current time. It runs inside every `qalxan serve` and
//! `qalxan worker`; several nodes are safe because each alert is sent once by a unique key in the
//! database (see `services::clock`).

use std::{sync::Arc, time::Duration};

use tokio::sync::watch;

use crate::{config::Settings, db::Db, domain::time, metrics::Metrics, services::clock};

/// Starts the clock on the current runtime unless it is switched off (poll 0). Returns the
/// handle to await after `stop` is set.
pub fn spawn(
    db: Db,
    settings: Arc<Settings>,
    metrics: Metrics,
    stop: watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    let Some(every) = settings.clock_poll else {
        tracing::info!("QALXAN_CLOCK_POLL_SECONDS is 0: this node runs no deadline clock");
        return None;
    };
    Some(actix_web::rt::spawn(run(
        db, settings, metrics, every, stop,
    )))
}

async fn run(
    db: Db,
    settings: Arc<Settings>,
    metrics: Metrics,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    tracing::info!(every_seconds = every.as_secs(), "deadline clock started");
    loop {
        let mail = settings.mail.clone();
        let now = time::now();
        match db.run(move |conn| clock::step(conn, &mail, now)).await {
            Ok(report) => {
                metrics.clock_ran(now);
                if report.warnings + report.breaches > 0 {
                    tracing::info!(
                        warnings = report.warnings,
                        breaches = report.breaches,
                        "deadline clock step"
                    );
                }
            }
            Err(error) => {
                tracing::warn!(%error, "deadline clock step failed; next try at the next poll")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
        if *stop.borrow() {
            break;
        }
    }
    tracing::info!("deadline clock stopped");
}
