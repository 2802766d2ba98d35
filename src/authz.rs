//! The one authorization policy. Deny by default: an action is allowed only where this table
//! says so, and list queries take their visibility filter from here.

use crate::{auth::Actor, domain::Role, error::AppError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create and change organisations.
    ManageOrganisations,
    /// See organisations (scope from `organisation_scope`).
    ListOrganisations,
    /// Create users, change roles, deactivate.
    ManageUsers,
    /// See the staff directory.
    ListUsers,
    /// Read the audit log and verify chains.
    ReadAudit,
    /// File an incident (reporters: for their own organisation).
    CreateIncident,
    /// See incidents at all (which ones: `incident_scope`).
    ReadIncidents,
    /// Change an incident's details.
    EditIncident,
    /// Give an incident to a responder.
    AssignIncident,
    /// Internal comments, tasks and the history: the CERT's own working notes.
    ReadInternal,
    /// Write internal comments.
    CommentInternal,
    /// Write comments the reporter side sees.
    CommentShared,
    /// Create and update tasks.
    ManageTasks,
    /// Share an incident with another organisation.
    ShareIncident,
    /// Register, change and approve assets of any organisation.
    ManageAssets,
    /// Propose assets of one's own organisation (approved later by the CERT).
    ProposeAssets,
    /// See the registry (outsiders: their own organisation's assets).
    ReadAssets,
    /// See the mail outbox and send failed mail again.
    ManageOutbox,
    /// Upload evidence to a visible incident (reporters: their own organisation's incidents).
    UploadEvidence,
    /// See evidence metadata and custody, and download (which scope: `evidence_scope`).
    ReadEvidence,
    /// Record transferred, sealed, returned, destroyed.
    RecordCustody,
}

pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ManageOrganisations | ManageUsers | ManageOutbox => role == Admin,
        ListOrganisations => true,
        ListUsers => matches!(role, Admin | Coordinator | Responder | Auditor),
        ReadAudit => matches!(role, Admin | Auditor),
        CreateIncident => matches!(role, Admin | Coordinator | Responder | Reporter),
        ReadIncidents => true,
        EditIncident | CommentInternal | ManageTasks => role.is_cert_staff(),
        AssignIncident | ShareIncident => matches!(role, Admin | Coordinator),
        ReadInternal => role.is_cert_staff() || role == Auditor,
        CommentShared => role != Auditor,
        ManageAssets => role.is_cert_staff(),
        ProposeAssets => role == Reporter,
        ReadAssets => matches!(role, Admin | Coordinator | Responder | Auditor | Reporter),
        UploadEvidence => matches!(role, Admin | Coordinator | Responder | Reporter),
        ReadEvidence => matches!(role, Admin | Coordinator | Responder | Auditor | Reporter),
        RecordCustody => role.is_cert_staff(),
    }
}

pub fn require(actor: &Actor, action: Action) -> Result<(), AppError> {
    if allows(actor.role, action) {
        Ok(())
    } else {
        tracing::info!(user_id = actor.user_id, role = %actor.role, ?action, "denied");
        Err(AppError::Forbidden)
    }
}

/// Which organisations a caller may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrganisationScope {
    All,
    Only(i64),
}

pub fn organisation_scope(actor: &Actor) -> OrganisationScope {
    if actor.role.is_cert_staff() || actor.role == Role::Auditor {
        OrganisationScope::All
    } else {
        OrganisationScope::Only(actor.organisation_id)
    }
}

/// Which incidents a caller may see; `db::models::incident::visible_to` turns it into SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncidentScope {
    All,
    /// The reporter side: incidents of their own organisation.
    Organisation(i64),
    /// Agencies: incidents shared with their organisation, up to the share's TLP ceiling.
    SharedWith(i64),
}

pub fn incident_scope(actor: &Actor) -> IncidentScope {
    match actor.role {
        Role::Admin | Role::Coordinator | Role::Responder | Role::Auditor => IncidentScope::All,
        Role::Reporter => IncidentScope::Organisation(actor.organisation_id),
        Role::Liaison => IncidentScope::SharedWith(actor.organisation_id),
    }
}

/// Which evidence a caller may see: that of the incidents they see and, for the reporter side,
/// only what their own organisation uploaded (never evidence the CERT or others collected).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvidenceScope {
    pub incidents: IncidentScope,
    pub uploaded_by_organisation: Option<i64>,
}

pub fn evidence_scope(actor: &Actor) -> EvidenceScope {
    EvidenceScope {
        incidents: incident_scope(actor),
        uploaded_by_organisation: match actor.role {
            Role::Admin | Role::Coordinator | Role::Responder | Role::Auditor => None,
            Role::Reporter | Role::Liaison => Some(actor.organisation_id),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Role::*;

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
        let actor = |role| Actor {
            user_id: 1,
            email: "x@y.az".into(),
            display_name: "X".into(),
            role,
            organisation_id: 7,
            locale: Default::default(),
            ip: None,
        };
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
}
