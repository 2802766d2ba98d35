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
    services::rows::IncidentFilter,
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
    IncidentFilter {
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
