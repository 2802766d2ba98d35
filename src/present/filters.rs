//! Filters as both edges receive them: the incident list's query (API query string and web
//! form alike) checked into the filter the incident services take.

use serde::Deserialize;

use crate::{
    domain::{
        incident::{parse_category, Severity, Tlp},
        search,
        workflow::Status,
    },
    error::FieldErrors,
    services::{
        cursor,
        rows::{Incident, IncidentFilter},
    },
};

/// Parses an optional integer query parameter: empty means "not given".
pub fn optional_id(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> Option<i64> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(v) => errors.check(
            field,
            v.parse::<i64>()
                .map_err(|_| "must be an integer id".to_owned()),
        ),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// One status or several separated by commas (`new,triage`).
    pub status: Option<String>,
    pub severity: Option<String>,
    pub category: Option<String>,
    pub organisation_id: Option<String>,
    /// A user id, or `none` for unassigned incidents.
    pub assignee_id: Option<String>,
    pub tlp: Option<String>,
    /// Text in the reference, title or description; case and Azerbaijani letters are folded.
    pub q: Option<String>,
    /// `true`: only incidents whose next SLA deadline has already passed unmet.
    pub overdue: Option<String>,
    /// `newest` (default) or `due`: the next pending SLA deadline first, those without last.
    pub sort: Option<String>,
}

/// The cursor after an incident in the list's order (`sort=due` pages by due time, then id).
pub fn cursor_after(filter: &IncidentFilter, incident: &Incident) -> String {
    if filter.sort_due {
        cursor::encode_at(incident.sla_facts().queue_key(), incident.id)
    } else {
        cursor::encode(incident.id)
    }
}

/// Reads a list cursor: the id to page after for the newest-first order (returned), or the due
/// time and id for `sort=due` (set on the filter). A cursor of another list or order is 422.
pub fn apply_cursor(
    raw: Option<&str>,
    filter: &mut IncidentFilter,
    errors: &mut FieldErrors,
) -> Option<i64> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    if filter.sort_due {
        filter.after_due = cursor::decode_at(raw);
        if filter.after_due.is_none() {
            errors.add("cursor", "is not a cursor returned by this list");
        }
        return None;
    }
    let id = cursor::decode(raw);
    if id.is_none() {
        errors.add("cursor", "is not a cursor returned by this list");
    }
    id
}

pub fn parse_filter(query: &IncidentQuery, errors: &mut FieldErrors) -> IncidentFilter {
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut statuses = Vec::new();
    for part in nonempty(&query.status)
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
    {
        if let Some(s) = errors.check("status", Status::parse(part)) {
            statuses.push(s.as_str().to_owned());
        }
    }
    let overdue = match nonempty(&query.overdue).as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.add("overdue", "must be true or false");
            false
        }
    };
    let sort_due = match nonempty(&query.sort).as_deref() {
        None | Some("newest") => false,
        Some("due") => true,
        Some(_) => {
            errors.add("sort", "must be newest or due");
            false
        }
    };
    IncidentFilter {
        overdue_at: overdue.then(crate::domain::time::now),
        sort_due,
        after_due: None,
        statuses,
        severity: nonempty(&query.severity)
            .and_then(|s| errors.check("severity", Severity::parse_lenient(&s)))
            .map(|s| s.as_str().to_owned()),
        category: nonempty(&query.category)
            .and_then(|c| errors.check("category", parse_category(&c))),
        organisation_id: optional_id(errors, "organisation_id", query.organisation_id.as_deref()),
        assignee_id: match nonempty(&query.assignee_id).as_deref() {
            None => None,
            Some("none") => Some(None),
            Some(raw) => optional_id(errors, "assignee_id", Some(raw)).map(Some),
        },
        tlp: nonempty(&query.tlp)
            .and_then(|t| errors.check("tlp", Tlp::parse_lenient(&t)))
            .map(|t| t.as_str().to_owned()),
        search_pattern: nonempty(&query.q).and_then(|q| {
            let checked = if q.chars().count() > 200 {
                Err("must be at most 200 characters long".to_owned())
            } else {
                Ok(q)
            };
            errors
                .check("q", checked)
                .map(|q| search::contains_pattern(&q))
        }),
    }
}
