//! Checks of what people type about incidents (and the tasks, assets and accounts that share
//! the same rules): text limits, times, and the folded search key.

use chrono::{DateTime, Duration, NaiveDateTime};

use crate::{
    domain::{search, time},
    error::FieldErrors,
};

/// Text limits in characters, not bytes: Azerbaijani and Russian letters take two bytes.
pub fn check_text(
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
    max: usize,
    required: bool,
) -> Option<String> {
    errors.check(field, text(max, required)(raw))
}

/// The rule of `check_text`, trimmed text of at most `max` characters, for `FieldErrors::patched`.
pub fn text(max: usize, required: bool) -> impl Fn(&str) -> Result<String, String> {
    move |raw| {
        let value = raw.trim();
        match value.chars().count() {
            0 if required => Err("must not be empty".to_owned()),
            n if n > max => Err(format!("must be at most {max} characters long")),
            _ => Ok(value.to_owned()),
        }
    }
}

pub fn parse_time(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<NaiveDateTime> {
    let parsed = DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.naive_utc())
        .map_err(|_| "must be an RFC 3339 time, e.g. 2026-11-24T09:30:00Z".to_owned());
    errors.check(field, parsed)
}

pub(super) fn check_detected_at(
    errors: &mut FieldErrors,
    raw: Option<&str>,
) -> Option<Option<NaiveDateTime>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(raw) => {
            let parsed = parse_time(errors, "detected_at", raw)?;
            if parsed > time::now() + Duration::minutes(5) {
                errors.add("detected_at", "cannot be in the future");
                return None;
            }
            Some(Some(parsed))
        }
    }
}

pub fn search_key(reference: &str, title: &str, description: &str) -> String {
    search::fold(&format!("{reference}\n{title}\n{description}"))
}
