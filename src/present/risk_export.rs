//! The risk register as CSV (RFC 4180), for the register page's download.

use std::collections::HashMap;

use crate::{domain::time, services::rows::Risk};

/// A text cell a spreadsheet would run as a formula gets a leading `'`.
fn safe(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

pub fn register_csv(risks: &[Risk], organisations: &HashMap<i64, String>) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let header = [
        "id",
        "organisation",
        "title",
        "threat",
        "likelihood",
        "impact",
        "score",
        "level",
        "treatment",
        "treatment_due",
        "review_at",
        "residual_likelihood",
        "residual_impact",
        "review_due",
        "owner_id",
        "updated_at",
    ];
    let _ = out.write_record(header);
    let opt = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in risks {
        let organisation = organisations
            .get(&r.organisation_id)
            .cloned()
            .unwrap_or_default();
        let record = [
            r.id.to_string(),
            safe(&organisation),
            safe(&r.title),
            r.threat.clone(),
            r.likelihood.to_string(),
            r.impact.to_string(),
            r.score.to_string(),
            r.level.clone(),
            r.treatment.clone(),
            r.treatment_due.clone().unwrap_or_default(),
            r.review_at.clone().unwrap_or_default(),
            opt(r.residual_likelihood),
            opt(r.residual_impact),
            r.review_due.to_string(),
            r.owner_id.map(|o| o.to_string()).unwrap_or_default(),
            time::rfc3339(r.updated_at),
        ];
        let _ = out.write_record(&record);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_commas_quoted() {
        let now = time::now();
        let risk = Risk {
            id: 3,
            organisation_id: 1,
            title: "=HYPERLINK(\"x\"), or worse".into(),
            description: String::new(),
            threat: "ransomware".into(),
            likelihood: 5,
            impact: 4,
            score: 20,
            level: "critical".into(),
            owner_id: None,
            treatment: "mitigate".into(),
            treatment_plan: None,
            treatment_due: Some("2027-01-31".into()),
            review_at: None,
            residual_likelihood: Some(2),
            residual_impact: None,
            review_due: true,
            review_incident_id: None,
            last_reviewed_at: now,
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        let names = HashMap::from([(1, "Su, Kanal".to_owned())]);
        let text = register_csv(&[risk], &names);
        let mut lines = text.split("\r\n");
        assert!(lines
            .next()
            .unwrap()
            .starts_with("id,organisation,title,threat"));
        let row = lines.next().unwrap();
        assert!(
            row.starts_with(
                "3,\"Su, Kanal\",\"'=HYPERLINK(\"\"x\"\"), or worse\",ransomware,5,4,20,critical"
            ),
            "{row}"
        );
        assert!(row.contains(",2027-01-31,,2,,true,,"), "{row}");
    }
}
