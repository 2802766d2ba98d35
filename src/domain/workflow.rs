//! The incident workflow of DESIGN §6 as a pure state machine: which moves exist and what each
//! needs. Who may make which move is policy, in `authz::may_move`.
//!
//! ```text
//!  new ──> triage ──> containment ──> eradication ──> recovery ──> closed
//!   │        │            └───────────────────────────────^            │
//!   │        ├──> closed (resolved at triage)                          │
//!   ├────────┴──> rejected                                             │
//!   └────────┴──> merged                                               │
//!  closed, rejected ──> triage   (reopen: coordinator, reason required) <┘
//! ```

use super::string_enum;

string_enum!(
    Status {
        New => "new",
        Triage => "triage",
        Containment => "containment",
        Eradication => "eradication",
        Recovery => "recovery",
        Closed => "closed",
        Rejected => "rejected",
        Merged => "merged",
    }
);

impl Status {
    /// Still being worked: not closed, rejected or merged.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Rejected | Status::Merged)
    }
}

/// Whether `from → to` is a move of the workflow at all.
pub fn is_edge(from: Status, to: Status) -> bool {
    use Status::*;
    matches!(
        (from, to),
        (New, Triage | Rejected | Merged)
            | (Triage, Containment | Closed | Rejected | Merged)
            | (Containment, Eradication | Recovery)
            | (Eradication, Recovery)
            | (Recovery, Closed)
            | (Closed | Rejected, Triage)
    )
}

pub fn is_reopen(from: Status, to: Status) -> bool {
    matches!(from, Status::Closed | Status::Rejected) && to == Status::Triage
}

/// What the guards look at: the incident as it is, plus what the request brings.
#[derive(Debug, Default)]
pub struct GuardInput<'a> {
    pub incident_id: i64,
    pub category: &'a str,
    pub severity: Option<&'a str>,
    pub assignee_id: Option<i64>,
    pub resolution: Option<&'a str>,
    pub root_cause: Option<&'a str>,
    pub duplicate_of: Option<i64>,
    /// The status of the `duplicate_of` incident, when it exists (and is visible).
    pub duplicate_status: Option<Status>,
    pub reason: Option<&'a str>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a move of the workflow: 409.
    Illegal,
    /// Guard fields missing or wrong: 422, per field.
    Missing(Vec<(&'static str, &'static str)>),
}

fn present(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}

/// Whether `from → to` is a move and the incident and request give what it needs. The caller
/// has already asked `authz::may_move` (a refused role is 403 before any guard is looked at).
pub fn check(from: Status, to: Status, input: &GuardInput) -> Result<(), Refusal> {
    if !is_edge(from, to) {
        return Err(Refusal::Illegal);
    }
    let mut missing = Vec::new();
    if to == Status::Triage {
        missing_classification(from, input, &mut missing);
    }
    if to == Status::Containment && input.assignee_id.is_none() {
        missing.push(("assignee_id", "containment needs an assignee"));
    }
    if to == Status::Closed && !is_reopen(from, to) {
        if !present(input.resolution) {
            missing.push(("resolution", "is required to close an incident"));
        }
        if !present(input.root_cause) {
            missing.push(("root_cause", "is required to close an incident"));
        }
    }
    if to == Status::Merged {
        match (input.duplicate_of, input.duplicate_status) {
            (None, _) => missing.push(("duplicate_of", "is required to merge an incident")),
            (Some(id), _) if id == input.incident_id => {
                missing.push(("duplicate_of", "cannot be the incident itself"))
            }
            (Some(_), None) => {
                missing.push(("duplicate_of", "does not name an incident you can see"))
            }
            (Some(_), Some(Status::Merged)) => {
                missing.push(("duplicate_of", "names an incident that is itself merged"))
            }
            _ => {}
        }
    }
    if is_reopen(from, to) && !present(input.reason) {
        missing.push(("reason", "is required to reopen an incident"));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Missing(missing))
    }
}

/// Work starts at triage, and work needs a classification. A duplicate merged straight from new
/// takes the one of the incident it joins, and a rejected report (spam, out of scope) needs
/// none; a rejected one that is reopened needs it then.
fn missing_classification(
    from: Status,
    input: &GuardInput,
    missing: &mut Vec<(&'static str, &'static str)>,
) {
    let (category, severity) = if from == Status::New {
        (
            "must be set to an RSIT type before the incident leaves new",
            "must be set before the incident leaves new",
        )
    } else {
        (
            "must be set to an RSIT type before the incident is reopened",
            "must be set before the incident is reopened",
        )
    };
    if input.category.is_empty() || input.category == super::incident::UNDETERMINED {
        missing.push(("category", category));
    }
    if !present(input.severity) {
        missing.push(("severity", severity));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    const ALLOWED: &[(Status, Status)] = &[
        (New, Triage),
        (New, Rejected),
        (New, Merged),
        (Triage, Containment),
        (Triage, Closed),
        (Triage, Rejected),
        (Triage, Merged),
        (Containment, Eradication),
        (Containment, Recovery),
        (Eradication, Recovery),
        (Recovery, Closed),
        (Closed, Triage),
        (Rejected, Triage),
    ];

    fn complete(id: i64) -> GuardInput<'static> {
        GuardInput {
            incident_id: id,
            category: "phishing",
            severity: Some("high"),
            assignee_id: Some(7),
            resolution: Some("blocked"),
            root_cause: Some("weak filter"),
            duplicate_of: Some(id + 1),
            duplicate_status: Some(Triage),
            reason: Some("new evidence"),
        }
    }

    #[test]
    fn every_pair_is_allowed_or_refused_as_the_design_says() {
        for from in Status::ALL {
            for to in Status::ALL {
                let expected = ALLOWED.contains(&(*from, *to));
                assert_eq!(is_edge(*from, *to), expected, "{from} -> {to}");
                let result = check(*from, *to, &complete(1));
                if expected {
                    assert_eq!(result, Ok(()), "{from} -> {to}");
                } else {
                    assert_eq!(result, Err(Refusal::Illegal), "{from} -> {to}");
                }
            }
        }
    }

    fn missing_fields(result: Result<(), Refusal>) -> Vec<&'static str> {
        match result {
            Err(Refusal::Missing(m)) => m.into_iter().map(|(f, _)| f).collect(),
            other => panic!("expected missing fields, got {other:?}"),
        }
    }

    #[test]
    fn triage_needs_category_and_severity() {
        let input = GuardInput {
            category: "undetermined",
            severity: None,
            ..complete(1)
        };
        assert_eq!(
            missing_fields(check(New, Triage, &input)),
            ["category", "severity"]
        );
        // Rejecting or merging a report needs no classification of its own.
        assert!(check(New, Rejected, &input).is_ok());
        assert!(check(New, Merged, &input).is_ok());
        assert!(check(Triage, Rejected, &input).is_ok());
        // A report rejected unclassified gets one when it is reopened for work.
        assert_eq!(
            missing_fields(check(Rejected, Triage, &input)),
            ["category", "severity"]
        );
    }

    #[test]
    fn containment_needs_an_assignee() {
        let input = GuardInput {
            assignee_id: None,
            ..complete(1)
        };
        assert_eq!(
            missing_fields(check(Triage, Containment, &input)),
            ["assignee_id"]
        );
    }

    #[test]
    fn closing_needs_resolution_and_root_cause() {
        let input = GuardInput {
            resolution: Some("  "),
            root_cause: None,
            ..complete(1)
        };
        assert_eq!(
            missing_fields(check(Recovery, Closed, &input)),
            ["resolution", "root_cause"]
        );
        assert_eq!(
            missing_fields(check(Triage, Closed, &input)),
            ["resolution", "root_cause"]
        );
    }

    #[test]
    fn merging_needs_another_live_incident() {
        for (dup, status) in [
            (None, None),
            (Some(1), Some(Triage)),
            (Some(2), None),
            (Some(2), Some(Merged)),
        ] {
            let input = GuardInput {
                duplicate_of: dup,
                duplicate_status: status,
                ..complete(1)
            };
            assert_eq!(
                missing_fields(check(Triage, Merged, &input)),
                ["duplicate_of"],
                "{dup:?}"
            );
        }
        let closed_target = GuardInput {
            duplicate_of: Some(2),
            duplicate_status: Some(Closed),
            ..complete(1)
        };
        assert!(check(New, Merged, &closed_target).is_ok());
    }

    #[test]
    fn reopening_needs_a_reason() {
        let input = GuardInput {
            reason: None,
            ..complete(1)
        };
        assert_eq!(missing_fields(check(Closed, Triage, &input)), ["reason"]);
        assert_eq!(missing_fields(check(Rejected, Triage, &input)), ["reason"]);
    }
}
