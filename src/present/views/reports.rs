//! NIS2 reporting stages as the API and the case page show them: each row with its state
//! against its due time, and which one is due next.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::{
    domain::{
        nis2::{self, ReportState},
        time::to_utc,
    },
    services::rows::IncidentReport,
};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub incident_id: i64,
    /// `early_warning`, `notification`, `intermediate` or `final`.
    pub stage: String,
    pub due_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<i64>,
    /// Against `due_at`: `pending`, `on_time`, `late` or `overdue`. A correction is judged by
    /// the first submission of its stage.
    pub state: ReportState,
    /// The submitted form (`{}` while pending).
    #[schema(value_type = Object)]
    pub fields: Value,
    /// The version this correction replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<i64>,
    /// The correction that replaced this version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<i64>,
    /// Who at the CERT asked for it (intermediate reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<i64>,
    /// The CERT's answer to an early warning is due 24 h after its submission (none for a
    /// superseded version left unanswered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledge_due_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledge_state: Option<ReportState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
}

/// The stage's first submission: corrections do not move the stage's timeliness.
fn first_submission(rows: &[IncidentReport], row: &IncidentReport) -> Option<NaiveDateTime> {
    let mut current = row;
    while let Some(parent) = current
        .supersedes
        .and_then(|id| rows.iter().find(|r| r.id == id))
    {
        current = parent;
    }
    current.submitted_at
}

/// Every row of one incident, oldest first, judged at `now`.
pub fn report_views(rows: &[IncidentReport], now: NaiveDateTime) -> Vec<ReportView> {
    rows.iter()
        .map(|r| {
            let superseded_by = rows
                .iter()
                .find(|c| c.supersedes == Some(r.id))
                .map(|c| c.id);
            let ack_due = r
                .ack_due_at
                .filter(|_| r.acknowledged_at.is_some() || superseded_by.is_none());
            ReportView {
                id: r.id,
                incident_id: r.incident_id,
                stage: r.stage.clone(),
                due_at: to_utc(r.due_at),
                submitted_at: r.submitted_at.map(to_utc),
                submitted_by: r.submitted_by,
                state: nis2::state(r.due_at, first_submission(rows, r), now),
                fields: serde_json::from_str(&r.fields).unwrap_or_default(),
                supersedes: r.supersedes,
                superseded_by,
                requested_by: r.requested_by,
                acknowledge_due_at: ack_due.map(to_utc),
                acknowledge_state: ack_due.map(|due| nis2::state(due, r.acknowledged_at, now)),
                acknowledged_at: r.acknowledged_at.map(to_utc),
                acknowledged_by: r.acknowledged_by,
                feedback: r.feedback.clone(),
            }
        })
        .collect()
}

/// An incident's reporting: every row, and what is due next.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    pub items: Vec<ReportView>,
    /// The soonest open due time, if any.
    pub next_due: Option<NextDue>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NextDue {
    /// A stage, or `acknowledgement` (the CERT's answer to an early warning).
    pub kind: String,
    pub due_at: DateTime<Utc>,
}

impl ReportList {
    pub fn new(rows: &[IncidentReport], now: NaiveDateTime) -> Self {
        let items = report_views(rows, now);
        let next_due = next_due(&items).map(|(kind, due_at)| NextDue { kind, due_at });
        Self { items, next_due }
    }
}

/// What is due next: the open stage (not submitted) or unanswered early warning with the
/// soonest due time, as (stage or `acknowledgement`, due).
pub fn next_due(views: &[ReportView]) -> Option<(String, DateTime<Utc>)> {
    let open = views
        .iter()
        .filter(|v| v.submitted_at.is_none())
        .map(|v| (v.stage.clone(), v.due_at));
    let answers = views
        .iter()
        .filter(|v| v.acknowledged_at.is_none())
        .filter_map(|v| v.acknowledge_due_at)
        .map(|due| ("acknowledgement".to_owned(), due));
    open.chain(answers).min_by_key(|(_, due)| *due)
}
