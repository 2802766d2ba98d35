use super::*;
use crate::domain::workflow::{is_edge, Status};
use Action::*;
use Role::*;

fn actor(role: Role) -> Actor {
    Actor {
        user_id: 1,
        email: "x@y.az".into(),
        display_name: "X".into(),
        role,
        organisation_id: 7,
        locale: Default::default(),
        ip: None,
    }
}

/// The whole table, written out so that a change to the policy shows up here as a diff.
#[test]
fn policy_table() {
    let expected: &[(Action, &[Role])] = &[
        (ManageOrganisations, &[Admin]),
        (ManageUsers, &[Admin]),
        (
            ListOrganisations,
            &[Admin, Coordinator, Responder, Auditor, Reporter, Liaison],
        ),
        (ListUsers, &[Admin, Coordinator, Responder, Auditor]),
        (ReadAudit, &[Admin, Auditor]),
        (CreateIncident, &[Admin, Coordinator, Responder, Reporter]),
        (
            ReadIncidents,
            &[Admin, Coordinator, Responder, Auditor, Reporter, Liaison],
        ),
        (EditIncident, &[Admin, Coordinator, Responder]),
        (MoveIncidents, &[Admin, Coordinator, Responder]),
        (AssignIncident, &[Admin, Coordinator]),
        (ReadInternal, &[Admin, Coordinator, Responder, Auditor]),
        (CommentInternal, &[Admin, Coordinator, Responder]),
        (
            CommentShared,
            &[Admin, Coordinator, Responder, Reporter, Liaison],
        ),
        (ManageTasks, &[Admin, Coordinator, Responder]),
        (ShareIncident, &[Admin, Coordinator]),
        (ManageAssets, &[Admin, Coordinator, Responder]),
        (ProposeAssets, &[Reporter]),
        (
            ReadAssets,
            &[Admin, Coordinator, Responder, Auditor, Reporter],
        ),
        (ManageOutbox, &[Admin]),
        (UploadEvidence, &[Admin, Coordinator, Responder, Reporter]),
        (
            ReadEvidence,
            &[Admin, Coordinator, Responder, Auditor, Reporter],
        ),
        (RecordCustody, &[Admin, Coordinator, Responder]),
        (
            ReadRisks,
            &[Admin, Coordinator, Responder, Auditor, Reporter],
        ),
        (ManageRisks, &[Admin, Coordinator, Responder, Reporter]),
        (ManageVulnerabilities, &[Admin, Coordinator, Responder]),
        (ReadSlaPolicies, &[Admin, Coordinator, Responder, Auditor]),
        (ManageSlaPolicies, &[Admin]),
        (
            ReadReports,
            &[Admin, Coordinator, Responder, Auditor, Reporter],
        ),
        (SubmitReports, &[Admin, Coordinator, Responder, Reporter]),
        (RequestReports, &[Admin, Coordinator, Responder]),
        (AcknowledgeReports, &[Admin, Coordinator]),
        (ReadDashboard, &[Admin, Coordinator, Responder, Auditor]),
        (ReadNationalStats, &[Admin, Coordinator, Responder, Auditor]),
        (
            ReadIndicators,
            &[Admin, Coordinator, Responder, Auditor, Reporter],
        ),
        (ReadTechniques, &[Admin, Coordinator, Responder, Auditor]),
        (TagTechniques, &[Admin, Coordinator, Responder]),
        (Suggest, &[Admin, Coordinator, Responder]),
    ];
    for (action, allowed) in expected {
        for role in Role::ALL {
            assert_eq!(
                allows(*role, *action),
                allowed.contains(role),
                "{role} {action:?}"
            );
        }
    }
}

#[test]
fn outsiders_see_only_their_organisation() {
    assert_eq!(
        organisation_scope(&actor(Reporter)),
        OrganisationScope::Only(7)
    );
    assert_eq!(
        organisation_scope(&actor(Liaison)),
        OrganisationScope::Only(7)
    );
    assert_eq!(organisation_scope(&actor(Auditor)), OrganisationScope::All);
    assert_eq!(
        evidence_scope(&actor(Reporter)).uploaded_by_organisation,
        Some(7)
    );
    assert_eq!(
        evidence_scope(&actor(Auditor)).uploaded_by_organisation,
        None
    );
    assert_eq!(
        organisation_scope(&actor(Responder)),
        OrganisationScope::All
    );
}

/// Every move of the workflow, and who may make it, written out like the table above.
#[test]
fn move_table() {
    use Status::*;
    let everyone_staff: &[Role] = &[Admin, Coordinator, Responder];
    let coordinators: &[Role] = &[Admin, Coordinator];
    let expected: &[((Status, Status), &[Role])] = &[
        ((New, Triage), everyone_staff),
        ((New, Rejected), coordinators),
        ((New, Merged), coordinators),
        ((Triage, Containment), everyone_staff),
        ((Triage, Closed), coordinators),
        ((Triage, Rejected), coordinators),
        ((Triage, Merged), coordinators),
        ((Containment, Eradication), everyone_staff),
        ((Containment, Recovery), everyone_staff),
        ((Eradication, Recovery), everyone_staff),
        ((Recovery, Closed), coordinators),
        ((Closed, Triage), coordinators),
        ((Rejected, Triage), coordinators),
    ];
    let mut edges = 0;
    for from in Status::ALL {
        for to in Status::ALL {
            if !is_edge(*from, *to) {
                continue;
            }
            edges += 1;
            let (_, allowed) = expected
                .iter()
                .find(|(edge, _)| *edge == (*from, *to))
                .unwrap_or_else(|| panic!("{from} -> {to} is a move missing from this table"));
            for role in Role::ALL {
                assert_eq!(
                    may_move(*role, *from, *to),
                    allowed.contains(role),
                    "{role} {from} -> {to}"
                );
            }
        }
    }
    assert_eq!(edges, expected.len());
}

#[test]
fn assets_and_filings_of_other_organisations() {
    for (role, scope) in [
        (Admin, OrganisationScope::All),
        (Coordinator, OrganisationScope::All),
        (Responder, OrganisationScope::All),
        (Auditor, OrganisationScope::All),
        (Reporter, OrganisationScope::Only(7)),
        (Liaison, OrganisationScope::Only(7)),
    ] {
        assert_eq!(asset_scope(&actor(role)), scope, "{role}");
        // Filing on another organisation's behalf is for the CERT alone (auditors and
        // liaisons may not file at all: CreateIncident).
        let files_for = if matches!(role, Admin | Coordinator | Responder) {
            OrganisationScope::All
        } else {
            OrganisationScope::Only(7)
        };
        assert_eq!(filing_scope(&actor(role)), files_for, "{role}");
    }
    assert_eq!(OrganisationScope::Only(7).only(), Some(7));
    assert_eq!(OrganisationScope::All.only(), None);
}

#[test]
fn names_of_people_elsewhere_are_for_the_cert_and_auditors() {
    for role in Role::ALL {
        let insider = matches!(role, Admin | Coordinator | Responder | Auditor);
        assert!(may_see_name(&actor(*role), 7), "{role}: own organisation");
        assert_eq!(may_see_name(&actor(*role), 8), insider, "{role}: another");
    }
}

#[test]
fn risks_of_other_organisations_are_for_the_cert_and_auditors() {
    assert_eq!(risk_scope(&actor(Responder)), OrganisationScope::All);
    assert_eq!(risk_scope(&actor(Auditor)), OrganisationScope::All);
    assert_eq!(risk_scope(&actor(Reporter)), OrganisationScope::Only(7));
    assert!(!allows(Liaison, ReadRisks) && !allows(Auditor, ManageRisks));
}
