//! The national statistics: counts and medians safe to publish, small cells withheld.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::{load, Window, SEVERITY_KEYS};
use crate::{
    auth::Actor,
    authz::{self, Action, IncidentScope},
    db::DbConn,
    domain::kpi::{self, GroupBy},
    error::{AppError, AppResult},
};

/// A published count: `None` when withheld (below the minimum cell size).
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub key: String,
    pub count: Option<u64>,
}

/// A published median: `None` when it rests on fewer incidents than the minimum cell size.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedMedian {
    pub median_seconds: Option<f64>,
    pub incidents: Option<u64>,
}

/// The national statistics of a year or a quarter, safe to publish as TLP:CLEAR: counts only,
/// no organisation or title, every small cell withheld.
pub struct National {
    pub year: i32,
    pub quarter: Option<u32>,
    pub window: Window,
    pub min_cell: u64,
    pub total: Option<u64>,
    pub by_class: Vec<Cell>,
    pub by_sector: Vec<Cell>,
    pub by_severity: Vec<Cell>,
    pub by_month: Vec<Cell>,
    pub mtta: PublishedMedian,
    pub mttc: PublishedMedian,
    pub mttr: PublishedMedian,
}

/// Whole calendar months of a year, or of one quarter (1–4) of it.
pub fn national_window(year: i32, quarter: Option<u32>) -> Option<Window> {
    let (first, last) = match quarter {
        None => (1, 12),
        Some(q @ 1..=4) => (3 * q - 2, 3 * q),
        Some(_) => return None,
    };
    let from = NaiveDate::from_ymd_opt(year, first, 1)?;
    let after =
        NaiveDate::from_ymd_opt(year, last, 1)?.checked_add_months(chrono::Months::new(1))?;
    Some(Window {
        from,
        to: after - Duration::days(1),
    })
}

pub fn national(
    conn: &mut DbConn,
    actor: &Actor,
    year: i32,
    quarter: Option<u32>,
    min_cell: u64,
    now: NaiveDateTime,
) -> AppResult<National> {
    authz::require(actor, Action::ReadNationalStats)?;
    let window = national_window(year, quarter)
        .ok_or_else(|| AppError::field("quarter", "must be 1, 2, 3 or 4"))?;
    let cohort = load(conn, IncidentScope::All, window, now)?.genuine();
    let cells = |by: GroupBy, keys: Vec<String>| -> Vec<Cell> {
        let counts: HashMap<String, u64> = cohort
            .group(by)
            .into_iter()
            .map(|g| (g.key, g.figures.reported))
            .collect();
        keys.into_iter()
            .map(|key| Cell {
                count: kpi::suppress(counts.get(&key).copied().unwrap_or(0), min_cell),
                key,
            })
            .collect()
    };
    let totals = cohort.totals();
    let median = |summary: Option<kpi::Summary>, n: u64| PublishedMedian {
        median_seconds: kpi::suppress(n, min_cell).and(summary.map(|s| s.median)),
        incidents: kpi::suppress(n, min_cell),
    };
    Ok(National {
        by_class: cells(GroupBy::Class, national_keys::classes()),
        by_sector: cells(GroupBy::Sector, national_keys::sectors()),
        by_severity: cells(
            GroupBy::Severity,
            SEVERITY_KEYS.iter().map(|s| s.to_string()).collect(),
        ),
        by_month: cells(
            GroupBy::Month,
            kpi::buckets(GroupBy::Month, window.from, window.end().date())
                .into_iter()
                .map(|m| kpi::bucket_key(GroupBy::Month, m))
                .collect(),
        ),
        total: kpi::suppress(totals.reported, min_cell),
        mtta: median(totals.mtta, totals.acknowledged),
        mttc: median(totals.mttc, totals.contained),
        mttr: median(totals.mttr, totals.closed),
        year,
        quarter,
        window,
        min_cell,
    })
}

/// Every row a published table lists, whether or not it has incidents, so that a withheld cell
/// is not told apart from an absent one.
mod national_keys {
    use crate::domain::reference_data;

    pub fn classes() -> Vec<String> {
        let mut classes: Vec<String> = Vec::new();
        for t in reference_data::rsit_types() {
            if !classes.contains(&t.class) {
                classes.push(t.class.clone());
            }
        }
        classes.sort();
        classes
    }

    pub fn sectors() -> Vec<String> {
        let mut sectors: Vec<String> = reference_data::sectors()
            .iter()
            .map(|s| s.sector.clone())
            .collect();
        sectors.push("none".to_owned());
        sectors
    }
}
