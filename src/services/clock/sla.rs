//! The SLA clocks of incidents as a deadline source: `incident:<id>:ack|contain|resolve`.

use chrono::NaiveDateTime;
use diesel::OptionalExtension;

use crate::{
    config::MailSettings,
    db::{
        models::{
            incident::{self, Incident},
            sla as sla_db,
        },
        DbConn,
    },
    domain::deadline::{Alert, SlaKind},
    error::AppResult,
    services::{incidents::notices, sla::open_statuses},
};

use super::{DeadlineSource, Watched};

pub struct SlaClocks;

pub fn key(incident_id: i64, kind: SlaKind) -> String {
    format!("incident:{incident_id}:{kind}")
}

fn parse_key(key: &str) -> Option<(i64, SlaKind)> {
    let rest = key.strip_prefix("incident:")?;
    let (id, kind) = rest.split_once(':')?;
    Some((id.parse().ok()?, SlaKind::parse(kind).ok()?))
}

/// The incident's deadlines not yet met.
fn pending(incident: &Incident) -> impl Iterator<Item = Watched> + '_ {
    incident
        .sla_facts()
        .deadlines()
        .into_iter()
        .filter(|(_, d)| d.met_at.is_none())
        .map(|(kind, deadline)| Watched {
            key: key(incident.id, kind),
            kind: kind.as_str().to_owned(),
            incident_id: Some(incident.id),
            deadline,
        })
}

impl DeadlineSource for SlaClocks {
    fn name(&self) -> &'static str {
        "sla"
    }

    fn candidates(&self, conn: &mut DbConn, _now: NaiveDateTime) -> AppResult<Vec<Watched>> {
        let open = sla_db::open_incidents(conn, &open_statuses())?;
        Ok(open.iter().flat_map(pending).collect())
    }

    fn reload(&self, conn: &mut DbConn, key: &str) -> AppResult<Option<Watched>> {
        let Some((id, kind)) = parse_key(key) else {
            return Ok(None);
        };
        let Some(incident) = incident::find(conn, id).optional()? else {
            return Ok(None);
        };
        let facts = incident.sla_facts();
        Ok(facts
            .deadlines()
            .into_iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, deadline)| Watched {
                key: key.to_owned(),
                kind: kind.as_str().to_owned(),
                incident_id: Some(id),
                deadline,
            }))
    }

    fn notify(
        &self,
        conn: &mut DbConn,
        _mail: &MailSettings,
        watched: &Watched,
        alert: Alert,
    ) -> AppResult<()> {
        let Some(id) = watched.incident_id else {
            return Ok(());
        };
        let incident = incident::find(conn, id)?;
        notices::sla_alert(
            conn,
            &incident,
            &watched.kind,
            watched.deadline.due_at,
            alert,
        )
    }

    fn breached(&self, conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Vec<(String, i64)>> {
        let counts = sla_db::breached_counts(conn, &open_statuses(), now)?;
        Ok(SlaKind::ALL
            .iter()
            .zip(counts)
            .map(|(kind, n)| (kind.as_str().to_owned(), n))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        assert_eq!(key(42, SlaKind::Contain), "incident:42:contain");
        assert_eq!(
            parse_key("incident:42:contain"),
            Some((42, SlaKind::Contain))
        );
        assert_eq!(parse_key("report:7"), None);
        assert_eq!(parse_key("incident:x:ack"), None);
    }
}
