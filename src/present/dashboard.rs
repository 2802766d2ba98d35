//! The situation dashboard as both edges answer it. Every number carries `query`: the incident
//! list's query string (`/incidents?…` on the web, `/api/v1/incidents?…` in the API) that lists
//! exactly the incidents it counts.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::{kpi::GroupBy, time::to_utc, Locale},
    present::stats::{bound, list_query as query, KeyLabels},
    services::{
        rows::OverdueKind,
        stats::{Dashboard, SEVERITY_KEYS},
    },
};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
    /// The incident list's query string for exactly these incidents.
    pub query: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OpenCell {
    pub status: String,
    /// `none` when not assessed yet.
    pub severity: String,
    pub count: i64,
    pub query: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Day {
    pub day: NaiveDate,
    /// Reported that UTC day, per severity (`critical`, `high`, `medium`, `low`, `none`).
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub none: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DashboardView {
    pub generated_at: DateTime<Utc>,
    /// Open incidents per status and severity (cells with none are left out).
    pub open: Vec<OpenCell>,
    pub open_total: Count,
    pub unassigned: Count,
    /// Open incidents past a deadline not met, per kind (`acknowledgement`, `containment`,
    /// `resolution`); each kind counted on its own.
    pub overdue: Vec<Count>,
    pub intake_24h: Count,
    pub intake_7d: Count,
    /// Reported in the last 7 days, most first (at most five).
    pub top_categories: Vec<Count>,
    pub top_sectors: Vec<Count>,
    /// The last 90 UTC days, oldest first.
    pub daily: Vec<Day>,
}

impl DashboardView {
    pub fn new(d: &Dashboard, locale: Locale) -> Self {
        let labels = KeyLabels {
            locale,
            cohort: None,
        };
        let t = |key: &str| crate::present::i18n::translate(locale, key, &[]);
        let count = |key: &str, label: String, count: i64, pairs: &[(&str, String)]| Count {
            key: key.to_owned(),
            label,
            count,
            query: query(pairs),
        };
        let since_week = ("reported_from", bound(d.week_ago));
        let open = d
            .open
            .iter()
            .map(|(status, severity, n)| {
                let severity = severity.clone().unwrap_or_else(|| "none".into());
                OpenCell {
                    query: query(&[("status", status.clone()), ("severity", severity.clone())]),
                    status: status.clone(),
                    severity,
                    count: *n,
                }
            })
            .collect();
        DashboardView {
            generated_at: to_utc(d.now),
            open,
            open_total: count(
                "open",
                t("dash-open-total"),
                d.open.iter().map(|(_, _, n)| n).sum(),
                &[("status", "open".into())],
            ),
            unassigned: count(
                "unassigned",
                t("dash-unassigned"),
                d.unassigned,
                &[("status", "open".into()), ("assignee_id", "none".into())],
            ),
            overdue: d
                .overdue
                .iter()
                .map(|(kind, n)| {
                    let (key, value) = match kind {
                        OverdueKind::Acknowledge => ("acknowledgement", "ack"),
                        OverdueKind::Contain => ("containment", "contain"),
                        OverdueKind::Resolve => ("resolution", "resolve"),
                    };
                    let label = t(&format!("dash-overdue-{value}"));
                    count(key, label, *n, &[("overdue", value.into())])
                })
                .collect(),
            intake_24h: count(
                "24h",
                t("dash-intake-24h"),
                d.intake_day,
                &[("reported_from", bound(d.day_ago))],
            ),
            intake_7d: count(
                "7d",
                t("dash-intake-7d"),
                d.intake_week,
                std::slice::from_ref(&since_week),
            ),
            top_categories: d
                .top_categories
                .iter()
                .map(|(c, n)| {
                    let label = labels.label(GroupBy::Category, c);
                    count(c, label, *n, &[since_week.clone(), ("category", c.clone())])
                })
                .collect(),
            top_sectors: d
                .top_sectors
                .iter()
                .map(|(s, n)| {
                    let key = s.as_deref().unwrap_or("none");
                    let label = labels.label(GroupBy::Sector, key);
                    count(
                        key,
                        label,
                        *n,
                        &[since_week.clone(), ("sector", key.into())],
                    )
                })
                .collect(),
            daily: d
                .daily
                .iter()
                .map(|(day, n)| Day {
                    day: *day,
                    critical: n[0],
                    high: n[1],
                    medium: n[2],
                    low: n[3],
                    none: n[4],
                })
                .collect(),
        }
    }
}

/// The query string of the incidents reported on one UTC day with one severity.
pub fn day_query(day: NaiveDate, severity: &str) -> String {
    let next = day.succ_opt().unwrap_or(day);
    query(&[
        ("reported_from", day.to_string()),
        ("reported_before", next.to_string()),
        ("severity", severity.to_owned()),
    ])
}

/// Severity codes in the daily chart's stacking order.
pub fn severity_keys() -> [&'static str; 5] {
    SEVERITY_KEYS
}
