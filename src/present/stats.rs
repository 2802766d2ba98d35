//! Indicators and national statistics as both edges answer them: the query (checked into a
//! window and a grouping), labels in the reader's language, the JSON shapes, CSV, and links to
//! the incident list filtered to exactly the incidents a number counts.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    domain::{
        kpi::{Figures, GroupBy, Summary},
        time, Locale,
    },
    error::FieldErrors,
    present::{csv::cell, i18n::translate},
    services::stats::{Cell, Cohort, Group, National, PublishedMedian, Window, MAX_WINDOW_DAYS},
};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct KpiQuery {
    /// First day reported (UTC, `2026-01-01`); default: the first day of the month eleven
    /// months before `to`'s.
    pub from: Option<String>,
    /// Last day reported, included (UTC); default: today.
    pub to: Option<String>,
    /// `month` (default), `week`, `sector`, `category`, `class`, `severity` or `organisation`.
    pub group_by: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

fn day(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> Option<NaiveDate> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    errors.check(
        field,
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| "must be a date such as 2026-03-01".to_owned()),
    )
}

impl KpiQuery {
    pub fn group_by(&self, errors: &mut FieldErrors) -> GroupBy {
        match self
            .group_by
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => GroupBy::Month,
            Some(raw) => errors
                .check("group_by", GroupBy::parse(raw))
                .unwrap_or(GroupBy::Month),
        }
    }

    pub fn csv(&self, errors: &mut FieldErrors) -> bool {
        match self.format.as_deref().map(str::trim) {
            None | Some("") | Some("json") => false,
            Some("csv") => true,
            Some(_) => {
                errors.add("format", "must be json or csv");
                false
            }
        }
    }

    /// The window asked for, or the last twelve calendar months up to today.
    pub fn window(&self, errors: &mut FieldErrors, today: NaiveDate) -> Window {
        let to = day(errors, "to", self.to.as_deref()).unwrap_or(today);
        let default_from = (to - Duration::days(i64::from(to.day0())))
            .checked_sub_months(chrono::Months::new(11))
            .unwrap_or(to);
        let from = day(errors, "from", self.from.as_deref()).unwrap_or(default_from);
        if from > to {
            errors.add("from", "must not be after `to`");
        } else if (to - from).num_days() > MAX_WINDOW_DAYS {
            errors.add("from", "the window may span at most ten years");
        }
        Window { from, to }
    }
}

/// Words for the keys of each grouping, in one language.
pub struct KeyLabels<'a> {
    pub locale: Locale,
    pub cohort: Option<&'a Cohort>,
}

impl KeyLabels<'_> {
    pub fn label(&self, by: GroupBy, key: &str) -> String {
        let t = |k: String| {
            let text = translate(self.locale, &k, &[]);
            if text == k {
                key.to_owned()
            } else {
                text
            }
        };
        match by {
            GroupBy::Month | GroupBy::Week => key.to_owned(),
            GroupBy::Sector => t(format!("sector-{key}")),
            GroupBy::Category => t(format!("inc-rsit-{key}")),
            GroupBy::Class => t(format!("inc-rsit-class-{key}")),
            GroupBy::Severity if key == "none" => t("inc-severity-unset".into()),
            GroupBy::Severity => t(format!("inc-severity-{key}")),
            GroupBy::Organisation => self
                .cohort
                .and_then(|c| c.organisation_name(key))
                .unwrap_or(key)
                .to_owned(),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct KpiItem {
    /// `2026-03`, `2026-W09`, a sector or category code, an organisation id, or `total`.
    pub key: String,
    pub label: String,
    pub reported: u64,
    pub acknowledged: u64,
    pub contained: u64,
    /// Final status `closed` (merged and rejected incidents are never counted here).
    pub closed: u64,
    /// Not closed, rejected or merged at the end of the group's period (or now, if later).
    pub open_at_end: u64,
    /// From `reported_at` to `acknowledged_at`; absent when nothing was acknowledged.
    pub mtta_seconds: Option<Summary>,
    pub mttc_seconds: Option<Summary>,
    pub mttr_seconds: Option<Summary>,
    /// SLA deadlines (acknowledge, contain, resolve) of these incidents met in time, of those
    /// that came due or were met, at the time of the request; null when none.
    pub sla_met_ratio: Option<f64>,
    /// NIS2 reporting stages of these incidents submitted on time, of those submitted or
    /// overdue, at the time of the request; null when none.
    pub nis2_on_time_ratio: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: GroupBy,
    pub items: Vec<KpiItem>,
    pub totals: KpiItem,
}

fn item(key: String, label: String, f: Figures) -> KpiItem {
    KpiItem {
        key,
        label,
        reported: f.reported,
        acknowledged: f.acknowledged,
        contained: f.contained,
        closed: f.closed,
        open_at_end: f.open_at_end,
        mtta_seconds: f.mtta,
        mttc_seconds: f.mttc,
        mttr_seconds: f.mttr,
        sla_met_ratio: f.sla_met_ratio,
        nis2_on_time_ratio: f.nis2_on_time_ratio,
    }
}

impl KpiReport {
    pub fn new(cohort: &Cohort, by: GroupBy, locale: Locale) -> Self {
        Self::from_groups(cohort, by, locale, cohort.group(by))
    }

    pub fn from_groups(cohort: &Cohort, by: GroupBy, locale: Locale, groups: Vec<Group>) -> Self {
        let labels = KeyLabels {
            locale,
            cohort: Some(cohort),
        };
        KpiReport {
            from: cohort.window.from,
            to: cohort.window.to,
            group_by: by,
            items: groups
                .into_iter()
                .map(|g| {
                    let label = labels.label(by, &g.key);
                    item(g.key, label, g.figures)
                })
                .collect(),
            totals: item(
                "total".into(),
                translate(locale, "stats-total", &[]),
                cohort.totals(),
            ),
        }
    }

    /// The same rows as CSV (RFC 4180), totals last.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "key,label,reported,acknowledged,contained,closed,open_at_end,\
             mtta_median_seconds,mtta_p90_seconds,mtta_mean_seconds,\
             mttc_median_seconds,mttc_p90_seconds,mttc_mean_seconds,\
             mttr_median_seconds,mttr_p90_seconds,mttr_mean_seconds,\
             sla_met_ratio,nis2_on_time_ratio\r\n",
        );
        for i in self.items.iter().chain([&self.totals]) {
            cell(&mut out, &i.key, true);
            out.push(',');
            cell(&mut out, &i.label, true);
            for n in [
                i.reported,
                i.acknowledged,
                i.contained,
                i.closed,
                i.open_at_end,
            ] {
                out.push_str(&format!(",{n}"));
            }
            for s in [&i.mtta_seconds, &i.mttc_seconds, &i.mttr_seconds] {
                match s {
                    Some(s) => out.push_str(&format!(",{},{},{}", s.median, s.p90, s.mean)),
                    None => out.push_str(",,,"),
                }
            }
            for r in [i.sla_met_ratio, i.nis2_on_time_ratio] {
                match r {
                    Some(r) => out.push_str(&format!(",{r}")),
                    None => out.push(','),
                }
            }
            out.push_str("\r\n");
        }
        out
    }
}

/// The incident list's query string for the incidents of one group of a window.
pub fn group_query(by: GroupBy, window: &Window, key: &str) -> String {
    let (from, before) = match by {
        GroupBy::Month | GroupBy::Week => {
            let start = first_day_of(by, key)
                .unwrap_or(window.from)
                .max(window.from);
            let next =
                crate::domain::kpi::next_bucket(by, start).min(window.to + Duration::days(1));
            (start, next)
        }
        _ => (window.from, window.to + Duration::days(1)),
    };
    let mut pairs = vec![
        ("reported_from", from.to_string()),
        ("reported_before", before.to_string()),
    ];
    let filter = match by {
        GroupBy::Sector => Some("sector"),
        GroupBy::Category => Some("category"),
        GroupBy::Class => Some("class"),
        GroupBy::Severity => Some("severity"),
        GroupBy::Organisation => Some("organisation_id"),
        GroupBy::Month | GroupBy::Week => None,
    };
    if let Some(name) = filter {
        pairs.push((name, key.to_owned()));
    }
    list_query(&pairs)
}

fn first_day_of(by: GroupBy, key: &str) -> Option<NaiveDate> {
    match by {
        GroupBy::Week => {
            let (year, week) = key.split_once("-W")?;
            NaiveDate::from_isoywd_opt(year.parse().ok()?, week.parse().ok()?, chrono::Weekday::Mon)
        }
        _ => NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").ok(),
    }
}

/// The incident list's query string (the API and the web list take the same parameters).
pub fn list_query(pairs: &[(&str, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A time as list filters take it (RFC 3339 with microseconds).
pub fn bound(at: NaiveDateTime) -> String {
    time::rfc3339(at)
}

/// A published count: the number, or "< n" when withheld.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublishedCell {
    pub key: String,
    pub label: String,
    /// Absent when the count is below the minimum cell size.
    pub count: Option<u64>,
    /// The count, or `< 3`.
    pub display: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublishedTime {
    /// Absent when fewer incidents than the minimum cell size have this stamp.
    pub median_seconds: Option<f64>,
    pub incidents: Option<u64>,
    pub display: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NationalReport {
    /// Always `TLP:CLEAR`: nothing here names an organisation, a person or an incident.
    pub tlp: String,
    pub year: i32,
    pub quarter: Option<u32>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub min_cell: u64,
    pub total: PublishedCell,
    pub by_class: Vec<PublishedCell>,
    pub by_sector: Vec<PublishedCell>,
    pub by_severity: Vec<PublishedCell>,
    pub by_month: Vec<PublishedCell>,
    pub mtta: PublishedTime,
    pub mttc: PublishedTime,
    pub mttr: PublishedTime,
}

/// A duration in words: `3 h 20 min`, `2 d 4 h`, `45 s`.
pub fn duration_text(locale: Locale, seconds: f64) -> String {
    let s = seconds.round() as i64;
    let unit = |key: &str, n: i64| translate(locale, key, &[("n", &n.to_string())]);
    match s {
        s if s < 60 => unit("stats-seconds", s),
        s if s < 3600 => unit("stats-minutes", s / 60),
        s if s < 86_400 => format!(
            "{} {}",
            unit("stats-hours", s / 3600),
            unit("stats-minutes", s % 3600 / 60)
        ),
        s => format!(
            "{} {}",
            unit("stats-days", s / 86_400),
            unit("stats-hours", s % 86_400 / 3600)
        ),
    }
}

impl NationalReport {
    pub fn new(n: &National, locale: Locale) -> Self {
        let labels = KeyLabels {
            locale,
            cohort: None,
        };
        let withheld = format!("< {}", n.min_cell);
        let display = |count: Option<u64>| count.map_or(withheld.clone(), |c| c.to_string());
        let cells = |by: GroupBy, cells: &[Cell]| -> Vec<PublishedCell> {
            cells
                .iter()
                .map(|c| PublishedCell {
                    key: c.key.clone(),
                    label: labels.label(by, &c.key),
                    count: c.count,
                    display: display(c.count),
                })
                .collect()
        };
        let time = |m: &PublishedMedian| PublishedTime {
            median_seconds: m.median_seconds,
            incidents: m.incidents,
            display: match (m.incidents, m.median_seconds) {
                (None, _) => withheld.clone(),
                (Some(_), Some(s)) => duration_text(locale, s),
                (Some(_), None) => "—".to_owned(),
            },
        };
        NationalReport {
            tlp: "TLP:CLEAR".into(),
            year: n.year,
            quarter: n.quarter,
            from: n.window.from,
            to: n.window.to,
            min_cell: n.min_cell,
            total: PublishedCell {
                key: "total".into(),
                label: translate(locale, "stats-total", &[]),
                count: n.total,
                display: display(n.total),
            },
            by_class: cells(GroupBy::Class, &n.by_class),
            by_sector: cells(GroupBy::Sector, &n.by_sector),
            by_severity: cells(GroupBy::Severity, &n.by_severity),
            by_month: cells(GroupBy::Month, &n.by_month),
            mtta: time(&n.mtta),
            mttc: time(&n.mttc),
            mttr: time(&n.mttr),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NationalQuery {
    /// The calendar year (default: the current one).
    pub year: Option<String>,
    /// 1–4 for one quarter of it; absent for the whole year.
    pub quarter: Option<String>,
}

impl NationalQuery {
    pub fn parse(&self, errors: &mut FieldErrors, today: NaiveDate) -> (i32, Option<u32>) {
        let trimmed = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let year = trimmed(&self.year)
            .and_then(|y| {
                errors.check(
                    "year",
                    y.parse::<i32>()
                        .ok()
                        .filter(|y| (2000..=2100).contains(y))
                        .ok_or_else(|| "must be a year between 2000 and 2100".to_owned()),
                )
            })
            .unwrap_or(today.year());
        let quarter = trimmed(&self.quarter).and_then(|q| {
            errors.check(
                "quarter",
                q.parse::<u32>()
                    .ok()
                    .filter(|q| (1..=4).contains(q))
                    .ok_or_else(|| "must be 1, 2, 3 or 4".to_owned()),
            )
        });
        (year, quarter)
    }
}
