//! Which rows a caller sees. Each scope is a value the services hand to `db::models`, which
//! turns it into SQL; nothing else decides visibility.

use crate::{auth::Actor, domain::Role};

use super::{allows, Action};

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

impl OrganisationScope {
    /// The one organisation a narrowed scope keeps, for filters that take `Option<i64>`.
    pub fn only(self) -> Option<i64> {
        match self {
            Self::All => None,
            Self::Only(id) => Some(id),
        }
    }
}

/// For which organisations a caller may file an incident: CERT staff for any (on a victim's
/// behalf), reporters only for their own. Whether they may file at all is `CreateIncident`.
pub fn filing_scope(actor: &Actor) -> OrganisationScope {
    if actor.role.is_cert_staff() {
        OrganisationScope::All
    } else {
        OrganisationScope::Only(actor.organisation_id)
    }
}

/// Whose assets a caller sees in the registry and on incidents: CERT staff and auditors every
/// organisation's, reporters their own organisation's. Whether they see assets at all is
/// `Action::ReadAssets` (liaisons do not).
pub fn asset_scope(actor: &Actor) -> OrganisationScope {
    if allows(actor.role, Action::ManageAssets) || actor.role == Role::Auditor {
        OrganisationScope::All
    } else {
        OrganisationScope::Only(actor.organisation_id)
    }
}

/// Whether a page may show a person's own name to the caller. The staff directory
/// (`ListUsers`) is the CERT's; outsiders see the names of their own colleagues, and for
/// anyone else only the name of that person's organisation.
pub fn may_see_name(actor: &Actor, person_organisation_id: i64) -> bool {
    allows(actor.role, Action::ListUsers) || person_organisation_id == actor.organisation_id
}

/// Whose risks, asset vulnerabilities and exposure a caller sees and (with `ManageRisks`)
/// changes: CERT staff and auditors every organisation's, reporters their own. Liaisons are
/// refused by `Action::ReadRisks` before any scope is taken.
pub fn risk_scope(actor: &Actor) -> OrganisationScope {
    if actor.role.is_cert_staff() || actor.role == Role::Auditor {
        OrganisationScope::All
    } else {
        OrganisationScope::Only(actor.organisation_id)
    }
}
