//! Time as the system stores it: UTC, truncated to microseconds (PostgreSQL's precision), so a
//! value reads back exactly as it was written and hashes the same on both databases.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

pub fn to_utc(value: NaiveDateTime) -> DateTime<Utc> {
    value.and_utc()
}

/// RFC 3339 with microseconds and `Z`: the one textual form used in hashes and exports.
pub fn rfc3339(value: NaiveDateTime) -> String {
    value
        .and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
