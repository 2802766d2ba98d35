//! Shapes checked against each other: the JSON view of an audit event is the bundle's, and its
//! CSV row is safe to open in a spreadsheet.

use crate::{
    present::{csv::to_csv, views::AuditEventView},
    services::{audit_export, rows::AuditEvent},
};

fn event(details: &str) -> AuditEvent {
    AuditEvent {
        id: 7,
        stream: "system".into(),
        seq: 3,
        at: chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_micro_opt(10, 0, 0, 120_000)
            .unwrap(),
        actor_id: Some(1),
        actor_ip: Some("=cmd".into()),
        action: "user.created".into(),
        entity_type: "user".into(),
        entity_id: Some(2),
        incident_id: None,
        details: details.into(),
        prev_hash: "a".repeat(64),
        hash: "b".repeat(64),
    }
}

#[test]
fn the_view_is_the_bundle_shape() {
    let e = event(r#"{"email":"x@y.az"}"#);
    let view = serde_json::to_value(AuditEventView::from(e.clone())).unwrap();
    assert_eq!(view, audit_export::event_json(&e));
    assert_eq!(view["at"], "2026-11-24T10:00:00.120000Z");
}

#[test]
fn csv_quotes_and_defuses_formulas() {
    let csv = to_csv(&[event(r#"{"a":"b,\"c\""}"#)]);
    let line = csv.lines().nth(1).unwrap();
    assert!(line.contains(",'=cmd,"), "{line}");
    assert!(line.contains(r#","{""a"":""b,\""c\""""}","#), "{line}");
}
