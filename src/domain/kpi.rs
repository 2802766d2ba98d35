//! Performance indicators as pure rules: which incidents count as acknowledged, contained,
//! closed or open at the end of a period, exact percentiles of the times between the stamps,
//! calendar buckets, and small-cell suppression for published figures.
//!
//! Every figure is over a *cohort*: the incidents reported in the period (or in one bucket of
//! it). Times are from `reported_at` to `acknowledged_at` / `contained_at` / `closed_at`, in
//! seconds. Only incidents whose final status is `closed` count as closed (a reopened incident
//! counts its final closure, since reopening clears `closed_at`); merged and rejected ones count
//! as reported, acknowledged and contained when they were, never as closed.
//!
//! Two ratios judge the cohort's deadlines at the time of the request, each deadline exactly as
//! the incident itself shows it: `sla_met_ratio` is the share of its SLA deadlines (acknowledge,
//! contain, resolve; `domain::deadline`) that were met in time among those that came due or were
//! met (`met` / (`met` + `missed` + `breached`), pending ones left out); `nis2_on_time_ratio` the
//! share of its NIS2 reporting stages submitted on time among those submitted or overdue
//! (`on_time` / (`on_time` + `late` + `overdue`); `domain::nis2::state`). Both are `None` when
//! nothing has come due.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::{
    deadline::{DeadlineState, SlaFacts},
    nis2::{self, ReportState},
    string_enum,
    workflow::Status,
};

string_enum!(
    /// How the indicators are grouped.
    GroupBy {
        Month => "month",
        Week => "week",
        Sector => "sector",
        Category => "category",
        Class => "class",
        Severity => "severity",
        Organisation => "organisation",
    }
);

impl GroupBy {
    /// Calendar groupings are buckets of time; the others are labels of the incident.
    pub fn is_calendar(self) -> bool {
        matches!(self, GroupBy::Month | GroupBy::Week)
    }
}

/// The stamps of one incident that the indicators read.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    pub reported_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub contained_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub status: Status,
    /// Its SLA deadlines that were met in time, of those judged (see the module's text).
    pub sla: Judged,
    /// Its NIS2 stages submitted on time, of those judged.
    pub nis2: Judged,
}

/// How many deadlines were kept, of how many that could be judged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Judged {
    pub kept: u32,
    pub judged: u32,
}

impl Judged {
    fn absorb(&mut self, other: Judged) {
        self.kept += other.kept;
        self.judged += other.judged;
    }

    /// `kept / judged`, or `None` when nothing could be judged.
    pub fn ratio(self) -> Option<f64> {
        (self.judged > 0).then(|| f64::from(self.kept) / f64::from(self.judged))
    }

    /// An incident's SLA deadlines at `now`: met in time counts as kept; missed and breached as
    /// not; pending ones are not judged yet.
    pub fn sla(facts: &SlaFacts, now: NaiveDateTime) -> Self {
        let mut out = Judged::default();
        for (_, deadline) in facts.deadlines() {
            match deadline.state(now) {
                DeadlineState::Met => {
                    out.kept += 1;
                    out.judged += 1;
                }
                DeadlineState::Missed | DeadlineState::Breached => out.judged += 1,
                DeadlineState::Pending => {}
            }
        }
        out
    }

    /// One NIS2 stage (its first version: `due_at`, first submission) at `now`.
    pub fn nis2_stage(
        due: NaiveDateTime,
        submitted: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> Self {
        match nis2::state(due, submitted, now) {
            ReportState::OnTime => Judged { kept: 1, judged: 1 },
            ReportState::Late | ReportState::Overdue => Judged { kept: 0, judged: 1 },
            ReportState::Pending => Judged::default(),
        }
    }
}

/// Median, 90th percentile and mean of a set of durations, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub median: f64,
    pub p90: f64,
    pub mean: f64,
}

/// The value below which a fraction `p` of `sorted` lies, interpolating linearly between the
/// two nearest ranks: PostgreSQL's `percentile_cont`, so figures match any SQL cross-check.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = p.clamp(0.0, 1.0) * last as f64;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    let fraction = position - lower as f64;
    Some(sorted[lower] + (sorted[upper] - sorted[lower]) * fraction)
}

/// Durations in microseconds (exact integers) summarised in seconds; `None` when empty.
pub fn summarise(mut micros: Vec<i64>) -> Option<Summary> {
    if micros.is_empty() {
        return None;
    }
    micros.sort_unstable();
    let total: i128 = micros.iter().map(|m| i128::from(*m)).sum();
    let seconds: Vec<f64> = micros.iter().map(|m| *m as f64 / 1e6).collect();
    Some(Summary {
        median: percentile(&seconds, 0.5)?,
        p90: percentile(&seconds, 0.9)?,
        mean: (total as f64 / micros.len() as f64) / 1e6,
    })
}

/// The figures of one group, accumulated incident by incident.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub reported: u64,
    pub open_at_end: u64,
    sla: Judged,
    nis2: Judged,
    acknowledged: Vec<i64>,
    contained: Vec<i64>,
    closed: Vec<i64>,
}

/// A finished group.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub reported: u64,
    pub acknowledged: u64,
    pub contained: u64,
    pub closed: u64,
    pub open_at_end: u64,
    pub mtta: Option<Summary>,
    pub mttc: Option<Summary>,
    pub mttr: Option<Summary>,
    pub sla_met_ratio: Option<f64>,
    pub nis2_on_time_ratio: Option<f64>,
}

fn micros_between(from: NaiveDateTime, to: NaiveDateTime) -> i64 {
    (to - from).num_microseconds().unwrap_or(i64::MAX)
}

impl Tally {
    /// Counts one incident of the cohort; `end` is the end of its group's period (already
    /// clipped to now): the incident is open at the end unless it was finished (closed,
    /// rejected or merged, by its final stamp) before then.
    pub fn add(&mut self, t: &Timeline, end: NaiveDateTime) {
        self.reported += 1;
        self.sla.absorb(t.sla);
        self.nis2.absorb(t.nis2);
        if let Some(at) = t.acknowledged_at {
            self.acknowledged.push(micros_between(t.reported_at, at));
        }
        if let Some(at) = t.contained_at {
            self.contained.push(micros_between(t.reported_at, at));
        }
        if let (Status::Closed, Some(at)) = (t.status, t.closed_at) {
            self.closed.push(micros_between(t.reported_at, at));
        }
        let finished_by_end = !t.status.is_open() && t.closed_at.is_some_and(|at| at < end);
        if t.reported_at < end && !finished_by_end {
            self.open_at_end += 1;
        }
    }

    pub fn finish(self) -> Figures {
        Figures {
            reported: self.reported,
            acknowledged: self.acknowledged.len() as u64,
            contained: self.contained.len() as u64,
            closed: self.closed.len() as u64,
            open_at_end: self.open_at_end,
            mtta: summarise(self.acknowledged),
            mttc: summarise(self.contained),
            mttr: summarise(self.closed),
            sla_met_ratio: self.sla.ratio(),
            nis2_on_time_ratio: self.nis2.ratio(),
        }
    }
}

pub fn midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN)
}

/// The first day of the calendar bucket holding `day` (months; ISO weeks start on Monday).
pub fn bucket_start(by: GroupBy, day: NaiveDate) -> NaiveDate {
    match by {
        GroupBy::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
        _ => day.with_day(1).expect("day 1 exists"),
    }
}

/// The first day of the bucket after the one starting at `start`.
pub fn next_bucket(by: GroupBy, start: NaiveDate) -> NaiveDate {
    match by {
        GroupBy::Week => start + Duration::days(7),
        _ => start
            .checked_add_months(chrono::Months::new(1))
            .expect("dates stay in range"),
    }
}

/// The key of a calendar bucket: `2026-03` for a month, `2026-W09` for an ISO week.
pub fn bucket_key(by: GroupBy, start: NaiveDate) -> String {
    match by {
        GroupBy::Week => {
            let week = start.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        _ => start.format("%Y-%m").to_string(),
    }
}

/// Every bucket start from the one holding `from` up to `to` (exclusive), so that empty months
/// or weeks show as zeros rather than gaps.
pub fn buckets(by: GroupBy, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut start = bucket_start(by, from);
    while start < to {
        out.push(start);
        start = next_bucket(by, start);
    }
    out
}

/// A published count: below `min_cell` it is withheld (shown as "< min_cell"), so that no
/// small group — one organisation's incidents — can be singled out.
pub fn suppress(count: u64, min_cell: u64) -> Option<u64> {
    (count >= min_cell).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 3, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    #[test]
    fn percentiles_interpolate_like_percentile_cont() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        assert_eq!(percentile(&v, 0.9), Some(3.7));
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
        let s = summarise(vec![3_600_000_000, 1_800_000_000, 7_200_000_000]).unwrap();
        assert_eq!((s.median, s.mean), (3600.0, 4200.0));
        assert_eq!(s.p90, 6480.0);
    }

    #[test]
    fn closure_counts_only_the_final_close_and_not_merges_or_rejections() {
        let end = at(31, 0);
        let mut tally = Tally::default();
        let base = Timeline {
            reported_at: at(1, 0),
            acknowledged_at: Some(at(1, 2)),
            contained_at: None,
            closed_at: Some(at(2, 0)),
            status: Status::Closed,
            sla: Judged { kept: 2, judged: 3 },
            nis2: Judged::default(),
        };
        tally.add(&base, end);
        tally.add(
            &Timeline {
                status: Status::Merged,
                ..base.clone()
            },
            end,
        );
        tally.add(
            &Timeline {
                status: Status::Rejected,
                ..base.clone()
            },
            end,
        );
        // Reopened and not closed again: open, whatever it was before.
        tally.add(
            &Timeline {
                status: Status::Triage,
                closed_at: None,
                ..base.clone()
            },
            end,
        );
        // Closed after the end of the period: open at its end, closed all the same.
        tally.add(
            &Timeline {
                closed_at: Some(at(31, 1)),
                ..base.clone()
            },
            end,
        );
        let f = tally.finish();
        assert_eq!((f.reported, f.acknowledged, f.closed), (5, 5, 2));
        assert_eq!(f.open_at_end, 2);
        assert_eq!(f.mtta.unwrap().median, 7200.0);
        assert_eq!(
            f.mttr.unwrap().median,
            (86_400.0 + 30.0 * 86_400.0 + 3600.0) / 2.0
        );
        assert_eq!(f.mttc, None);
        assert_eq!(f.sla_met_ratio, Some(10.0 / 15.0));
        assert_eq!(f.nis2_on_time_ratio, None);
    }

    #[test]
    fn deadlines_are_judged_as_the_incident_shows_them() {
        use crate::domain::deadline::DueTimes;
        let now = at(10, 0);
        let facts = SlaFacts {
            reported_at: at(1, 0),
            acknowledged_at: Some(at(1, 1)), // due at 1 h: met
            contained_at: Some(at(3, 0)),    // due on day 2: missed
            closed_at: None,                 // due on day 20: pending
            due: DueTimes {
                ack: at(1, 1),
                contain: Some(at(2, 0)),
                resolve: Some(at(20, 0)),
            },
        };
        assert_eq!(Judged::sla(&facts, now), Judged { kept: 1, judged: 2 });
        // Past the resolution's due time it is breached.
        assert_eq!(
            Judged::sla(&facts, at(21, 0)),
            Judged { kept: 1, judged: 3 }
        );
        let stage = |submitted| Judged::nis2_stage(at(2, 0), submitted, now);
        assert_eq!(stage(Some(at(2, 0))), Judged { kept: 1, judged: 1 });
        assert_eq!(stage(Some(at(2, 1))), Judged { kept: 0, judged: 1 });
        assert_eq!(stage(None), Judged { kept: 0, judged: 1 });
        assert_eq!(Judged::nis2_stage(at(11, 0), None, now), Judged::default());
        assert_eq!(Judged::default().ratio(), None);
        assert_eq!(Judged { kept: 1, judged: 4 }.ratio(), Some(0.25));
    }

    #[test]
    fn calendar_buckets_cover_the_window_without_gaps() {
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        let months = buckets(GroupBy::Month, d(1, 15), d(4, 1));
        assert_eq!(months, vec![d(1, 1), d(2, 1), d(3, 1)]);
        assert_eq!(bucket_key(GroupBy::Month, d(2, 1)), "2025-02");
        let weeks = buckets(GroupBy::Week, d(1, 1), d(1, 14));
        assert_eq!(weeks, vec![d(1, 6) - Duration::days(7), d(1, 6), d(1, 13)]);
        assert_eq!(bucket_key(GroupBy::Week, d(1, 13)), "2025-W03");
        assert_eq!(bucket_key(GroupBy::Week, d(12, 29)), "2026-W01");
    }

    #[test]
    fn small_cells_are_withheld() {
        assert_eq!(suppress(2, 3), None);
        assert_eq!(suppress(3, 3), Some(3));
        assert_eq!(suppress(0, 3), None);
        assert_eq!(suppress(1, 1), Some(1));
    }
}
