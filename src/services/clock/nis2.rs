//! NIS2 reporting deadlines as a deadline source: each stage not yet submitted
//! (`report:<id>`, kind = the stage) and each early warning not yet answered by the CERT
//! (`report:<id>:answer`, kind `early_warning_answer`).

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDateTime;
use diesel::OptionalExtension;

use crate::{
    config::MailSettings,
    db::{
        models::{
            incident,
            incident_report::{self as report_db, IncidentReport},
        },
        DbConn,
    },
    domain::{
        deadline::{Alert, Deadline},
        nis2::{self, Stage},
    },
    error::AppResult,
    services::incidents::notices,
};

use super::{DeadlineSource, Watched};

pub struct ReportClocks;

pub const ANSWER: &str = "early_warning_answer";

fn stage_key(id: i64) -> String {
    format!("report:{id}")
}

fn answer_key(id: i64) -> String {
    format!("report:{id}:answer")
}

/// (row id, whether it is the CERT's answer) from a key.
fn parse_key(key: &str) -> Option<(i64, bool)> {
    let rest = key.strip_prefix("report:")?;
    match rest.split_once(':') {
        Some((id, "answer")) => Some((id.parse().ok()?, true)),
        Some(_) => None,
        None => Some((rest.parse().ok()?, false)),
    }
}

/// A stage's deadline: from awareness (early warning, notification), the notification's
/// submission (final) or the CERT's request (intermediate) to its due time; met when submitted.
fn stage_deadline(row: &IncidentReport) -> Watched {
    let start = match Stage::parse(&row.stage) {
        Ok(Stage::EarlyWarning) => row.due_at - nis2::EARLY_WARNING_WITHIN,
        Ok(Stage::Notification) => row.due_at - nis2::NOTIFICATION_WITHIN,
        _ => row.created_at.min(row.due_at),
    };
    Watched {
        key: stage_key(row.id),
        kind: row.stage.clone(),
        incident_id: Some(row.incident_id),
        deadline: Deadline {
            start,
            due_at: row.due_at,
            met_at: row.submitted_at,
        },
    }
}

/// The CERT's answer to a submitted early warning, if one is owed.
fn answer_deadline(row: &IncidentReport, superseded: bool) -> Option<Watched> {
    let (submitted, due) = (row.submitted_at?, row.ack_due_at?);
    if superseded && row.acknowledged_at.is_none() {
        return None;
    }
    Some(Watched {
        key: answer_key(row.id),
        kind: ANSWER.to_owned(),
        incident_id: Some(row.incident_id),
        deadline: Deadline {
            start: submitted,
            due_at: due,
            met_at: row.acknowledged_at,
        },
    })
}

impl DeadlineSource for ReportClocks {
    fn name(&self) -> &'static str {
        "nis2"
    }

    fn candidates(&self, conn: &mut DbConn, _now: NaiveDateTime) -> AppResult<Vec<Watched>> {
        let rows = report_db::watched(conn)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let superseded: HashSet<i64> = report_db::superseded_among(conn, &ids)?
            .into_iter()
            .collect();
        Ok(rows
            .iter()
            .filter_map(|r| match r.submitted_at {
                None => Some(stage_deadline(r)),
                Some(_) => answer_deadline(r, superseded.contains(&r.id)),
            })
            .collect())
    }

    fn reload(&self, conn: &mut DbConn, key: &str) -> AppResult<Option<Watched>> {
        let Some((id, answer)) = parse_key(key) else {
            return Ok(None);
        };
        let Some(row) = report_db::find(conn, id).optional()? else {
            return Ok(None);
        };
        if !answer {
            return Ok(Some(stage_deadline(&row)));
        }
        let superseded = !report_db::superseded_among(conn, &[id])?.is_empty();
        Ok(answer_deadline(&row, superseded))
    }

    fn notify(
        &self,
        conn: &mut DbConn,
        mail: &MailSettings,
        watched: &Watched,
        alert: Alert,
    ) -> AppResult<()> {
        let Some(id) = watched.incident_id else {
            return Ok(());
        };
        let incident = incident::find(conn, id)?;
        notices::nis2_alert(
            conn,
            mail,
            &incident,
            &watched.kind,
            watched.deadline.due_at,
            alert,
        )
    }

    fn breached(&self, conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Vec<(String, i64)>> {
        let mut counts: BTreeMap<String, i64> = Stage::ALL
            .iter()
            .map(|s| s.as_str())
            .chain([ANSWER])
            .map(|k| (k.to_owned(), 0))
            .collect();
        for w in self.candidates(conn, now)? {
            if w.deadline.met_at.is_none() && w.deadline.due_at <= now {
                *counts.entry(w.kind).or_default() += 1;
            }
        }
        Ok(counts.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        assert_eq!(parse_key(&stage_key(7)), Some((7, false)));
        assert_eq!(parse_key(&answer_key(7)), Some((7, true)));
        assert_eq!(parse_key("incident:7:ack"), None);
        assert_eq!(parse_key("report:7:other"), None);
        assert_eq!(parse_key("report:x"), None);
    }
}
