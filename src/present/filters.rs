//! Filters as both edges receive them: the incident list's query (API query string and web
//! form alike) checked into the filter the incident services take.

use serde::Deserialize;

use crate::{
    domain::{
        attack::parse_technique_id,
        incident::{parse_category, Severity, Tlp},
        reference_data, search,
        workflow::Status,
    },
    error::FieldErrors,
    services::{
        cursor,
        rows::{Incident, IncidentFilter, OverdueKind, OPEN_STATUSES},
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
    /// One status or several separated by commas (`new,triage`); `open` is every status still
    /// being worked (new, triage, containment, eradication, recovery).
    pub status: Option<String>,
    /// A severity, or `none` for incidents not assessed yet.
    pub severity: Option<String>,
    pub category: Option<String>,
    pub organisation_id: Option<String>,
    /// A user id, or `none` for unassigned incidents.
    pub assignee_id: Option<String>,
    pub tlp: Option<String>,
    /// Text in the reference, title or description; case and Azerbaijani letters are folded.
    pub q: Option<String>,
    /// `true`: only incidents whose next SLA deadline has already passed unmet; `ack`,
    /// `contain` or `resolve`: open incidents past that kind of deadline, not met.
    pub overdue: Option<String>,
    /// `newest` (default) or `due`: the next pending SLA deadline first, those without last.
    pub sort: Option<String>,
    /// Reported at or after this time (RFC 3339, or a date `2026-03-01` meaning its midnight UTC).
    pub reported_from: Option<String>,
    /// Reported before this time (RFC 3339 or a date).
    pub reported_before: Option<String>,
    /// The reporting organisation's NIS2 sector code, or `none` for organisations without one.
    pub sector: Option<String>,
    /// An RSIT class (`fraud`): any of its types.
    pub class: Option<String>,
    /// An ATT&CK technique id (`T1566`): incidents tagged with it or one of its sub-techniques
    /// (CERT staff and auditors only).
    pub technique: Option<String>,
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

/// A time bound of a filter: RFC 3339, or a date meaning its midnight UTC.
pub fn parse_bound(raw: &str) -> Result<chrono::NaiveDateTime, String> {
    let raw = raw.trim();
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.naive_utc())
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(crate::domain::kpi::midnight)
        })
        .map_err(|_| "must be an RFC 3339 time or a date such as 2026-03-01".to_owned())
}

fn parse_class(raw: &str) -> Result<Vec<String>, String> {
    let types: Vec<String> = reference_data::rsit_types()
        .filter(|t| t.class == raw.trim())
        .map(|t| t.type_name.clone())
        .collect();
    if types.is_empty() {
        Err("is not an RSIT class (e.g. fraud, availability, intrusions)".to_owned())
    } else {
        Ok(types)
    }
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
        .replace("open", &OPEN_STATUSES.join(","))
        .split(',')
        .filter(|s| !s.trim().is_empty())
    {
        if let Some(s) = errors.check("status", Status::parse(part)) {
            statuses.push(s.as_str().to_owned());
        }
    }
    let (overdue, overdue_kind) = match nonempty(&query.overdue).as_deref() {
        None | Some("false") => (false, None),
        Some("true") => (true, None),
        Some("ack") => (false, Some(OverdueKind::Acknowledge)),
        Some("contain") => (false, Some(OverdueKind::Contain)),
        Some("resolve") => (false, Some(OverdueKind::Resolve)),
        Some(_) => {
            errors.add("overdue", "must be true, false, ack, contain or resolve");
            (false, None)
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
    let severity = nonempty(&query.severity);
    let no_severity = severity.as_deref() == Some("none");
    let bound = |errors: &mut FieldErrors, field: &str, raw: &Option<String>| {
        nonempty(raw).and_then(|v| errors.check(field, parse_bound(&v)))
    };
    IncidentFilter {
        overdue_at: overdue.then(crate::domain::time::now),
        sort_due,
        after_due: None,
        statuses,
        no_severity,
        severity: severity
            .filter(|_| !no_severity)
            .and_then(|s| errors.check("severity", Severity::parse_lenient(&s)))
            .map(|s| s.as_str().to_owned()),
        reported_from: bound(errors, "reported_from", &query.reported_from),
        reported_before: bound(errors, "reported_before", &query.reported_before),
        sector: match nonempty(&query.sector).as_deref() {
            None => None,
            Some("none") => Some(None),
            Some(raw) => errors
                .check("sector", reference_data::parse_sector(raw))
                .map(Some),
        },
        categories: nonempty(&query.class)
            .and_then(|c| errors.check("class", parse_class(&c)))
            .unwrap_or_default(),
        overdue_kind: overdue_kind.map(|kind| (kind, crate::domain::time::now())),
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
        technique: nonempty(&query.technique)
            .and_then(|t| errors.check("technique", parse_technique_id(&t)))
            .map(|t| t.id.clone()),
    }
}
