//! Indicators, the situation dashboard and the national statistics. Reads only: the policy
//! decides who may see them and which incidents (as SQL, through the incident scope); the
//! figures themselves are `domain::kpi`'s, computed here in Rust from one fetch of the stamps
//! of the incidents reported in the window, so that medians and percentiles are exact and the
//! same on both databases (SQLite has no `percentile_cont`).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};

mod dashboard;
mod national;

pub use dashboard::{
    dashboard, overdue_filter, since_filter, unassigned_filter, Dashboard, DASHBOARD_DAYS,
    SEVERITY_KEYS,
};
pub use national::{national, national_window, Cell, National, PublishedMedian};

use crate::{
    auth::Actor,
    authz::{self, Action, IncidentScope},
    db::{
        models::stats::{self as stats_db, CohortRow},
        DbConn,
    },
    domain::{
        deadline::{DueTimes, SlaFacts},
        incident::category_class,
        kpi::{self, Figures, GroupBy, Judged, Tally, Timeline},
        workflow::Status,
    },
    error::{AppError, AppResult},
};

/// The longest window one request may cover.
pub const MAX_WINDOW_DAYS: i64 = 3_700;

/// Reported from the first day to the last day, both included (UTC days).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    pub fn start(&self) -> NaiveDateTime {
        kpi::midnight(self.from)
    }

    /// The first moment after the window.
    pub fn end(&self) -> NaiveDateTime {
        kpi::midnight(self.to + Duration::days(1))
    }
}

/// The incidents of a window as the indicators read them, with the names and sectors of their
/// organisations.
pub struct Cohort {
    pub window: Window,
    pub now: NaiveDateTime,
    rows: Vec<(CohortRow, Timeline)>,
    organisations: HashMap<i64, (String, Option<String>)>,
}

/// One group of the indicators: its key (`2026-03`, `energy`, `phishing`, an organisation id…).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub key: String,
    pub figures: Figures,
}

fn status_of(row: &CohortRow) -> AppResult<Status> {
    Status::parse(&row.status)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored status: {e}")))
}

pub(super) fn load(
    conn: &mut DbConn,
    scope: IncidentScope,
    window: Window,
    now: NaiveDateTime,
) -> AppResult<Cohort> {
    let mut stages: HashMap<i64, Judged> = HashMap::new();
    // The stages of every incident of the window; the cohort below keeps those it sees.
    for (incident_id, due_at, submitted_at) in
        stats_db::report_stages(conn, window.start(), window.end())?
    {
        let judged = Judged::nis2_stage(due_at, submitted_at, now);
        let entry = stages.entry(incident_id).or_default();
        entry.kept += judged.kept;
        entry.judged += judged.judged;
    }
    let rows = stats_db::cohort(conn, scope, window.start(), window.end())?
        .into_iter()
        .map(|row| {
            let facts = SlaFacts {
                reported_at: row.reported_at,
                acknowledged_at: row.acknowledged_at,
                contained_at: row.contained_at,
                closed_at: row.closed_at,
                due: DueTimes {
                    ack: row.ack_due_at,
                    contain: row.contain_due_at,
                    resolve: row.resolve_due_at,
                },
            };
            let timeline = Timeline {
                reported_at: row.reported_at,
                acknowledged_at: row.acknowledged_at,
                contained_at: row.contained_at,
                closed_at: row.closed_at,
                status: status_of(&row)?,
                sla: Judged::sla(&facts, now),
                nis2: stages.get(&row.id).copied().unwrap_or_default(),
            };
            Ok((row, timeline))
        })
        .collect::<AppResult<Vec<_>>>()?;
    let organisations = stats_db::organisation_sectors(conn)?
        .into_iter()
        .map(|(id, name, sector)| (id, (name, sector)))
        .collect();
    Ok(Cohort {
        window,
        now,
        rows,
        organisations,
    })
}

/// The indicators' cohort for `actor`: CERT staff and auditors every incident, reporters their
/// own organisation's; liaisons none (403). `now` ends periods that have not ended yet.
pub fn cohort(
    conn: &mut DbConn,
    actor: &Actor,
    window: Window,
    now: NaiveDateTime,
) -> AppResult<Cohort> {
    authz::require(actor, Action::ReadIndicators)?;
    load(conn, authz::incident_scope(actor), window, now)
}

impl Cohort {
    /// The name of an organisation of the cohort (for labels of `GroupBy::Organisation`).
    pub fn organisation_name(&self, id: &str) -> Option<&str> {
        let id: i64 = id.parse().ok()?;
        self.organisations.get(&id).map(|(name, _)| name.as_str())
    }

    fn sector_of(&self, organisation_id: i64) -> Option<&str> {
        self.organisations
            .get(&organisation_id)
            .and_then(|(_, sector)| sector.as_deref())
    }

    fn end(&self) -> NaiveDateTime {
        self.window.end().min(self.now)
    }

    /// The key of a row in a grouping by label, borrowed: nothing is allocated per incident.
    fn label_key<'a>(&'a self, by: GroupBy, row: &'a CohortRow) -> &'a str {
        match by {
            GroupBy::Sector => self.sector_of(row.organisation_id).unwrap_or("none"),
            GroupBy::Category => &row.category,
            GroupBy::Class => category_class(&row.category).unwrap_or("other"),
            _ => row.severity.as_deref().unwrap_or("none"),
        }
    }

    /// The figures per group: every month or week of the window in order (empty ones too), or
    /// the labels that occur, most reported first.
    pub fn group(&self, by: GroupBy) -> Vec<Group> {
        let end = self.end();
        let mut groups: Vec<(String, Tally)> = match by {
            GroupBy::Month | GroupBy::Week => {
                let starts = kpi::buckets(by, self.window.from, self.window.to + Duration::days(1));
                let ends: Vec<NaiveDateTime> = starts
                    .iter()
                    .map(|s| kpi::midnight(kpi::next_bucket(by, *s)).min(end))
                    .collect();
                let mut tallies = vec![Tally::default(); starts.len()];
                for (_, t) in &self.rows {
                    let start = kpi::bucket_start(by, t.reported_at.date());
                    if let Ok(i) = starts.binary_search(&start) {
                        tallies[i].add(t, ends[i]);
                    }
                }
                let keys = starts.iter().map(|s| kpi::bucket_key(by, *s));
                keys.zip(tallies).collect()
            }
            GroupBy::Organisation => {
                let mut tallies: HashMap<i64, Tally> = HashMap::new();
                for (row, t) in &self.rows {
                    tallies.entry(row.organisation_id).or_default().add(t, end);
                }
                tallies
                    .into_iter()
                    .map(|(k, t)| (k.to_string(), t))
                    .collect()
            }
            _ => {
                let mut tallies: HashMap<&str, Tally> = HashMap::new();
                for (row, t) in &self.rows {
                    tallies
                        .entry(self.label_key(by, row))
                        .or_default()
                        .add(t, end);
                }
                tallies
                    .into_iter()
                    .map(|(k, t)| (k.to_owned(), t))
                    .collect()
            }
        };
        if !by.is_calendar() {
            groups.sort_by(|a, b| b.1.reported.cmp(&a.1.reported).then(a.0.cmp(&b.0)));
        }
        groups
            .into_iter()
            .map(|(key, tally)| Group {
                key,
                figures: tally.finish(),
            })
            .collect()
    }

    /// The figures of the whole window.
    pub fn totals(&self) -> Figures {
        let mut tally = Tally::default();
        for (_, timeline) in &self.rows {
            tally.add(timeline, self.end());
        }
        tally.finish()
    }

    /// Leaves out merged and rejected incidents (duplicates and non-incidents), for figures
    /// that are published.
    pub(super) fn genuine(mut self) -> Self {
        self.rows
            .retain(|(_, t)| !matches!(t.status, Status::Merged | Status::Rejected));
        self
    }
}
