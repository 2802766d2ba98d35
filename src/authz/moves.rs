//! Who may move an incident through the workflow. Which moves exist and what each needs is
//! `domain::workflow`; this is only the role rule, so the policy stays in one place.

use crate::{
    auth::Actor,
    domain::{
        workflow::{is_reopen, Status},
        Role,
    },
    error::AppError,
};

use super::{allows, Action};

/// Responders work an incident up to recovery; closing, rejecting, merging and reopening are
/// decisions for a coordinator (or an admin). Roles without `MoveIncidents` may make no move.
pub fn may_move(role: Role, from: Status, to: Status) -> bool {
    if !allows(role, Action::MoveIncidents) {
        return false;
    }
    match role {
        Role::Admin | Role::Coordinator => true,
        Role::Responder => {
            !is_reopen(from, to)
                && matches!(
                    to,
                    Status::Triage | Status::Containment | Status::Eradication | Status::Recovery
                )
        }
        Role::Auditor | Role::Reporter | Role::Liaison => false,
    }
}

/// [`may_move`] for a service: 403, logged like every refusal of `require`.
pub fn require_move(actor: &Actor, from: Status, to: Status) -> Result<(), AppError> {
    if may_move(actor.role, from, to) {
        Ok(())
    } else {
        tracing::info!(user_id = actor.user_id, role = %actor.role, %from, %to, "move denied");
        Err(AppError::Forbidden)
    }
}
