//! The audit log as CSV: paging rules for downloads and RFC 4180 output.

use crate::{
    api::extract::PageQuery,
    db::models::{audit::AuditEvent, cursor, Page},
    domain::time,
    error::FieldErrors,
};

/// Most rows one CSV download holds; `X-Next-Cursor` continues from there.
pub const CSV_MAX_ROWS: i64 = 50_000;

/// Like `PageQuery::page`, with the larger limit of a download.
pub fn csv_page(page: &PageQuery, errors: &mut FieldErrors) -> Page {
    let limit = match page.limit.as_deref().map(str::trim) {
        None | Some("") => CSV_MAX_ROWS,
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if (1..=CSV_MAX_ROWS).contains(&n) => n,
            _ => {
                errors.add(
                    "limit",
                    format!("must be a number from 1 to {CSV_MAX_ROWS}"),
                );
                CSV_MAX_ROWS
            }
        },
    };
    let after = page
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .and_then(|raw| {
            let decoded = cursor::decode(raw);
            if decoded.is_none() {
                errors.add("cursor", "is not a cursor returned by this list");
            }
            decoded
        });
    Page { limit, after }
}

/// RFC 4180 CSV. Text cells that a spreadsheet would run as a formula get a leading `'`.
pub fn to_csv(rows: &[AuditEvent]) -> String {
    fn cell(out: &mut String, value: &str, text: bool) {
        let risky = text && value.starts_with(['=', '+', '-', '@', '\t', '\r']);
        let value = if risky {
            format!("'{value}")
        } else {
            value.to_owned()
        };
        if value.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&value.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&value);
        }
    }
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut out = String::from(
        "id,stream,seq,at,actor_id,actor_ip,action,entity_type,entity_id,incident_id,details,prev_hash,hash\r\n",
    );
    for e in rows {
        let cells = [
            (e.id.to_string(), false),
            (e.stream.clone(), true),
            (e.seq.to_string(), false),
            (time::rfc3339(e.at), false),
            (opt(e.actor_id), false),
            (e.actor_ip.clone().unwrap_or_default(), true),
            (e.action.clone(), true),
            (e.entity_type.clone(), true),
            (opt(e.entity_id), false),
            (opt(e.incident_id), false),
            (e.details.clone(), true),
            (e.prev_hash.clone(), false),
            (e.hash.clone(), false),
        ];
        for (i, (value, text)) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            cell(&mut out, value, *text);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::audit::tests::event;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let csv = to_csv(&[event(r#"{"a":"b,\"c\""}"#)]);
        let line = csv.lines().nth(1).unwrap();
        assert!(line.contains(",'=cmd,"), "{line}");
        assert!(line.contains(r#","{""a"":""b,\""c\""""}","#), "{line}");
    }
}
