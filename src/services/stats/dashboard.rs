//! The situation dashboard: counts of what is open now and of what came in lately.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::{
    auth::Actor,
    authz::{self, Action},
    db::{
        models::{
            incident::{self, IncidentFilter, OverdueKind, OPEN_STATUSES},
            stats as stats_db,
        },
        DbConn,
    },
    domain::kpi,
    error::AppResult,
};

/// Days shown on the dashboard's daily chart.
pub const DASHBOARD_DAYS: i64 = 90;

/// Severities of the daily chart, in stacking order; `none` is not assessed yet.
pub const SEVERITY_KEYS: [&str; 5] = ["critical", "high", "medium", "low", "none"];

/// The situation now, as the dashboard shows it. Every count is of an `IncidentFilter` the
/// incident list takes as well, so each number can link to exactly its incidents.
pub struct Dashboard {
    pub now: NaiveDateTime,
    /// (status, severity, count) of open incidents.
    pub open: Vec<(String, Option<String>, i64)>,
    pub unassigned: i64,
    /// Open incidents past a deadline of each kind, not met (acknowledge, contain, resolve).
    pub overdue: Vec<(OverdueKind, i64)>,
    pub day_ago: NaiveDateTime,
    pub week_ago: NaiveDateTime,
    pub intake_day: i64,
    pub intake_week: i64,
    /// Reported in the last 7 days, most first (at most 5).
    pub top_categories: Vec<(String, i64)>,
    /// Sector (`None`: organisations without one) and count, most first (at most 5).
    pub top_sectors: Vec<(Option<String>, i64)>,
    /// The last `DASHBOARD_DAYS` UTC days, oldest first, counts in `SEVERITY_KEYS` order.
    pub daily: Vec<(NaiveDate, [i64; 5])>,
}

/// The filters behind the dashboard's numbers.
pub fn unassigned_filter() -> IncidentFilter {
    IncidentFilter {
        statuses: OPEN_STATUSES.map(str::to_owned).to_vec(),
        assignee_id: Some(None),
        ..Default::default()
    }
}

pub fn overdue_filter(kind: OverdueKind, now: NaiveDateTime) -> IncidentFilter {
    IncidentFilter {
        overdue_kind: Some((kind, now)),
        ..Default::default()
    }
}

pub fn since_filter(from: NaiveDateTime) -> IncidentFilter {
    IncidentFilter {
        reported_from: Some(from),
        ..Default::default()
    }
}

fn top<K: Ord>(mut counts: Vec<(K, i64)>) -> Vec<(K, i64)> {
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts.truncate(5);
    counts
}

pub fn dashboard(conn: &mut DbConn, actor: &Actor, now: NaiveDateTime) -> AppResult<Dashboard> {
    authz::require(actor, Action::ReadDashboard)?;
    let scope = authz::incident_scope(actor);
    let day_ago = now - Duration::hours(24);
    let week_ago = now - Duration::days(7);
    let sectors: HashMap<i64, Option<String>> = stats_db::organisation_sectors(conn)?
        .into_iter()
        .map(|(id, _, sector)| (id, sector))
        .collect();
    let mut by_sector: BTreeMap<Option<String>, i64> = BTreeMap::new();
    for (org, n) in stats_db::recent_by_organisation(conn, scope, week_ago)? {
        *by_sector
            .entry(sectors.get(&org).cloned().flatten())
            .or_default() += n;
    }
    let first_day = now.date() - Duration::days(DASHBOARD_DAYS - 1);
    let mut daily: BTreeMap<NaiveDate, [i64; 5]> = (0..DASHBOARD_DAYS)
        .map(|d| (first_day + Duration::days(d), [0; 5]))
        .collect();
    for (at, severity) in stats_db::recent_reports(conn, scope, kpi::midnight(first_day))? {
        let slot = SEVERITY_KEYS
            .iter()
            .position(|k| *k == severity.as_deref().unwrap_or("none"))
            .unwrap_or(4);
        if let Some(day) = daily.get_mut(&at.date()) {
            day[slot] += 1;
        }
    }
    Ok(Dashboard {
        now,
        open: stats_db::open_by_status_severity(conn, scope)?,
        unassigned: incident::count(conn, scope, &unassigned_filter())?,
        overdue: [
            OverdueKind::Acknowledge,
            OverdueKind::Contain,
            OverdueKind::Resolve,
        ]
        .into_iter()
        .map(|kind| {
            Ok((
                kind,
                incident::count(conn, scope, &overdue_filter(kind, now))?,
            ))
        })
        .collect::<AppResult<Vec<_>>>()?,
        intake_day: incident::count(conn, scope, &since_filter(day_ago))?,
        intake_week: incident::count(conn, scope, &since_filter(week_ago))?,
        day_ago,
        week_ago,
        top_categories: top(stats_db::recent_by_category(conn, scope, week_ago)?),
        top_sectors: top(by_sector.into_iter().collect()),
        daily: daily.into_iter().collect(),
    })
}
