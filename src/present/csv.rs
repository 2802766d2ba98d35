//! The audit log as CSV (RFC 4180), the same bytes from the API and the web page.

use crate::{domain::time, services::rows::AuditEvent};

/// Most rows one CSV download holds; `X-Next-Cursor` continues from there.
pub const CSV_MAX_ROWS: i64 = 50_000;

/// One RFC 4180 cell. Text cells that a spreadsheet would run as a formula get a leading `'`.
pub fn cell(out: &mut String, value: &str, text: bool) {
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

/// RFC 4180 CSV. Text cells that a spreadsheet would run as a formula get a leading `'`.
pub fn to_csv(rows: &[AuditEvent]) -> String {
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
