//! The one authorization policy. Deny by default: an action is allowed only where this table
//! says so, and list queries take their visibility filter from here.
//!
//! `mod.rs` holds the role × action table; `scopes.rs` which rows each caller sees (incidents,
//! organisations, evidence, assets, people's names); `moves.rs` who may move an incident from
//! one status to another (the moves themselves and their guards are `domain::workflow`).

mod moves;
mod scopes;

pub use moves::{may_move, require_move};
pub use scopes::{
    asset_scope, evidence_scope, filing_scope, incident_scope, may_see_name, organisation_scope,
    risk_scope, EvidenceScope, IncidentScope, OrganisationScope,
};

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
    /// Move incidents through the workflow at all (which moves: `may_move`).
    MoveIncidents,
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
    /// See risks, vulnerabilities and exposure (which organisations: `risk_scope`).
    ReadRisks,
    /// Register and change risks and asset vulnerabilities (reporters: their own organisation's).
    ManageRisks,
    /// Load KEV and EPSS files and record vulnerabilities with CVSS vectors.
    ManageVulnerabilities,
    /// See the SLA targets per severity.
    ReadSlaPolicies,
    /// Change the SLA targets (applies to open incidents' pending deadlines).
    ManageSlaPolicies,
    /// See an incident's NIS2 reporting stages and submissions.
    ReadReports,
    /// Mark an incident significant and submit its NIS2 reports (reporters: their own
    /// organisation's incidents; the CERT on the entity's behalf).
    SubmitReports,
    /// Ask the entity for an intermediate report.
    RequestReports,
    /// Answer an early warning.
    AcknowledgeReports,
    /// The situation dashboard: every open incident at a glance.
    ReadDashboard,
    /// Performance indicators over the incidents one sees (reporters: their organisation's).
    ReadIndicators,
    /// The national statistics prepared for publication.
    ReadNationalStats,
    /// See ATT&CK technique tags (and filter by them): the CERT's analysis.
    ReadTechniques,
    /// Add and remove technique tags.
    TagTechniques,
    /// Ask the models for technique, category and similar-incident suggestions.
    Suggest,
}

pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ManageOrganisations | ManageUsers | ManageOutbox | ManageSlaPolicies => role == Admin,
        ReadSlaPolicies => role.is_cert_staff() || role == Auditor,
        ListOrganisations => true,
        ListUsers => matches!(role, Admin | Coordinator | Responder | Auditor),
        ReadAudit => matches!(role, Admin | Auditor),
        CreateIncident => matches!(role, Admin | Coordinator | Responder | Reporter),
        ReadIncidents => true,
        EditIncident | MoveIncidents | CommentInternal | ManageTasks => role.is_cert_staff(),
        AssignIncident | ShareIncident => matches!(role, Admin | Coordinator),
        ReadInternal => role.is_cert_staff() || role == Auditor,
        CommentShared => role != Auditor,
        ManageAssets => role.is_cert_staff(),
        ProposeAssets => role == Reporter,
        ReadAssets => matches!(role, Admin | Coordinator | Responder | Auditor | Reporter),
        UploadEvidence => matches!(role, Admin | Coordinator | Responder | Reporter),
        ReadEvidence => matches!(role, Admin | Coordinator | Responder | Auditor | Reporter),
        RecordCustody => role.is_cert_staff(),
        ReadRisks => matches!(role, Admin | Coordinator | Responder | Auditor | Reporter),
        ManageRisks => role.is_cert_staff() || role == Reporter,
        ManageVulnerabilities => role.is_cert_staff(),
        ReadReports => matches!(role, Admin | Coordinator | Responder | Auditor | Reporter),
        SubmitReports => matches!(role, Admin | Coordinator | Responder | Reporter),
        RequestReports => role.is_cert_staff(),
        AcknowledgeReports => matches!(role, Admin | Coordinator),
        ReadDashboard | ReadNationalStats => role.is_cert_staff() || role == Auditor,
        ReadIndicators => role != Liaison,
        ReadTechniques => role.is_cert_staff() || role == Auditor,
        TagTechniques | Suggest => role.is_cert_staff(),
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

#[cfg(test)]
mod tests;
